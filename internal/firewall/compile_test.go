package firewall

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

func warnCodes(ws []model.Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Code)
	}
	return out
}

func TestGroupPriorityTieOrdersByNameAndWarns(t *testing.T) {
	p := policy("p", nil,
		group("zeta", 100, netColl("c", 100, model.FwDeny, netRule("r", "*", "*", model.ProtoAny, "*"))),
		group("Alpha", 100, netColl("c", 100, model.FwAllow, netRule("r", "*", "*", model.ProtoAny, "*"))))
	e, warns := Compile(testFirewall(p), nil)
	if r := e.Evaluate(tcp("10.1.0.1", "10.2.0.1", 80, "")); r.RuleID != "Alpha/c/r" {
		t.Errorf("got %s, want Alpha/c/r (tie ordered by name)", r.RuleID)
	}
	if d := cmp.Diff([]string{"DuplicatePriority"}, warnCodes(warns)); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
}

func TestBaseChainThreeLevelsAndLoop(t *testing.T) {
	root := policy("root", nil, group("g", 900, netColl("c", 900, model.FwDeny, netRule("root-r", "*", "10.0.0.0/8", model.ProtoAny, "*"))))
	mid := policy("mid", root, group("g", 100, netColl("c", 100, model.FwAllow, netRule("mid-r", "*", "10.1.0.0/16", model.ProtoAny, "*"))))
	leaf := policy("leaf", mid, group("g", 1, netColl("c", 1, model.FwAllow, netRule("leaf-r", "*", "*", model.ProtoAny, "*"))))
	e, _ := Compile(testFirewall(leaf), nil)
	tests := []struct{ dst, rule, holder string }{
		{"10.1.0.1", "g/c/root-r", "root"},
		{"172.16.0.1", "g/c/leaf-r", "leaf"},
	}
	for _, tt := range tests {
		r := e.Evaluate(tcp("10.9.0.1", tt.dst, 80, ""))
		if r.RuleID != tt.rule || r.Holder.Name() != tt.holder || r.Rule.Inherited != (tt.holder != "leaf") {
			t.Errorf("dst %s: got %s in %s inherited=%v, want %s in %s", tt.dst, r.RuleID, r.Holder.Name(), r.Rule.Inherited, tt.rule, tt.holder)
		}
	}
	root.Base = leaf // a loop
	_, warns := Compile(testFirewall(leaf), nil)
	if !slices.Contains(warnCodes(warns), "InvalidValue") {
		t.Errorf("loop: got warnings %v, want InvalidValue", warns)
	}
}

func TestIPGroupsRangesAndServiceTags(t *testing.T) {
	g := &model.IPGroup{Name: "spokes", Prefixes: []netip.Prefix{pfx("10.10.0.0/16"), pfx("10.20.0.0/16")}}
	r1 := netRule("from-group", "", "AzureCloud.westeurope,Storage", model.ProtoTCP, "443")
	r1.SourceGroups = []*model.IPGroup{g}
	r2 := netRule("range", "192.168.1.10-192.168.1.20", "10.50.0.0/16", model.ProtoTCP, "22")
	r3 := netRule("to-group", "*", "", model.ProtoTCP, "8080")
	r3.DestGroups = []*model.IPGroup{g}
	p := policy("p", nil, group("g", 100, netColl("c", 100, model.FwAllow, r1, r2, r3)))
	n := &model.Network{ServiceTags: map[string]*model.ServiceTag{
		"azurecloud.westeurope": {Name: "AzureCloud.westeurope", Prefixes: []netip.Prefix{pfx("20.50.0.0/16"), pfx("2603:1020::/47")}},
	}}
	e, warns := Compile(testFirewall(p), n)
	tests := []struct {
		p    Packet
		want string
	}{
		{tcp("10.20.1.1", "20.50.3.3", 443, ""), "g/c/from-group"},
		{tcp("10.30.1.1", "20.50.3.3", 443, ""), "DefaultDeny"},
		{tcp("10.10.1.1", "20.51.3.3", 443, ""), "DefaultDeny"},
		{tcp("192.168.1.20", "10.50.0.9", 22, ""), "g/c/range"},
		{tcp("192.168.1.21", "10.50.0.9", 22, ""), "DefaultDeny"},
		{tcp("1.1.1.1", "10.10.200.1", 8080, ""), "g/c/to-group"},
		{Packet{Src: ip("::ffff:10.20.1.1"), Dst: ip("::ffff:20.50.3.3"), Proto: model.ProtoTCP, DstPort: 443}, "g/c/from-group"},
	}
	for _, tt := range tests {
		if r := e.Evaluate(tt.p); r.RuleID != tt.want {
			t.Errorf("%v→%v:%d: got %s, want %s", tt.p.Src, tt.p.Dst, tt.p.DstPort, r.RuleID, tt.want)
		}
	}
	if d := cmp.Diff([]string{"UnknownServiceTag"}, warnCodes(warns)); d != "" || !strings.Contains(warns[0].Message, `"Storage"`) {
		t.Errorf("warnings %v (-want +got):\n%s", warns, d)
	}
}

