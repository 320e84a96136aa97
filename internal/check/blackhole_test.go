package check

import (
	"net/netip"

	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// withVPN gives the hub a VPN gateway connected to on-premises 10.50.0.0/16 and lets the spoke
// use it by gateway transit.
func (h *hubSpoke) withVPN() {
	gwSubnet := h.e.subnet(h.hub, "GatewaySubnet", "10.0.2.0/27")
	gw := &model.VNetGateway{ID: sub + "Microsoft.Network/virtualNetworkGateways/vpngw", Name: "vpngw", GatewayType: "Vpn",
		VNet: h.hub, Subnet: gwSubnet, PrivateIPs: []netip.Addr{ip("10.0.2.4")}}
	lgw := &model.LocalGateway{ID: sub + "Microsoft.Network/localNetworkGateways/onprem", Name: "onprem",
		Prefixes: []netip.Prefix{pfx("10.50.0.0/16")}}
	c := &model.Connection{ID: sub + "Microsoft.Network/connections/s2s", Name: "s2s", Type: "IPsec", Gateway: gw, Local: lgw, Status: "Connected"}
	gw.Connections = []*model.Connection{c}
	h.hub.Gateways = []*model.VNetGateway{gw}
	h.e.n.VNetGateways = append(h.e.n.VNetGateways, gw)
	h.e.n.LocalGateways = append(h.e.n.LocalGateways, lgw)
	h.e.n.Connections = append(h.e.n.Connections, c)
	for _, p := range h.hub.Peerings {
		p.AllowGatewayTransit = true
	}
	for _, p := range h.spoke.Peerings {
		p.UseRemoteGateways = true
	}
}

// fullPlane freezes the network and computes the real data plane.
func (e *estate) fullPlane() *dataplane.Plane {
	e.n.Freeze()
	return dataplane.Build(e.n)
}

func TestRouteBlackhole(t *testing.T) {
	tests := []struct {
		name  string
		build func(h *hubSpoke)
		want  []brief
	}{
		{"clean", func(h *hubSpoke) {}, []brief{}},
		{"propagation disabled, no default route", func(h *hubSpoke) {
			h.app.RouteTable = h.e.routeTable("rt-app", udr("to-hub-nva", "10.0.1.0/24", model.HopVirtualAppliance, "10.0.0.4"))
			h.app.RouteTable.DisableBGPPropagation = true
		}, []brief{{"Error", map[string]any{"prefix": "10.50.0.0/16", "targetKind": "onPremises", "routePrefix": "10.0.0.0/8", "subnets": []string{"spoke/app"}}}}},
		{"propagation disabled, 0/0 to the firewall", func(h *hubSpoke) {
			h.app.RouteTable = h.e.routeTable("rt-app", udr("default", "0.0.0.0/0", model.HopVirtualAppliance, "10.0.0.4"))
			h.app.RouteTable.DisableBGPPropagation = true
		}, []brief{}},
		{"user None route on part of the hub", func(h *hubSpoke) {
			h.app.RouteTable = h.e.routeTable("rt-app", udr("block", "10.0.1.0/24", model.HopNone, ""))
		}, []brief{{"Warning", map[string]any{"prefix": "10.0.0.0/16", "targetKind": "peering", "routePrefix": "10.0.1.0/24", "subnets": []string{"spoke/app"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHubSpoke()
			h.withVPN()
			tt.build(h)
			got := briefs(runCheck(t, h.e.fullPlane(), "RouteBlackhole"), "prefix", "targetKind", "routePrefix", "subnets")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}
