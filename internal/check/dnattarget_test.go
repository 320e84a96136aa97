package check

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// TestDnatTargetBlocked: after DNAT the source is a firewall instance address (spec §3.3), so a
// target NSG admitting only the frontend IP blocks the rule; the whole firewall subnet works.
func TestDnatTargetBlocked(t *testing.T) {
	rdp := model.PortRange{Lo: 3389, Hi: 3389}
	denyAll := rule("deny-all-in", 4000, model.Deny, model.ProtoAny, "*", "*", model.AllPorts)
	tests := []struct {
		name    string
		allowed string // source the target NSG admits on 3389
		want    []brief
	}{
		{"NSG admits only the frontend", "10.0.0.4",
			[]brief{{"Error", map[string]any{"target": "10.1.1.4:3389", "rule": "dnat/rdp", "frontendOnly": true}}}},
		{"NSG admits the firewall subnet", "10.0.0.0/26", []brief{}},
		{"NSG admits half the instances", "10.0.0.0/27",
			[]brief{{"Error", map[string]any{"target": "10.1.1.4:3389", "rule": "dnat/rdp", "frontendOnly": true}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHubSpoke()
			h.app.NSG = h.e.nsg("nsg-app", rule("allow-rdp", 100, model.Allow, model.ProtoTCP, tt.allowed, "*", rdp), denyAll)
			h.fw.Classic = []*model.RuleCollection{{Name: "dnat", Priority: 100, Kind: model.NATRules, Action: model.FwDNAT,
				Rules: []*model.FirewallRule{{Name: "rdp", Protocols: []model.Protocol{model.ProtoTCP}, Sources: []string{"*"},
					Destinations: []string{"20.0.0.1"}, DestPorts: []model.PortRange{rdp}, TranslatedAddress: ip("10.1.1.4"),
					TranslatedPort: 3389}}}}
			got := briefs(runCheck(t, h.e.fullPlane(), "DnatTargetBlocked"), "target", "rule", "frontendOnly")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}