func TestNetworkRuleFQDNNeedsDNSProxy(t *testing.T) {
	mk := func(proxy bool) (*Engine, []model.Warning) {
		r := netRule("sql", "10.1.0.0/16", "", model.ProtoTCP, "1433")
		r.DestFQDNs = []string{"db.contoso.com"}
		p := policy("p", nil, group("g", 100, netColl("c", 100, model.FwAllow, r),
			appColl("a", 100, model.FwAllow, appRule("web", "*", "*.contoso.com", 443))))
		p.DNSProxy = proxy
		return Compile(testFirewall(p), nil)
	}
	e, warns := mk(false)
	if r := e.Evaluate(tcp("10.1.0.4", "10.2.0.4", 1433, "db.contoso.com")); r.Kind != KindDefaultDeny {
		t.Errorf("proxy off: got %v %s, want DefaultDeny", r.Kind, r.RuleID)
	}
	if d := cmp.Diff([]string{"Unsupported"}, warnCodes(warns)); d != "" {
		t.Errorf("proxy off warnings (-want +got):\n%s", d)
	}
	e, warns = mk(true)
	tests := []struct {
		fqdn  string
		kind  Kind
		rule  string
		cands []string
	}{
		{"db.contoso.com", KindNetwork, "g/c/sql", nil},
		{"DB.Contoso.com", KindNetwork, "g/c/sql", nil},
		{"other.example", KindDefaultDeny, "DefaultDeny", nil},
		{"", KindUnknown, "", []string{"g/c/sql", "DefaultDeny"}},
	}
	for _, tt := range tests {
		r := e.Evaluate(tcp("10.1.0.4", "10.2.0.4", 1433, tt.fqdn))
		if r.Kind != tt.kind || r.RuleID != tt.rule || !slices.Equal(candidateIDs(r), tt.cands) {
			t.Errorf("fqdn %q: got %v %q %v, want %v %q %v", tt.fqdn, r.Kind, r.RuleID, candidateIDs(r), tt.kind, tt.rule, tt.cands)
		}
	}
	if r := e.Evaluate(tcp("10.1.0.4", "10.2.0.4", 1433, "db.contoso.com")); !slices.Contains(r.Assumptions, noteNetFQDN) {
		t.Errorf("assumptions %q lack the FQDN resolution note", r.Assumptions)
	}
	if len(warns) != 0 {
		t.Errorf("proxy on: got warnings %v, want none", warns)
	}
	// Unknown network FQDN rule, then the app phase: candidates span both.
	if r := e.Evaluate(tcp("10.1.0.4", "52.1.1.1", 443, "")); r.Kind != KindUnknown || len(r.Candidates) != 2 {
		t.Errorf("app port: got %v %v, want Unknown [g/a/web DefaultDeny]", r.Kind, candidateIDs(r))
	}
}

