package ipset

import (
	"net/netip"
	"slices"
)

// Builder collects addresses, prefixes and ranges and turns them into a Set in one sort,
// which is cheaper than a chain of Unions when there are many parts. The zero value is ready.
type Builder struct{ v4, v6 []span }

// AddPrefix adds every address of p; an invalid prefix is ignored.
func (b *Builder) AddPrefix(p netip.Prefix) {
	if sp, is4, ok := prefixSpan(p); ok {
		b.add(sp, is4)
	}
}

// AddAddr adds one address; an invalid address is ignored.
func (b *Builder) AddAddr(a netip.Addr) {
	if a.IsValid() {
		k, is4 := key(a)
		b.add(span{k, k}, is4)
	}
}

// AddRange adds an inclusive range; a reversed, invalid or mixed-family range is ignored.
func (b *Builder) AddRange(r Range) {
	if !r.From.IsValid() || !r.To.IsValid() {
		return
	}
	lo, f1 := key(r.From)
	hi, f2 := key(r.To)
	if f1 != f2 || hi.less(lo) {
		return
	}
	b.add(span{lo, hi}, f1)
}

// AddSet adds every address of s.
func (b *Builder) AddSet(s Set) {
	b.v4 = append(b.v4, s.v4...)
	b.v6 = append(b.v6, s.v6...)
}

// Set returns the collected addresses as a Set. The Builder may be reused afterwards.
func (b *Builder) Set() Set {
	s := Set{normalize(b.v4), normalize(b.v6)}
	b.v4, b.v6 = nil, nil
	return s
}

func (b *Builder) add(sp span, is4 bool) {
	if is4 {
		b.v4 = append(b.v4, sp)
	} else {
		b.v6 = append(b.v6, sp)
	}
}

// normalize sorts spans in place and merges overlapping and adjacent ones.
func normalize(l []span) []span {
	if len(l) == 0 {
		return nil
	}
	slices.SortFunc(l, func(a, b span) int {
		switch {
		case a.lo.less(b.lo):
			return -1
		case b.lo.less(a.lo):
			return 1
		}
		return 0
	})
	out := l[:1]
	for _, sp := range l[1:] {
		last := &out[len(out)-1]
		if touches(*last, sp) {
			if last.hi.less(sp.hi) {
				last.hi = sp.hi
			}
			continue
		}
		out = append(out, sp)
	}
	return slices.Clip(out)
}

// touches reports whether b (with b.lo >= a.lo) overlaps a or starts right after it.
func touches(a, b span) bool {
	return !a.hi.less(b.lo) || a.hi.add1() == b.lo
}

// union merges two normalized lists in one linear pass.
func union(a, b []span) []span {
	switch {
	case len(b) == 0:
		return a
	case len(a) == 0:
		return b
	}
	out := make([]span, 0, len(a)+len(b))
	push := func(sp span) {
		if n := len(out); n > 0 && touches(out[n-1], sp) {
			if out[n-1].hi.less(sp.hi) {
				out[n-1].hi = sp.hi
			}
			return
		}
		out = append(out, sp)
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if j == len(b) || i < len(a) && a[i].lo.less(b[j].lo) {
			push(a[i])
			i++
		} else {
			push(b[j])
			j++
		}
	}
	return slices.Clip(out)
}

// intersect intersects two normalized lists with a two-pointer walk.
func intersect(a, b []span) []span {
	var out []span
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		lo, hi := a[i].lo, a[i].hi
		if lo.less(b[j].lo) {
			lo = b[j].lo
		}
		if b[j].hi.less(hi) {
			hi = b[j].hi
		}
		if !hi.less(lo) {
			out = append(out, span{lo, hi})
		}
		if a[i].hi.less(b[j].hi) {
			i++
		} else {
			j++
		}
	}
	return out
}

// complement returns the gaps of a normalized list within [0, max].
func complement(a []span, max u128) []span {
	var out []span
	next := u128{}
	start := true // whether next is a valid lower bound (false after a span ending at max)
	for _, sp := range a {
		if next.less(sp.lo) {
			out = append(out, span{next, sp.lo.sub1()})
		}
		if sp.hi == max {
			start = false
			break
		}
		next = sp.hi.add1()
	}
	if start {
		out = append(out, span{next, max})
	}
	return out
}

// find returns the index of the span containing k, or -1. It does not allocate.
func find(l []span, k u128) int {
	lo, hi := 0, len(l)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if k.less(l[m].lo) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	// lo is the first span starting after k; the candidate is the one before.
	if lo > 0 && !l[lo-1].hi.less(k) {
		return lo - 1
	}
	return -1
}

func spansEqual(a, b []span) bool { return slices.Equal(a, b) }
