package check

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// rdpDNAT is the rule publishing vm-app's RDP on the firewall's public IP 20.0.0.1.
func rdpDNAT() *model.RuleCollection {
	return &model.RuleCollection{Name: "dnat", Priority: 100, Kind: model.NATRules, Action: model.FwDNAT,
		Rules: []*model.FirewallRule{{Name: "rdp-to-app", Protocols: []model.Protocol{model.ProtoTCP}, Sources: []string{"*"},
			Destinations: []string{"20.0.0.1"}, DestPorts: []model.PortRange{{Lo: 3389, Hi: 3389}}, TranslatedAddress: ip("10.1.1.4"), TranslatedPort: 3389}}}
}

// exposedUnder runs InternetExposedManagementPort under one --assume choice and traces the same
// probe, so the test can require that check and trace agree.
func exposedUnder(t *testing.T, h *hubSpoke, choice string) ([]brief, trace.Verdict) {
	t.Helper()
	opts := DefaultOptions()
	if err := opts.Assume.Parse(choice); err != nil {
		t.Fatal(err)
	}
	p := h.e.fullPlane()
	c, _ := Lookup(CodeInternetExposedManagementPort)
	fs := RunOne(context.Background(), c, p, opts)
	a, err := trace.Run(p, trace.Query{From: "internet:" + internetProbe, To: "20.0.0.1", Protocol: model.ProtoTCP, DestinationPort: 3389, Assume: opts.Assume})
	if err != nil {
		t.Fatal(err)
	}
	return briefs(fs, "rule", "target"), a.Verdict
}

// --assume dnat-inherited (azure-semantics.md §1.8 item 8): a DNAT rule in the parent policy
// publishes RDP only under yes; the check lists the inherited rule exactly when trace follows it.
func TestExposureFollowsDNATInherited(t *testing.T) {
	build := func() *hubSpoke {
		h := newHubSpoke()
		base := &model.FirewallPolicy{ID: sub + "Microsoft.Network/firewallPolicies/base", Name: "base",
			Groups: []*model.RuleCollectionGroup{{Name: "rcg-base", Priority: 300, Collections: []*model.RuleCollection{rdpDNAT()}}}}
		child := &model.FirewallPolicy{ID: sub + "Microsoft.Network/firewallPolicies/child", Name: "child", Base: base}
		h.e.n.FirewallPolicies = append(h.e.n.FirewallPolicies, base, child)
		h.fw.Classic, h.fw.Policy = nil, child
		return h
	}
	for _, tt := range []struct {
		choice  string
		want    []brief
		verdict trace.Verdict
	}{
		{"dnat-inherited=no", []brief{}, trace.Unreachable},
		{"dnat-inherited=yes", []brief{{"Error", map[string]any{"rule": "rcg-base/dnat/rdp-to-app", "target": "vm-app"}}}, trace.Reachable},
	} {
		got, v := exposedUnder(t, build(), tt.choice)
		if d := cmp.Diff(tt.want, got); d != "" || v != tt.verdict {
			t.Errorf("%s: trace %s, findings (-want +got):\n%s", tt.choice, v, d)
		}
	}
}

// --assume fw-reverse-deny: RDP is published by DNAT and a network rule denies the spoke's
// outbound traffic to anything; under breaks that deny also ends the session's replies.
func TestExposureFollowsFwReverseDeny(t *testing.T) {
	build := func() *hubSpoke {
		h := newHubSpoke()
		h.fw.Classic = []*model.RuleCollection{rdpDNAT(), {Name: "egress", Priority: 200, Kind: model.NetworkRules, Action: model.FwDeny,
			Rules: []*model.FirewallRule{{Name: "spoke-out", Protocols: []model.Protocol{model.ProtoAny}, Sources: []string{"10.1.0.0/16"},
				Destinations: []string{"*"}, DestPorts: []model.PortRange{{Lo: 1, Hi: 65535}}}}}}
		return h
	}
	for _, tt := range []struct {
		choice  string
		want    []brief
		verdict trace.Verdict
	}{
		{"fw-reverse-deny=ignored", []brief{{"Error", map[string]any{"rule": "dnat/rdp-to-app", "target": "vm-app"}}}, trace.Reachable},
		{"fw-reverse-deny=breaks", []brief{}, trace.Unreachable},
	} {
		got, v := exposedUnder(t, build(), tt.choice)
		if d := cmp.Diff(tt.want, got); d != "" || v != tt.verdict {
			t.Errorf("%s: trace %s, findings (-want +got):\n%s", tt.choice, v, d)
		}
	}
}
