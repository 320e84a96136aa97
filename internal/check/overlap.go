package check

import (
	"cmp"
	"fmt"
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
	"Network Manager mesh of non-overlapping groups; or publish the overlapping workload through private-IP DNAT " +
	"on the hub firewall (VPN gateway NAT does not apply between VNets: IPsec cross-premises connections only). " +
	"Re-addressing one VNet is the only complete fix."

// runAddressSpaceOverlap reports, once per VNet pair, an Error when the two overlap and are
// linked by a peering in any state (Azure refuses or half-builds such a peering, spec §1.3), or
// are both linked (in any state) to the same VNet: Azure refuses to peer a VNet with a range that
// overlaps one it already peers with, and a hub with both would learn one range twice (the
// merger case: a new VNet reusing a spoke's range tries to peer with the hub).
func runAddressSpaceOverlap(pass *Pass) []Finding {
	return overlapFindings(pass.Plane.Net, linkedVNets, overlappingPairs)
}

// overlapFindings is the check with its two searches as parameters: links maps each VNet to the
// VNets linked with it, pairs lists the (i, j), i < j, in order, of a hub's links that may overlap.
// The twin test passes slow, obviously complete versions of both.
func overlapFindings(n *model.Network, links func(*model.Network) map[*model.VNet][]*model.VNet,
	pairs func([]*model.VNet) [][2]int) []Finding {
	seen := map[[2]*model.VNet]bool{}
	out := peeredOverlaps(n, seen)
	linked := links(n)
	for _, hub := range n.VNets {
		out = append(out, sharedHubOverlaps(hub, linked[hub], pairs, seen)...)
	}
	return append(out, extraOverlaps(n)...) // on-premises sites, connected groups (overlapsite.go)
}

// peeredOverlaps reports each pair of VNets linked by a peering, once (marking it in seen),
// whose peered ranges overlap (peeredOverlap).
func peeredOverlaps(n *model.Network, seen map[[2]*model.VNet]bool) []Finding {
	var out []Finding
	for _, v := range n.VNets {
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

// firstOverlap returns the first intersection between two prefix lists, in list order.
func firstOverlap(a, b []netip.Prefix) (netip.Prefix, bool) {
	for _, x := range a {
		for _, y := range b {
			if o, ok := overlap(x, y); ok {
				return o, true
			}
		}
	}
	return netip.Prefix{}, false
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
// in the order of peers: pair (i, j), i < j, before (i, j+1) and (i+1, ·). Only the pairs listed
// by pairs are visited (overlappingPairs: those whose ranges overlap), not every pair of links.
func sharedHubOverlaps(hub *model.VNet, peers []*model.VNet, pairs func([]*model.VNet) [][2]int,
	seen map[[2]*model.VNet]bool) []Finding {
	var out []Finding
	for _, ij := range pairs(peers) {
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
		out = append(out, hubOverlapFinding(hub, a, b, x))
	}
	return out
}

// hubOverlapFinding is the finding for a and b, both linked with hub, overlapping on x.
func hubOverlapFinding(hub, a, b *model.VNet, x netip.Prefix) Finding {
	sa, sb := linkState(hub, a), linkState(hub, b)
	return Finding{
		Code: CodeAddressSpaceOverlap, Severity: Error,
		Title: fmt.Sprintf("%s and %s overlap on %s and both peer with %s", a.Name, b.Name, x, hub.Name),
		Message: fmt.Sprintf("VNets %s and %s both have peerings with %s (%s, %s) and overlap on %s: Azure "+
			"refuses to connect a peering whose range overlaps an already peered VNet, and a hub holding both "+
			"could reach only one of them.", a.Name, b.Name, hub.Name, sa, sb, x),
		Resources: ids(a.ID, b.ID, hub.ID),
		Evidence: map[string]any{"prefix": x.String(), "vnets": []string{a.Name, b.Name}, "hub": hub.Name,
			"peeringStates": []string{sa, sb}},
		Fix: overlapFix,
	}
}

// overlappingPairs returns every pair {i, j}, i < j, of vs whose address spaces overlap, sorted.
// It sweeps all their ranges in address order (netip.Addr.Compare: IPv4 first, then by start,
// the wider of two ranges with one start first) keeping the ranges still open: prefixes nest or
// are disjoint, so the open ranges form a chain, each containing the next, and every one of them
// contains the range being swept. The cost is O((n + k) log n) for n ranges and k pairs of
// overlapping ranges, where comparing every pair of VNets costs n² (50M pairs for a hub with
// 10,000 spokes).
func overlappingPairs(vs []*model.VNet) [][2]int {
	if len(vs) < 2 {
		return nil
	}
	type owned struct {
		p    netip.Prefix // masked
		vnet int          // index in vs
	}
	var ranges []owned
	for i, v := range vs {
		for _, p := range v.AddressSpace {
			if p.IsValid() {
				ranges = append(ranges, owned{p.Masked(), i})
			}
		}
	}
	slices.SortFunc(ranges, func(a, b owned) int {
		return cmp.Or(a.p.Addr().Compare(b.p.Addr()), cmp.Compare(a.p.Bits(), b.p.Bits()))
	})
	var open []owned
	var pairs [][2]int
	for _, r := range ranges {
		for len(open) > 0 && !open[len(open)-1].p.Overlaps(r.p) {
			open = open[:len(open)-1]
		}
		for _, o := range open {
			if o.vnet != r.vnet {
				pairs = append(pairs, [2]int{min(o.vnet, r.vnet), max(o.vnet, r.vnet)})
			}
		}
		open = append(open, r)
	}
	slices.SortFunc(pairs, func(a, b [2]int) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	return slices.Compact(pairs)
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
