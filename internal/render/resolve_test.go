package render

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/dns"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

func sampleResolve() *dns.Answer {
	return &dns.Answer{
		Query:   dns.Query{From: "vm-a", NIC: "/nics/vm-a-nic", Address: netip.MustParseAddr("10.1.0.4"), Name: "stdata.blob.core.windows.net"},
		Verdict: dns.VerdictTimeout,
		Servers: []dns.Server{
			{Address: netip.MustParseAddr("10.0.1.4"), Kind: dns.KindFirewallProxy, Name: "fw-hub", Via: "VNet spoke1 dhcpOptions.dnsServers",
				Detail: "DNS proxy on"},
			{Address: model.AzurePlatformIP, Kind: dns.KindAzureDNS, Name: "Azure DNS", VNet: "hub", Via: "firewall fw-hub DNS proxy default"},
		},
		Answer: dns.Result{Status: dns.Resolved, Addresses: []netip.Addr{netip.MustParseAddr("10.0.4.5")},
			CNAMEs: []string{"stdata.privatelink.blob.core.windows.net"}, AnsweredBy: "168.63.129.16",
			Source: "private DNS zone privatelink.blob.core.windows.net (linked to hub by link-hub), record stdata (A)"},
		Legs: []dns.Leg{
			{From: "vm-a (10.1.0.4)", To: "10.0.1.4", Protocol: "Udp", Port: 53, Verdict: trace.Reachable, Detail: "the firewall's DNS proxy answers"},
			{From: "fw-hub instance addresses (10.0.1.5–10.0.1.62)", To: "10.0.2.4", Protocol: "Udp", Port: 53, Verdict: trace.Unreachable,
				DropCause: trace.NsgDenied, Deciding: &trace.Deciding{Step: trace.StepNsgInbound, ResourceID: "/nsgs/nsg-dns", Rule: "securityRules/deny-dns"},
				Detail: "subnet NSG nsg-dns denies it"},
			{From: "ruleset rs (resolver outbound endpoint)", To: "192.168.1.10", Protocol: "Udp", Port: 53, Verdict: dns.NotTraced, Detail: "not traced"},
		},
		Assumptions: []string{"public DNS answers with a CNAME"},
	}
}

func TestResolveText(t *testing.T) {
	var b strings.Builder
	if err := Resolve(&b, sampleResolve()); err != nil {
		t.Fatal(err)
	}
	want := `Timeout: vm-a asks for stdata.blob.core.windows.net → 10.0.4.5
  CNAME stdata.privatelink.blob.core.windows.net
  answered by 168.63.129.16: private DNS zone privatelink.blob.core.windows.net (linked to hub by link-hub), record stdata (A)

servers:
  1. 10.0.1.4 FirewallDnsProxy fw-hub (VNet spoke1 dhcpOptions.dnsServers)
     DNS proxy on
  2. 168.63.129.16 AzureDNS Azure DNS for VNet hub (firewall fw-hub DNS proxy default)

network legs (Udp/53, traced both ways):
   vm-a (10.1.0.4) → 10.0.1.4: Reachable
>> fw-hub instance addresses (10.0.1.5–10.0.1.62) → 10.0.2.4: Unreachable (NsgDenied) by NsgInbound securityRules/deny-dns in nsg-dns
     subnet NSG nsg-dns denies it
   ruleset rs (resolver outbound endpoint) → 192.168.1.10: NotTraced
     not traced

assumptions:
  - public DNS answers with a CNAME
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
}

func TestResolveTextStatuses(t *testing.T) {
	tests := []struct {
		r    dns.Result
		want string
	}{
		{dns.Result{Status: dns.NXDOMAIN}, "→ NXDOMAIN\n"},
		{dns.Result{Status: dns.Public}, "→ public DNS (not modelled)\n"},
		{dns.Result{Status: dns.Unknown}, "→ Unknown\n"},
	}
	for _, tt := range tests {
		a := &dns.Answer{Query: dns.Query{From: "vm", Name: "x"}, Verdict: dns.Verdict(tt.r.Status), Answer: tt.r}
		var b strings.Builder
		if err := Resolve(&b, a); err != nil {
			t.Fatal(err)
		}
		if first, _, _ := strings.Cut(b.String(), "\n"); !strings.HasSuffix(first+"\n", tt.want) {
			t.Errorf("first line = %q, want suffix %q", first, tt.want)
		}
	}
}

// TestResolveJSON pins the JSON field names of the answer.
func TestResolveJSON(t *testing.T) {
	var b strings.Builder
	if err := JSON(&b, sampleResolve()); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(b.String()), &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range []string{"query", "verdict", "servers", "answer", "legs", "assumptions"} {
		if _, ok := m[k]; ok {
			keys = append(keys, k)
		}
	}
	if len(keys) != 6 {
		t.Errorf("top-level keys %v, want query verdict servers answer legs assumptions", keys)
	}
	leg := m["legs"].([]any)[1].(map[string]any)
	if leg["from"] != "fw-hub instance addresses (10.0.1.5–10.0.1.62)" || leg["verdict"] != "Unreachable" ||
		leg["deciding"].(map[string]any)["rule"] != "securityRules/deny-dns" {
		t.Errorf("leg JSON = %v", leg)
	}
	if got := m["answer"].(map[string]any)["addresses"].([]any)[0]; got != "10.0.4.5" {
		t.Errorf("answer.addresses[0] = %v", got)
	}
}
