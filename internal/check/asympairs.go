package check

import (
	"cmp"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/forward"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// The candidate search of AsymmetricReturn. A pair (source s, destination d) is a candidate when
// the stateful devices a packet from s's subnet to d crosses by routes alone (the forward chain)
// differ from those the reply from d's subnet to s crosses (the reverse chain); replies of a
// private endpoint ignore UDRs (spec §5 DECISION), so theirs is empty.
//
// Comparing every pair is quadratic. Instead each subnet's routes are mapped once over the
// sorted destination (or source) addresses as a piecewise function, using fib's own Lookup at
// every boundary of the table's prefixes (so the selection rules live in fib alone, and the
// next-hop decision in forward). Subnets whose functions agree outside their own VNet's range
// share one group; pairs inside a VNet's range are compared one by one. Candidates are then
// enumerated per (source group, destination group) as rectangles of differing chains, so the
// cost grows with the subnets, the routes and the candidates, not with subnets × destinations.

// universe is a list of addresses in ascending order; positions index the reps. keys holds
// them as integers when all are IPv4 (the usual case: integer searches are several times
// cheaper).
type universe struct {
	addrs []netip.Addr
	keys  []uint32
}

func newUniverse(addrs []netip.Addr) universe {
	u := universe{addrs: addrs, keys: make([]uint32, 0, len(addrs))}
	for _, a := range addrs {
		if !a.Is4() {
			u.keys = nil
			break
		}
		u.keys = append(u.keys, pointOf(a).k)
	}
	return u
}

// lowerBound is the first position whose address is at least a.
func (u *universe) lowerBound(a netip.Addr) int {
	if u.keys != nil || len(u.addrs) == 0 {
		if !a.Is4() {
			return len(u.keys) // IPv6 sorts after every IPv4 address
		}
		i, _ := slices.BinarySearch(u.keys, pointOf(a).k)
		return i
	}
	i, _ := slices.BinarySearchFunc(u.addrs, a, netip.Addr.Compare)
	return i
}

// span is the positions of the addresses inside p.
func (u *universe) span(p netip.Prefix) (int, int) {
	r := ipset.PrefixRange(p)
	hi := sort.Search(len(u.addrs), func(i int) bool { return u.addrs[i].Compare(r.To) > 0 })
	return u.lowerBound(r.From), hi
}

// piece gives positions [previous end, end) a chain (an interned set of devices; 0 is none).
type piece struct{ end, chain int32 }

// at is the chain at position i.
func at(ps []piece, i int) int32 {
	k, _ := slices.BinarySearchFunc(ps, int32(i), func(p piece, i int32) int {
		if p.end <= i {
			return -1
		}
		return 1
	})
	return ps[k].chain
}

// appendPiece adds [.., end) with chain c, merging with an equal predecessor.
func appendPiece(ps []piece, end int, c int32) []piece {
	if n := len(ps); n > 0 && ps[n-1].chain == c {
		ps[n-1].end = int32(end)
		return ps
	}
	return append(ps, piece{int32(end), c})
}

// chainSearch maps subnets' routes over a universe. Not safe for concurrent use.
type chainSearch struct {
	p      *dataplane.Plane
	devs   map[any]int32
	chains map[string]int32
	sets   [][]int32 // chain id → sorted device ids
	joined map[[2]int32]int32
	tails  map[tailKey][]piece
	// active holds the subnets being mapped (a loop guard) with their depth; functions mapped
	// at depth taintFrom or deeper depend on a loop cut and are not cached.
	active    map[tailKey]int
	taintFrom int
	bufs      [][]netip.Addr // mapTable's bounds, one per depth
	keys      []uint32       // sortAddrs's scratch
}

type tailKey struct {
	s *model.Subnet
	u *universe
}

func newChainSearch(p *dataplane.Plane) *chainSearch {
	return &chainSearch{p: p, devs: map[any]int32{}, chains: map[string]int32{"": 0}, sets: [][]int32{nil},
		joined: map[[2]int32]int32{}, tails: map[tailKey][]piece{}, active: map[tailKey]int{}, taintFrom: maxDepth}
}

// union interns the chain holding dev and every device of chain c. Pairs already joined come
// from joined: the same few (device, chain) pairs recur for every range of every subnet.
func (cs *chainSearch) union(dev any, c int32) int32 {
	id, ok := cs.devs[dev]
	if !ok {
		id = int32(len(cs.devs) + 1)
		cs.devs[dev] = id
	}
	if got, ok := cs.joined[[2]int32{id, c}]; ok {
		return got
	}
	n := cs.intern(id, c)
	cs.joined[[2]int32{id, c}] = n
	return n
}

// intern returns the id of the set of chain c plus device id, adding it when new.
func (cs *chainSearch) intern(id, c int32) int32 {
	set := cs.sets[c]
	if i, found := slices.BinarySearch(set, id); !found {
		set = slices.Insert(slices.Clone(set), i, id)
	}
	var b strings.Builder
	for _, x := range set {
		b.WriteString(strconv.Itoa(int(x)))
		b.WriteByte(',')
	}
	k := b.String()
	if got, ok := cs.chains[k]; ok {
		return got
	}
	n := int32(len(cs.sets))
	cs.chains[k], cs.sets = n, append(cs.sets, set)
	return n
}

// route maps subnet s's routes over u: for each range of positions, the devices a packet to
// those addresses crosses by routes alone, following appliances onward from the subnet each
// forwards from (spec §1.4, §1.6). A loop contributes the devices seen before it repeats.
func (cs *chainSearch) route(s *model.Subnet, u *universe) []piece {
	k := tailKey{s, u}
	if ps, ok := cs.tails[k]; ok {
		return ps
	}
	if i, ok := cs.active[k]; ok {
		// A loop back to a subnet being mapped adds nothing; every subnet mapped since depends
		// on this cut, so theirs are not kept for other callers.
		cs.taintFrom = min(cs.taintFrom, i+1)
		return []piece{{int32(len(u.addrs)), 0}}
	}
	depth := len(cs.active)
	cs.active[k] = depth
	var ps []piece
	if t := cs.p.FIB.Subnet(s); t != nil {
		ps = cs.mapTable(s, t, u)
	}
	if len(ps) == 0 { // no table, or an empty universe
		ps = []piece{{int32(len(u.addrs)), 0}}
	}
	delete(cs.active, k)
	if depth < cs.taintFrom {
		cs.tails[k] = ps
	}
	if depth <= cs.taintFrom {
		cs.taintFrom = maxDepth
	}
	return ps
}

const maxDepth = 1 << 30

// mapTable maps t over u by ranges (lookupRanges): the chain of devices a packet to each range
// crosses, following an appliance onward from the subnet it forwards from.
func (cs *chainSearch) mapTable(s *model.Subnet, t *fib.Table, u *universe) []piece {
	// A buffer per depth of the walk (route calls back here for the next subnet): a hub's
	// private endpoints give every spoke's table hundreds of /32s.
	depth := len(cs.active)
	for len(cs.bufs) < depth {
		cs.bufs = append(cs.bufs, nil)
	}
	var ps []piece
	cs.bufs[depth-1], cs.keys = lookupRanges(t, u, cs.bufs[depth-1], cs.keys, func(lo, hi int, r *fib.Route) {
		if r == nil || !forward.ToAppliance(r) {
			ps = appendPiece(ps, hi, 0)
			return
		}
		dev, next, ok := forward.Follow(cs.p, s, r).Device()
		if !ok {
			ps = appendPiece(ps, hi, 0)
			return
		}
		var tail []piece
		if next != nil {
			tail = cs.route(next, u)
		}
		ps = cs.prepend(ps, dev, tail, lo, hi)
	})
	return ps
}

// prepend appends positions [lo, hi) whose chain is dev plus the tail's chain there.
func (cs *chainSearch) prepend(ps []piece, dev any, tail []piece, lo, hi int) []piece {
	if tail == nil {
		return appendPiece(ps, hi, cs.union(dev, 0))
	}
	k, _ := slices.BinarySearchFunc(tail, int32(lo), func(p piece, i int32) int {
		if p.end <= i {
			return -1
		}
		return 1
	})
	for ; k < len(tail); k++ {
		ps = appendPiece(ps, min(int(tail[k].end), hi), cs.union(dev, tail[k].chain))
		if int(tail[k].end) >= hi {
			break
		}
	}
	return ps
}

// heal overwrites positions [lo, hi) with the chain just before them (or after, at the start),
// so that subnets differing only inside their own VNet's range compare equal.
func heal(ps []piece, lo, hi int) []piece {
	if lo >= hi {
		return ps
	}
	var fill int32
	switch {
	case lo > 0:
		fill = at(ps, lo-1)
	case hi < int(ps[len(ps)-1].end):
		fill = at(ps, hi)
	default:
		return ps
	}
	var out []piece
	prev := int32(0)
	for _, p := range ps {
		// the part of p before lo, the healed range, the part after hi
		if a := min(p.end, int32(lo)); a > prev {
			out = appendPiece(out, int(a), p.chain)
		}
		if p.end > int32(lo) && prev < int32(hi) {
			out = appendPiece(out, int(min(p.end, int32(hi))), fill)
		}
		if p.end > int32(hi) {
			out = appendPiece(out, int(p.end), p.chain)
		}
		prev = p.end
	}
	return out
}

func pieceKey(ps []piece) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(strconv.Itoa(int(p.end)))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(int(p.chain)))
		b.WriteByte(',')
	}
	return b.String()
}

