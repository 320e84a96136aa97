package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	compareCorpus = filepath.Join("..", "..", "internal", "compare", "testdata", "corpus-nic1")
	compareMerger = filepath.Join("..", "..", "internal", "compare", "testdata", "hub-spoke")
)

func compareRun(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(append([]string{"compare"}, args...), bytes.NewReader(nil), &out, &errb)
	return code, out.String(), errb.String()
}

// The JSON answer has the cli.md shape, and live/ files are not reported as ignored snapshot
// files.
func TestCompareLiveJSON(t *testing.T) {
	code, out, stderr := compareRun("-s", compareCorpus, "-o", "json")
	if code != 0 || strings.Contains(stderr, "Ignored") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var got struct {
		NICs []struct {
			NIC    string                     `json:"nic"`
			Routes map[string]json.RawMessage `json:"routes"`
			Rules  map[string]json.RawMessage `json:"rules"`
		} `json:"nics"`
		Summary  map[string]json.RawMessage `json:"summary"`
		Warnings []any                      `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.NICs) != 1 || got.NICs[0].NIC != "nic1" || len(got.Warnings) != 0 {
		t.Fatalf("answer = %s", out)
	}
	for _, side := range []map[string]json.RawMessage{got.NICs[0].Routes, got.NICs[0].Rules} {
		if string(side["match"]) != "false" || side["missing"] == nil || side["extra"] == nil {
			t.Errorf("side = %v", side)
		}
	}
	for k, want := range map[string]string{"nics": "1", "routesMatched": "0", "rulesMatched": "0"} {
		if string(got.Summary[k]) != want {
			t.Errorf("summary.%s = %s, want %s", k, got.Summary[k], want)
		}
	}
}

func TestCompareExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"value": [{"source": "Default", "state": "Active", "addressPrefix": "10.0.0.0/33", "nextHopType": "None"}]}`), 0o644)
	hub := filepath.Join("..", "..", "examples", "hub-spoke")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"differs, fail-on-diff", []string{"-s", compareCorpus, "--fail-on-diff"}, 3, ""},
		{"agrees, fail-on-diff", []string{"-s", hub, "--nic", "vm-merger1", "--actual", filepath.Join(compareMerger, "vm-merger1-nsg.az.json"), "--fail-on-diff"}, 0, ""},
		{"bad answer", []string{"-s", hub, "--nic", "vm-merger1", "--actual", bad}, 2, bad + ": $.value[0].addressPrefix[0]: not an address prefix"},
		{"actual without nic", []string{"-s", hub, "--actual", bad}, 2, "--actual needs --nic"},
		{"no answers", []string{"-s", hub}, 2, "no Azure answers"},
		{"unknown nic", []string{"-s", hub, "--nic", "vm-nope", "--actual", filepath.Join(compareMerger, "vm-merger1-nsg.az.json")}, 2, "vm-nope"},
	} {
		code, _, stderr := compareRun(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%s: exit %d, stderr %q; want %d with %q", tc.name, code, stderr, tc.code, tc.stderr)
		}
	}
}

// The text answer shows each differing row with its reason.
func TestCompareText(t *testing.T) {
	code, out, _ := compareRun("-s", compareCorpus)
	for _, want := range []string{
		"routes: differ: 6 rows in both (Azure lists 6, vnetdoctor 8)",
		"+  Default  Active  127.0.0.0/8    None",
		"rules: differ: 2 rows in both (Azure lists 3, vnetdoctor 8)",
		"differs in expandedDestinationAddressPrefix",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d; text lacks %q:\n%s", code, want, out)
		}
	}
}

// An --actual file inside the snapshot directory is not reported as an ignored snapshot file.
func TestCompareActualInsideSnapshot(t *testing.T) {
	actual := filepath.Join(compareCorpus, "live", "effective-routes", "nic1.json")
	code, out, stderr := compareRun("-s", compareCorpus, "--nic", "nic1", "--actual", actual)
	if code != 0 || stderr != "" || !strings.Contains(out, "routes: differ: 6 rows in both") {
		t.Errorf("exit %d, stderr %q, out:\n%s", code, stderr, out)
	}
}

// A live/ answer for a NIC the snapshot lacks is a NotCompared warning (stderr and JSON); with
// --fail-on-diff it counts as a difference.
func TestCompareUnknownLiveNIC(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"nic1.json", "rg1-vnet.json", "test-nsg.json"} {
		b, err := os.ReadFile(filepath.Join(compareCorpus, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	os.MkdirAll(filepath.Join(dir, "live", "effective-routes"), 0o755)
	routes, _ := os.ReadFile(filepath.Join(compareCorpus, "live", "effective-routes", "nic1.json"))
	os.WriteFile(filepath.Join(dir, "live", "effective-routes", "ghost.json"), routes, 0o644)
	code, out, stderr := compareRun("-s", dir, "-o", "json")
	if code != 0 || !strings.Contains(stderr, "[NotCompared]") || !strings.Contains(stderr, "ghost.json") ||
		!strings.Contains(out, `"code": "NotCompared"`) || !strings.Contains(out, `"nics": []`) {
		t.Errorf("exit %d, stderr %q, out %s", code, stderr, out)
	}
	if code, _, _ := compareRun("-s", dir, "--fail-on-diff"); code != 3 {
		t.Errorf("--fail-on-diff: exit %d, want 3", code)
	}
}
