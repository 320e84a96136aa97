package check

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Overlapping address spaces cannot be peered: learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering [PEER].
var addressSpaceOverlap = Check{
	Name:     "address-space-overlap",
	Code:     CodeAddressSpaceOverlap,
	Evidence: []string{"prefix"},
	Doc:      "VNets whose address ranges overlap and that are peered, try to peer, or share a hub.",
	Run:      runAddressSpaceOverlap,
}

const overlapFix = "Ways out, least disruptive first: peer only distinct subnets (subnet peering, " +
	"peerCompleteVnets=false, listing non-overlapping subnets on both sides); connect through a Virtual " +
	"Network Manager mesh of non-overlapping groups; publish the overlapping workload through private-IP DNAT " +
	"on the hub firewall; or translate with NAT rules on a VPN gateway. Re-addressing one VNet is the only " +
	"complete fix."

// runAddressSpaceOverlap reports, once per VNet pair, an Error when the two overlap and are
// linked by a peering in any state (Azure refuses or half-builds such a peering, spec §1.3), or
// are both linked (in any state) to the same VNet: Azure refuses to peer a VNet with a range that
// overlaps one it already peers with, and a hub with both would learn one range twice (the
// merger case: a new VNet reusing a spoke's range tries to peer with the hub).
func runAddressSpaceOverlap(pass *Pass) []Finding {
	p := pass.Plane
	var out []Finding
	seen := map[[2]*model.VNet]bool{}
	for _, v := range p.Net.VNets {
		for _, pr := range v.Peerings {
			// A VNet cannot peer with itself (Azure rejects it); that is not an overlap between two estates.
			if pr.Remote == nil || pr.Remote == v {
				continue
			}
			k := pairKey(v, pr.Remote)
			if seen[k] {
				continue
			}
			seen[k] = true
			if f, ok := peeredOverlap(v, pr); ok {
				out = append(out, f)
			}
		}
	}
	links := linkedVNets(p.Net)
	for _, hub := range p.Net.VNets {
		out = append(out, sharedHubOverlaps(hub, links[hub], seen)...)
	}
	return out
}

func pairKey(a, b *model.VNet) [2]*model.VNet {
	if a.ID.Key() > b.ID.Key() {
		a, b = b, a
	}
	return [2]*model.VNet{a, b}
}

// peeredOverlap compares the two VNets' ranges, or for a subnet peering only the subnets it
// connects on each side (Peering.AppliesToLocalSubnet, Peering.RemotePrefixes): overlapping
// VNets may peer distinct subnets.
func peeredOverlap(v *model.VNet, pr *model.Peering) (Finding, bool) {
	local, remote := v.AddressSpace, pr.Remote.AddressSpace
	if !pr.PeerCompleteVNets && len(pr.LocalSubnetNames) > 0 {
		local, remote = nil, pr.RemotePrefixes()
		for _, s := range v.Subnets {
			if pr.AppliesToLocalSubnet(s) {
				local = append(local, s.Prefixes...)
			}
		}
	}
	x, ok := firstOverlap(local, remote)
	if !ok {
		return Finding{}, false
	}
	res := []model.ID{v.ID, pr.Remote.ID, pr.ID}
	if r := pr.Reverse(); r != nil {
		res = append(res, r.ID)
	}
	return Finding{
		Code: CodeAddressSpaceOverlap, Severity: Error,
		Title: fmt.Sprintf("%s and %s overlap on %s and are peered", v.Name, pr.Remote.Name, x),
		Message: fmt.Sprintf("VNets %s (%v) and %s (%v) overlap on %s; Azure cannot route between "+
			"overlapping peered ranges, so the peering %s (state %s) cannot carry that traffic.",
			v.Name, prefixStrings(v.AddressSpace), pr.Remote.Name, prefixStrings(pr.Remote.AddressSpace), x, pr.Name, pr.State),
		Resources: ids(res...),
		Evidence: map[string]any{"prefix": x.String(), "vnets": []string{v.Name, pr.Remote.Name},
			"peeringState": pr.State},
		Fix: overlapFix,
	}, true
}

// firstOverlap returns the first intersection between two prefix lists, in list order: the
// overlap of a[i] and b[j] for the smallest i, then the smallest j. Short lists are scanned;
// long ones (a VNet with many ranges, a subnet peering of many subnets) go through an index of
// b, so the cost is O((len(a) + len(b)) log len(b)) instead of len(a) × len(b).
func firstOverlap(a, b []netip.Prefix) (netip.Prefix, bool) {
	if min(len(a), len(b)) <= 16 {
		return scanFirstOverlap(a, b)
	}
	return indexedFirstOverlap(a, b)
}

func scanFirstOverlap(a, b []netip.Prefix) (netip.Prefix, bool) {
	for _, x := range a {
		for _, y := range b {
			if o, ok := overlap(x, y); ok {
				return o, true
			}
		}
	}
	return netip.Prefix{}, false
}

