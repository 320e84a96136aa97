package trace

import (
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// withAssume returns q with the --assume choice arg.
func withAssume(t *testing.T, q Query, arg string) Query {
	t.Helper()
	if err := q.Assume.Parse(arg); err != nil {
		t.Fatal(err)
	}
	return q
}

// assumedOf is the answer's entry for switch n, if the walk consulted it.
func assumedOf(a *Answer, n assume.Name) (Assumed, bool) {
	for _, x := range a.Assumed {
		if x.Name == n.String() {
			return x, true
		}
	}
	return Assumed{}, false
}

// --assume fw-reverse-deny (azure-semantics.md §1.8 item 8): spoke1 → spoke2 443 is allowed; a
// network rule denies spoke2 → spoke1. The reply survives under ignored and is dropped under breaks.
func TestFwReverseDeny(t *testing.T) {
	build := fwHub(func(_ *hubSpoke, fw *model.Firewall) {
		fw.Classic = append(fw.Classic, netRules("no-way-back", 200, model.FwDeny, netRule("s2-to-s1", "10.2.0.0/16", "10.1.0.0/16", "*", tcp)))
	})
	cases := []tcase{
		{"ignored", build, withAssume(t, q("vm1", "vm2", tcp, 443), "fw-reverse-deny=ignored"),
			"Reachable Delivered FirewallNetworkRule=spokes/s1-to-s2 | Delivered FirewallNetworkRule=spokes/s1-to-s2",
			"Nic:vm1-nic > Firewall:afw > Nic:vm2-nic", "Nic:vm2-nic > Firewall:afw > Nic:vm1-nic", nil},
		{"breaks", build, withAssume(t, q("vm1", "vm2", tcp, 443), "fw-reverse-deny=breaks"),
			"Unreachable Delivered FirewallNetworkRule=spokes/s1-to-s2 | Dropped/FirewallDenied FirewallNetworkRule=no-way-back/s2-to-s1",
			"Nic:vm1-nic > Firewall:afw > Nic:vm2-nic", "Nic:vm2-nic > Firewall:afw", nil},
	}
	runCases(t, cases)
	p := build().plane()
	for _, c := range cases {
		a, _ := Run(p, c.q)
		if x, ok := assumedOf(a, assume.FwReverseDeny); !ok || !x.Decided || x.Value != c.name {
			t.Errorf("%s: assumed %+v, want fw-reverse-deny=%s decided", c.name, a.Assumed, c.name)
		}
	}
	// Without a reverse deny the switch is not consulted and not named.
	if a := run(t, fwHub(nil)().plane(), "vm1", "vm2", tcp, 443); len(a.Assumed) != 0 {
		t.Errorf("no reverse deny: assumed %+v, want none", a.Assumed)
	}
}

// inheritedDNAT is fwHub with a child Firewall Policy whose parent holds the DNAT rule
// 20.0.0.10:443 → vm2 10.2.1.4:8443 and the child only network rules.
func inheritedDNAT() *net {
	return inheritedDNATBuild()
}

var inheritedDNATBuild = func() func() *net {
	return fwHub(func(h *hubSpoke, fw *model.Firewall) {
		fw.Classic = nil
		base := &model.FirewallPolicy{ID: "/firewallPolicies/base", Name: "base", Groups: []*model.RuleCollectionGroup{{
			ID: "/firewallPolicies/base/ruleCollectionGroups/rcg-dnat", Name: "rcg-dnat", Priority: 500,
			Collections: []*model.RuleCollection{{Name: "publish", Priority: 100, Kind: model.NATRules, Action: model.FwDNAT,
				Rules: []*model.FirewallRule{{Name: "web", Protocols: []model.Protocol{tcp}, Sources: []string{"*"}, Destinations: []string{"20.0.0.10"},
					DestPorts: []model.PortRange{{Lo: 443, Hi: 443}}, TranslatedAddress: ip("10.2.1.4"), TranslatedPort: 8443}}}}}}}
		child := &model.FirewallPolicy{ID: "/firewallPolicies/child", Name: "child", Base: base, Groups: []*model.RuleCollectionGroup{{
			ID: "/firewallPolicies/child/ruleCollectionGroups/rcg-app", Name: "rcg-app", Priority: 100,
			Collections: []*model.RuleCollection{netRules("spokes", 100, model.FwAllow, netRule("s1-to-s2", "10.1.0.0/16", "10.2.0.0/16", "443", tcp))}}}}
		h.n.FirewallPolicies = append(h.n.FirewallPolicies, base, child)
		fw.Policy = child
	})
}()

// --assume dnat-inherited (azure-semantics.md §1.8 item 8): the parent's DNAT rule is ignored
// under no (default deny) and publishes vm2 under yes, with the parent policy as the holder.
func TestDNATInherited(t *testing.T) {
	in := q("internet:198.51.100.7", "20.0.0.10", tcp, 443)
	cases := []tcase{
		{"no", inheritedDNAT, withAssume(t, in, "dnat-inherited=no"),
			"Unreachable Dropped/FirewallDenied FirewallApplicationRule=DefaultDeny", "Internet:internet > Firewall:afw", "<nil>", nil},
		{"yes", inheritedDNAT, withAssume(t, in, "dnat-inherited=yes"),
			"Reachable Delivered FirewallDnat=rcg-dnat/publish/web | ExitedToInternet FirewallDnat=rcg-dnat/publish/web",
			"Internet:internet > Firewall:afw > Nic:vm2-nic", "Nic:vm2-nic > Firewall:afw > Internet:internet", nil},
	}
	runCases(t, cases)
	p := inheritedDNAT().plane()
	for _, c := range cases {
		a, _ := Run(p, c.q)
		if x, ok := assumedOf(a, assume.DNATInherited); !ok || !x.Decided || x.Value != c.name {
			t.Errorf("%s: assumed %+v, want dnat-inherited=%s decided", c.name, a.Assumed, c.name)
		}
		if c.name == "yes" {
			if d := a.Forward.Deciding; d == nil || d.ResourceID != "/firewallPolicies/base" {
				t.Errorf("yes: return deciding %+v, want the parent policy as the DNAT rule's holder", d)
			}
		}
	}
	// A flow not addressed to the firewall does not consult the switch.
	if a := run(t, p, "vm1", "vm2", tcp, 443); len(a.Assumed) != 0 {
		t.Errorf("vm1 → vm2: assumed %+v, want none", a.Assumed)
	}
}

// TestFirewallDenyInspections: a flow the firewall's rules allow carries an assumption naming
// the inspections in Deny mode that could still drop it (the parent policy's threat
// intelligence, the child's IDPS); a flow without them, or one the rules deny, carries none.
func TestFirewallDenyInspections(t *testing.T) {
	const mark = "in Deny mode may drop"
	for _, tt := range []struct {
		name        string
		base, child [2]string // threat intelligence and IDPS modes
		port        uint16
		want        string
	}{
		{"alert only", [2]string{"Alert", "Alert"}, [2]string{"Alert", "Off"}, 443, ""},
		{"parent's threat intelligence", [2]string{"Deny", ""}, [2]string{"Alert", ""}, 443, "firewall afw: threat intelligence " + mark},
		{"both", [2]string{"Deny", ""}, [2]string{"", "Deny"}, 443, "firewall afw: IDPS and threat intelligence " + mark},
		{"denied by the rules", [2]string{"Deny", "Deny"}, [2]string{"Deny", "Deny"}, 22, ""},
	} {
		n := inheritedDNAT()
		for _, p := range n.FirewallPolicies {
			m := tt.child
			if p.Name == "base" {
				m = tt.base
			}
			p.ThreatIntelMode, p.IDPSMode = m[0], m[1]
		}
		a := run(t, n.plane(), "vm1", "vm2", tcp, tt.port)
		var got string
		for _, s := range a.Assumptions {
			if strings.Contains(s, mark) {
				got = s
			}
		}
		if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: inspection assumption %q, want %q (verdict %s)", tt.name, got, tt.want, a.Verdict)
		}
	}
}
