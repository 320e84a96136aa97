package trace

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// natSite is a VNet 10.0.0.0/16 with vm 10.0.1.4 and a VPN gateway whose connection to site
// 192.168.1.0/24 links one IngressSnat rule 192.168.1.0/24 → 172.30.1.0/24 (static or dynamic).
func natSite(dynamic bool) func() *net {
	return func() *net {
		n := newNet()
		v := n.vnet("v", "10.0.0.0/16")
		n.vm(n.subnet(v, "s", "10.0.1.0/24"), "vm", "10.0.1.4")
		gw := n.vpn(v, "10.0.255.0/27", "10.0.255.4", "192.168.1.0/24")
		r := &model.VPNNATRule{ID: gw.ID + "/natRules/site", Name: "site", Dynamic: dynamic,
			Internal: []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}, External: []netip.Prefix{netip.MustParsePrefix("172.30.1.0/24")}}
		gw.NATRules = []*model.VPNNATRule{r}
		gw.Connections[0].IngressNAT = []*model.VPNNATRule{r}
		return n
	}
}

// learn.microsoft.com/azure/vpn-gateway/nat-overview: a static rule translates both ways; with a
// dynamic one "communication must be initiated from the site that is represented in the Internal
// Mapping field" — the site may start a flow, the VNet may not.
func TestVPNNAT(t *testing.T) {
	cases := []tcase{
		{"static: VNet to the site's post-NAT address", natSite(false), q("vm", "172.30.1.9", tcp, 443),
			"Reachable ExitedToOnPremises Snat=site | Delivered Route=System Route",
			"Nic:vm-nic > VirtualNetworkGateway:v-gw > OnPremises:lng-onprem", "OnPremises:lng-onprem > VirtualNetworkGateway:v-gw > Nic:vm-nic", nil},
		{"dynamic: the VNet cannot start", natSite(true), q("vm", "172.30.1.9", tcp, 443),
			"Unreachable Dropped/NoInboundPath Snat=site", "Nic:vm-nic > VirtualNetworkGateway:v-gw", "<nil>", nil},
		{"dynamic: the site can", natSite(true), q("192.168.1.9", "vm", tcp, 443),
			"Reachable Delivered Route=System Route | ExitedToOnPremises Snat=site",
			"OnPremises:lng-onprem > VirtualNetworkGateway:v-gw > Nic:vm-nic", "Nic:vm-nic > VirtualNetworkGateway:v-gw > OnPremises:lng-onprem", nil},
	}
	runCases(t, cases)
	a := run(t, natSite(false)().plane(), "192.168.1.9", "vm", tcp, 443)
	if got := a.Forward.Hops[len(a.Forward.Hops)-1]; got.Kind != HopNIC {
		t.Fatalf("not delivered: %s", summary(a))
	}
	if a.Return == nil || len(a.Return.Hops) == 0 || a.Return.Hops[len(a.Return.Hops)-1].Address != "192.168.1.9" {
		t.Errorf("the reply should reach the site's own address 192.168.1.9: %+v", a.Return)
	}
}

// TestPolicySelectorsAssumed: a flow crossing a connection with policy-based traffic selectors,
// either way, says they are not modelled, also one that crosses it only on the way in (its NSG
// drops it at the VM); one over a connection without them does not.
func TestPolicySelectorsAssumed(t *testing.T) {
	const mark = "connection conn uses policy-based traffic selectors, which are not modelled"
	for _, selectors := range []bool{true, false} {
		n := natSite(false)()
		n.Connections[0].PolicySelectors = selectors
		n.VNets[0].Subnets[0].NSG = n.nsg("nsg-s", "deny-ssh 100 In Deny Tcp * * 22")
		p := n.plane()
		for _, fl := range []struct {
			from, to string
			port     uint16
			verdict  Verdict
		}{{"vm", "172.30.1.9", 443, Reachable}, {"192.168.1.9", "vm", 443, Reachable}, {"192.168.1.9", "vm", 22, Unreachable}} {
			a := run(t, p, fl.from, fl.to, tcp, fl.port)
			if a.Verdict != fl.verdict {
				t.Fatalf("%s → %s:%d: %s", fl.from, fl.to, fl.port, summary(a))
			}
			said := slices.ContainsFunc(a.Assumptions, func(s string) bool { return strings.HasPrefix(s, mark) })
			if said != selectors {
				t.Errorf("selectors %v, %s → %s:%d: assumed %v (assumptions %q)", selectors, fl.from, fl.to, fl.port, said, a.Assumptions)
			}
		}
	}
}