// side is the sources or the destinations: their addresses in ascending order (the universe the
// other side's chains are mapped over) and, per rep, its exact chain function over the other
// side's universe, its own VNet's ranges there, and its group.
type side struct {
	reps   []rep
	u      universe
	pos    []int      // rep index → position in u
	order  []int      // position in u → rep index
	exact  [][]piece  // rep index → chains over the other universe
	masks  [][][2]int // rep index → ranges of the other universe inside the rep's VNet
	groups []*repGroup
}

type repGroup struct {
	healed  []piece
	members []int // positions in the side's own universe, ascending
	reps    []int // rep indexes, in member order
}

func newSide(reps []rep) *side {
	sd := &side{reps: reps, u: universe{addrs: make([]netip.Addr, len(reps))}, pos: make([]int, len(reps)),
		order: make([]int, len(reps)), exact: make([][]piece, len(reps)), masks: make([][][2]int, len(reps))}
	for i := range sd.order {
		sd.order[i] = i
	}
	slices.SortStableFunc(sd.order, func(a, b int) int { return reps[a].addr.Compare(reps[b].addr) })
	for k, i := range sd.order {
		sd.u.addrs[k], sd.pos[i] = reps[i].addr, k
	}
	sd.u = newUniverse(sd.u.addrs)
	return sd
}

