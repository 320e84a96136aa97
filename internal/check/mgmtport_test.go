package check

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

func TestInternetExposedManagementPort(t *testing.T) {
	p22, p3389 := model.PortRange{Lo: 22, Hi: 22}, model.PortRange{Lo: 3389, Hi: 3389}
	tests := []struct {
		name  string
		rules []*model.SecurityRule
		want  []brief
	}{
		{"SSH from any", []*model.SecurityRule{rule("allow-ssh-any", 100, model.Allow, model.ProtoTCP, "*", "*", p22)},
			[]brief{{"Error", map[string]any{"port": uint16(22), "rule": "securityRules/allow-ssh-any", "target": "vm-jump"}}}},
		{"RDP from Internet tag", []*model.SecurityRule{rule("allow-rdp", 100, model.Allow, model.ProtoTCP, "Internet", "*", p3389)},
			[]brief{{"Error", map[string]any{"port": uint16(3389), "rule": "securityRules/allow-rdp", "target": "vm-jump"}}}},
		{"SSH from the office only", []*model.SecurityRule{rule("allow-ssh-office", 100, model.Allow, model.ProtoTCP, "203.0.113.5", "*", p22)}, []brief{}},
		{"no rule", nil, []brief{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHubSpoke()
			mgmt := h.e.subnet(h.spoke, "snet-mgmt", "10.1.4.0/24")
			jump := h.e.nic(mgmt, "vm-jump", "10.1.4.4")
			jump.IPConfigs[0].PublicIP = h.e.publicIP("pip-vm-jump", "20.103.51.40")
			jump.NSG = h.e.nsg("nsg-vm-jump", tt.rules...)
			got := briefs(runCheck(t, h.e.fullPlane(), "InternetExposedManagementPort"), "port", "rule", "target")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

// TestExposedThroughFirewallDNAT: RDP published by a DNAT rule to a VM without an NSG names the
// DNAT rule as the one to remove, not the route that delivered the packet.
func TestExposedThroughFirewallDNAT(t *testing.T) {
	h := newHubSpoke()
	h.fw.Classic = []*model.RuleCollection{{Name: "dnat", Priority: 100, Kind: model.NATRules, Action: model.FwDNAT,
		Rules: []*model.FirewallRule{{Name: "rdp-to-app", Protocols: []model.Protocol{model.ProtoTCP}, Sources: []string{"*"},
			Destinations: []string{"20.0.0.1"}, DestPorts: []model.PortRange{{Lo: 3389, Hi: 3389}}, TranslatedAddress: ip("10.1.1.4"), TranslatedPort: 3389}}}}
	got := briefs(runCheck(t, h.e.fullPlane(), "InternetExposedManagementPort"), "port", "rule", "target")
	want := []brief{{"Error", map[string]any{"port": uint16(3389), "rule": "dnat/rdp-to-app", "target": "vm-app"}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}
