package model

import (
	"net/netip"
	"slices"
	"strings"
)

// sortLists orders every list of resources that the converter assembles from separate
// resources by case-insensitive ID, so the model does not depend on how the snapshot was split
// into files or ordered within them, and two snapshots can be compared list by list.
//
// Lists that are one resource's own array keep Azure's order, because Azure gives it meaning
// or the output shows it as configured: a NIC's ip configurations and a VM's NICs (primary
// first), firewall rule collections and rules, a load balancer's frontends (the first is the one
// a trace names) and rules, and the public IPs of a firewall, gateway or NAT gateway. A policy's
// rule collection groups are in processing order (by priority, the converter sorts them), and
// so are an NSG's rules (by priority, then name). Lists without IDs (DNS records, forwarding
// rules) keep input order.
//
// A route table's routes are ordered by name (their order carries no meaning: the longest prefix
// decides), and so are Network.PrivateEndpoints and VNet.Subnets: the UDR and InterfaceEndpoint
// rows of `routes` and fib's tables then do not depend on how the snapshot was written (issue
// 10). VNet.Peerings is sorted too: which peered VNet's owner a next hop resolves to, and the
// peering rows of `routes`, do not follow the snapshot's order.
func (n *Network) sortLists() {
	sortByID(n.VNets, func(x *VNet) ID { return x.ID })
	sortByID(n.Subnets, func(x *Subnet) ID { return x.ID })
	sortByID(n.NICs, func(x *NIC) ID { return x.ID })
	sortByID(n.VMs, func(x *VM) ID { return x.ID })
	sortByID(n.NSGs, func(x *NSG) ID { return x.ID })
	sortByID(n.ASGs, func(x *ASG) ID { return x.ID })
	sortByID(n.RouteTables, func(x *RouteTable) ID { return x.ID })
	sortByID(n.PublicIPs, func(x *PublicIP) ID { return x.ID })
	sortByID(n.NATGateways, func(x *NATGateway) ID { return x.ID })
	sortByID(n.Firewalls, func(x *Firewall) ID { return x.ID })
	sortByID(n.FirewallPolicies, func(x *FirewallPolicy) ID { return x.ID })
	sortByID(n.IPGroups, func(x *IPGroup) ID { return x.ID })
	sortByID(n.VNetGateways, func(x *VNetGateway) ID { return x.ID })
	sortByID(n.LocalGateways, func(x *LocalGateway) ID { return x.ID })
	sortByID(n.Connections, func(x *Connection) ID { return x.ID })
	sortByID(n.LoadBalancers, func(x *LoadBalancer) ID { return x.ID })
	sortByID(n.AdminRules, func(x *AdminRule) ID { return x.ID })
	sortByID(n.NetAppVolumes, func(x *NetAppVolume) ID { return x.ID })
	sortByID(n.AppGateways, func(x *AppGateway) ID { return x.ID })
	sortByID(n.RouteServers, func(x *RouteServer) ID { return x.ID })
	for _, rs := range nonNil(n.RouteServers) {
		sortByID(rs.Peers, func(x *BGPPeer) ID { return x.ID })
	}
	sortByID(n.VirtualWANs, func(x *VirtualWAN) ID { return x.ID })
	sortByID(n.VirtualHubs, func(x *VirtualHub) ID { return x.ID })
	for _, h := range nonNil(n.VirtualHubs) {
		sortByID(h.Tables, func(x *HubRouteTable) ID { return x.ID })
		sortByID(h.Connections, func(x *HubConnection) ID { return x.ID })
		sortByID(h.Branches, func(x *HubBranch) ID { return x.ID })
	}
	sortByID(n.PrivateDNSZones, func(x *PrivateDNSZone) ID { return x.ID })
	sortByID(n.ForwardingRulesets, func(x *DNSForwardingRuleset) ID { return x.ID })
	sortByID(n.ResolverInbounds, func(x *DNSResolverInbound) ID { return x.ID })
	sortByID(n.PrivateEndpoints, func(x *PrivateEndpoint) ID { return x.ID })

	// Children that come from other resources (a subnet or peering given as its own object, a
	// gateway naming its VNet, a NIC naming a backend pool, a link naming a zone).
	vnetID := func(x *VNet) ID { return x.ID }
	for _, v := range nonNil(n.VNets) {
		sortByID(v.Peerings, func(x *Peering) ID { return x.ID })
		sortByID(v.Subnets, func(x *Subnet) ID { return x.ID })
		sortByID(v.Gateways, func(x *VNetGateway) ID { return x.ID })
	}
	for _, t := range n.ServiceTags { // a tag is a set of prefixes: address order
		slices.SortFunc(t.Prefixes, func(a, b netip.Prefix) int {
			if c := a.Addr().Compare(b.Addr()); c != 0 {
				return c
			}
			return a.Bits() - b.Bits()
		})
	}
	for _, s := range nonNil(n.Subnets) { // one route set per service: service order
		slices.SortStableFunc(s.ServiceEndpoints, func(a, b ServiceEndpoint) int {
			return strings.Compare(strings.ToLower(a.Service), strings.ToLower(b.Service))
		})
	}
	for _, rt := range nonNil(n.RouteTables) {
		slices.SortStableFunc(rt.Routes, func(a, b *Route) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	}
	for _, g := range nonNil(n.NATGateways) {
		sortByID(g.Subnets, func(x *Subnet) ID { return x.ID })
	}
	for _, g := range nonNil(n.VNetGateways) {
		sortByID(g.Connections, func(x *Connection) ID { return x.ID })
	}
	for _, lb := range nonNil(n.LoadBalancers) {
		for _, p := range nonNil(lb.BackendPools) {
			sortByID(p.IPConfigs, func(x *IPConfig) ID { return x.ID })
		}
	}
	for _, nic := range nonNil(n.NICs) {
		for _, c := range nonNil(nic.IPConfigs) {
			sortByID(c.BackendPools, func(x *BackendPool) ID { return x.ID })
		}
	}
	for _, z := range nonNil(n.PrivateDNSZones) {
		sortByID(z.Links, func(x *DNSZoneLink) ID { return x.ID })
	}
	for _, rs := range nonNil(n.ForwardingRulesets) {
		sortByID(rs.VNets, vnetID)
	}
	for _, r := range nonNil(n.AdminRules) {
		sortByID(r.AppliesTo, vnetID)
	}
}

// sortWarnings orders the warnings by resource (case-insensitive ID), code and message: they are
// found in the order the converter reads the snapshot, which must not show in answers (issue 10).
func (n *Network) sortWarnings() {
	slices.SortStableFunc(n.Warnings, func(a, b Warning) int {
		if c := strings.Compare(a.Resource.Key(), b.Resource.Key()); c != 0 {
			return c
		}
		if c := strings.Compare(a.Code, b.Code); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
}

// nonNil yields the non-nil entries of s (a hand-built model may hold nil).
func nonNil[T any](s []*T) func(yield func(int, *T) bool) {
	return func(yield func(int, *T) bool) {
		for i, x := range s {
			if x != nil && !yield(i, x) {
				return
			}
		}
	}
}

// sortByID orders s by case-insensitive ID, lower-casing each ID once rather than per
// comparison (10,000 NICs would otherwise lower-case ~280,000 strings). Equal IDs keep their
// order; nil entries (a hand-built model) come first.
func sortByID[T any](s []*T, id func(*T) ID) {
	if len(s) < 2 {
		return
	}
	type keyed struct {
		key string
		x   *T
	}
	ks := make([]keyed, len(s))
	for i, x := range s {
		if x != nil {
			ks[i] = keyed{id(x).Key(), x}
		}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	for i := range ks {
		s[i] = ks[i].x
	}
}
