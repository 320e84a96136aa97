package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const intentsFile = "testdata/verify/hub-spoke-intents.yaml"

// TestVerifyJSONAndExit: the cli.md "verify" shape; exit 0 without --fail-on-violation and 3
// with it when an intent does not hold.
func TestVerifyJSONAndExit(t *testing.T) {
	code, out, stderr := vnetdoctor(t, "", "verify", "-s", example, "--intents", intentsFile, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Intents []struct {
			Name           string
			Holds          *bool
			Counterexample map[string]any
		}
		Holds, Violated *int
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Intents) != 5 || doc.Holds == nil || *doc.Holds != 2 || doc.Violated == nil || *doc.Violated != 2 {
		t.Fatalf("%s", out)
	}
	for _, in := range doc.Intents {
		if in.Holds == nil || *in.Holds != (in.Counterexample == nil) {
			t.Errorf("%s: holds %v, counterexample %v", in.Name, in.Holds, in.Counterexample)
		}
		if x := in.Counterexample; x != nil && (x["from"] == nil || x["to"] == nil || x["protocol"] == nil || x["verdict"] == nil) {
			t.Errorf("%s: counterexample %v lacks a trace query field or the verdict", in.Name, x)
		}
	}
	if code, out, _ := vnetdoctor(t, "", "verify", "-s", example, "--intents", intentsFile, "--fail-on-violation"); code != 3 ||
		!strings.Contains(out, "FAIL hub-dns-reachable-from-app") || !strings.Contains(out, "2 of 5 intents hold") {
		t.Errorf("--fail-on-violation: exit %d, %s", code, out)
	}
	ok := filepath.Join(t.TempDir(), "ok.json")
	os.WriteFile(ok, []byte(`[{"name": "fw", "from": "vnet-spoke-app/snet-app", "to": "vnet-spoke-data/snet-data", "protocol": "tcp", "expect": "through:afw-hub"}]`), 0o644)
	if code, out, stderr := vnetdoctor(t, "", "verify", "-s", example, "--intents", ok, "--fail-on-violation"); code != 0 {
		t.Errorf("holding intent: exit %d, %s %s", code, out, stderr)
	}
}

// TestVerifyBadInput: a bad intents file or endpoint is exit 2 with one line naming it.
func TestVerifyBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("- from: vm-app1\n  to: vm-dns1\n  expect: maybe\n"), 0o644)
	unknown := filepath.Join(dir, "unknown.yaml")
	os.WriteFile(unknown, []byte("- from: vm-app1\n  to: no-such-vm\n  expect: reachable\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"verify", "-s", example}, "--intents FILE is required"},
		{[]string{"verify", "-s", example, "--intents", filepath.Join(dir, "none.yaml")}, "none.yaml: no such file"},
		{[]string{"verify", "-s", example, "--intents", bad}, "bad.yaml:1: intents[0]: expect"},
		{[]string{"verify", "-s", example, "--intents", unknown}, `intent "intent-1" (line 1)`},
	} {
		code, _, stderr := vnetdoctor(t, "", c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}