func TestOpaqueFQDNTagsAndBadPatterns(t *testing.T) {
	tag := appRule("wu", "*", "", 443)
	tag.FQDNTags = []string{"WindowsUpdate"}
	bad := appRule("bad", "*", "www.contoso.*", 443)
	p := policy("p", nil, group("g", 100, appColl("a", 100, model.FwAllow, tag, bad, appRule("x", "*", "x.example", 443))))
	e, warns := Compile(testFirewall(p), nil)
	if d := cmp.Diff([]string{"Unsupported", "InvalidValue"}, warnCodes(warns)); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
	r := e.Evaluate(tcp("10.1.0.4", "52.1.1.1", 443, "x.example"))
	if d := cmp.Diff([]string{"g/a/wu", "g/a/x"}, candidateIDs(r)); r.Kind != KindUnknown || d != "" {
		t.Errorf("FQDN tag before a match: got %v, candidates (-want +got):\n%s", r.Kind, d)
	}
	r = e.Evaluate(tcp("10.1.0.4", "52.1.1.1", 443, "www.contoso.com"))
	if d := cmp.Diff([]string{"g/a/wu", "DefaultDeny"}, candidateIDs(r)); d != "" {
		t.Errorf("unsupported wildcard never matches: candidates (-want +got):\n%s", d)
	}
}

func TestCollectionActionMismatchSkipped(t *testing.T) {
	fw := testFirewall(nil)
	fw.Classic = []*model.RuleCollection{coll(model.NATRules, "snat", 100, model.FwAllow, natRule("x", "*", "20.0.0.1", 22, "10.1.0.4", 22))}
	e, warns := Compile(fw, nil)
	if r := e.Evaluate(tcp("1.1.1.1", "20.0.0.1", 22, "")); r.Kind != KindDefaultDeny {
		t.Errorf("got %v, want DefaultDeny", r.Kind)
	}
	if d := cmp.Diff([]string{"Unsupported"}, warnCodes(warns)); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
}

func TestDNATToForeignAddressWarns(t *testing.T) {
	p := policy("p", nil, group("g", 100, natColl("n", 100, natRule("x", "*", "52.9.9.9", 22, "10.1.0.4", 22))))
	_, warns := Compile(testFirewall(p), nil)
	if d := cmp.Diff([]string{"InvalidValue"}, warnCodes(warns)); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
}

// A network rule with explicit destination ports is a TCP+UDP rule [FWRP: "If a destination
// port is explicitly configured, then the rule is translated to a TCP+UDP rule"], so it never
// matches ICMP, ESP or AH; a rule with ports "*" matches them (the same as acl's NSG rules).
func TestPortRestrictedRulesNeverMatchICMP(t *testing.T) {
	p := policy("p", nil, group("g", 100, netColl("c", 100, model.FwAllow,
		netRule("tcp-only", "*", "*", model.ProtoTCP, "*"),
		netRule("icmp-7", "*", "10.2.0.0/16", model.ProtoICMP, "7"),
		netRule("any-443", "*", "10.3.0.0/16", model.ProtoAny, "443"),
		netRule("icmp", "*", "10.4.0.0/16", model.ProtoICMP, "*"),
		netRule("any", "*", "10.5.0.0/16", model.ProtoAny, "*"))))
	e, _ := Compile(testFirewall(p), nil)
	tests := []struct {
		dst, want string
		proto     model.Protocol
	}{
		{"10.2.0.1", "DefaultDeny", model.ProtoICMP},
		{"10.3.0.1", "DefaultDeny", model.ProtoICMP},
		{"10.3.0.1", "DefaultDeny", model.ProtoESP},
		{"10.3.0.1", "g/c/any-443", model.ProtoUDP},
		{"10.2.0.1", "DefaultDeny", model.ProtoESP},
		{"10.4.0.1", "g/c/icmp", model.ProtoICMP},
		{"10.5.0.1", "g/c/any", model.ProtoICMP},
		{"10.5.0.1", "g/c/any", model.ProtoAH},
	}
	for _, tt := range tests {
		r := e.Evaluate(Packet{Src: ip("10.1.0.1"), Dst: ip(tt.dst), Proto: tt.proto, DstPort: 443})
		if r.RuleID != tt.want {
			t.Errorf("%v to %s: got %s, want %s", tt.proto, tt.dst, r.RuleID, tt.want)
		}
	}
}

