package render

import (
	"bytes"
	"encoding/json"
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
  [PeeringNotConnected] Peering a ↔ b is not connected
      Half built.
      on: a
      evidence: state=Initiated subnets=[a/x, a/y]
      fix: Create the link back.

INFO (1)
  [PrivateEndpointCost] 2 private endpoints
      Costs.
      evidence: count=2 monthlyUsd=14.60

2 findings: 1 errors, 0 warnings, 1 info
`
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("text (-want +got):\n%s", d)
	}
	b.Reset()
	if err := Check(&b, nil); err != nil || b.String() != "No findings.\n" {
		t.Errorf("empty = %q, %v", b.String(), err)
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
