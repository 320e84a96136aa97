package model

import "net/netip"

// ConnectedGroup is a Virtual Network Manager connected group: the member VNets of a mesh
// connectivity configuration, or the spokes of a hub-and-spoke one with direct connectivity.
// Members reach each other directly, with routes of next hop type ConnectedGroup and no
// peering listed (learn.microsoft.com/azure/virtual-network-manager/concept-connectivity-configuration,
// "Connected group"; spec §1.3).
type ConnectedGroup struct {
	ID   ID     // the connectivity configuration
	Name string // "<configuration>/<network group>", with the region for a regional group
	// Members are the VNets of the group, by ID. A regional group holds VNets of one region
	// only; a global one ("Global mesh") any.
	Members []*VNet
}

// Owners lists the members other than v whose ranges contain addr. More than one is the
// overlapping-address case: "traffic to the specific overlapping subnets is dropped, since
// routing is non-deterministic" (concept-connectivity-configuration, "Mesh network topology").
func (g *ConnectedGroup) Owners(v *VNet, addr netip.Addr) []*VNet {
	var out []*VNet
	for _, m := range g.Members {
		if m != v && m.Contains(addr) {
			out = append(out, m)
		}
	}
	return out
}

// GroupOf returns the connected group of v that has a member other than v containing addr,
// or nil.
func (v *VNet) GroupOf(addr netip.Addr) *ConnectedGroup {
	for _, g := range v.ConnectedGroups {
		for _, m := range g.Members {
			if m != v && m.Contains(addr) {
				return g
			}
		}
	}
	return nil
}
