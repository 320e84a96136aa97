package fib

import (
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// groupRoutes adds, for each Virtual Network Manager connected group of s's VNet, the ranges of
// the other members with next hop ConnectedGroup, source Default (spec §1.3;
// learn.microsoft.com/azure/virtual-network-manager/concept-connectivity-configuration: "When
// you look at the effective routes for a network interface, you'll see a next hop type of
// ConnectedGroup"). A member also reached over an active peering keeps its peering routes only
// (DECISION: a hub-and-spoke hub is peered, its spokes are in the group; both routes for one
// prefix from one source would leave the choice to listing order). A member met in two groups
// is listed once.
func groupRoutes(rs []Route, s *model.Subnet) []Route {
	v := s.VNet
	for i, g := range v.ConnectedGroups {
		for _, m := range g.Members {
			if m == v || peeredWith(v, m) || inEarlierGroup(v.ConnectedGroups[:i], m) {
				continue
			}
			for _, pfx := range m.AddressSpace {
				rs = append(rs, Route{Source: SourceDefault, Prefix: pfx.Masked(), NextHop: model.HopConnectedGroup})
			}
		}
	}
	return rs
}

// groupRouteCount bounds the routes groupRoutes adds for v (candidates allocates once).
func groupRouteCount(v *model.VNet) int {
	k := 0
	for _, g := range v.ConnectedGroups {
		for _, m := range g.Members {
			k += len(m.AddressSpace)
		}
	}
	return k
}

func peeredWith(v, m *model.VNet) bool {
	for _, p := range v.Peerings {
		if p.Remote == m && peeringActive(p) {
			return true
		}
	}
	return false
}

func inEarlierGroup(gs []*model.ConnectedGroup, m *model.VNet) bool {
	for _, g := range gs {
		if slices.Contains(g.Members, m) {
			return true
		}
	}
	return false
}