func TestEmptyFirewallDeniesAndBadInputDoesNotPanic(t *testing.T) {
	e, _ := Compile(&model.Firewall{ID: "fw"}, nil)
	for _, p := range []Packet{{}, tcp("10.0.0.1", "10.0.0.2", 80, ""), {Src: ip("::1"), Dst: ip("::2"), Proto: model.ProtoUDP}} {
		if r := e.Evaluate(p); r.Kind != KindDefaultDeny || r.Holder != "fw" {
			t.Errorf("%+v: got %v %s, want DefaultDeny held by fw", p, r.Kind, r.Holder)
		}
	}
	bad := &model.FirewallRule{Name: "bad", Sources: []string{"10.0.0.300", "10.0.0.9-10.0.0.1"}, Destinations: []string{"*"},
		Protocols: []model.Protocol{model.ProtoTCP}}
	p := policy("p", nil, group("g", 1, netColl("c", 1, model.FwAllow, bad, nil)), nil)
	e, warns := Compile(testFirewall(p), nil)
	if r := e.Evaluate(tcp("10.0.0.9", "1.1.1.1", 80, "")); r.Kind != KindDefaultDeny || len(warns) != 2 {
		t.Errorf("got %v with warnings %v, want DefaultDeny and two warnings", r.Kind, warns)
	}
}

func TestRulesInProcessingOrderAndClassicIgnoredWithPolicy(t *testing.T) {
	fw := testFirewall(orderPolicy())
	fw.Classic = []*model.RuleCollection{netColl("ignored", 100, model.FwAllow, netRule("r", "*", "*", model.ProtoAny, "*"))}
	e, warns := Compile(fw, nil)
	var got []string
	for _, r := range e.Rules(model.NetworkRules) {
		got = append(got, r.ID)
	}
	want := []string{"g-base/base-net/deny-db", "g0/early/allow-web", "g1/net-first/deny-5-9", "g1/net-allow/allow-db",
		"g1/net-allow/allow-9", "g1/net-allow/allow-dns", "g1/net-allow/allow-dns-again", "g1/net-allow/allow-ntp"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("network rules (-want +got):\n%s", d)
	}
	if n := len(e.Rules(model.NATRules)); n != 1 {
		t.Errorf("NAT rules: got %d, want 1 (the base policy's are not inherited)", n)
	}
	// InvalidValue: the classic collections are ignored; NotInherited: base-nat is not applied.
	if d := cmp.Diff([]string{"InvalidValue", "NotInherited"}, warnCodes(warns)); d != "" || e.Holder() != policyID("child") || fw.DNSProxyEnabled() || e.Firewall() != fw {
		t.Errorf("warnings (-want +got):\n%s; holder %s", d, e.Holder())
	}
}

// TestPortsAreTheCompiledOnes: Ports lists what the rules match, an FQDN tag's implicit 80 and
// 443 included (reach cuts its classes there).
func TestPortsAreTheCompiledOnes(t *testing.T) {
	tag := appRule("wu", "*", "")
	tag.FQDNTags = []string{"WindowsUpdate"}
	p := policy("p", nil, group("g", 100, appColl("a", 100, model.FwAllow, tag, appRule("x", "*", "x.example", 8443)),
		natColl("n", 100, natRule("d", "*", "20.0.0.1", 2222, "10.1.0.4", 22))))
	e, _ := Compile(testFirewall(p), nil)
	got := e.Ports()
	for _, want := range []uint16{80, 443, 8443, 2222} {
		if !slices.Contains(got, model.PortRange{Lo: want, Hi: want}) {
			t.Errorf("Ports %v lack %d", got, want)
		}
	}
}
