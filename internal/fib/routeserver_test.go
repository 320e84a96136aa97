package fib_test

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

func loadScenario(t *testing.T, name string) *model.Network {
	t.Helper()
	n, err := convert.Load([]string{filepath.Join("..", "..", "testdata", "scenarios", name, "snapshot")}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func subnetNamed(t *testing.T, n *model.Network, vnet, name string) *model.Subnet {
	t.Helper()
	for _, s := range n.Subnets {
		if s.VNet != nil && s.VNet.Name == vnet && s.Name == name {
			return s
		}
	}
	t.Fatalf("no subnet %s/%s", vnet, name)
	return nil
}

// GatewaySubnet takes the Route Server's routes only with branch-to-branch on
// (route-server/expressroute-vpn-support): 10.100.0.5 is nva1's there in route-server-nva, and
// the default 10.0.0.0/8 None route's in route-server-no-b2b, whose VMs still get nva1's route.
// The second also warns on the Route Server.
func TestGatewaySubnetLearnsNVARoutesOnlyWithBranchToBranch(t *testing.T) {
	dst := netip.MustParseAddr("10.100.0.5")
	for _, c := range []struct {
		scenario string
		gateway  string // GatewaySubnet's route for dst: prefix and next hop
		warned   bool
	}{
		{"route-server-nva", "10.100.0.0/16 VirtualNetworkGateway 10.60.1.4", false},
		{"route-server-no-b2b", "10.0.0.0/8 None invalid IP", true},
	} {
		n := loadScenario(t, c.scenario)
		f, warns := fib.Build(n)
		got := func(s *model.Subnet) string {
			r, ok := f.Subnet(s).Lookup(dst)
			if !ok {
				return "no route"
			}
			return r.Prefix.String() + " " + r.NextHop.String() + " " + r.NextHopIP.String()
		}
		if g := got(subnetNamed(t, n, "vnet-hub", "GatewaySubnet")); g != c.gateway {
			t.Errorf("%s: GatewaySubnet's route for %s = %q, want %q", c.scenario, dst, g, c.gateway)
		}
		if g, want := got(subnetNamed(t, n, "vnet-spoke", "snet-spoke")), "10.100.0.0/16 VirtualNetworkGateway 10.60.1.4"; g != want {
			t.Errorf("%s: snet-spoke's route for %s = %q, want %q", c.scenario, dst, g, want)
		}
		warned := false
		for _, w := range warns {
			warned = warned || strings.Contains(w.Message, "allowBranchToBranchTraffic off")
		}
		if warned != c.warned {
			t.Errorf("%s: branch-to-branch warning %v, want %v (%v)", c.scenario, warned, c.warned, warns)
		}
	}
}

// An NVA that advertises 0.0.0.0/0 to a Route Server without a 0.0.0.0/0 UDR on its own subnet is
// warned about (troubleshoot-route-server): route-server-nva's snet-nva has one; without it, both
// NVAs are named.
func TestNVAAdvertisingDefaultRouteWarned(t *testing.T) {
	n := loadScenario(t, "route-server-nva")
	count := func() int {
		_, warns := fib.Build(n)
		k := 0
		for _, w := range warns {
			if strings.Contains(w.Message, "advertises 0.0.0.0/0 to Route Server") {
				k++
			}
		}
		return k
	}
	if k := count(); k != 0 {
		t.Errorf("with the 0/0 Internet UDR on snet-nva: %d warnings, want 0", k)
	}
	subnetNamed(t, n, "vnet-hub", "snet-nva").RouteTable = nil
	if k := count(); k != 2 {
		t.Errorf("without it: %d warnings, want 2 (nva1 and nva2)", k)
	}
}
