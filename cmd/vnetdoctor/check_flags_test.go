package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type checkDoc struct {
	Findings []struct {
		Code, Severity, Fingerprint, Fix string
		Evidence                         map[string]any
	}
}

func checkJSON(t *testing.T, args ...string) (int, checkDoc) {
	t.Helper()
	code, out, stderr := vnetdoctor(t, "", append([]string{"check", "-s", example, "-o", "json"}, args...)...)
	var doc checkDoc
	if code == 0 || code == 3 {
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
	}
	return code, doc
}

// TestCheckFingerprints: every finding has a fingerprint, distinct within a run and the same on
// the next run (cli.md "check").
func TestCheckFingerprints(t *testing.T) {
	_, a := checkJSON(t)
	_, b := checkJSON(t)
	seen := map[string]bool{}
	for i, f := range a.Findings {
		if len(f.Fingerprint) != 32 || seen[f.Fingerprint] {
			t.Errorf("finding %d (%s): fingerprint %q empty or repeated", i, f.Code, f.Fingerprint)
		}
		seen[f.Fingerprint] = true
		if f.Fingerprint != b.Findings[i].Fingerprint {
			t.Errorf("finding %d (%s): fingerprint changed between runs", i, f.Code)
		}
	}
}

// TestCheckFilters: --severity, --code, --exclude and --baseline choose what is shown and what
// --fail-on counts.
func TestCheckFilters(t *testing.T) {
	_, all := checkJSON(t)
	count := func(d checkDoc, pred func(code, sev string) bool) int {
		n := 0
		for _, f := range d.Findings {
			if pred(f.Code, f.Severity) {
				n++
			}
		}
		return n
	}
	_, errs := checkJSON(t, "--severity", "error")
	if want := count(all, func(_, s string) bool { return s == "Error" }); len(errs.Findings) != want || want == 0 {
		t.Errorf("--severity error: %d findings, want %d", len(errs.Findings), want)
	}
	_, warn := checkJSON(t, "--severity", "warning")
	if want := count(all, func(_, s string) bool { return s != "Info" }); len(warn.Findings) != want {
		t.Errorf("--severity warning: %d findings, want %d", len(warn.Findings), want)
	}
	_, one := checkJSON(t, "--code", "PeeringNotConnected", "--code", "AddressSpaceOverlap")
	if want := count(all, func(c, _ string) bool { return c == "PeeringNotConnected" || c == "AddressSpaceOverlap" }); len(one.Findings) != want || want == 0 {
		t.Errorf("--code: %d findings, want %d", len(one.Findings), want)
	}
	_, ex := checkJSON(t, "--exclude", "PeeringNotConnected")
	if want := count(all, func(c, _ string) bool { return c != "PeeringNotConnected" }); len(ex.Findings) != want {
		t.Errorf("--exclude: %d findings, want %d", len(ex.Findings), want)
	}
	for _, bad := range [][]string{{"--severity", "fatal"}, {"--code", "Nope"}, {"--exclude", "Nope"}, {"--baseline", "/nonexistent.json"}} {
		if code, _, _ := vnetdoctor(t, "", append([]string{"check", "-s", example}, bad...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}

	// A baseline of the whole run leaves nothing, so --fail-on passes; one finding dropped from
	// the baseline comes back.
	_, out, _ := vnetdoctor(t, "", "check", "-s", example, "-o", "json")
	dir := t.TempDir()
	base := filepath.Join(dir, "base.json")
	if err := os.WriteFile(base, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	code, none := checkJSON(t, "--baseline", base, "--fail-on", "warning")
	if code != 0 || len(none.Findings) != 0 {
		t.Errorf("--baseline of the same run: exit %d, %d findings; want 0 and none", code, len(none.Findings))
	}
	var raw map[string][]map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	dropped := raw["findings"][0]
	raw["findings"] = raw["findings"][1:]
	for _, f := range raw["findings"] {
		delete(f, "fingerprint") // a baseline from before fingerprints: computed from the finding
	}
	b, _ := json.Marshal(raw)
	if err := os.WriteFile(base, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, back := checkJSON(t, "--baseline", base, "--fail-on", "error")
	if len(back.Findings) != 1 || back.Findings[0].Fingerprint != dropped["fingerprint"] || (code == 3) != (back.Findings[0].Severity == "Error") {
		t.Errorf("baseline without one finding: exit %d, %+v; want only %v", code, back.Findings, dropped["code"])
	}
	if code, _, _ := vnetdoctor(t, "", "check", "-s", example, "--code", "PeeringNotConnected"); code != 0 {
		t.Errorf("text with --code: exit %d", code)
	}
}

// TestCheckSARIFValidates: check -o sarif on the example is valid SARIF 2.1.0 with a file and
// line for every result, as GitHub code scanning requires.
func TestCheckSARIFValidates(t *testing.T) {
	code, out, stderr := vnetdoctor(t, "", "check", "-s", example, "-o", "sarif")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	validateSARIFFile(t, []byte(out))
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	for i, r := range log.Runs[0].Results {
		p := r.Locations[0].PhysicalLocation
		data, err := os.ReadFile(filepath.FromSlash(p.ArtifactLocation.URI))
		if err != nil || !strings.HasPrefix(p.ArtifactLocation.URI, "../../examples/hub-spoke/") {
			t.Errorf("result %d: uri %q is not a snapshot file relative to the working directory: %v", i, p.ArtifactLocation.URI, err)
			continue
		}
		lines := strings.Split(string(data), "\n")
		if p.Region.StartLine < 1 || p.Region.StartLine > len(lines) || !strings.Contains(lines[p.Region.StartLine-1], "{") {
			t.Errorf("result %d: line %d of %s does not open an object", i, p.Region.StartLine, p.ArtifactLocation.URI)
		}
	}
}

// TestPeeringDisconnectedFix: a Disconnected link is deleted and re-created (or synced); creating
// the other side alone never connects it.
func TestPeeringDisconnectedFix(t *testing.T) {
	_, doc := checkJSON(t, "--code", "PeeringNotConnected")
	found := false
	for _, f := range doc.Findings {
		if f.Evidence["state"] == "Disconnected" || f.Evidence["remoteState"] == "Disconnected" {
			found = true
			if !strings.Contains(f.Fix, "Delete") || !strings.Contains(f.Fix, "re-create") || !strings.Contains(f.Fix, "Disconnected") {
				t.Errorf("fix for a Disconnected link = %q", f.Fix)
			}
		}
	}
	if !found {
		t.Fatal("the example has no Disconnected peering")
	}
}
