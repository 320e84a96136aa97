//go:build cgo

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeFlowsAnswersAsTheCLI: with --db, /api/flows/explain returns the bytes of `vnetdoctor
// flows explain -o json` and /api/flows/report those of `vnetdoctor flows report -s SNAP -o json`
// for the same flags, on the example logs; without --db the flows endpoints are 404, and a --db
// that is not there is a usage error.
func TestServeFlowsAnswersAsTheCLI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "flows.duckdb")
	if code, _, stderr := vnetdoctor(t, "", "flows", "ingest", "-s", example, "--db", db, "../../examples/flowlogs"); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	base := startServe(t, "--db", db)
	for _, c := range []struct {
		cli []string
		api string
	}{
		{[]string{"flows", "explain"}, "/api/flows/explain"},
		{[]string{"flows", "explain", "--denied"}, "/api/flows/explain?denied=true"},
		{[]string{"flows", "explain", "--disagree"}, "/api/flows/explain?disagree=true"},
		{[]string{"flows", "explain", "--dst", "10.0.3.4", "--dport", "53", "--limit", "2"}, "/api/flows/explain?dst=10.0.3.4&dport=53&limit=2"},
		{[]string{"flows", "explain", "--src", "10.1.2.4"}, "/api/flows/explain?src=10.1.2.4"},
		{[]string{"flows", "report"}, "/api/flows/report"},
		{[]string{"flows", "report", "--view", "denied"}, "/api/flows/report?view=denied"},
		{[]string{"flows", "report", "--view", "flowtypes"}, "/api/flows/report?view=flowtypes"},
		{[]string{"flows", "report", "--view", "conversations", "--limit", "3"}, "/api/flows/report?view=conversations&limit=3"},
		{[]string{"flows", "report", "--view", "asymmetric"}, "/api/flows/report?view=asymmetric"},
		{[]string{"flows", "report", "--view", "firewall"}, "/api/flows/report?view=firewall"},
		{[]string{"flows", "report", "--view", "top", "--since", "2030-01-01"}, "/api/flows/report?view=top&since=2030-01-01"},
	} {
		t.Run(strings.Join(c.cli, " "), func(t *testing.T) {
			args := append([]string{c.cli[0], c.cli[1], "-s", example, "--db", db, "-o", "json"}, c.cli[2:]...)
			code, want, stderr := vnetdoctor(t, "", args...)
			if code != 0 {
				t.Fatalf("CLI exit %d: %s", code, stderr)
			}
			status, got := get(t, base+c.api)
			if status != 200 || string(got) != want {
				t.Errorf("GET %s = %d\n%.400s\nwant\n%.400s", c.api, status, got, want)
			}
		})
	}
	if want := `"flows": [`; !strings.Contains(string(must(get(t, base+"/api/flows/explain?denied=true"))), want) {
		t.Errorf("denied flows: no %s", want)
	}
	for path, code := range map[string]int{
		"/api/flows/report?view=nope":                         400,
		"/api/flows/report?view=top&since=yesterday":          400,
		"/api/flows/report?since=2026-12-02&until=2026-12-01": 400,
		"/api/flows/explain?src=10.0.0":                       400,
		"/api/flows/explain?dport=70000":                      400,
		"/api/flows/explain?limit=-1":                         400,
	} {
		if status, b := get(t, base+path); status != code {
			t.Errorf("GET %s = %d %s, want %d", path, status, b, code)
		}
	}
	plain := startServe(t)
	if status, b := get(t, plain+"/api/flows/explain"); status != 404 || !strings.Contains(string(b), "--db") {
		t.Errorf("without --db: %d %s, want 404 naming --db", status, b)
	}
	if code, _, stderr := vnetdoctor(t, "", "serve", "-s", example, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "none.duckdb")); code != 2 || !strings.Contains(stderr, "no flow database") {
		t.Errorf("serve --db with no database: exit %d %s, want 2", code, stderr)
	}
}

func must(_ int, b []byte) []byte { return b }

// TestServeBrowserPanels drives the reach and flows panels of `vnetdoctor serve --db` in
// chromium (internal/serve/e2e/e2e.mjs, MODE=panels): the rows drawn are the API's, the heatmap
// sums the API's flows, and clicking a row draws its trace. Skipped without node, chromium and
// playwright-core unless VNETDOCTOR_E2E_REQUIRED=1 (CI).
func TestServeBrowserPanels(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	skip := t.Skip
	if os.Getenv("VNETDOCTOR_E2E_REQUIRED") == "1" {
		skip = t.Fatal
	}
	dir, _ := filepath.Abs("../../internal/serve/e2e")
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed")
	}
	chromium := os.Getenv("CHROMIUM")
	for _, name := range []string{"chromium", "chromium-browser"} {
		if chromium == "" {
			chromium, _ = exec.LookPath(name)
		}
	}
	if chromium == "" {
		skip("chromium is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err != nil {
		skip("playwright-core is not installed (cd internal/serve/e2e && npm ci)")
	}
	db := filepath.Join(t.TempDir(), "flows.duckdb")
	if code, _, stderr := vnetdoctor(t, "", "flows", "ingest", "-s", example, "--db", db, "../../examples/flowlogs"); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	base := startServe(t, "--db", db)
	shots := os.Getenv("VNETDOCTOR_E2E_SHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "e2e.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium, "BASE_URL="+base, "SHOTS="+shots, "MODE=panels")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser panel checks failed (%v):\n%s", err, out)
	}
	t.Logf("%s\nscreenshots in %s", out, shots)
}
