// Package modeltest builds small hand-made networks for tests of the packages that read the model.
//
// Tests build models in Go instead of loading JSON so that each case shows the few resources it
// is about. IDs are synthetic and only need to be unique; the builders append each resource to
// the network's lists and do not call Index (call Freeze, as the converter does, before use).
package modeltest

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Prefix parses s or panics: test tables hold literals.
func Prefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// Addr parses s or panics: test tables hold literals.
func Addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// Prefixes parses each of ss.
func Prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = Prefix(s)
	}
	return out
}

// NewNetwork returns an empty network whose service tag map is ready for AddTag.
func NewNetwork() *model.Network { return &model.Network{ServiceTags: map[string]*model.ServiceTag{}} }

// AddVNet adds a VNet with the given address space.
func AddVNet(n *model.Network, name, loc string, space ...string) *model.VNet {
	v := &model.VNet{ID: model.ID("/vnets/" + name), Name: name, Location: loc, AddressSpace: Prefixes(space...)}
	n.VNets = append(n.VNets, v)
	return v
}

// AddSubnet adds a subnet of v with one prefix.
func AddSubnet(n *model.Network, v *model.VNet, name, prefix string) *model.Subnet {
	s := &model.Subnet{ID: v.ID + model.ID("/subnets/"+name), Name: name, VNet: v, Prefixes: Prefixes(prefix)}
	v.Subnets = append(v.Subnets, s)
	n.Subnets = append(n.Subnets, s)
	return s
}

// Peer links a and b with the given states on a's link and b's link; "" leaves that link out,
// which is how a half-built peering looks.
func Peer(a, b *model.VNet, stateA, stateB string) (ab, ba *model.Peering) {
	if stateA != "" {
		ab = link(a, b, stateA)
	}
	if stateB != "" {
		ba = link(b, a, stateB)
	}
	return ab, ba
}

// link adds from's peering link to to, the whole address space peered.
func link(from, to *model.VNet, state string) *model.Peering {
	p := &model.Peering{ID: from.ID + "/peerings/to-" + model.ID(to.Name), Name: "to-" + to.Name, Local: from, Remote: to,
		RemoteID: to.ID, State: state, PeerCompleteVNets: true, AllowVirtualNetworkAccess: true}
	from.Peerings = append(from.Peerings, p)
	return p
}

// AddRouteTable adds a route table with routes and associates it with subnets.
func AddRouteTable(n *model.Network, name string, subnets []*model.Subnet, routes ...*model.Route) *model.RouteTable {
	rt := &model.RouteTable{ID: model.ID("/routeTables/" + name), Name: name, Routes: routes}
	n.RouteTables = append(n.RouteTables, rt)
	for _, s := range subnets {
		s.RouteTable = rt
	}
	return rt
}

// UDR makes a route; hop is "VirtualAppliance 10.0.100.4" or a bare next hop type; a prefix
// that does not parse is a service tag.
func UDR(name, prefix, hop string) *model.Route {
	f := strings.Fields(hop)
	t, ok := model.ParseNextHopType(f[0])
	if !ok {
		panic("bad hop " + hop)
	}
	r := &model.Route{Name: name, NextHopType: t}
	if p, err := netip.ParsePrefix(prefix); err == nil {
		r.Prefix = p
	} else {
		r.Tag = prefix
	}
	if len(f) > 1 {
		r.NextHopIP = Addr(f[1])
	}
	return r
}

// AddTag adds a service tag; the network keys tags by lower-case name.
func AddTag(n *model.Network, name string, prefixes ...string) {
	n.ServiceTags[strings.ToLower(name)] = &model.ServiceTag{Name: name, Prefixes: Prefixes(prefixes...)}
}
