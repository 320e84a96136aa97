package check

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// AddressSpaceOverlap names VPN NAT only where it applies (issue 15 item 4): a site overlapping
// its gateway's VNet or another site is an Error that offers NAT, and NAT rules that separate
// them end it; two mesh members with overlapping subnets are a Warning that does not.
func TestOverlapSitesAndGroups(t *testing.T) {
	p := netip.MustParsePrefix
	build := func(withNAT bool) *hubSpoke {
		h := newHubSpoke()
		gw := &model.VNetGateway{ID: model.ID(sub + "Microsoft.Network/virtualNetworkGateways/vgw"), Name: "vgw", GatewayType: "Vpn", VNet: h.hub}
		h.hub.Gateways = append(h.hub.Gateways, gw)
		h.e.n.VNetGateways = append(h.e.n.VNetGateways, gw)
		for i, name := range []string{"branch1", "branch2"} {
			l := &model.LocalGateway{ID: model.ID(sub + "Microsoft.Network/localNetworkGateways/" + name), Name: name, Prefixes: []netip.Prefix{p("192.168.1.0/24")}}
			c := &model.Connection{ID: model.ID(sub + "Microsoft.Network/connections/cn-" + name), Name: "cn-" + name, Type: "IPsec", Gateway: gw, Local: l}
			if withNAT {
				ext := []netip.Prefix{p("100.0.2.0/24"), p("100.0.3.0/24")}[i]
				c.IngressNAT = []*model.VPNNATRule{{Name: name, Internal: []netip.Prefix{p("192.168.1.0/24")}, External: []netip.Prefix{ext}}}
			}
			gw.Connections = append(gw.Connections, c)
			h.e.n.LocalGateways, h.e.n.Connections = append(h.e.n.LocalGateways, l), append(h.e.n.Connections, c)
		}
		return h
	}
	got := briefs(runCheck(t, build(false).e.fullPlane(), CodeAddressSpaceOverlap), "prefix", "site", "overlaps")
	want := []brief{{"Error", map[string]any{"prefix": "192.168.1.0/24", "site": "branch1", "overlaps": "branch2"}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("two sites on one range (-want +got):\n%s", d)
	}
	if fs := runCheck(t, build(false).e.fullPlane(), CodeAddressSpaceOverlap); len(fs) != 1 || fs[0].Fix != vpnNATFix {
		t.Errorf("the site overlap should offer VPN NAT: %+v", fs)
	}
	if got := runCheck(t, build(true).e.fullPlane(), CodeAddressSpaceOverlap); len(got) != 0 {
		t.Errorf("NAT rules separate the sites, yet: %+v", got)
	}

	h := newHubSpoke()
	a := h.e.vnet("mesh-a", "westeurope", "10.60.0.0/16")
	b := h.e.vnet("mesh-b", "westeurope", "10.60.0.0/16")
	h.e.subnet(a, "s", "10.60.1.0/24")
	h.e.subnet(b, "s", "10.60.1.0/24")
	g := &model.ConnectedGroup{ID: model.ID(sub + "Microsoft.Network/networkManagers/nm/connectivityConfigurations/cc"), Name: "cc/ng", Members: []*model.VNet{a, b}}
	a.ConnectedGroups, b.ConnectedGroups = []*model.ConnectedGroup{g}, []*model.ConnectedGroup{g}
	fs := runCheck(t, h.e.fullPlane(), CodeAddressSpaceOverlap)
	if len(fs) != 1 || fs[0].Severity != Warning || fs[0].Evidence["connectedGroup"] != "cc/ng" || fs[0].Fix == vpnNATFix {
		t.Errorf("mesh members with one subnet range: %+v", fs)
	}
}
