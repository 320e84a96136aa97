package check

import (
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// This file keeps the original, pairwise search of AddressSpaceOverlap's shared-hub half as a
// slow, obviously correct twin of overlap.go's sweep (overlappingPairs) and link index
// (linkedVNets): every pair of VNets linked with a hub is compared prefix by prefix. The peered
// half and the findings' wording have no fast path and are shared. The equivalence test in
// overlap_equiv_test.go asserts that both give identical findings.

func slowAddressSpaceOverlap(pass *Pass) []Finding {
	n := pass.Plane.Net
	seen := map[[2]*model.VNet]bool{}
	out := peeredOverlaps(n, seen)
	links := slowLinkedVNets(n)
	for _, hub := range n.VNets {
		out = append(out, slowSharedHubOverlaps(hub, links[hub], seen)...)
	}
	return out
}

func slowLinkedVNets(n *model.Network) map[*model.VNet][]*model.VNet {
	out := map[*model.VNet][]*model.VNet{}
	add := func(a, b *model.VNet) {
		if !containsVNet(out[a], b) {
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

func slowSharedHubOverlaps(hub *model.VNet, peers []*model.VNet, seen map[[2]*model.VNet]bool) []Finding {
	var out []Finding
	for i, a := range peers {
		for _, b := range peers[i+1:] {
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
	}
	return out
}
