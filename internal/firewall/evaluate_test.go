package firewall

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// orderPolicy exercises spec §3.2: a base policy, three groups whose priorities disagree with
// their collections' priorities, and every rule type.
func orderPolicy() *model.FirewallPolicy {
	base := policy("base", nil,
		group("g-base", 500,
			natColl("base-nat", 100, natRule("ssh-alt", "*", "20.0.0.1", 2222, "10.1.0.5", 22)),
			netColl("base-net", 1000, model.FwDeny, netRule("deny-db", "*", "10.2.0.0/24", model.ProtoTCP, "1433")),
			appColl("base-app", 1000, model.FwAllow, appRule("allow-ms", "*", "*.microsoft.com", 443))))
	return policy("child", base,
		group("g2", 200,
			appColl("app2", 100, model.FwDeny, appRule("deny-bad", "*", "bad.contoso.com", 443))),
		group("g1", 100,
			natColl("nat", 100, natRule("ssh", "*", "20.0.0.1", 22, "10.1.0.4", 0)),
			netColl("net-allow", 200, model.FwAllow,
				netRule("allow-db", "10.1.0.0/16", "10.2.0.0/24", model.ProtoTCP, "1433"),
				netRule("allow-9", "*", "10.9.0.0/16", model.ProtoTCP, "*"),
				netRule("allow-dns", "*", "10.3.0.4", model.ProtoUDP, "53"),
				netRule("allow-dns-again", "*", "10.3.0.0/24", model.ProtoUDP, "53"),
				netRule("allow-ntp", "*", "*", model.ProtoUDP, "123")),
			netColl("net-first", 100, model.FwDeny, netRule("deny-5-9", "*", "10.5.0.0/16,10.9.0.0/16", model.ProtoAny, "*")),
			appColl("app", 300, model.FwAllow, appRule("allow-contoso", "10.1.0.0/16", "*.contoso.com", 443))),
		group("g0", 50,
			netColl("early", 500, model.FwAllow, netRule("allow-web", "10.1.0.0/16", "10.5.0.0/16", model.ProtoTCP, "80,443")),
			appColl("app0", 100, model.FwDeny, appRule("deny-ms", "*", "www.microsoft.com", 443))))
}

type want struct {
	kind   Kind
	action model.FirewallAction
	rule   string
	holder string // policy name, "fw" for the firewall
	snat   SNATKind
}

