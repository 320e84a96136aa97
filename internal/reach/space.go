package reach

import (
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Span is an inclusive range of IPv4 addresses as numbers.
type Span struct{ Lo, Hi uint32 }

// Addr is the first address of the span.
func (s Span) Addr() netip.Addr { return addrOf(s.Lo) }

// Contains reports whether a is in the span.
func (s Span) Contains(a netip.Addr) bool {
	if !a.Is4() {
		return false
	}
	v := u32(a)
	return s.Lo <= v && v <= s.Hi
}

func u32(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func addrOf(v uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

func prefixSpan(p netip.Prefix) (Span, bool) {
	if !p.IsValid() || !p.Addr().Unmap().Is4() {
		return Span{}, false
	}
	p = netip.PrefixFrom(p.Addr().Unmap(), min(p.Bits(), 32)).Masked()
	lo := u32(p.Addr())
	return Span{lo, lo + uint32((uint64(1)<<(32-p.Bits()))-1)}, true
}

// cuts collects boundaries: the first value of each class. It is a set of class starts in
// [0, limit]; limit itself (one past the last value) is always a start.
type cuts struct {
	set   map[uint64]struct{}
	limit uint64
}

func newCuts(limit uint64) *cuts {
	return &cuts{set: map[uint64]struct{}{0: {}, limit: {}}, limit: limit}
}

// span cuts before lo and after hi.
func (c *cuts) span(lo, hi uint64) {
	if lo > hi || lo >= c.limit {
		return
	}
	c.set[lo] = struct{}{}
	if hi+1 < c.limit {
		c.set[hi+1] = struct{}{}
	}
}

func (c *cuts) prefix(p netip.Prefix) {
	if s, ok := prefixSpan(p); ok {
		c.span(uint64(s.Lo), uint64(s.Hi))
	}
}

func (c *cuts) addr(a netip.Addr) {
	if a.IsValid() && a.Unmap().Is4() {
		v := uint64(u32(a.Unmap()))
		c.span(v, v)
	}
}

func (c *cuts) ports(rs []model.PortRange) {
	for _, r := range rs {
		c.span(uint64(r.Lo), uint64(r.Hi))
	}
}

func (c *cuts) port(p uint16) { c.span(uint64(p), uint64(p)) }

// sorted returns the class starts in order, limit last.
func (c *cuts) sorted() []uint64 {
	out := make([]uint64, 0, len(c.set))
	for k := range c.set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// classesWithin cuts [lo, hi] by the starts (sorted, as sorted returns) into inclusive ranges.
func classesWithin(starts []uint64, lo, hi uint64) [][2]uint64 {
	var out [][2]uint64
	i, _ := slices.BinarySearch(starts, lo+1) // first start after lo
	cur := lo
	for ; i < len(starts) && starts[i] <= hi; i++ {
		out = append(out, [2]uint64{cur, starts[i] - 1})
		cur = starts[i]
	}
	return append(out, [2]uint64{cur, hi})
}

// mergeStarts is the sorted union of sorted start lists.
func mergeStarts(lists ...[]uint64) []uint64 {
	var out []uint64
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// cidrs covers [lo, hi] with the fewest prefixes.
func cidrs(lo, hi uint32) []netip.Prefix {
	var out []netip.Prefix
	cur := uint64(lo)
	end := uint64(hi)
	for cur <= end {
		bits := 32
		for bits > 0 {
			size := uint64(1) << (32 - (bits - 1))
			if cur%size != 0 || cur+size-1 > end {
				break
			}
			bits--
		}
		out = append(out, netip.PrefixFrom(addrOf(uint32(cur)), bits))
		cur += uint64(1) << (32 - bits)
	}
	return out
}

// PublicSpace is the IPv4 space trace treats as the internet's (isPublic), as prefixes.
func PublicSpace() []netip.Prefix {
	var out []netip.Prefix
	var lo uint64
	for _, s := range []string{"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/3"} {
		sp, _ := prefixSpan(netip.MustParsePrefix(s))
		if uint64(sp.Lo) > lo {
			out = append(out, cidrs(uint32(lo), sp.Lo-1)...)
		}
		lo = uint64(sp.Hi) + 1
	}
	return out
}
