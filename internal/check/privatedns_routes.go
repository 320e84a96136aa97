package check

import (
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
)

// Which VNets of a DNS view need which endpoint names: those whose workloads route to the
// endpoint's address (routable). Asking every member's table about every name grows with
// members × names (ten thousand VNets × two thousand endpoints); instead each member's table is
// read once per range of its prefixes (lookupRanges) over the sorted endpoint addresses.

// nameUniverse is the sorted distinct first addresses of names, and each name's position there.
func nameUniverse(names []endpointName) (universe, []int) {
	addrs := make([]netip.Addr, len(names))
	for i, en := range names {
		addrs[i] = en.ips[0]
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	addrs = slices.Compact(addrs)
	u := newUniverse(addrs)
	pos := make([]int, len(names))
	for i, en := range names {
		pos[i] = u.lowerBound(en.ips[0])
	}
	return u, pos
}

// viewRoutes is which members of a view route to which positions of the name universe.
type viewRoutes struct {
	ranges [][][2]int32 // per member, the ranges of positions it routes to, ascending
	first  []int32      // per position, the first member routing to it (-1: none)
	count  []int32      // per position, how many members do
}

func routeView(view *dnsView, u *universe) *viewRoutes {
	n := len(u.addrs)
	vr := &viewRoutes{ranges: make([][][2]int32, len(view.members)), first: make([]int32, n), count: make([]int32, n)}
	for i := range vr.first {
		vr.first[i] = -1
	}
	diff := make([]int32, n+1)
	unset := newOpenSet(n, nil) // positions without a first member yet
	var bounds []netip.Addr
	var keys []uint32
	for mi, m := range view.members {
		if m.routes == nil {
			continue
		}
		var rs [][2]int32
		bounds, keys = lookupRanges(m.routes, u, bounds, keys, func(lo, hi int, r *fib.Route) {
			switch k := len(rs); {
			case !routable(r):
			case k > 0 && rs[k-1][1] == int32(lo):
				rs[k-1][1] = int32(hi)
			default:
				rs = append(rs, [2]int32{int32(lo), int32(hi)})
			}
		})
		vr.ranges[mi] = rs
		for _, r := range rs {
			diff[r[0]]++
			diff[r[1]]--
			for p := unset.next(int(r[0])); p < int(r[1]); p = unset.next(p + 1) {
				vr.first[p] = int32(mi)
				unset.remove(p)
			}
		}
	}
	var c int32
	for i := range n {
		c += diff[i]
		vr.count[i] = c
	}
	return vr
}

// firstMembers returns, for each of positions, the first n members (in view order) routing to it.
func (vr *viewRoutes) firstMembers(positions []int, n int) map[int][]int {
	out := map[int][]int{}
	if len(positions) == 0 {
		return out
	}
	open := newOpenSet(len(vr.first), positions)
	for mi, rs := range vr.ranges {
		for _, r := range rs {
			for p := open.next(int(r[0])); p < int(r[1]); p = open.next(p + 1) {
				if out[p] = append(out[p], mi); len(out[p]) == n {
					open.remove(p)
				}
			}
		}
	}
	return out
}

// openSet is a set of positions in [0, n) that finds the next member at or after a position in
// near-constant time (a union-find whose removed positions point onward).
type openSet struct{ parent []int32 }

// newOpenSet holds the given positions, or all of [0, n) when members is nil.
func newOpenSet(n int, members []int) openSet {
	s := openSet{parent: make([]int32, n+1)}
	for i := range s.parent {
		s.parent[i] = int32(i)
		if members != nil && i < n {
			s.parent[i] = int32(i + 1)
		}
	}
	for _, p := range members {
		s.parent[p] = int32(p)
	}
	return s
}

// next is the first member at or after p (n when none).
func (s openSet) next(p int) int {
	root := p
	for int(s.parent[root]) != root {
		root = int(s.parent[root])
	}
	for int(s.parent[p]) != root { // path compression
		p, s.parent[p] = int(s.parent[p]), int32(root)
	}
	return root
}

func (s openSet) remove(p int) { s.parent[p] = int32(p + 1) }