func indexedFirstOverlap(a, b []netip.Prefix) (netip.Prefix, bool) {
	idx := newPrefixIndex(b)
	for _, x := range a {
		if j := idx.first(x); j >= 0 {
			return overlap(x, b[j])
		}
	}
	return netip.Prefix{}, false
}

// span is one prefix as the closed range of addresses [lo, hi], as 128-bit numbers; v6 keeps the
// families apart, since an IPv4 and an IPv6 prefix never overlap (netip.Prefix.Overlaps, which
// also treats IPv4-mapped IPv6 as IPv6). Two prefixes are either nested or disjoint, so two
// spans overlap exactly when one contains the other.
type span struct {
	v6     bool
	lo, hi u128
	idx    int32 // the prefix's owner: an index into the caller's list
}

type u128 struct{ hi, lo uint64 }

func (a u128) cmp(b u128) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

// spanOf returns p's range owned by idx; an invalid prefix overlaps nothing and has none.
func spanOf(p netip.Prefix, idx int) (span, bool) {
	if !p.IsValid() {
		return span{}, false
	}
	a := p.Masked().Addr()
	s := span{v6: !a.Is4(), idx: int32(idx)}
	if a.Is4() {
		b := a.As4()
		s.lo.lo = uint64(binary.BigEndian.Uint32(b[:]))
	} else {
		b := a.As16()
		s.lo = u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
	}
	host := a.BitLen() - p.Bits()
	s.hi = s.lo
	s.hi.lo |= lowOnes(host)
	if host > 64 {
		s.hi.hi |= lowOnes(host - 64)
	}
	return s, true
}

// lowOnes is a uint64 with its n lowest bits set.
func lowOnes(n int) uint64 {
	if n >= 64 {
		return ^uint64(0)
	}
	return 1<<uint(n) - 1
}

// compareSpans orders spans by family (IPv4 first), start, then the wider first, so that a
// prefix comes before every prefix it contains.
func compareSpans(a, b span) int {
	if a.v6 != b.v6 {
		if b.v6 {
			return -1
		}
		return 1
	}
	if c := a.lo.cmp(b.lo); c != 0 {
		return c
	}
	return b.hi.cmp(a.hi)
}

// compareStart orders a span against the address at of family v6, by family then start.
func compareStart(s span, v6 bool, at u128) int {
	if s.v6 != v6 {
		if v6 {
			return -1
		}
		return 1
	}
	return s.lo.cmp(at)
}

// prefixIndex finds, for a prefix x, the lowest index of a listed prefix overlapping x. Those
// are the prefixes starting inside x (a contiguous run when sorted by start: a range-minimum
// query) and the shorter prefixes containing x's start (one map lookup per distinct length).
type prefixIndex struct {
	spans    []span                 // the valid prefixes, in compareSpans order
	minIdx   [][]int32              // sparse table: minIdx[k][i] is the lowest idx in spans[i:i+2^k]
	byPrefix map[netip.Prefix]int32 // masked prefix → its lowest index
	lens     [2][]int               // the distinct lengths, ascending, of IPv4 [0] and IPv6 [1] prefixes
}

func newPrefixIndex(ps []netip.Prefix) *prefixIndex {
	x := &prefixIndex{byPrefix: make(map[netip.Prefix]int32, len(ps))}
	var hasLen [2][129]bool
	for i, p := range ps {
		s, ok := spanOf(p, i)
		if !ok {
			continue
		}
		x.spans = append(x.spans, s)
		if _, dup := x.byPrefix[p.Masked()]; !dup {
			x.byPrefix[p.Masked()] = int32(i)
		}
		hasLen[family(s.v6)][p.Bits()] = true
	}
	for f := range hasLen {
		for l, ok := range hasLen[f] {
			if ok {
				x.lens[f] = append(x.lens[f], l)
			}
		}
	}
	slices.SortFunc(x.spans, compareSpans)
	level := make([]int32, len(x.spans))
	for i, s := range x.spans {
		level[i] = s.idx
	}
	x.minIdx = [][]int32{level}
	for k := 1; 1<<k <= len(x.spans); k++ {
		prev, half := x.minIdx[k-1], 1<<(k-1)
		next := make([]int32, len(x.spans)-1<<k+1)
		for i := range next {
			next[i] = min(prev[i], prev[i+half])
		}
		x.minIdx = append(x.minIdx, next)
	}
	return x
}

func family(v6 bool) int {
	if v6 {
		return 1
	}
	return 0
}

// first returns the lowest index of a listed prefix overlapping p, or -1.
func (x *prefixIndex) first(p netip.Prefix) int {
	s, ok := spanOf(p, 0)
	if !ok {
		return -1
	}
	best := int32(-1)
	take := func(i int32) {
		if best < 0 || i < best {
			best = i
		}
	}
	for _, l := range x.lens[family(s.v6)] {
		if l >= p.Bits() {
			break
		}
		if i, ok := x.byPrefix[netip.PrefixFrom(p.Addr(), l).Masked()]; ok {
			take(i)
		}
	}
	lo, _ := slices.BinarySearchFunc(x.spans, s.lo, func(e span, at u128) int {
		if c := compareStart(e, s.v6, at); c != 0 {
			return c
		}
		return 1 // e starts at s.lo: it is at or after the run's start
	})
	hi, _ := slices.BinarySearchFunc(x.spans, s.hi, func(e span, at u128) int {
		if c := compareStart(e, s.v6, at); c != 0 {
			return c
		}
		return -1 // e starts at s.hi: it is inside the run
	})
	if lo < hi {
		k := bits.Len(uint(hi-lo)) - 1
		take(min(x.minIdx[k][lo], x.minIdx[k][hi-1<<k]))
	}
	return int(best)
}

