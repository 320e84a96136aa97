package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/check"
)

var sampleFindings = []check.Finding{
	{Code: "PeeringNotConnected", Severity: check.Error, Title: "Peering a ↔ b is not connected",
		Message: "Half built.", Resources: []string{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/a"},
		Evidence: map[string]any{"state": "Initiated", "subnets": []string{"a/x", "a/y"}}, Fix: "Create the link back."},
	{Code: "PrivateEndpointCost", Severity: check.Info, Title: "2 private endpoints", Message: "Costs.",
		Resources: []string{}, Evidence: map[string]any{"count": 2, "monthlyUsd": 14.6}},
}

func TestCheckText(t *testing.T) {
	var b bytes.Buffer
	if err := Check(&b, sampleFindings); err != nil {
		t.Fatal(err)
	}
	want := `ERRORS (1)
  PeeringNotConnected (1)
    - Peering a ↔ b is not connected
      Half built.
    fix: Create the link back.

INFO (1)
  PrivateEndpointCost (1)
    - 2 private endpoints [count=2 monthlyUsd=14.60]
      Costs.

2 findings: 1 error, 0 warnings, 1 info (details: -o json)
`
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("text (-want +got):\n%s", d)
	}
	b.Reset()
	if err := Check(&b, nil); err != nil || b.String() != "No findings.\n" {
		t.Errorf("empty = %q, %v", b.String(), err)
	}
}

// TestCheckTextAggregates: findings of one code share a header and their identical fix; contract
// evidence the title already names is not repeated; a dozen findings fit one screen.
func TestCheckTextAggregates(t *testing.T) {
	var fs []check.Finding
	for _, srv := range []string{"10.0.3.4", "10.0.3.5"} {
		fs = append(fs, check.Finding{Code: "DnsProxyUpstreamBlocked", Severity: check.Error,
			Title: "Firewall fw DNS proxy → " + srv + " is blocked", Message: "long message",
			Evidence: map[string]any{"dnsServer": srv, "rule": "securityRules/deny-dns"}, Fix: "Allow the subnet."})
	}
	for i := 0; i < 10; i++ {
		fs = append(fs, check.Finding{Code: "DefaultOutboundReliance", Severity: check.Warning,
			Title: fmt.Sprintf("vnet/snet-%d relies on default outbound access", i), Message: "long message", Fix: "Add a NAT gateway."})
	}
	var b bytes.Buffer
	if err := Check(&b, fs); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	wantPrefix := `ERRORS (2)
  DnsProxyUpstreamBlocked (2)
    - Firewall fw DNS proxy → 10.0.3.4 is blocked [rule=securityRules/deny-dns]
    - Firewall fw DNS proxy → 10.0.3.5 is blocked [rule=securityRules/deny-dns]
    impact: long message
    fix: Allow the subnet.
`
	if !strings.HasPrefix(got, wantPrefix) {
		t.Errorf("text starts:\n%s\nwant:\n%s", got, wantPrefix)
	}
	if n := strings.Count(got, "\n"); n > 24 {
		t.Errorf("12 findings take %d lines, want at most 24:\n%s", n, got)
	}
	if c := strings.Count(got, "fix: Add a NAT gateway."); c != 1 {
		t.Errorf("shared fix printed %d times, want 1", c)
	}
}

func TestCheckJSON(t *testing.T) {
	var b bytes.Buffer
	if err := CheckJSON(&b, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(b.String()), "{\n  \"findings\": []\n}"; got != want {
		t.Errorf("empty JSON = %s, want %s", got, want)
	}
	b.Reset()
	if err := CheckJSON(&b, sampleFindings[:1]); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Findings []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range back.Findings[0] {
		keys = append(keys, k)
	}
	want := []string{"code", "evidence", "fix", "message", "resources", "severity", "title"}
	if d := cmp.Diff(want, sorted(keys)); d != "" {
		t.Errorf("finding keys (-want +got):\n%s", d)
	}
	if back.Findings[0]["severity"] != "Error" {
		t.Errorf("severity = %v, want Error", back.Findings[0]["severity"])
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestSARIF(t *testing.T) {
	checks := []check.Check{{Name: "peering-not-connected", Code: "PeeringNotConnected", Doc: "Half-built peerings."}}
	fs := append(sampleFindings, check.Finding{Code: "CheckFailed", Severity: check.Warning, Title: "boom"})
	var b bytes.Buffer
	if err := SARIF(&b, fs, checks, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	type row struct {
		Rule  string
		Index int
		Level string
		Locs  int
	}
	var got []row
	for _, r := range run.Results {
		got = append(got, row{r.RuleID, r.RuleIndex, r.Level, len(r.Locations)})
	}
	want := []row{{"PeeringNotConnected", 0, "error", 1}, {"PrivateEndpointCost", 1, "note", 0}, {"CheckFailed", 2, "warning", 0}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if log.Version != "2.1.0" || run.Tool.Driver.Version != "1.2.3" || len(run.Tool.Driver.Rules) != 3 {
		t.Errorf("log version %q, driver %q, %d rules", log.Version, run.Tool.Driver.Version, len(run.Tool.Driver.Rules))
	}
	if r := run.Tool.Driver.Rules[0]; r.ID != "PeeringNotConnected" || r.ShortDescription.Text != "Half-built peerings." {
		t.Errorf("rule 0 = %+v", r)
	}
	loc := run.Results[0].Locations[0].LogicalLocations[0]
	if loc.Name != "a" || !strings.HasSuffix(loc.FullyQualifiedName, "/virtualNetworks/a") || loc.Kind != "resource" {
		t.Errorf("logical location = %+v", loc)
	}
	if fp := run.Results[0].PartialFingerprints["vnetdoctor/v1"]; len(fp) != 32 {
		t.Errorf("fingerprint = %q, want 32 hex digits", fp)
	}
}

// TestCheckTextRollsUpMasses: more than RollupAt findings of one code become one line per
// resource with a count, unless the code is expanded (--code); no line is wider than Width.
func TestCheckTextRollsUpMasses(t *testing.T) {
	var fs []check.Finding
	for i := 0; i < 30; i++ {
		nsg := fmt.Sprintf("/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkSecurityGroups/nsg-%d", i%2)
		fs = append(fs, check.Finding{Code: "ShadowedRule", Severity: check.Warning, Resources: []string{nsg},
			Title: fmt.Sprintf("rule r%d is shadowed", i), Message: strings.Repeat("never matches ", 20), Fix: "Delete it."})
	}
	var b bytes.Buffer
	if err := Check(&b, fs); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{"ShadowedRule (30, rolled up)\n", "    - nsg-0: 15 findings, e.g. rule r0 is shadowed\n",
		"    - nsg-1: 15 findings, e.g. rule r1 is shadowed\n", "list each: vnetdoctor check --code ShadowedRule\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("rolled-up text lacks %q:\n%s", want, got)
		}
	}
	b.Reset()
	if err := CheckStyled(&b, fs, CheckOptions{Expand: []check.Code{"ShadowedRule"}}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "    - rule r"); n != 30 {
		t.Errorf("expanded text lists %d findings, want 30:\n%s", n, b.String())
	}
	for _, l := range strings.Split(b.String(), "\n") {
		if len([]rune(l)) > Width {
			t.Errorf("line of %d columns: %q", len([]rune(l)), l)
		}
	}
}
