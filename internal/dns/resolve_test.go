package dns

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestRules pins each rule of spec §8 on the hand-made estate: which servers are consulted,
// what the chain answers, and the verdict.
func TestRules(t *testing.T) {
	const blob = "stdata.privatelink.blob.core.windows.net"
	tests := []struct {
		name     string
		client   func(e *estate) *model.NIC
		query    string
		verdict  Verdict
		addrs    []netip.Addr
		cnames   []string
		servers  []ServerKind
		firstVia string
	}{
		{"Azure DNS by default; linked zone answers", func(e *estate) *model.NIC { return e.vmHub }, blob,
			VerdictResolved, addrs("10.0.4.5"), []string{}, []ServerKind{KindAzureDNS}, "default"},
		{"trailing dot and case ignored", func(e *estate) *model.NIC { return e.vmHub }, "StData.PrivateLink.Blob.Core.Windows.Net.",
			VerdictResolved, addrs("10.0.4.5"), []string{}, []ServerKind{KindAzureDNS}, "default"},
		{"public name is a CNAME into the privatelink zone", func(e *estate) *model.NIC { return e.vmHub }, "stdata.blob.core.windows.net",
			VerdictResolved, addrs("10.0.4.5"), []string{blob}, []ServerKind{KindAzureDNS}, "default"},
		{"missing record in a linked zone is NXDOMAIN", func(e *estate) *model.NIC { return e.vmHub }, "other.privatelink.blob.core.windows.net",
			VerdictNXDOMAIN, nil, []string{}, []ServerKind{KindAzureDNS}, "default"},
		{"unlinked zone does not answer: public", func(e *estate) *model.NIC { return e.vmC }, "stdata.privatelink.blob.core.windows.net",
			VerdictPublic, nil, []string{}, []ServerKind{KindAzureDNS}, "default"},
		{"unlinked VNet follows the public CNAME to public DNS", func(e *estate) *model.NIC { return e.vmC }, "stdata.blob.core.windows.net",
			VerdictPublic, nil, []string{blob}, []ServerKind{KindAzureDNS}, "default"},
		{"VNet servers: firewall proxy forwards to Azure DNS from the hub", func(e *estate) *model.NIC { return e.vmA }, "stdata.blob.core.windows.net",
			VerdictResolved, addrs("10.0.4.5"), []string{blob}, []ServerKind{KindFirewallProxy, KindAzureDNS}, "VNet spoke1 dhcpOptions"},
		{"NIC servers beat VNet servers: custom DNS VM is opaque", func(e *estate) *model.NIC { return e.vmB }, blob,
			VerdictUnknown, nil, []string{}, []ServerKind{KindCustom}, "NIC vm-b-nic dnsSettings"},
		{"ruleset: longest suffix wins (corp.contoso.com over contoso.com)", func(e *estate) *model.NIC { return e.vmC }, "app.corp.contoso.com",
			VerdictUnknown, nil, []string{}, []ServerKind{KindAzureDNS, KindExternal}, "default"},
		{"ruleset: shorter rule for other names", func(e *estate) *model.NIC { return e.vmC }, "www.contoso.com",
			VerdictUnknown, nil, []string{}, []ServerKind{KindAzureDNS, KindCustom}, "default"},
		{"ruleset: disabled rule skipped, next longest applies", func(e *estate) *model.NIC { return e.vmC }, "x.lab.corp.contoso.com",
			VerdictUnknown, nil, []string{}, []ServerKind{KindAzureDNS, KindExternal}, "default"},
		{"ruleset not linked to the VNet: public", func(e *estate) *model.NIC { return e.vmHub }, "app.corp.contoso.com",
			VerdictPublic, nil, []string{}, []ServerKind{KindAzureDNS}, "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEstate()
			a := resolve(t, e, tt.client(e), tt.query)
			if a.Verdict != tt.verdict {
				t.Errorf("verdict = %s, want %s (answer %+v)", a.Verdict, tt.verdict, a.Answer)
			}
			if diff := cmp.Diff(strs(tt.addrs), strs(a.Answer.Addresses)); diff != "" {
				t.Errorf("addresses (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.cnames, a.Answer.CNAMEs); diff != "" {
				t.Errorf("cnames (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.servers, kinds(a)); diff != "" {
				t.Errorf("server kinds (-want +got):\n%s", diff)
			}
			if len(a.Servers) > 0 && !strings.Contains(a.Servers[0].Via, tt.firstVia) {
				t.Errorf("first server via = %q, want it to mention %q", a.Servers[0].Via, tt.firstVia)
			}
		})
	}
}

func TestRulesetTargets(t *testing.T) {
	e := newEstate()
	a := resolve(t, e, e.vmC, "app.corp.contoso.com")
	last := a.Servers[len(a.Servers)-1]
	if last.Address != ip("192.168.1.10") || !strings.Contains(last.Via, "rs-spoke/corp") {
		t.Errorf("forwarded to %s via %q, want 192.168.1.10 via rs-spoke/corp", last.Address, last.Via)
	}
	if got := a.Legs[len(a.Legs)-1].Verdict; got != NotTraced {
		t.Errorf("outbound endpoint leg verdict = %s, want %s", got, NotTraced)
	}
}

func TestNxDomainRedirect(t *testing.T) {
	e := newEstate()
	e.hubLink.ResolutionPolicy = "NxDomainRedirect"
	a := resolve(t, e, e.vmHub, "other.privatelink.blob.core.windows.net")
	if a.Verdict != VerdictPublic {
		t.Errorf("verdict = %s, want Public (NxDomainRedirect falls back to public DNS)", a.Verdict)
	}
	if !contains(a.Assumptions, "NxDomainRedirect") {
		t.Errorf("assumptions %q do not mention NxDomainRedirect", a.Assumptions)
	}
}

func TestMostSpecificZoneWins(t *testing.T) {
	e := newEstate()
	outer, _ := e.zone("core.windows.net", e.hub) // a bad practice, but the more specific zone still decides
	outer.Records = append(outer.Records, &model.DNSRecord{Name: "stdata.privatelink.blob", Type: "A", Addrs: addrs("10.9.9.9")})
	a := resolve(t, e, e.vmHub, "stdata.privatelink.blob.core.windows.net")
	if diff := cmp.Diff([]string{"10.0.4.5"}, strs(a.Answer.Addresses)); diff != "" {
		t.Errorf("addresses (-want +got):\n%s", diff)
	}
}

func TestZoneCNAMEAndWildcard(t *testing.T) {
	e := newEstate()
	z, _ := e.zone("contoso.internal", e.hub)
	z.Records = append(z.Records,
		&model.DNSRecord{Name: "app", Type: "CNAME", CNAME: "stdata.blob.core.windows.net."},
		&model.DNSRecord{Name: "*.web", Type: "A", Addrs: addrs("10.0.5.20")},
		&model.DNSRecord{Name: "@", Type: "A", Addrs: addrs("10.0.5.30")})
	tests := []struct {
		query  string
		addrs  []string
		cnames []string
	}{
		{"app.contoso.internal", []string{"10.0.4.5"}, []string{"stdata.blob.core.windows.net", "stdata.privatelink.blob.core.windows.net"}},
		{"a.b.web.contoso.internal", []string{"10.0.5.20"}, []string{}},
		{"contoso.internal", []string{"10.0.5.30"}, []string{}},
	}
	for _, tt := range tests {
		a := resolve(t, e, e.vmHub, tt.query)
		if diff := cmp.Diff(tt.addrs, strs(a.Answer.Addresses)); diff != "" {
			t.Errorf("%s addresses (-want +got):\n%s", tt.query, diff)
		}
		if diff := cmp.Diff(tt.cnames, a.Answer.CNAMEs); diff != "" {
			t.Errorf("%s cnames (-want +got):\n%s", tt.query, diff)
		}
	}
}

// TestFirewallProxyLegs pins spec §3.5: the client's leg goes to the firewall frontend; the
// firewall's upstream leg leaves from its instance addresses.
func TestFirewallProxyLegs(t *testing.T) {
	e := newEstate()
	a := resolve(t, e, e.vmA, "stdata.blob.core.windows.net")
	want := []struct {
		from, to string
		verdict  trace.Verdict
	}{
		{"vm-a (10.1.0.4)", "10.0.1.4", trace.Reachable},
		{"fw-hub instance addresses (10.0.1.5–10.0.1.62)", "168.63.129.16", trace.Reachable},
	}
	if len(a.Legs) != len(want) {
		t.Fatalf("legs = %+v, want %d", a.Legs, len(want))
	}
	for i, w := range want {
		if l := a.Legs[i]; l.From != w.from || l.To != w.to || l.Verdict != w.verdict {
			t.Errorf("leg %d = %s → %s %s, want %s → %s %s", i, l.From, l.To, l.Verdict, w.from, w.to, w.verdict)
		}
	}
	if got := a.Servers[1].VNet; got != "hub" {
		t.Errorf("Azure DNS behind the proxy resolves for VNet %q, want hub", got)
	}
}

// TestProxyUpstreamBlocked: the DNS server's NSG allows only the firewall frontend, not its
// instance addresses (the seed's case 1): the upstream leg is Unreachable and the client times out.
func TestProxyUpstreamBlocked(t *testing.T) {
	e := newEstate()
	e.fw.DNSServers = []netip.Addr{ip("10.0.2.4")}
	e.dnsSubnet.NSG = &model.NSG{ID: "/nsgs/nsg-dns", Name: "nsg-dns", Rules: []*model.SecurityRule{
		rule("allow-fw-frontend", 100, model.Allow, "10.0.1.4"),
		rule("deny-dns", 200, model.Deny, "*"),
	}}
	a := resolve(t, e, e.vmA, "www.example.com")
	if a.Verdict != VerdictTimeout {
		t.Errorf("verdict = %s, want Timeout", a.Verdict)
	}
	up := a.Legs[len(a.Legs)-1]
	if up.To != "10.0.2.4" || up.Verdict != trace.Unreachable || up.Deciding == nil || up.Deciding.Rule != "securityRules/deny-dns" {
		t.Errorf("upstream leg = %+v (deciding %+v), want 10.0.2.4 Unreachable by securityRules/deny-dns", up, up.Deciding)
	}
	if !strings.HasPrefix(up.From, "fw-hub instance addresses") {
		t.Errorf("upstream leg from %q, want the firewall's instance addresses", up.From)
	}
}

// TestProxyAllUpstreamsBlocked: every upstream of the DNS proxy is blocked (issue 9): the answer
// is a timeout that names each blocking rule, with no server credited for an answer.
func TestProxyAllUpstreamsBlocked(t *testing.T) {
	e := newEstate()
	e.dns2 = e.vm(e.dnsSubnet, "dns2", "10.0.2.5")
	e.fw.DNSServers = []netip.Addr{ip("10.0.2.4"), ip("10.0.2.5")}
	e.dnsSubnet.NSG = &model.NSG{ID: "/nsgs/nsg-dns", Name: "nsg-dns", Rules: []*model.SecurityRule{
		rule("allow-fw-frontend", 100, model.Allow, "10.0.1.4"),
		rule("deny-dns", 200, model.Deny, "*"),
	}}
	a := resolve(t, e, e.vmA, "stdata.blob.core.windows.net")
	deny := trace.Deciding{Step: trace.StepNsgInbound, ResourceID: "/nsgs/nsg-dns", Rule: "securityRules/deny-dns"}
	want := Result{Status: Timeout, Addresses: []netip.Addr{}, CNAMEs: []string{}, ResourceID: "/nsgs/nsg-dns",
		BlockedBy: []trace.Deciding{deny, deny},
		Detail: "no answer: fw-hub instance addresses (10.0.1.5–10.0.1.62) reaches none of its DNS servers " +
			"(10.0.2.4: NsgDenied by nsg-dns securityRules/deny-dns; 10.0.2.5: NsgDenied by nsg-dns securityRules/deny-dns); " +
			"the query times out"}
	if diff := cmp.Diff(want, a.Answer); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	if a.Verdict != VerdictTimeout || a.Answer.AnsweredBy != "" {
		t.Errorf("verdict %s answeredBy %q, want Timeout and nobody", a.Verdict, a.Answer.AnsweredBy)
	}
	// a single blocked upstream times out the same way
	e.fw.DNSServers = []netip.Addr{ip("10.0.2.4")}
	if a := resolve(t, e, e.vmA, "www.example.com"); a.Answer.Status != Timeout || len(a.Answer.BlockedBy) != 1 {
		t.Errorf("one blocked upstream: %+v, want a Timeout blocked by one rule", a.Answer)
	}
}

func rule(name string, prio int, acc model.Access, src string) *model.SecurityRule {
	return &model.SecurityRule{Name: name, Priority: prio, Direction: model.Inbound, Access: acc, Protocol: model.ProtoUDP,
		Sources: []string{src}, Destinations: []string{"*"}, SourcePorts: []model.PortRange{model.AllPorts},
		DestPorts: []model.PortRange{{Lo: 53, Hi: 53}}}
}

func TestCustomServerHint(t *testing.T) {
	e := newEstate()
	a := resolve(t, e, e.vmB, "stdata.blob.core.windows.net")
	if a.Answer.Status != Unknown || !strings.Contains(a.Answer.Detail, "own configuration") {
		t.Errorf("answer = %+v, want Unknown depending on the server's configuration", a.Answer)
	}
	if !contains(a.Assumptions, "if dns1 forwards stdata.blob.core.windows.net to Azure DNS (168.63.129.16), the answer is [10.0.4.5]") {
		t.Errorf("assumptions %q lack the Azure DNS hint for dns1", a.Assumptions)
	}
}

func TestInboundEndpoint(t *testing.T) {
	e := newEstate()
	e.vmB.DNSServers = []netip.Addr{ip("10.0.3.4")}
	a := resolve(t, e, e.vmB, "stdata.blob.core.windows.net")
	if a.Verdict != VerdictResolved || len(a.Servers) != 1 || a.Servers[0].Kind != KindResolverInbound || a.Servers[0].VNet != "hub" {
		t.Errorf("verdict %s servers %+v, want Resolved by the inbound endpoint with hub's links", a.Verdict, a.Servers)
	}
	if a.Legs[0].Verdict != trace.Reachable {
		t.Errorf("client leg = %+v, want Reachable", a.Legs[0])
	}
}

// TestLegAssumptions: what a leg's trace assumed reaches the answer, naming the leg. The inbound
// endpoint's subnet has a route table, so its trace assumes the answer leaves by it; a resolve
// through it takes that for granted too, and one that does not use it does not.
func TestLegAssumptions(t *testing.T) {
	e := newEstate()
	e.inbound.Subnet.RouteTable = &model.RouteTable{ID: "/routeTables/rt-dns", Name: "rt-dns"}
	e.vmB.DNSServers = []netip.Addr{ip("10.0.3.4")}
	a := resolve(t, e, e.vmB, "stdata.blob.core.windows.net")
	want := "the query from vm-b (10.2.0.4) to 10.0.3.4 (UDP 53) assumes: DNS private resolver inbound endpoint in1 is assumed to answer by the routes of its subnet snet-inbound, route table included"
	if !slices.Contains(a.Assumptions, want) {
		t.Errorf("assumptions %q; want %q", a.Assumptions, want)
	}
	if b := resolve(t, e, e.vmA, "stdata.blob.core.windows.net"); contains(b.Assumptions, "in1") {
		t.Errorf("vm-a does not query in1; assumptions %q", b.Assumptions)
	}
}

func TestFirewallWithoutProxy(t *testing.T) {
	e := newEstate()
	e.fw.DNSProxy = false
	a := resolve(t, e, e.vmA, "stdata.blob.core.windows.net")
	if a.Verdict != VerdictTimeout || a.Servers[0].Kind != KindFirewallNoProxy {
		t.Errorf("verdict %s servers %v, want Timeout at a firewall without DNS proxy", a.Verdict, kinds(a))
	}
}

func TestFallbackToSecondServer(t *testing.T) {
	e := newEstate()
	e.vmB.DNSServers = []netip.Addr{ip("10.0.2.4"), ip("168.63.129.16")}
	e.dnsSubnet.NSG = &model.NSG{ID: "/nsgs/nsg-dns", Name: "nsg-dns", Rules: []*model.SecurityRule{rule("deny-dns", 200, model.Deny, "*")}}
	a := resolve(t, e, e.vmB, "stdata.blob.core.windows.net")
	if a.Verdict != VerdictPublic || kinds(a)[0] != KindAzureDNS {
		t.Errorf("verdict %s servers %v, want the second server (Azure DNS, spoke2 unlinked: Public)", a.Verdict, kinds(a))
	}
	if len(a.Legs) != 2 || a.Legs[0].Verdict != trace.Unreachable {
		t.Errorf("legs %+v, want the failed first leg then the second", a.Legs)
	}
}

func TestForwardingLoopEnds(t *testing.T) {
	e := newEstate()
	e.ruleset.VNets = append(e.ruleset.VNets, e.hub)
	e.ruleset.Rules = append(e.ruleset.Rules, &model.ForwardingRule{Name: "loop", Domain: "loop.test.",
		Targets: []netip.AddrPort{netip.MustParseAddrPort("10.0.3.4:53")}, Enabled: true})
	a := resolve(t, e, e.vmHub, "x.loop.test")
	if a.Verdict != VerdictUnknown || !strings.Contains(a.Answer.Detail, "loop") {
		t.Errorf("verdict %s answer %+v, want Unknown naming a loop", a.Verdict, a.Answer)
	}
}

func TestBadInput(t *testing.T) {
	e := newEstate()
	p := e.plane()
	for _, name := range []string{"", " ", "a b", "a..b", strings.Repeat("a", 254)} {
		if _, err := Resolve(p, e.vmHub, name); err == nil {
			t.Errorf("Resolve(%q) = nil error, want one", name)
		}
	}
	if _, err := Resolve(p, nil, "x"); err == nil {
		t.Error("Resolve(nil NIC) = nil error")
	}
	if _, err := Resolve(p, &model.NIC{Name: "orphan"}, "x"); err == nil {
		t.Error("Resolve(NIC without subnet) = nil error")
	}
}

func TestPrivateLinkAlias(t *testing.T) {
	tests := []struct{ name, alias string }{
		{"kv1.vault.azure.net", "kv1.privatelink.vaultcore.azure.net"},
		{"sql1.database.windows.net", "sql1.privatelink.database.windows.net"},
		{"acct.table.cosmos.azure.com", "acct.privatelink.table.cosmos.azure.com"},
		{"st.dfs.core.windows.net", "st.privatelink.dfs.core.windows.net"},
		{"st.privatelink.blob.core.windows.net", ""},
		{"www.example.com", ""},
	}
	for _, tt := range tests {
		got, _, _ := privateLinkAlias(tt.name)
		if got != tt.alias {
			t.Errorf("privateLinkAlias(%q) = %q, want %q", tt.name, got, tt.alias)
		}
	}
}

func contains(ss []string, sub string) bool {
	for _, s := range ss {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func strs(as []netip.Addr) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.String())
	}
	return out
}
