package check

import (
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// point is an address with, for IPv4, its value as an integer: the range functions search
// their bounds millions of times, and comparing integers costs a fraction of Addr.Compare.
type point struct {
	a netip.Addr
	k uint32
}

func pointOf(a netip.Addr) point {
	if !a.Is4() {
		return point{a: a}
	}
	b := a.As4()
	return point{a, binary.BigEndian.Uint32(b[:])}
}

// addrBounds is sorted bounds split by family: IPv4 as integers, then the rest. Both start at
// the family's first address, so that every address has a range.
type addrBounds struct {
	v4 []uint32
	v6 []netip.Addr
}

func newAddrBounds(sorted []netip.Addr) addrBounds {
	var b addrBounds
	for _, a := range sorted {
		if a.Is4() {
			b.v4 = append(b.v4, pointOf(a).k)
		} else {
			b.v6 = append(b.v6, a)
		}
	}
	return b
}

func (b addrBounds) len() int { return len(b.v4) + len(b.v6) }

// index is the range of p: the number of bounds at or below it, less one.
func (b addrBounds) index(p point) int {
	if p.a.Is4() {
		i, found := slices.BinarySearch(b.v4, p.k)
		if !found {
			i--
		}
		return i
	}
	return len(b.v4) + cutsBelow(b.v6, p.a) - 1
}

// rangeFn is a function of an address remembered per range between bounds (withUnspecified).
// A second list of bounds, when set, cuts the ranges further (a table's shared learned
// routes). It is a route function (s set: pairFns.routeFn) or a verdict function (vk).
type rangeFn struct {
	bounds, more addrBounds
	hasMore      bool
	vals         []int32          // per range, value+1 (0: not yet evaluated); !hasMore
	both         map[uint64]int32 // per pair of ranges, value+1; hasMore

	s   *model.Subnet
	sys bool
	vk  verdictKey
}

func newRangeFn(bounds, more []netip.Addr) *rangeFn {
	f := &rangeFn{bounds: newAddrBounds(bounds), hasMore: more != nil}
	if more == nil {
		f.vals = make([]int32, f.bounds.len())
	} else {
		f.more = newAddrBounds(more)
		f.both = map[uint64]int32{}
	}
	return f
}

// lookup returns the value remembered for p's range (ok false: none yet) and where to keep it.
func (f *rangeFn) lookup(p point) (int32, uint64, bool) {
	i := uint64(f.bounds.index(p))
	if !f.hasMore {
		v := f.vals[i]
		return v - 1, i, v != 0
	}
	i = i<<32 | uint64(f.more.index(p))
	v := f.both[i]
	return v - 1, i, v != 0
}

func (f *rangeFn) keep(slot uint64, v int32) {
	if !f.hasMore {
		f.vals[slot] = v + 1
	} else {
		f.both[slot] = v + 1
	}
}
