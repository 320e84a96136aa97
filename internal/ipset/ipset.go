// Package ipset holds immutable sets of IP addresses as sorted disjoint ranges, with set algebra and CIDR conversion.
package ipset

import (
	"net/netip"
	"strings"
)

// span is an inclusive range of address integers of one family.
type span struct{ lo, hi u128 }

// Set is an immutable set of IPv4 and IPv6 addresses. The zero value is the empty set.
// Sets are values: operations return new sets and never change their operands, so a Set
// may be shared between goroutines.
type Set struct {
	// v4 and v6 are sorted, disjoint and non-adjacent (adjacent ranges are merged), so two
	// equal sets have equal slices.
	v4, v6 []span
}

// Range is an inclusive range of addresses of one family.
type Range struct{ From, To netip.Addr }

func (r Range) String() string {
	if r.From == r.To {
		return r.From.String()
	}
	return r.From.String() + "-" + r.To.String()
}

// PrefixRange is the range of the addresses of p, in p's own family (an IPv4-mapped prefix
// stays IPv6): its masked address to its last address.
func PrefixRange(p netip.Prefix) Range {
	p = p.Masked()
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	last, _ := netip.AddrFromSlice(b)
	return Range{From: p.Addr(), To: last}
}

// Of returns the set of the addresses in the given prefixes; invalid prefixes are ignored.
func Of(ps ...netip.Prefix) Set {
	var b Builder
	for _, p := range ps {
		b.AddPrefix(p)
	}
	return b.Set()
}

// OfAddrs returns the set of the given addresses; invalid addresses are ignored.
func OfAddrs(as ...netip.Addr) Set {
	var b Builder
	for _, a := range as {
		b.AddAddr(a)
	}
	return b.Set()
}

// OfRanges returns the set of the given ranges; ranges that are invalid, reversed or mix
// families are ignored.
func OfRanges(rs ...Range) Set {
	var b Builder
	for _, r := range rs {
		b.AddRange(r)
	}
	return b.Set()
}

// All4 is every IPv4 address; All6 every IPv6 address.
func All4() Set { return Set{v4: []span{{u128{}, max4}}} }

// All6 is every IPv6 address.
func All6() Set { return Set{v6: []span{{u128{}, max6}}} }

// IsEmpty reports whether the set has no address.
func (s Set) IsEmpty() bool { return len(s.v4) == 0 && len(s.v6) == 0 }

// Only4 returns the IPv4 part of s.
func (s Set) Only4() Set { return Set{v4: s.v4} }

// Only6 returns the IPv6 part of s.
func (s Set) Only6() Set { return Set{v6: s.v6} }

// Union returns s ∪ o.
func (s Set) Union(o Set) Set { return Set{union(s.v4, o.v4), union(s.v6, o.v6)} }

// Intersect returns s ∩ o.
func (s Set) Intersect(o Set) Set { return Set{intersect(s.v4, o.v4), intersect(s.v6, o.v6)} }

// Difference returns s \ o.
func (s Set) Difference(o Set) Set {
	return Set{intersect(s.v4, complement(o.v4, max4)), intersect(s.v6, complement(o.v6, max6))}
}

// Complement returns every address (IPv4 and IPv6) not in s.
func (s Set) Complement() Set { return Set{complement(s.v4, max4), complement(s.v6, max6)} }

// Contains reports whether a is in the set. It does not allocate.
func (s Set) Contains(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	k, is4 := key(a)
	if is4 {
		return find(s.v4, k) >= 0
	}
	return find(s.v6, k) >= 0
}

// ContainsPrefix reports whether every address of p is in the set.
func (s Set) ContainsPrefix(p netip.Prefix) bool {
	sp, is4, ok := prefixSpan(p)
	if !ok {
		return false
	}
	l := s.fam(is4)
	i := find(l, sp.lo)
	return i >= 0 && !l[i].hi.less(sp.hi)
}

// Overlaps reports whether s and o have an address in common.
func (s Set) Overlaps(o Set) bool {
	return len(intersect(s.v4, o.v4)) > 0 || len(intersect(s.v6, o.v6)) > 0
}

// Equal reports whether s and o hold the same addresses.
func (s Set) Equal(o Set) bool { return spansEqual(s.v4, o.v4) && spansEqual(s.v6, o.v6) }

// Ranges returns the set as sorted, disjoint, non-adjacent ranges, IPv4 first.
func (s Set) Ranges() []Range {
	out := make([]Range, 0, len(s.v4)+len(s.v6))
	for _, sp := range s.v4 {
		out = append(out, Range{addr(sp.lo, true), addr(sp.hi, true)})
	}
	for _, sp := range s.v6 {
		out = append(out, Range{addr(sp.lo, false), addr(sp.hi, false)})
	}
	return out
}

// Prefixes returns the shortest list of CIDR prefixes covering exactly the set, sorted,
// IPv4 first.
func (s Set) Prefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(s.v4)+len(s.v6)) // most ranges are one prefix
	for _, sp := range s.v4 {
		out = appendPrefixes(out, sp, true)
	}
	for _, sp := range s.v6 {
		out = appendPrefixes(out, sp, false)
	}
	return out
}

// Size4 is the number of IPv4 addresses in the set.
func (s Set) Size4() uint64 {
	var n uint64
	for _, sp := range s.v4 {
		n += sp.hi.lo - sp.lo.lo + 1
	}
	return n
}

// String lists the set's prefixes, comma-separated.
func (s Set) String() string {
	ps := s.Prefixes()
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

func (s Set) fam(is4 bool) []span {
	if is4 {
		return s.v4
	}
	return s.v6
}

// appendPrefixes splits one range into the largest aligned blocks it contains.
func appendPrefixes(out []netip.Prefix, sp span, is4 bool) []netip.Prefix {
	width := 128
	if is4 {
		width = 32
	}
	lo := sp.lo
	for {
		k := min(lo.trailingZeros(), width)
		// shrink the block until it ends inside the range
		for k > 0 && sp.hi.less(lo.or(lowMask(k))) {
			k--
		}
		out = append(out, netip.PrefixFrom(addr(lo, is4), width-k))
		end := lo.or(lowMask(k))
		if end == sp.hi {
			return out
		}
		lo = end.add1()
	}
}
