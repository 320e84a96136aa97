package dataplane

import (
	"net/netip"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

func TestReservedAndInstances(t *testing.T) {
	s := &model.Subnet{Name: "AzureFirewallSubnet", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.1.0/26")}}
	fw := &model.Firewall{Name: "afw", Subnet: s, PrivateIP: netip.MustParseAddr("10.0.1.4")}
	for _, c := range []struct {
		addr string
		want bool
	}{{"10.0.1.0", true}, {"10.0.1.3", true}, {"10.0.1.4", false}, {"10.0.1.62", false}, {"10.0.1.63", true}, {"10.0.2.1", false}} {
		if got := s.Reserved(netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("Reserved(%s) = %v, want %v", c.addr, got, c.want)
		}
	}
	set := firewall.InstanceAddresses(fw)
	inst := instanceAddrs(set)
	if got, want := len(inst), 64-5-1; got != want {
		t.Fatalf("%d instance addresses, want %d", got, want)
	}
	if inst[0] != netip.MustParseAddr("10.0.1.5") || inst[len(inst)-1] != netip.MustParseAddr("10.0.1.62") {
		t.Errorf("instance range %s … %s, want 10.0.1.5 … 10.0.1.62", inst[0], inst[len(inst)-1])
	}
	x := &Index{FirewallBySubnet: map[*model.Subnet]*model.Firewall{s: fw}, instanceSets: map[*model.Firewall]ipset.Set{fw: set}}
	for _, c := range []struct {
		addr string
		want bool
	}{{"10.0.1.4", false}, {"10.0.1.5", true}, {"10.0.1.63", false}} {
		if _, got := x.FirewallInstance(s, netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("FirewallInstance(%s) = %v, want %v", c.addr, got, c.want)
		}
	}
}

func TestOnPremFor(t *testing.T) {
	gw := &model.VNetGateway{Name: "gw"}
	wide := &model.LocalGateway{Name: "wide", Prefixes: []netip.Prefix{netip.MustParsePrefix("192.168.0.0/16")}}
	narrow := &model.LocalGateway{Name: "narrow", Prefixes: []netip.Prefix{netip.MustParsePrefix("192.168.10.0/24")}}
	n := &model.Network{LocalGateways: []*model.LocalGateway{wide, narrow},
		Connections: []*model.Connection{{Gateway: gw, Local: wide}, {Gateway: gw, Local: narrow}}}
	x := buildIndex(n)
	for _, c := range []struct{ addr, want string }{{"192.168.10.5", "narrow"}, {"192.168.20.5", "wide"}, {"10.0.0.1", ""}} {
		o, ok := x.OnPremFor(netip.MustParseAddr(c.addr))
		got := ""
		if ok {
			got = o.Local.Name
		}
		if got != c.want {
			t.Errorf("OnPremFor(%s) = %q, want %q", c.addr, got, c.want)
		}
	}
}
