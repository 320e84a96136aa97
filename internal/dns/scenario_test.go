package dns

import (
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Scenario snapshots written by an independent tester (testdata/README.md): the expected rows
// come from spec §8 and §3.5 and the Microsoft private endpoint DNS scenarios, not from the code.

func loadScenario(t *testing.T, paths ...string) *dataplane.Plane {
	t.Helper()
	for i, p := range paths {
		paths[i] = "testdata/" + p
	}
	n, err := convert.Load(paths, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Warnings) != 0 {
		t.Fatalf("warnings loading %v: %v", paths, n.Warnings)
	}
	return dataplane.Build(n)
}

// scenarioRow is one resolution: what the VM gets, from which servers, and each leg's verdict
// with the rule that decided it ("" when no rule is named).
type scenarioRow struct {
	vm, name string
	verdict  Verdict
	addrs    []string
	cnames   []string
	servers  []ServerKind
	legRules []string // "<verdict> <rule>" per leg; nil: not checked
}

func runScenario(t *testing.T, p *dataplane.Plane, rows []scenarioRow) {
	t.Helper()
	for _, tt := range rows {
		t.Run(tt.vm+" "+tt.name, func(t *testing.T) { checkResolution(t, p, tt) })
	}
}

// checkResolution resolves one row's name from its VM and compares verdict, addresses,
// CNAMEs, servers and (when given) the legs' deciding rules; it returns the answer for
// further checks.
func checkResolution(t *testing.T, p *dataplane.Plane, tt scenarioRow) *Answer {
	t.Helper()
	nic, err := p.Net.FindNIC(tt.vm)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Resolve(p, nic, tt.name)
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdict != tt.verdict {
		t.Errorf("verdict = %s, want %s (%+v)", a.Verdict, tt.verdict, a.Answer)
	}
	if diff := cmp.Diff(tt.addrs, strs(a.Answer.Addresses)); diff != "" {
		t.Errorf("addresses (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(tt.cnames, a.Answer.CNAMEs); diff != "" {
		t.Errorf("cnames (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(tt.servers, kinds(a)); diff != "" {
		t.Errorf("servers (-want +got):\n%s", diff)
	}
	if tt.legRules != nil {
		if diff := cmp.Diff(tt.legRules, legRules(a)); diff != "" {
			t.Errorf("legs (-want +got):\n%s", diff)
		}
	}
	return a
}

func legRules(a *Answer) []string {
	out := []string{}
	for _, l := range a.Legs {
		s := string(l.Verdict)
		if l.Deciding != nil && l.Deciding.Rule != "" && l.Deciding.Rule != "System Route" {
			s += " " + l.Deciding.Rule
		}
		out = append(out, s)
	}
	return out
}

var none = []string{}

// TestScenarioHubSpokeResolver: zones linked to the hub only, spoke 1 uses the resolver's
// inbound endpoint (VNet DNS), spoke 2 uses Azure DNS directly (the classic misconfiguration:
// not linked, so public), spoke 3's NIC overrides its VNet's DNS with Azure DNS (spec §8: NIC
// beats VNet). The ruleset on the hub forwards corp names on-premises, longest suffix first.
func TestScenarioHubSpokeResolver(t *testing.T) {
	p := loadScenario(t, "hubspoke-resolver")
	inb, az, ext := KindResolverInbound, KindAzureDNS, KindExternal
	ok := []string{"Reachable"}
	runScenario(t, p, []scenarioRow{
		{"vm-s1", "stcontoso.blob.core.windows.net", VerdictResolved, []string{"10.0.1.4"},
			[]string{"stcontoso.privatelink.blob.core.windows.net"}, []ServerKind{inb}, ok},
		{"vm-s1", "stcontoso.file.core.windows.net", VerdictResolved, []string{"10.0.1.9"},
			[]string{"stcontoso.privatelink.file.core.windows.net"}, []ServerKind{inb}, ok},
		{"vm-s1", "sql-contoso.database.windows.net", VerdictResolved, []string{"10.0.1.5"},
			[]string{"sql-contoso.privatelink.database.windows.net"}, []ServerKind{inb}, ok},
		// Key Vault: vault.azure.net → privatelink.vaultcore.azure.net (private-endpoint-dns)
		{"vm-s1", "kv-contoso.vault.azure.net", VerdictResolved, []string{"10.0.1.6"},
			[]string{"kv-contoso.privatelink.vaultcore.azure.net"}, []ServerKind{inb}, ok},
		{"vm-s1", "acrcontoso.azurecr.io", VerdictResolved, []string{"10.0.1.7"},
			[]string{"acrcontoso.privatelink.azurecr.io"}, []ServerKind{inb}, ok},
		{"vm-s1", "acrcontoso.westeurope.data.azurecr.io", VerdictResolved, []string{"10.0.1.8"},
			[]string{"acrcontoso.westeurope.data.privatelink.azurecr.io"}, []ServerKind{inb}, ok},
		// case and the trailing dot do not matter
		{"vm-s1", "StContoso.BLOB.core.windows.net.", VerdictResolved, []string{"10.0.1.4"},
			[]string{"stcontoso.privatelink.blob.core.windows.net"}, []ServerKind{inb}, ok},
		// the linked privatelink zone is authoritative: an account without a record is NXDOMAIN
		{"vm-s1", "stother.blob.core.windows.net", VerdictNXDOMAIN, none,
			[]string{"stother.privatelink.blob.core.windows.net"}, []ServerKind{inb}, ok},
		{"vm-s1", "host.eu.corp.contoso.com", VerdictUnknown, none, none, []ServerKind{inb, ext}, []string{"Reachable", "NotTraced"}},
		{"vm-s1", "host.corp.contoso.com", VerdictUnknown, none, none, []ServerKind{inb, ext}, []string{"Reachable", "NotTraced"}},
		{"vm-s2", "stcontoso.blob.core.windows.net", VerdictPublic, none,
			[]string{"stcontoso.privatelink.blob.core.windows.net"}, []ServerKind{az}, ok},
		{"vm-s3", "stcontoso.blob.core.windows.net", VerdictPublic, none,
			[]string{"stcontoso.privatelink.blob.core.windows.net"}, []ServerKind{az}, ok},
	})
	// longest suffix: eu.corp goes to its own server, corp to the first of two
	for name, want := range map[string]string{"host.eu.corp.contoso.com": "192.168.10.10", "host.corp.contoso.com": "192.168.0.10"} {
		nic, _ := p.Net.FindNIC("vm-s1")
		a, _ := Resolve(p, nic, name)
		if got := a.Servers[len(a.Servers)-1].Address.String(); got != want {
			t.Errorf("%s forwarded to %s, want %s", name, got, want)
		}
	}
}

// TestScenarioFirewallDNSProxy is the seed's case 1 (spec §3.5, §3.1): the firewall proxies DNS
// from its instance addresses, so an NSG on the DNS servers that admits only the frontend IP
// times every query out; admitting AzureFirewallSubnet fixes it. vm-direct's NIC names the DNS
// VM itself (NIC beats VNet), which the frontend-only NSG also blocks.
func TestScenarioFirewallDNSProxy(t *testing.T) {
	proxy, custom := KindFirewallProxy, KindCustom
	const blob = "stcontoso.blob.core.windows.net"
	deny := "Unreachable securityRules/deny-dns-others"
	allow := "Reachable securityRules/allow-dns-from-firewall"
	t.Run("frontend-only", func(t *testing.T) {
		p := loadScenario(t, "fw-dnsproxy/base", "fw-dnsproxy/frontend-only")
		runScenario(t, p, []scenarioRow{
			{"vm-app", blob, VerdictTimeout, none, none, []ServerKind{proxy, custom}, []string{"Reachable", deny, deny}},
			{"vm-direct", blob, VerdictTimeout, none, none, []ServerKind{custom}, []string{deny}},
		})
	})
	t.Run("fw-subnet", func(t *testing.T) {
		p := loadScenario(t, "fw-dnsproxy/base", "fw-dnsproxy/fw-subnet")
		runScenario(t, p, []scenarioRow{
			{"vm-app", blob, VerdictUnknown, none, none, []ServerKind{proxy, custom}, []string{"Reachable", allow}},
			{"vm-direct", blob, VerdictUnknown, none, none, []ServerKind{custom}, []string{allow}},
		})
		// a custom server's answer is unknown; the hint says what Azure DNS would give in its VNet
		nic, _ := p.Net.FindNIC("vm-direct")
		a, _ := Resolve(p, nic, blob)
		if got := strings.Join(a.Assumptions, "\n"); !strings.Contains(got, "the answer is [10.0.3.5]") {
			t.Errorf("assumptions lack the Azure DNS hint [10.0.3.5]:\n%s", got)
		}
	})
}

// TestScenarioZonesEdge: two contoso.internal zones (different resource groups) linked to
// different VNets; a registration-only link still resolves; NxDomainRedirect on one VNet's link
// and Default on the other's; mixed-case names and IDs (Resource Graph lower-cases IDs), CNAME
// targets with trailing dots, wildcards, and an az CLI (flattened) shape.
func TestScenarioZonesEdge(t *testing.T) {
	p := loadScenario(t, "zones-edge")
	az := []ServerKind{KindAzureDNS}
	ok := []string{"Reachable"}
	runScenario(t, p, []scenarioRow{
		{"vm-a", "app.contoso.internal", VerdictResolved, []string{"10.10.0.10"}, none, az, ok},
		{"vm-b", "app.contoso.internal", VerdictResolved, []string{"10.20.0.10"}, none, az, ok},
		{"vm-a", "www.contoso.internal.", VerdictResolved, []string{"10.10.0.10"}, []string{"app.contoso.internal"}, az, ok},
		// a private CNAME into a public privatelink name, then the privatelink zone linked to vnet-a
		{"vm-a", "ext.contoso.internal", VerdictResolved, []string{"10.10.1.5"},
			[]string{"stx.blob.core.windows.net", "stx.privatelink.blob.core.windows.net"}, az, ok},
		{"vm-a", "foo.apps.contoso.internal", VerdictResolved, []string{"10.10.0.20"}, none, az, ok},
		{"vm-a", "missing.contoso.internal", VerdictNXDOMAIN, none, none, az, ok},
		{"vm-a", "vm-a.corp.local", VerdictResolved, []string{"10.10.0.4"}, none, az, ok},
		{"vm-b", "vm-a.corp.local", VerdictPublic, none, none, az, ok},
		// NxDomainRedirect (vnet-a) falls back to public; Default (vnet-b) is NXDOMAIN (spec §8)
		{"vm-a", "stmissing.blob.core.windows.net", VerdictPublic, none, []string{"stmissing.privatelink.blob.core.windows.net"}, az, ok},
		{"vm-b", "stmissing.blob.core.windows.net", VerdictNXDOMAIN, none, []string{"stmissing.privatelink.blob.core.windows.net"}, az, ok},
		{"vm-b", "STX.privatelink.blob.core.windows.net", VerdictResolved, []string{"10.10.1.5"}, none, az, ok},
	})
}

// TestScenarioTraceName: `trace --to NAME` resolves NAME as the source VM would, ends at the
// private endpoint and sends NAME as the flow's FQDN.
func TestScenarioTraceName(t *testing.T) {
	p := loadScenario(t, "hubspoke-resolver")
	a, r, err := Trace(p, trace.Query{From: "vm-s1", To: "StContoso.blob.core.windows.net.", Protocol: model.ProtoTCP, DestinationPort: 443})
	if err != nil {
		t.Fatal(err)
	}
	hops := a.Forward.Hops
	if last := hops[len(hops)-1]; last.Kind != trace.HopPrivateEndpoint || last.Name != "pe-stcontoso-blob" || a.Verdict != trace.Reachable {
		t.Errorf("trace ends at %s %s (%s), want PrivateEndpoint pe-stcontoso-blob (Reachable)", last.Kind, last.Name, a.Verdict)
	}
	if a.Query.FQDN != "stcontoso.blob.core.windows.net" || r == nil || r.Verdict != VerdictResolved {
		t.Errorf("fqdn = %q, resolution %v", a.Query.FQDN, r)
	}
}

// TestTraceUnresolvedName: a name the VM cannot resolve to a private address is an input error
// (exit 2) that says what to pass instead: internet:<ip> for a public answer, the address the
// outside server gives for an unmodelled one; an NXDOMAIN says so and offers no address form.
func TestTraceUnresolvedName(t *testing.T) {
	p := loadScenario(t, "hubspoke-resolver")
	tests := []struct {
		from, name, want, wantNot string
	}{
		{"vm-s2", "stcontoso.blob.core.windows.net", "--to internet:<ip>", ""},
		{"vm-s1", "host.corp.contoso.com", "--to <ip>", "internet:<ip>"},
		{"vm-s1", "stother.blob.core.windows.net", "NXDOMAIN", "internet:<ip>"},
	}
	for _, tt := range tests {
		_, _, err := Trace(p, trace.Query{From: tt.from, To: tt.name, Protocol: model.ProtoTCP, DestinationPort: 443})
		var re *ResolveError
		if !errors.As(err, &re) {
			t.Fatalf("%s → %s: err = %v, want a ResolveError", tt.from, tt.name, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) || (tt.wantNot != "" && strings.Contains(msg, tt.wantNot)) {
			t.Errorf("%s → %s: %q, want it to contain %q and not %q", tt.from, tt.name, msg, tt.want, tt.wantNot)
		}
	}
}

// TestScenarioResolverNSG: an NSG on the inbound endpoint's subnet filters queries arriving
// there (spec §2.1: arriving traffic meets the subnet NSG before delivery). It admits spoke 1
// and denies spoke 3 (in this copy vm-s3's NIC has no DNS servers of its own: VNet DNS applies).
func TestScenarioResolverNSG(t *testing.T) {
	p := loadScenario(t, "hubspoke-resolver/endpoints.json", "hubspoke-resolver/zones.json", "hubspoke-resolver/links.json",
		"hubspoke-resolver/records.json", "hubspoke-resolver/resolver.json", "resolver-nsg")
	inb := []ServerKind{KindResolverInbound}
	const blob = "stcontoso.blob.core.windows.net"
	runScenario(t, p, []scenarioRow{
		{"vm-s1", blob, VerdictResolved, []string{"10.0.1.4"}, []string{"stcontoso.privatelink.blob.core.windows.net"}, inb,
			[]string{"Reachable securityRules/allow-dns-spoke1"}},
		// the query never gets there: no answer (what the endpoint would say is an assumption)
		{"vm-s3", blob, VerdictTimeout, none, none, inb, []string{"Unreachable securityRules/deny-dns"}},
	})
}

// TestProxyToInboundEndpointNSG: a firewall DNS proxy forwarding to a resolver inbound endpoint
// sends from its instance addresses (spec §3.5, §3.1), so the endpoint subnet's NSG must admit
// them all: the frontend alone times out, one instance denied is Intermittent.
func TestProxyToInboundEndpointNSG(t *testing.T) {
	tests := []struct {
		rules   []*model.SecurityRule
		verdict Verdict
		leg     string
	}{
		{[]*model.SecurityRule{rule("allow-fw-frontend", 100, model.Allow, "10.0.1.4"), rule("deny-dns", 200, model.Deny, "*")},
			VerdictTimeout, "Unreachable securityRules/deny-dns"},
		{[]*model.SecurityRule{rule("deny-one", 100, model.Deny, "10.0.1.9"), rule("allow-fw", 200, model.Allow, "10.0.1.0/26")},
			VerdictIntermittent, "Intermittent securityRules/deny-one"},
		{[]*model.SecurityRule{rule("allow-fw", 100, model.Allow, "10.0.1.0/26"), rule("deny-dns", 200, model.Deny, "*")},
			VerdictResolved, "Reachable securityRules/allow-fw"},
	}
	for _, tt := range tests {
		e := newEstate()
		e.fw.DNSServers = []netip.Addr{e.inbound.Addr}
		e.inbound.Subnet.NSG = &model.NSG{ID: "/nsgs/nsg-inbound", Name: "nsg-inbound", Rules: tt.rules}
		a := resolve(t, e, e.vmA, "stdata.blob.core.windows.net")
		got := legRules(a)
		if a.Verdict != tt.verdict || got[len(got)-1] != tt.leg {
			t.Errorf("%s: verdict %s legs %v, want %s and last leg %q", tt.rules[0].Name, a.Verdict, got, tt.verdict, tt.leg)
		}
	}
}

// TestResolverSharedAnswers: one Resolver answering many questions (legs traced once, zones
// indexed) gives exactly the answers of a fresh Resolve for each, in any order.
func TestResolverSharedAnswers(t *testing.T) {
	p := loadScenario(t, "hubspoke-resolver")
	names := []string{"stcontoso.blob.core.windows.net", "kv-contoso.vault.azure.net", "host.corp.contoso.com",
		"stother.blob.core.windows.net", "www.example.com"}
	shared := NewResolver(p)
	for pass := 0; pass < 2; pass++ {
		for _, nic := range p.Net.NICs {
			for _, name := range names {
				want, err1 := Resolve(p, nic, name)
				got, err2 := shared.Resolve(nic, name)
				if err1 != nil || err2 != nil {
					if (err1 == nil) != (err2 == nil) {
						t.Fatalf("%s %s: errors %v / %v", nic.Name, name, err1, err2)
					}
					continue
				}
				w, _ := json.MarshalIndent(want, "", " ")
				g, _ := json.MarshalIndent(got, "", " ")
				if d := cmp.Diff(string(w), string(g)); d != "" || want.Answer.LinksFrom != got.Answer.LinksFrom {
					t.Fatalf("%s %s: shared resolver differs (-fresh +shared):\n%s", nic.Name, name, d)
				}
			}
		}
	}
}