// group maps every rep's chains over other (chains returns a rep's exact function) and groups
// reps whose functions agree once their own VNet's ranges are healed.
func (sd *side) group(other *universe, chains func(rep) []piece) {
	byKey := map[string]*repGroup{}
	for k, i := range sd.order {
		r := sd.reps[i]
		ps := chains(r)
		sd.exact[i] = ps
		healed := ps
		if r.subnet.VNet != nil {
			for _, pf := range r.subnet.VNet.AddressSpace {
				lo, hi := other.span(pf)
				sd.masks[i] = append(sd.masks[i], [2]int{lo, hi})
				healed = heal(healed, lo, hi)
			}
		}
		key := pieceKey(healed)
		g := byKey[key]
		if g == nil {
			g = &repGroup{healed: healed}
			byKey[key] = g
			sd.groups = append(sd.groups, g)
		}
		g.members, g.reps = append(g.members, k), append(g.reps, i)
	}
}

func (sd *side) masked(i, otherPos int) bool {
	for _, m := range sd.masks[i] {
		if otherPos >= m[0] && otherPos < m[1] {
			return true
		}
	}
	return false
}

// pairIdx is a candidate: indexes into the source and destination reps, and the chains of
// devices the forward and reverse routes cross (chain ids of the search).
type pairIdx struct {
	s, d int32
	f, r int32
}

