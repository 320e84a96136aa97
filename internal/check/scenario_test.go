package check

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
)

var update = flag.Bool("update", false, "rewrite the scenario goldens")

// scenarioPlane loads testdata/<code>/snapshot, or the estate testdata/<code>/SOURCE names.
func scenarioPlane(t *testing.T, dir string) *dataplane.Plane {
	t.Helper()
	path := filepath.Join(dir, "snapshot")
	if b, err := os.ReadFile(filepath.Join(dir, "SOURCE")); err == nil {
		path = filepath.Join(dir, strings.TrimSpace(string(b)))
	}
	return loadPlane(t, path)
}

// loadPlane builds a fresh (cold) data plane of the snapshot at path.
func loadPlane(t testing.TB, path string) *dataplane.Plane {
	t.Helper()
	n, err := convert.Load([]string{path}, convert.Options{})
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return dataplane.Build(n)
}

// TestScenarios runs every check on its scenario and compares its findings, as cli.md JSON,
// with testdata/<code>/expected.json. Each scenario must produce at least one finding of its code.
func TestScenarios(t *testing.T) {
	for _, c := range Registry() {
		t.Run(string(c.Code), func(t *testing.T) {
			dir := filepath.Join("testdata", string(c.Code))
			if _, err := os.Stat(dir); err != nil {
				t.Fatalf("no scenario for %s: %v", c.Code, err)
			}
			fs := RunOne(context.Background(), c, scenarioPlane(t, dir), DefaultOptions())
			Sort(fs)
			if len(fs) == 0 || fs[0].Code != c.Code {
				t.Fatalf("scenario gives %d findings, want at least one %s: %+v", len(fs), c.Code, fs)
			}
			got, err := json.MarshalIndent(map[string]any{"findings": fs}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join(dir, "expected.json")
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if d := cmp.Diff(string(bytes.TrimSpace(want)), string(got)); d != "" {
				t.Errorf("findings differ from %s (-want +got):\n%s", golden, d)
			}
		})
	}
}

// TestCleanEstate: a sound hub-and-spoke gives no Error finding from any check.
func TestCleanEstate(t *testing.T) {
	fs, err := Run(context.Background(), scenarioPlane(t, filepath.Join("testdata", "clean")), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Severity == Error {
			t.Errorf("clean estate: %s %s", f.Code, f.Title)
		}
	}
}
