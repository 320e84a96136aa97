package check

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// allowAll gives the firewall a policy with one network rule allowing TCP from 10.0.0.0/8 to 10.0.0.0/8.
func (h *hubSpoke) allowAll() {
	pol := &model.FirewallPolicy{ID: sub + "Microsoft.Network/firewallPolicies/pol", Name: "pol",
		Groups: []*model.RuleCollectionGroup{{Name: "rcg", Priority: 100, Collections: []*model.RuleCollection{{
			Name: "net", Priority: 100, Kind: model.NetworkRules, Action: model.FwAllow,
			Rules: []*model.FirewallRule{{Name: "private", Protocols: []model.Protocol{model.ProtoTCP},
				Sources: []string{"10.0.0.0/8"}, Destinations: []string{"10.0.0.0/8"}, DestPorts: []model.PortRange{model.AllPorts}}}}}}}}
	h.fw.Policy = pol
	h.e.n.FirewallPolicies = append(h.e.n.FirewallPolicies, pol)
}

func TestAsymmetricReturn(t *testing.T) {
	sqlTarget := "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Sql/servers/sql"
	tests := []struct {
		name  string
		build func(h *hubSpoke)
		want  []brief
	}{
		{"network rule to a private endpoint, no SNAT", func(h *hubSpoke) {
			data := h.e.vnet("data", "westeurope", "10.2.0.0/16")
			h.e.peer(h.hub, data)
			pe := h.e.privateEndpoint(h.e.subnet(data, "snet-pe", "10.2.2.0/24"), "pe-sql", "10.2.2.5", sqlTarget)
			pe.Connections[0].GroupIDs = []string{"sqlServer"}
			h.app.RouteTable = h.e.routeTable("rt-app", udr("default", "0.0.0.0/0", model.HopVirtualAppliance, "10.0.0.4"))
		}, []brief{{"Error", map[string]any{"source": "spoke/app", "destination": "pe-sql", "statefulDevice": "fw", "port": uint16(1433)}}}},
		{"spoke to hub through the firewall, no return route", func(h *hubSpoke) {
			h.e.nic(h.e.subnet(h.hub, "snet-shared", "10.0.4.0/24"), "vm-shared", "10.0.4.4")
			h.app.RouteTable = h.e.routeTable("rt-app", udr("hub", "10.0.4.0/24", model.HopVirtualAppliance, "10.0.0.4"))
		}, []brief{ // both ways: the reply bypasses the firewall, and hub-initiated flows' replies hit it without a session
			{"Error", map[string]any{"source": "spoke/app", "destination": "hub/snet-shared", "statefulDevice": "fw", "port": uint16(443)}},
			{"Error", map[string]any{"source": "hub/snet-shared", "destination": "spoke/app", "statefulDevice": "fw", "port": uint16(443)}},
		}},
		{"both directions through the firewall", func(h *hubSpoke) {
			shared := h.e.subnet(h.hub, "snet-shared", "10.0.4.0/24")
			h.e.nic(shared, "vm-shared", "10.0.4.4")
			h.app.RouteTable = h.e.routeTable("rt-app", udr("hub", "10.0.4.0/24", model.HopVirtualAppliance, "10.0.0.4"))
			shared.RouteTable = h.e.routeTable("rt-shared", udr("spoke", "10.1.0.0/16", model.HopVirtualAppliance, "10.0.0.4"))
		}, []brief{}},
		{"direct both ways", func(h *hubSpoke) {
			h.e.nic(h.e.subnet(h.hub, "snet-shared", "10.0.4.0/24"), "vm-shared", "10.0.4.4")
		}, []brief{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHubSpoke()
			h.allowAll()
			h.nva.VMName = "" // keep the appliance NIC out of the sources
			tt.build(h)
			got := briefs(runCheck(t, h.e.fullPlane(), "AsymmetricReturn"), "source", "destination", "statefulDevice", "port")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

// TestAsymmetricReturnWording: a pair whose request goes direct but whose reply meets the
// firewall (no session there) must not claim the request crossed the firewall.
func TestAsymmetricReturnWording(t *testing.T) {
	h := newHubSpoke()
	h.allowAll()
	h.nva.VMName = ""
	h.e.nic(h.e.subnet(h.hub, "snet-shared", "10.0.4.0/24"), "vm-shared", "10.0.4.4")
	h.app.RouteTable = h.e.routeTable("rt-app", udr("hub", "10.0.4.0/24", model.HopVirtualAppliance, "10.0.0.4"))
	var got []string
	for _, f := range runCheck(t, h.e.fullPlane(), "AsymmetricReturn") {
		got = append(got, f.Title)
	}
	want := []string{
		"spoke/app → hub/snet-shared: the reply bypasses fw",
		"hub/snet-shared → spoke/app: the reply meets fw, which the request did not cross",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("titles (-want +got):\n%s", d)
	}
}