func TestProcessingOrder(t *testing.T) {
	e, _ := Compile(testFirewall(orderPolicy()), nil)
	tests := []struct {
		name string
		p    Packet
		want want
	}{
		{"DNAT first", tcp("1.2.3.4", "20.0.0.1", 22, ""), want{KindDnat, model.FwAllow, "g1/nat/ssh", "child", SNATInstance}},
		{"NAT not inherited from base", tcp("1.2.3.4", "20.0.0.1", 2222, ""), want{KindDefaultDeny, model.FwDeny, "DefaultDeny", "child", SNATNone}},
		{"base network rules before child's", tcp("10.1.0.5", "10.2.0.10", 1433, ""), want{KindNetwork, model.FwDeny, "g-base/base-net/deny-db", "base", SNATNone}},
		{"group priority before collection priority", tcp("10.1.0.5", "10.5.0.1", 443, ""), want{KindNetwork, model.FwAllow, "g0/early/allow-web", "child", SNATNone}},
		{"collection priority within group", tcp("10.1.0.5", "10.9.1.1", 80, ""), want{KindNetwork, model.FwDeny, "g1/net-first/deny-5-9", "child", SNATNone}},
		{"first rule of a collection", udp("10.1.0.5", "10.3.0.4", 53), want{KindNetwork, model.FwAllow, "g1/net-allow/allow-dns", "child", SNATNone}},
		{"second rule when first misses", udp("10.1.0.5", "10.3.0.5", 53), want{KindNetwork, model.FwAllow, "g1/net-allow/allow-dns-again", "child", SNATNone}},
		{"network rule to public SNATs", udp("10.1.0.5", "40.1.1.1", 123), want{KindNetwork, model.FwAllow, "g1/net-allow/allow-ntp", "child", SNATPublic}},
		{"network match: app rules never consulted", tcp("10.1.0.5", "10.5.0.1", 443, "www.microsoft.com"), want{KindNetwork, model.FwAllow, "g0/early/allow-web", "child", SNATNone}},
		{"network deny beats app allow", tcp("10.1.0.5", "10.9.0.1", 443, "a.contoso.com"), want{KindNetwork, model.FwDeny, "g1/net-first/deny-5-9", "child", SNATNone}},
		{"application rule", tcp("10.1.0.5", "52.1.1.1", 443, "a.b.contoso.com"), want{KindApplication, model.FwAllow, "g1/app/allow-contoso", "child", SNATInstance}},
		{"base app rules before child's", tcp("10.1.0.5", "52.1.1.1", 443, "www.microsoft.com"), want{KindApplication, model.FwAllow, "g-base/base-app/allow-ms", "base", SNATInstance}},
		{"app group priority", tcp("10.1.0.5", "52.1.1.1", 443, "bad.contoso.com"), want{KindApplication, model.FwAllow, "g1/app/allow-contoso", "child", SNATInstance}},
		{"app source mismatch falls to later group", tcp("10.7.0.5", "52.1.1.1", 443, "bad.contoso.com"), want{KindApplication, model.FwDeny, "g2/app2/deny-bad", "child", SNATNone}},
		{"FQDN matches nothing", tcp("10.1.0.5", "52.1.1.1", 443, "evil.example"), want{KindDefaultDeny, model.FwDeny, "DefaultDeny", "child", SNATNone}},
		{"no FQDN, port no app rule uses", tcp("10.1.0.5", "52.1.1.1", 8443, ""), want{KindDefaultDeny, model.FwDeny, "DefaultDeny", "child", SNATNone}},
		{"UDP never reaches app rules", udp("10.1.0.5", "52.1.1.1", 443), want{KindDefaultDeny, model.FwDeny, "DefaultDeny", "child", SNATNone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Evaluate(tt.p)
			got := want{r.Kind, r.Action, r.RuleID, r.Holder.Name(), r.SNAT}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDNATTranslation(t *testing.T) {
	e, _ := Compile(testFirewall(orderPolicy()), nil)
	r := e.Evaluate(tcp("1.2.3.4", "20.0.0.1", 22, ""))
	if r.TranslatedDst != ip("10.1.0.4") || r.TranslatedPort != 0 || r.Rule.Group != "g1" || r.Rule.Collection != "nat" || r.Rule.Name != "ssh" {
		t.Errorf("got %v:%d %s/%s/%s, want 10.1.0.4:0 g1/nat/ssh", r.TranslatedDst, r.TranslatedPort, r.Rule.Group, r.Rule.Collection, r.Rule.Name)
	}
	// Private DNAT: a NAT rule on the frontend private IP.
	fw := testFirewall(policy("p", nil, group("g", 100, natColl("n", 100, natRule("to-web", "10.8.0.0/16", "10.0.0.4", 8080, "10.1.0.9", 80)))))
	e, warns := Compile(fw, nil)
	r = e.Evaluate(tcp("10.8.1.1", "10.0.0.4", 8080, ""))
	if r.Kind != KindDnat || r.TranslatedDst != ip("10.1.0.9") || r.TranslatedPort != 80 || len(warns) != 0 {
		t.Errorf("private DNAT: got %v %v:%d warnings %v, want Dnat 10.1.0.9:80 none", r.Kind, r.TranslatedDst, r.TranslatedPort, warns)
	}
}

func TestUnknownWithoutFQDN(t *testing.T) {
	e, _ := Compile(testFirewall(orderPolicy()), nil)
	tests := []struct {
		name string
		p    Packet
		want []string
	}{
		{"every app rule that matches source and port", tcp("10.1.0.5", "52.1.1.1", 443, ""),
			[]string{"g-base/base-app/allow-ms", "g0/app0/deny-ms", "g1/app/allow-contoso", "g2/app2/deny-bad", "DefaultDeny"}},
		{"source outside allow-contoso", tcp("10.7.0.5", "52.1.1.1", 443, ""),
			[]string{"g-base/base-app/allow-ms", "g0/app0/deny-ms", "g2/app2/deny-bad", "DefaultDeny"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Evaluate(tt.p)
			if r.Kind != KindUnknown || r.Rule != nil {
				t.Fatalf("got kind %v rule %v, want Unknown without rule", r.Kind, r.Rule)
			}
			if d := cmp.Diff(tt.want, candidateIDs(r)); d != "" {
				t.Errorf("candidates (-want +got):\n%s", d)
			}
			if !slices.Contains(r.Assumptions, noteUnknown) {
				t.Errorf("assumptions %q lack the Unknown note", r.Assumptions)
			}
		})
	}
}

// A "*" target decides without an FQDN, so it ends the candidate list.
func TestUnknownStopsAtWildcardTarget(t *testing.T) {
	p := policy("p", nil, group("g", 100,
		appColl("a", 100, model.FwAllow, appRule("contoso", "*", "*.contoso.com", 443), appRule("any", "*", "*", 443),
			appRule("after", "*", "x.example", 443))))
	e, _ := Compile(testFirewall(p), nil)
	r := e.Evaluate(tcp("10.1.0.5", "52.1.1.1", 443, ""))
	if d := cmp.Diff([]string{"g/a/contoso", "g/a/any"}, candidateIDs(r)); r.Kind != KindUnknown || d != "" {
		t.Errorf("got %v, candidates (-want +got):\n%s", r.Kind, d)
	}
	r = e.Evaluate(tcp("10.1.0.5", "52.1.1.1", 443, "other.example"))
	if r.Kind != KindApplication || r.RuleID != "g/a/any" {
		t.Errorf("got %v %s, want Application g/a/any", r.Kind, r.RuleID)
	}
}

func TestClassicRules(t *testing.T) {
	fw := testFirewall(nil)
	fw.Classic = []*model.RuleCollection{
		appColl("apps", 200, model.FwAllow, appRule("github", "10.1.0.0/16", "github.com", 443)),
		netColl("net-late", 300, model.FwAllow, netRule("all", "*", "*", model.ProtoAny, "*")),
		netColl("net-early", 100, model.FwDeny, netRule("no-smb", "*", "*", model.ProtoTCP, "445")),
		natColl("nat", 100, natRule("rdp", "*", "20.0.0.1", 3389, "10.1.0.4", 3389)),
	}
	e, _ := Compile(fw, nil)
	tests := []struct {
		p    Packet
		want want
	}{
		{tcp("10.1.0.5", "10.2.0.5", 445, ""), want{KindNetwork, model.FwDeny, "net-early/no-smb", "fw", SNATNone}},
		{tcp("10.1.0.5", "10.2.0.5", 22, ""), want{KindNetwork, model.FwAllow, "net-late/all", "fw", SNATNone}},
		{tcp("1.1.1.1", "20.0.0.1", 3389, ""), want{KindDnat, model.FwAllow, "nat/rdp", "fw", SNATInstance}},
	}
	for _, tt := range tests {
		r := e.Evaluate(tt.p)
		if got := (want{r.Kind, r.Action, r.RuleID, r.Holder.Name(), r.SNAT}); got != tt.want {
			t.Errorf("%+v: got %+v, want %+v", tt.p, got, tt.want)
		}
	}
}

func TestAssumptions(t *testing.T) {
	p := orderPolicy()
	p.ThreatIntelMode = "Deny"
	e, warns := Compile(testFirewall(p), nil)
	r := e.Evaluate(tcp("10.1.0.5", "52.1.1.1", 443, "a.contoso.com"))
	if d := cmp.Diff([]string{noteThreatIntel, noteAppDNS}, r.Assumptions); d != "" {
		t.Errorf("assumptions (-want +got):\n%s", d)
	}
	if !slices.ContainsFunc(warns, func(w model.Warning) bool { return w.Code == "Unsupported" && w.Message == noteThreatIntel }) {
		t.Errorf("warnings %v lack the threat intelligence warning", warns)
	}
	r = e.Evaluate(udp("10.1.0.5", "10.3.0.4", 53))
	if d := cmp.Diff([]string{noteThreatIntel}, r.Assumptions); d != "" {
		t.Errorf("network rule assumptions (-want +got):\n%s", d)
	}
}

// The NAT rule of the REST API example FirewallPolicyNatRuleCollectionGroupPut.json
// (Azure/azure-rest-api-specs, MIT), built in Go: DNAT to an FQDN, TCP and UDP.
func TestDNATToFQDN(t *testing.T) {
	r := &model.FirewallRule{Name: "nat-rule1", Protocols: []model.Protocol{model.ProtoTCP, model.ProtoUDP},
		Sources: []string{"2.2.2.2"}, Destinations: []string{"152.23.32.23"}, DestPorts: []model.PortRange{{Lo: 8080, Hi: 8080}},
		TranslatedFQDN: "internalhttp.server.net", TranslatedPort: 8080}
	fw := testFirewall(policy("firewallPolicy", nil, group("ruleCollectionGroup1", 100, natColl("Example-Nat-Rule-Collection", 100, r))))
	fw.PublicIPs[0].Address = ip("152.23.32.23")
	e, warns := Compile(fw, nil)
	for _, p := range []Packet{tcp("2.2.2.2", "152.23.32.23", 8080, ""), {Src: ip("2.2.2.2"), Dst: ip("152.23.32.23"), Proto: model.ProtoUDP, DstPort: 8080}} {
		res := e.Evaluate(p)
		got := []any{res.Kind.String(), res.Allowed(), res.RuleID, res.TranslatedFQDN, res.TranslatedDst.IsValid(), res.TranslatedPort, res.SNAT.String()}
		want := []any{"Dnat", true, "ruleCollectionGroup1/Example-Nat-Rule-Collection/nat-rule1", "internalhttp.server.net", false, uint16(8080), "InstanceAddress"}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%v (-want +got):\n%s", p.Proto, d)
		}
		if !slices.Contains(res.Assumptions, noteDNATFQDN) {
			t.Errorf("assumptions %q lack the DNAT FQDN note", res.Assumptions)
		}
	}
	if res := e.Evaluate(tcp("2.2.2.3", "152.23.32.23", 8080, "")); res.Allowed() || res.Kind != KindDefaultDeny {
		t.Errorf("other source: got %v allowed=%v, want DefaultDeny", res.Kind, res.Allowed())
	}
	if len(warns) != 0 {
		t.Errorf("got warnings %v, want none", warns)
	}
}
