package render

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

func sampleAnswer() *trace.Answer {
	deny := trace.Step{Step: trace.StepNsgInbound, Result: trace.Denied, ResourceID: "/nsgs/nsg-db", Rule: "securityRules/deny-sql",
		Detail: "subnet NSG nsg-db denies Inbound 10.1.1.4 → 10.2.1.4 Tcp/1433 by securityRules/deny-sql"}
	return &trace.Answer{
		Query:   trace.Query{From: "vm-app", To: "vm-db", Protocol: model.ProtoTCP, SourcePort: 49152, DestinationPort: 1433},
		Verdict: trace.Unreachable,
		Forward: &trace.Leg{Disposition: trace.Dropped, DropCause: trace.NsgDenied,
			Deciding: &trace.Deciding{Step: deny.Step, ResourceID: deny.ResourceID, Rule: deny.Rule},
			Hops: []*trace.Hop{
				{Kind: trace.HopNIC, Name: "vm-app-nic", VM: "vm-app", Address: "10.1.1.4", Steps: []trace.Step{
					{Step: trace.StepRoute, Result: trace.Matched, Rule: "to-hub"}}},
				{Kind: trace.HopFirewall, Name: "afw", Address: "10.0.0.4", Steps: []trace.Step{
					{Step: trace.StepFirewallNet, Result: trace.Matched, Rule: "rcg/net/app-to-db"},
					{Step: trace.StepSnat, Result: trace.Translated, Detail: "source 10.1.1.4 → 10.0.0.5"}}},
				{Kind: trace.HopNIC, Name: "vm-db-nic", VM: "vm-db", Address: "10.2.1.4", Steps: []trace.Step{deny}},
			}},
		Findings:    []trace.Finding{{Code: "PeeringNotConnected", Severity: "Error", Message: "peering p is Initiated"}},
		Assumptions: []string{"appliance x is assumed stateful"},
	}
}

func TestTraceText(t *testing.T) {
	var b strings.Builder
	if err := Trace(&b, sampleAnswer()); err != nil {
		t.Fatal(err)
	}
	want := `Unreachable: vm-app → vm-db Tcp/1433 — forward NsgDenied at vm-db-nic by NSG nsg-db inbound securityRules/deny-sql

forward: Dropped (NsgDenied)
  vm-app-nic (NIC, VM vm-app) 10.1.1.4
      matched     route to-hub
  afw (firewall) 10.0.0.4
      matched     firewall network rule rcg/net/app-to-db
      translated  SNAT: source 10.1.1.4 → 10.0.0.5
  vm-db-nic (NIC, VM vm-db) 10.2.1.4
  >>  denied      subnet NSG nsg-db denies Inbound 10.1.1.4 → 10.2.1.4 Tcp/1433 by securityRules/deny-sql

return: not traced (the forward flow did not get there)

findings:
  Error PeeringNotConnected: peering p is Initiated

assumptions:
  - appliance x is assumed stateful
`
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("Trace text (-want +got):\n%s", d)
	}
	if first := strings.SplitN(b.String(), "\n", 2)[0]; !strings.HasPrefix(first, "Unreachable:") {
		t.Errorf("first line %q does not start with the verdict", first)
	}
}

// TestTraceTextICMPHasNoPorts: ICMP, ESP and AH have no ports, so the text prints none
// (the JSON keeps the fields, cli.md; they are meaningless there).
func TestTraceTextICMPHasNoPorts(t *testing.T) {
	for _, c := range []struct {
		proto     model.Protocol
		head, arr string
	}{
		{model.ProtoICMP, "vm-app → vm-db Icmp —", "arrives as 10.1.1.4 → 10.2.1.4 Icmp\n"},
		{model.ProtoESP, "vm-app → vm-db Esp —", "arrives as 10.1.1.4 → 10.2.1.4 Esp\n"},
		{model.ProtoUDP, "vm-app → vm-db Udp/443 —", "arrives as 10.1.1.4:49152 → 10.2.1.4:443 Udp\n"},
	} {
		a := sampleAnswer()
		a.Query.Protocol, a.Query.DestinationPort = c.proto, 443
		a.Forward.Disposition, a.Forward.DropCause = trace.Delivered, ""
		a.Forward.FlowAtDestination = &trace.Flow{Source: "10.1.1.4", Destination: "10.2.1.4", SourcePort: 49152,
			DestinationPort: 443, Protocol: c.proto.String()}
		var b strings.Builder
		if err := Trace(&b, a); err != nil {
			t.Fatal(err)
		}
		got := b.String()
		for _, want := range []string{c.head, c.arr} {
			if !strings.Contains(got, want) {
				t.Errorf("%s: text lacks %q:\n%s", c.proto, want, got)
			}
		}
	}
}

// TestTraceTextReadable: no line is wider than Width, the top line names one cause, and colour
// appears only when asked for.
func TestTraceTextReadable(t *testing.T) {
	a := sampleAnswer()
	a.Forward.Hops[2].Steps[0].Detail = strings.Repeat("a long explanation of what the NSG did ", 8)
	var plain, color strings.Builder
	if err := Trace(&plain, a); err != nil {
		t.Fatal(err)
	}
	if err := TraceStyled(&color, a, Style{Color: true}); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(plain.String(), "\n") {
		if n := len([]rune(l)); n > Width {
			t.Errorf("line of %d columns: %q", n, l)
		}
	}
	if strings.Contains(plain.String(), "\x1b[") || !strings.Contains(color.String(), "\x1b[") {
		t.Errorf("colour in plain text or none in colour text")
	}
	// A dropped reply whose trace also finds AsymmetricReturn: the top line names the drop only.
	a = sampleAnswer()
	a.Forward.Disposition, a.Forward.DropCause = trace.Delivered, ""
	a.Return = &trace.Leg{Disposition: trace.Dropped, DropCause: trace.NextHopNone}
	a.Findings = []trace.Finding{{Code: trace.CodeAsymmetricReturn, Severity: "Error", Message: "m"}}
	var b strings.Builder
	if err := Trace(&b, a); err != nil {
		t.Fatal(err)
	}
	if top := strings.SplitN(b.String(), "\n", 2)[0]; !strings.Contains(top, "NextHopNone") || strings.Contains(top, "Asymmetric") {
		t.Errorf("top line = %q, want the reply's drop and nothing else", top)
	}
}
