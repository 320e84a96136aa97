package check

import (
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// This file keeps the original searches of AddressSpaceOverlap's shared-hub half as slow,
// obviously correct twins of overlap.go's sweep (overlappingPairs) and link index (linkedVNets):
// every pair of VNets linked with a hub is visited, and links are collected by scanning. The
// equivalence test in overlap_equiv_test.go asserts that both give identical findings.

func slowAddressSpaceOverlap(pass *Pass) []Finding {
	return overlapFindings(pass.Plane.Net, slowLinkedVNets, allPairs)
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

// allPairs lists every (i, j), i < j, of peers in order.
func allPairs(peers []*model.VNet) [][2]int {
	var out [][2]int
	for i := range peers {
		for j := i + 1; j < len(peers); j++ {
			out = append(out, [2]int{i, j})
		}
	}
	return out
}
