package serve

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
)

// browserTools returns node, the chromium executable and the e2e directory, or skips the test
// saying what is missing. `go test ./...` needs only Go and a C compiler; .ci/run installs the
// rest (apt-get install chromium nodejs npm; npm ci in internal/serve/e2e).
func browserTools(t *testing.T) (node, chromium, dir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	skip := t.Skip
	if os.Getenv("VNETDOCTOR_E2E_REQUIRED") == "1" { // CI: a missing tool is a failure
		skip = t.Fatal
	}
	dir, _ = filepath.Abs("e2e")
	node, err := exec.LookPath("node")
	if err != nil {
		skip("browser tests skipped: node is not installed (apt-get install nodejs npm)")
	}
	chromium = os.Getenv("CHROMIUM")
	for _, name := range []string{"chromium", "chromium-browser"} {
		if chromium == "" {
			chromium, _ = exec.LookPath(name)
		}
	}
	if chromium == "" {
		skip("browser tests skipped: chromium is not installed (apt-get install chromium, or set CHROMIUM)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err != nil {
		skip("browser tests skipped: playwright-core is not installed (cd internal/serve/e2e && npm ci)")
	}
	return node, chromium, dir
}

// shotsDir is where screenshots go: $VNETDOCTOR_E2E_SHOTS (CI keeps it), else a temporary directory.
func shotsDir(t *testing.T) string {
	if d := os.Getenv("VNETDOCTOR_E2E_SHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

func runNode(t *testing.T, node, chromium, dir string, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "e2e.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"CHROMIUM=" + chromium}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser tests failed (%v):\n%s", err, out)
	}
	return string(out)
}

// TestBrowser loads the example in chromium, traces the seed cases from the UI and checks the
// drawn paths and badges against the API, keyboard use, the console and the CSP (e2e/e2e.mjs).
func TestBrowser(t *testing.T) {
	node, chromium, dir := browserTools(t)
	s := New(exampleSnap(t), Options{Loopback: true})
	if err := s.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	shots := shotsDir(t)
	out := runNode(t, node, chromium, dir, "BASE_URL="+ts.URL, "SHOTS="+shots)
	t.Logf("%s\nscreenshots in %s", out, shots)
	// Without Options.ReachJSON and Flows the panels' tabs are not offered (the panels with
	// their answers: cmd/vnetdoctor's TestServeBrowserPanels).
	out = runNode(t, node, chromium, dir, "BASE_URL="+ts.URL, "SHOTS="+shots, "MODE=panels")
	t.Logf("%s", out)
}

// TestBrowserFirstPaint measures the time to first paint of a large estate
// (VNETDOCTOR_ESTATE=/tmp/estate, written by go run ./cmd/vnetgen -out /tmp/estate): the
// topology is drawn at the VNet level after the tables are warm (goal: under 2 s).
func TestBrowserFirstPaint(t *testing.T) {
	estate := os.Getenv("VNETDOCTOR_ESTATE")
	if estate == "" {
		t.Skip("set VNETDOCTOR_ESTATE to a vnetgen estate to measure its first paint")
	}
	node, chromium, dir := browserTools(t)
	sn, err := ask.Load(context.Background(), []string{estate}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := New(sn, Options{Loopback: true})
	start := time.Now()
	if err := s.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	warm := time.Since(start)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	out := runNode(t, node, chromium, dir, "BASE_URL="+ts.URL, "SHOTS="+shotsDir(t), "MODE=firstpaint")
	var r struct {
		FirstPaintMs, StartMs, TopologyMs, LaidOutMs, DrawnMs, WallMs, VNetsDrawn int
	}
	line := out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("first paint output %q: %v", out, err)
	}
	t.Logf("warm %v; first paint %d ms in the page (script started at %d ms, topology answered at %d, laid out at %d, drawn at %d; "+
		"%d ms wall, including browser start), %d VNets drawn; load average %s",
		warm.Round(time.Millisecond), r.FirstPaintMs, r.StartMs, r.TopologyMs, r.LaidOutMs, r.DrawnMs, r.WallMs, r.VNetsDrawn, loadAverage())
	if r.VNetsDrawn != len(sn.Plane.Net.VNets) {
		t.Errorf("%d VNets drawn, want %d", r.VNetsDrawn, len(sn.Plane.Net.VNets))
	}
	if r.FirstPaintMs > 2000 {
		t.Errorf("first paint %d ms, goal under 2000", r.FirstPaintMs)
	}
}
