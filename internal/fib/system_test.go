package fib

import (
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Spec §5 DECISION: a private endpoint's reply ignores UDRs and follows system routes. Without
// UDRs the §1.2 DECISION does not remove the default None routes, so they still decide
// (10.0.0.0/8 → None for an unpeered private address), unless a learned 0/0 removed them.
// The selected route keeps the state it is listed with (or would be, for a removed None).
func TestSystemLookupIgnoresUDRs(t *testing.T) {
	tests := []struct {
		name   string
		udrs   []*model.Route
		onPrem string // local gateway prefix ("" = no gateway)
		dst    string
		want   string // row of the selected route, "" = none
	}{
		{"0/0 UDR: None routes still apply", []*model.Route{udr("d", "0.0.0.0/0", "VirtualAppliance 10.0.9.4")}, "",
			"10.7.1.4", "Default Active 10.0.0.0/8 None"},
		{"0/0 UDR: public address goes to the internet", []*model.Route{udr("d", "0.0.0.0/0", "VirtualAppliance 10.0.9.4")}, "",
			"20.1.2.3", "Default Invalid 0.0.0.0/0 Internet"},
		{"same-prefix UDR over a None route", []*model.Route{udr("d", "10.0.0.0/8", "VirtualAppliance 10.0.9.4")}, "",
			"10.7.1.4", "Default Invalid 10.0.0.0/8 None"},
		{"peering beats None", []*model.Route{udr("d", "0.0.0.0/0", "VirtualAppliance 10.0.9.4")}, "",
			"10.1.2.3", "Default Invalid 10.1.0.0/16 VNetPeering"},
		{"learned 0/0 removes None routes for good", nil, "0.0.0.0/0",
			"10.7.1.4", "VirtualNetworkGateway Active 0.0.0.0/0 VirtualNetworkGateway " + gwPublicIP},
		{"gateway route under a covering local route", []*model.Route{udr("d", "0.0.0.0/0", "VirtualAppliance 10.0.9.4")}, "10.0.5.0/24",
			"10.0.5.9", "Default Active 10.0.0.0/16 VnetLocal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNet()
			v := addVNet(n, "v", "westeurope", "10.0.0.0/16")
			r := addVNet(n, "r", "westeurope", "10.1.0.0/16")
			peer(v, r, "Connected", "Connected")
			s := addSubnet(n, v, "s", "10.0.0.0/24")
			if tt.onPrem != "" {
				addVPN(n, v, []string{"10.0.255.4"}, tt.onPrem)
			}
			routes := append([]*model.Route{}, tt.udrs...)
			if tt.name == "peering beats None" {
				routes = append(routes, udr("p", "10.1.0.0/16", "VirtualAppliance 10.0.9.4"))
			}
			addRouteTable(n, "rt", []*model.Subnet{s}, routes...)
			got := ""
			if rt, ok := tableOf(t, n, s).SystemLookup(ip(tt.dst)); ok {
				got = row(*rt)
			}
			if got != tt.want {
				t.Errorf("SystemLookup(%s) = %q, want %q", tt.dst, got, tt.want)
			}
		})
	}
}
