package check

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

func rule(name string, prio int, acc model.Access, proto model.Protocol, src, dst string, dport model.PortRange) *model.SecurityRule {
	return &model.SecurityRule{Name: name, Priority: prio, Direction: model.Inbound, Access: acc, Protocol: proto,
		Sources: []string{src}, Destinations: []string{dst}, SourcePorts: []model.PortRange{model.AllPorts},
		DestPorts: []model.PortRange{dport}}
}

func TestShadowedRule(t *testing.T) {
	p443, p22, all := model.PortRange{Lo: 443, Hi: 443}, model.PortRange{Lo: 22, Hi: 22}, model.AllPorts
	tests := []struct {
		name  string
		rules []*model.SecurityRule
		want  []brief
	}{
		{"deny all first", []*model.SecurityRule{
			rule("deny-all", 100, model.Deny, model.ProtoAny, "*", "*", all),
			rule("allow-https", 200, model.Allow, model.ProtoTCP, "10.0.0.0/8", "10.1.0.4", p443),
		}, []brief{{"Warning", map[string]any{"rule": "securityRules/allow-https", "shadowedBy": "securityRules/deny-all"}}}},
		{"wider CIDR, same access", []*model.SecurityRule{
			rule("wide", 100, model.Allow, model.ProtoTCP, "10.0.0.0/8", "*", p443),
			rule("narrow", 110, model.Allow, model.ProtoTCP, "10.2.3.0/24", "*", p443),
		}, []brief{{"Info", map[string]any{"rule": "securityRules/narrow", "shadowedBy": "securityRules/wide"}}}},
		{"priority order, not input order", []*model.SecurityRule{
			rule("narrow", 300, model.Allow, model.ProtoTCP, "10.2.3.4", "*", p443),
			rule("wide", 100, model.Deny, model.ProtoAny, "10.0.0.0/8", "*", all),
		}, []brief{{"Warning", map[string]any{"rule": "securityRules/narrow", "shadowedBy": "securityRules/wide"}}}},
		{"different port", []*model.SecurityRule{
			rule("ssh", 100, model.Deny, model.ProtoTCP, "*", "*", p22),
			rule("https", 110, model.Allow, model.ProtoTCP, "*", "*", p443),
		}, []brief{}},
		{"tag vs CIDR not comparable", []*model.SecurityRule{
			rule("vnet", 100, model.Deny, model.ProtoAny, "VirtualNetwork", "*", all),
			rule("one", 110, model.Allow, model.ProtoTCP, "10.0.0.4", "*", p443),
		}, []brief{}},
		{"same tag", []*model.SecurityRule{
			rule("internet", 100, model.Deny, model.ProtoAny, "Internet", "*", all),
			rule("internet-ssh", 110, model.Allow, model.ProtoTCP, "internet", "*", p22),
		}, []brief{{"Warning", map[string]any{"rule": "securityRules/internet-ssh", "shadowedBy": "securityRules/internet"}}}},
		{"other direction", []*model.SecurityRule{
			rule("deny-all", 100, model.Deny, model.ProtoAny, "*", "*", all),
			func() *model.SecurityRule {
				r := rule("out", 200, model.Allow, model.ProtoTCP, "*", "*", p443)
				r.Direction = model.Outbound
				return r
			}(),
		}, []brief{}},
		{"narrower protocol does not cover any", []*model.SecurityRule{
			rule("tcp", 100, model.Deny, model.ProtoTCP, "*", "*", all),
			rule("any", 110, model.Allow, model.ProtoAny, "*", "*", p443),
		}, []brief{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEstate()
			e.nsg("nsg", tt.rules...)
			got := briefs(runCheck(t, e.plane(), "ShadowedRule"), "rule", "shadowedBy")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

func TestShadowedFirewallRule(t *testing.T) {
	netRule := func(name, src, dst string, port uint16) *model.FirewallRule {
		return &model.FirewallRule{Name: name, Protocols: []model.Protocol{model.ProtoTCP}, Sources: []string{src},
			Destinations: []string{dst}, DestPorts: []model.PortRange{{Lo: port, Hi: port}}}
	}
	appRule := func(name string, fqdns ...string) *model.FirewallRule {
		return &model.FirewallRule{Name: name, Sources: []string{"10.0.0.0/8"},
			AppProtocols: []model.AppProtocol{{Type: "Https", Port: 443}}, TargetFQDNs: fqdns}
	}
	e := newEstate()
	pol := &model.FirewallPolicy{ID: sub + "Microsoft.Network/firewallPolicies/pol", Name: "pol", Groups: []*model.RuleCollectionGroup{{
		Name: "rcg", Priority: 100, Collections: []*model.RuleCollection{
			{Name: "net", Priority: 100, Kind: model.NetworkRules, Rules: []*model.FirewallRule{
				netRule("wide", "10.0.0.0/8", "*", 443), netRule("narrow", "10.1.0.0/16", "10.2.0.4", 443), netRule("ssh", "*", "*", 22)}},
			{Name: "app", Priority: 200, Kind: model.ApplicationRules, Rules: []*model.FirewallRule{
				appRule("ms", "*.microsoft.com"), appRule("learn", "learn.microsoft.com"), appRule("other", "example.com")}},
		}}}}
	e.n.FirewallPolicies = append(e.n.FirewallPolicies, pol)
	got := briefs(runCheck(t, e.plane(), "ShadowedRule"), "rule", "shadowedBy")
	want := []brief{
		{"Info", map[string]any{"rule": "rcg/app/learn", "shadowedBy": "rcg/app/ms"}},
		{"Info", map[string]any{"rule": "rcg/net/narrow", "shadowedBy": "rcg/net/wide"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}