// linkedVNets maps each VNet to the VNets linked with it by a peering link in either direction,
// whatever its state, in network order.
func linkedVNets(n *model.Network) map[*model.VNet][]*model.VNet {
	out := map[*model.VNet][]*model.VNet{}
	has := map[[2]*model.VNet]bool{}
	add := func(a, b *model.VNet) {
		if k := [2]*model.VNet{a, b}; !has[k] {
			has[k] = true
			out[a] = append(out[a], b)
		}
	}
	for _, v := range n.VNets {
		for _, pr := range v.Peerings {
			if pr.Remote != nil && pr.Remote != v {
				add(v, pr.Remote)
				add(pr.Remote, v)
			}
		}
	}
	return out
}

// sharedHubOverlaps reports overlapping VNets that are both linked with hub but not with each other,
// in the order of peers: pair (i, j), i < j, before (i, j+1) and (i+1, ·). Only the pairs whose
// ranges overlap are visited (overlappingPairs), not every pair of the hub's links.
func sharedHubOverlaps(hub *model.VNet, peers []*model.VNet, seen map[[2]*model.VNet]bool) []Finding {
	var out []Finding
	for _, ij := range overlappingPairs(peers) {
		a, b := peers[ij[0]], peers[ij[1]]
		k := pairKey(a, b)
		if seen[k] {
			continue
		}
		x, ok := firstOverlap(a.AddressSpace, b.AddressSpace)
		if !ok {
			continue
		}
		seen[k] = true
		sa, sb := linkState(hub, a), linkState(hub, b)
		out = append(out, Finding{
			Code: CodeAddressSpaceOverlap, Severity: Error,
			Title: fmt.Sprintf("%s and %s overlap on %s and both peer with %s", a.Name, b.Name, x, hub.Name),
			Message: fmt.Sprintf("VNets %s and %s both have peerings with %s (%s, %s) and overlap on %s: Azure "+
				"refuses to connect a peering whose range overlaps an already peered VNet, and a hub holding both "+
				"could reach only one of them.", a.Name, b.Name, hub.Name, sa, sb, x),
			Resources: ids(a.ID, b.ID, hub.ID),
			Evidence: map[string]any{"prefix": x.String(), "vnets": []string{a.Name, b.Name}, "hub": hub.Name,
				"peeringStates": []string{sa, sb}},
			Fix: overlapFix,
		})
	}
	return out
}

// overlappingPairs returns every pair {i, j}, i < j, of vs whose address spaces overlap, sorted.
// It sweeps all their ranges in compareSpans order keeping the ranges still open: prefixes nest
// or are disjoint, so the open ranges form a chain, each containing the next, and every one of
// them contains the range being swept. The cost is O((n + k) log n) for n ranges and k pairs of
// overlapping ranges, where comparing every pair of VNets costs n² (50M pairs for a hub with
// 10,000 spokes).
func overlappingPairs(vs []*model.VNet) [][2]int {
	if len(vs) < 2 {
		return nil
	}
	var spans []span
	for i, v := range vs {
		for _, p := range v.AddressSpace {
			if s, ok := spanOf(p, i); ok {
				spans = append(spans, s)
			}
		}
	}
	slices.SortFunc(spans, compareSpans)
	var open []span
	var pairs []uint64
	for _, s := range spans {
		for len(open) > 0 {
			if top := open[len(open)-1]; top.v6 == s.v6 && top.hi.cmp(s.lo) >= 0 {
				break
			}
			open = open[:len(open)-1]
		}
		for _, o := range open {
			if o.idx != s.idx {
				pairs = append(pairs, uint64(min(o.idx, s.idx))<<32|uint64(max(o.idx, s.idx)))
			}
		}
		open = append(open, s)
	}
	slices.Sort(pairs)
	pairs = slices.Compact(pairs)
	out := make([][2]int, len(pairs))
	for n, ij := range pairs {
		out[n] = [2]int{int(ij >> 32), int(ij & (1<<32 - 1))}
	}
	return out
}

// linkState describes the peering between hub and v: "Connected", or the two links' states.
func linkState(hub, v *model.VNet) string {
	st := func(from, to *model.VNet) string {
		for _, pr := range from.Peerings {
			if pr.Remote == to {
				return pr.State
			}
		}
		return "Missing"
	}
	a, b := st(hub, v), st(v, hub)
	if a == b {
		return v.Name + " " + a
	}
	return fmt.Sprintf("%s %s/%s", v.Name, a, b)
}
