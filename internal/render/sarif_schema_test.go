package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/check"
	"github.com/vnetdoctor/vnetdoctor/internal/jsonschema"
)

// ValidateSARIF checks a SARIF log against the vendored SARIF 2.1.0 schema and what GitHub code
// scanning requires of an upload: every result has a rule, a message, partialFingerprints and a
// first location with a physical file URI and a start line.
func validateSARIF(t *testing.T, schemaPath string, log []byte) {
	t.Helper()
	errs, err := jsonschema.ValidateFile(schemaPath, log)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("SARIF schema: %s", e)
	}
	var doc sarifLog
	if err := json.Unmarshal(log, &doc); err != nil {
		t.Fatal(err)
	}
	for _, run := range doc.Runs {
		for i, r := range run.Results {
			switch {
			case r.RuleID == "" || r.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID:
				t.Errorf("result %d: rule %q does not match rules[%d]", i, r.RuleID, r.RuleIndex)
			case r.Message.Text == "" || len(r.PartialFingerprints) == 0:
				t.Errorf("result %d: no message or partialFingerprints", i)
			case len(r.Locations) == 0 || r.Locations[0].PhysicalLocation == nil:
				t.Errorf("result %d (%s): no physical location", i, r.RuleID)
			case r.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" || r.Locations[0].PhysicalLocation.Region == nil ||
				r.Locations[0].PhysicalLocation.Region.StartLine < 1:
				t.Errorf("result %d: physical location %+v lacks a URI or start line", i, r.Locations[0].PhysicalLocation)
			case strings.Contains(r.Locations[0].PhysicalLocation.ArtifactLocation.URI, `\`):
				t.Errorf("result %d: URI %q has backslashes", i, r.Locations[0].PhysicalLocation.ArtifactLocation.URI)
			}
		}
	}
}

// TestSARIFValidates: the log with physical locations is valid SARIF 2.1.0 that GitHub code
// scanning accepts; a finding whose resources are not located falls back to the first file.
func TestSARIFValidates(t *testing.T) {
	checks := []check.Check{{Name: "peering-not-connected", Code: "PeeringNotConnected", Doc: "Half-built peerings."}}
	fs := append(append([]check.Finding{}, sampleFindings...), check.Finding{Code: "CheckFailed", Severity: check.Warning, Title: "boom"})
	locate := func(id string) (Location, bool) {
		if strings.HasSuffix(id, "/virtualNetworks/a") {
			return Location{URI: "snap/network.json", Line: 12}, true
		}
		return Location{}, false
	}
	var b bytes.Buffer
	err := SARIFWith(&b, fs, checks, "1.2.3", SARIFOptions{Locate: locate, Fallback: Location{URI: "snap/network.json", Line: 1},
		Warnings: []Warning{{Code: "DanglingReference", Message: "x references network security group y, which is not in the snapshot"}}})
	if err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, "testdata/sarif-schema-2.1.0.json", b.Bytes())
	var doc sarifLog
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if p := doc.Runs[0].Results[0].Locations[0].PhysicalLocation; p.ArtifactLocation.URI != "snap/network.json" || p.Region.StartLine != 12 {
		t.Errorf("first result's location = %+v, want snap/network.json line 12", p)
	}
	if n := doc.Runs[0].Invocations; len(n) != 1 || n[0].ToolExecutionNotifications[0].Descriptor.ID != "DanglingReference" {
		t.Errorf("invocations = %+v, want the warning as a notification", n)
	}
	if fp := doc.Runs[0].Results[0].PartialFingerprints["vnetdoctor/fingerprint"]; fp != check.Fingerprint(fs[0]) {
		t.Errorf("partialFingerprints = %v, want the finding's fingerprint", doc.Runs[0].Results[0].PartialFingerprints)
	}
}
