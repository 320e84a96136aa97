package fib

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/model/modeltest"
)

// gwPublicIP is the public IP of addVPN's active-standby gateways.
const gwPublicIP = "20.50.0.4"

// Short names for the shared builders keep the test tables on one line each.
var (
	pfx           = modeltest.Prefix
	ip            = modeltest.Addr
	pfxs          = modeltest.Prefixes
	newNet        = modeltest.NewNetwork
	addVNet       = modeltest.AddVNet
	addSubnet     = modeltest.AddSubnet
	peer          = modeltest.Peer
	addRouteTable = modeltest.AddRouteTable
	udr           = modeltest.UDR
	addTag        = modeltest.AddTag
)

// addVPN gives v a VPN gateway with an IPsec connection to a local gateway with prefixes. Two
// instance IPs make it active-active (its routes name them); one makes it active-standby with
// public IP gwPublicIP (its routes name that: azure-semantics.md §1.8 item 2).
func addVPN(n *model.Network, v *model.VNet, gwIPs []string, onPrem ...string) *model.VNetGateway {
	gw := &model.VNetGateway{ID: v.ID + "/gw", Name: v.Name + "-gw", GatewayType: "Vpn", VNet: v,
		ActiveActive: len(gwIPs) > 1}
	for _, a := range gwIPs {
		gw.PrivateIPs = append(gw.PrivateIPs, ip(a))
	}
	if len(gwIPs) == 1 {
		gw.PublicIPs = []*model.PublicIP{{ID: gw.ID + "-pip", Name: gw.Name + "-pip", Address: ip(gwPublicIP)}}
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
