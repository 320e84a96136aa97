package fib

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Small builders for hand-made networks. IDs are synthetic and only need to be unique.

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

func pfxs(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = pfx(s)
	}
	return out
}

func newNet() *model.Network { return &model.Network{ServiceTags: map[string]*model.ServiceTag{}} }

func addVNet(n *model.Network, name, loc string, space ...string) *model.VNet {
	v := &model.VNet{ID: model.ID("/vnets/" + name), Name: name, Location: loc, AddressSpace: pfxs(space...)}
	n.VNets = append(n.VNets, v)
	return v
}

func addSubnet(n *model.Network, v *model.VNet, name, prefix string) *model.Subnet {
	s := &model.Subnet{ID: v.ID + model.ID("/subnets/"+name), Name: name, VNet: v, Prefixes: pfxs(prefix)}
	v.Subnets = append(v.Subnets, s)
	n.Subnets = append(n.Subnets, s)
	return s
}

// peer links a and b with the given states on a's link and b's link ("" = no link).
func peer(a, b *model.VNet, stateA, stateB string) (ab, ba *model.Peering) {
	if stateA != "" {
		ab = &model.Peering{ID: a.ID + "/peerings/to-" + model.ID(b.Name), Name: "to-" + b.Name, Local: a, Remote: b,
			RemoteID: b.ID, State: stateA, PeerCompleteVNets: true, AllowVirtualNetworkAccess: true}
		a.Peerings = append(a.Peerings, ab)
	}
	if stateB != "" {
		ba = &model.Peering{ID: b.ID + "/peerings/to-" + model.ID(a.Name), Name: "to-" + a.Name, Local: b, Remote: a,
			RemoteID: a.ID, State: stateB, PeerCompleteVNets: true, AllowVirtualNetworkAccess: true}
		b.Peerings = append(b.Peerings, ba)
	}
	return ab, ba
}

func addRouteTable(n *model.Network, name string, subnets []*model.Subnet, routes ...*model.Route) *model.RouteTable {
	rt := &model.RouteTable{ID: model.ID("/routeTables/" + name), Name: name, Routes: routes}
	n.RouteTables = append(n.RouteTables, rt)
	for _, s := range subnets {
		s.RouteTable = rt
	}
	return rt
}

// udr makes a route; hop is "VirtualAppliance 10.0.100.4" or a bare next hop type; a prefix
// that does not parse is a service tag.
func udr(name, prefix, hop string) *model.Route {
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
		r.NextHopIP = ip(f[1])
	}
	return r
}

// addVPN gives v a VPN gateway with an IPsec connection to a local gateway with prefixes.
func addVPN(n *model.Network, v *model.VNet, gwIPs []string, onPrem ...string) *model.VNetGateway {
	gw := &model.VNetGateway{ID: v.ID + "/gw", Name: v.Name + "-gw", GatewayType: "Vpn", VNet: v}
	for _, a := range gwIPs {
		gw.PrivateIPs = append(gw.PrivateIPs, ip(a))
	}
	lg := &model.LocalGateway{ID: v.ID + "/lgw", Name: v.Name + "-onprem", Prefixes: pfxs(onPrem...)}
	c := &model.Connection{ID: v.ID + "/conn", Name: v.Name + "-conn", Type: "IPsec", Gateway: gw, Local: lg}
	gw.Connections = []*model.Connection{c}
	v.Gateways = append(v.Gateways, gw)
	n.VNetGateways = append(n.VNetGateways, gw)
	n.LocalGateways = append(n.LocalGateways, lg)
	n.Connections = append(n.Connections, c)
	return gw
}

func addTag(n *model.Network, name string, prefixes ...string) {
	n.ServiceTags[strings.ToLower(name)] = &model.ServiceTag{Name: name, Prefixes: pfxs(prefixes...)}
}

func addPE(n *model.Network, s *model.Subnet, name string, addrs ...string) *model.PrivateEndpoint {
	pe := &model.PrivateEndpoint{ID: model.ID("/privateEndpoints/" + name), Name: name, Subnet: s}
	for _, a := range addrs {
		pe.IPs = append(pe.IPs, ip(a))
	}
	n.PrivateEndpoints = append(n.PrivateEndpoints, pe)
	return pe
}

// row renders a route as "Source State Prefix NextHop [IPs]" for comparisons.
func row(r Route) string {
	s := fmt.Sprintf("%s %s %s %s", r.Source, r.State, r.Prefix, r.NextHop)
	for _, a := range r.NextHopIPs {
		s += " " + a.String()
	}
	return s
}

func rows(t *Table) []string {
	out := make([]string, 0, len(t.All()))
	for _, r := range t.All() {
		out = append(out, row(r))
	}
	return out
}

func tableOf(t *testing.T, n *model.Network, s *model.Subnet) *Table {
	t.Helper()
	f, _ := Build(n)
	tab := f.Subnet(s)
	if tab == nil {
		t.Fatalf("no table for %s", s.Name)
	}
	return tab
}

func checkRows(t *testing.T, name string, got *Table, want []string) {
	t.Helper()
	if d := cmp.Diff(want, rows(got)); d != "" {
		t.Errorf("%s routes (-want +got):\n%s", name, d)
	}
}

// defaults are the §1.2 routes of a subnet in a VNet with the given ranges inside 10/8.
func defaults(ranges ...string) []string {
	var out []string
	for _, r := range ranges {
		out = append(out, "Default Active "+r+" VnetLocal")
	}
	return append(out, "Default Active 0.0.0.0/0 Internet",
		"Default Active 10.0.0.0/8 None", "Default Active 100.64.0.0/10 None", "Default Active 127.0.0.0/8 None",
		"Default Active 172.16.0.0/12 None", "Default Active 192.168.0.0/16 None", "Default Active 198.18.0.0/15 None")
}