// candidatePairs returns every (source, destination) whose forward and reverse chains differ,
// in source then destination order, and the search that interned their chains.
func candidatePairs(p *dataplane.Plane, srcs, dsts []rep, as assume.Set) ([]pairIdx, *chainSearch) {
	src, dst := newSide(srcs), newSide(dsts)
	cs := newChainSearch(p)
	src.group(&dst.u, func(r rep) []piece { return cs.route(r.subnet, &dst.u) })
	dst.group(&src.u, func(r rep) []piece {
		if r.pe != nil && as.Default(assume.PEReplyUDR) {
			return []piece{{int32(len(src.u.addrs)), 0}} // system routes: no appliance (spec §5 DECISION)
		}
		return cs.route(r.subnet, &src.u)
	})
	eachRectangle := func(fn func(ga, gb *repGroup, aLo, aHi, bLo, bHi int, f, r int32)) {
		for _, ga := range src.groups {
			for _, gb := range dst.groups {
				rectangles(ga, gb, func(aLo, aHi, bLo, bHi int, f, r int32) { fn(ga, gb, aLo, aHi, bLo, bHi, f, r) })
			}
		}
	}
	n := 0 // candidates are counted first: appending millions would grow the slice again and again
	eachRectangle(func(_, _ *repGroup, aLo, aHi, bLo, bHi int, _, _ int32) { n += (aHi - aLo) * (bHi - bLo) })
	out := make([]pairIdx, 0, n)
	emit := func(c pairIdx) {
		if dsts[c.d].subnet == srcs[c.s].subnet && dsts[c.d].pe == nil {
			return // inside one subnet nothing is routed
		}
		out = append(out, c)
	}
	keep := func(si, di int) {
		emit(pairIdx{int32(si), int32(di), at(src.exact[si], dst.pos[di]), at(dst.exact[di], src.pos[si])})
	}
	// Pairs inside either rep's own VNet range are left to maskedPairs.
	eachRectangle(func(ga, gb *repGroup, aLo, aHi, bLo, bHi int, f, r int32) {
		for _, si := range ga.reps[aLo:aHi] {
			for k, di := range gb.reps[bLo:bHi] {
				if !src.masked(si, gb.members[bLo+k]) && !dst.masked(di, src.pos[si]) {
					emit(pairIdx{int32(si), int32(di), f, r})
				}
			}
		}
	})
	maskedPairs(src, dst, keep)
	// An address several resources own (overlapping VNets) may be delivered to another one than
	// the destination, whose reply leaves from another subnet, and a reply to such a source may
	// reach the other owner: every pair of either is traced.
	for di, d := range dsts {
		if len(p.Net.Owners(d.addr)) > 1 {
			for si := range srcs {
				keep(si, di)
			}
		}
	}
	for si, s := range srcs {
		if len(p.Net.Owners(s.addr)) > 1 {
			for di := range dsts {
				keep(si, di)
			}
		}
	}
	return sortPairs(out, len(srcs)), cs
}

// sortPairs sorts candidates by source then destination and drops repeats: bucketed by source
// (millions of candidates, a few hundred per source), then each bucket sorted.
func sortPairs(cs []pairIdx, nSrc int) []pairIdx {
	start := make([]int, nSrc+1)
	for _, c := range cs {
		start[c.s+1]++
	}
	for i := range nSrc {
		start[i+1] += start[i]
	}
	out := make([]pairIdx, len(cs))
	next := slices.Clone(start[:nSrc])
	for _, c := range cs {
		out[next[c.s]] = c
		next[c.s]++
	}
	n := 0
	for i := range nSrc {
		b := out[start[i]:start[i+1]]
		slices.SortFunc(b, func(a, b pairIdx) int { return cmp.Compare(a.d, b.d) })
		b = slices.CompactFunc(b, func(a, b pairIdx) bool { return a.d == b.d })
		n += copy(out[n:], b)
	}
	return out[:n]
}

// rectangles calls fn for each rectangle of ga × gb whose healed chains differ: the sources
// ga.reps[aLo:aHi] × the destinations gb.reps[bLo:bHi], with forward chain f and reverse r.
func rectangles(ga, gb *repGroup, fn func(aLo, aHi, bLo, bHi int, f, r int32)) {
	prevF := 0
	for _, f := range ga.healed {
		bLo, bHi := membersIn(gb.members, prevF, int(f.end))
		prevF = int(f.end)
		if bLo == bHi {
			continue
		}
		prevR := 0
		for _, r := range gb.healed {
			aLo, aHi := membersIn(ga.members, prevR, int(r.end))
			prevR = int(r.end)
			if aLo == aHi || f.chain == r.chain {
				continue
			}
			fn(aLo, aHi, bLo, bHi, f.chain, r.chain)
		}
	}
}

func membersIn(members []int, lo, hi int) (int, int) {
	a, _ := slices.BinarySearch(members, lo)
	b, _ := slices.BinarySearch(members, hi)
	return a, b
}

// maskedPairs compares, with exact chains, the pairs where one rep lies in the other's VNet range.
func maskedPairs(src, dst *side, emit func(si, di int)) {
	differ := func(si, di int) bool {
		return at(src.exact[si], dst.pos[di]) != at(dst.exact[di], src.pos[si])
	}
	for si := range src.reps {
		for _, m := range src.masks[si] {
			for _, di := range dst.order[m[0]:m[1]] {
				if differ(si, di) {
					emit(si, di)
				}
			}
		}
	}
	for di := range dst.reps {
		for _, m := range dst.masks[di] {
			for _, si := range src.order[m[0]:m[1]] {
				if !src.masked(si, dst.pos[di]) && differ(si, di) {
					emit(si, di)
				}
			}
		}
	}
}
