package trace_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

var update = flag.Bool("update", false, "rewrite the golden answers of testdata/scenarios")

const scenarioRoot = "../../testdata/scenarios"

// scenarioFile is testdata/scenarios/<name>/queries.json: the snapshot (a path relative to the
// scenario directory; default "snapshot") and the flows with what each must produce. The
// expectations are written by hand; the golden files beside them pin the rest of the answer.
type scenarioFile struct {
	Snapshot string         `json:"snapshot"`
	Cases    []scenarioCase `json:"cases"`
}

type scenarioCase struct {
	Name   string      `json:"name"`
	Query  trace.Query `json:"query"`
	Assume []string    `json:"assume"` // --assume NAME=VALUE choices for the query
	Expect struct {
		Verdict  string   `json:"verdict"`
		Forward  string   `json:"forward"` // "Disposition[/cause] [step=rule]"
		Return   string   `json:"return"`  // same, "" when not traced
		Hops     string   `json:"hops"`    // forward hop kinds joined by " > "
		Findings []string `json:"findings"`
	} `json:"expect"`
}

func TestScenarios(t *testing.T) {
	for _, dir := range scenarioDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) { runScenario(t, dir) })
	}
}

// scenarioDirs are the directories of testdata/scenarios that hold a queries.json.
func scenarioDirs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(scenarioRoot, "*", "queries.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios under %s (%v)", scenarioRoot, err)
	}
	dirs := make([]string, len(files))
	for i, f := range files {
		dirs[i] = filepath.Dir(f)
	}
	return dirs
}

// loadScenario reads the scenario in dir: its queries.json and the plane of its snapshot.
func loadScenario(t *testing.T, dir string) (scenarioFile, *dataplane.Plane) {
	t.Helper()
	var sf scenarioFile
	b, err := os.ReadFile(filepath.Join(dir, "queries.json"))
	if err == nil {
		err = json.Unmarshal(b, &sf)
	}
	if err != nil {
		t.Fatalf("%s: queries.json: %v", filepath.Base(dir), err)
	}
	if sf.Snapshot == "" {
		sf.Snapshot = "snapshot"
	}
	n, err := convert.Load([]string{filepath.Join(dir, sf.Snapshot)}, convert.Options{})
	if err != nil {
		t.Fatalf("%s: load: %v", filepath.Base(dir), err)
	}
	return sf, dataplane.Build(n)
}

func runScenario(t *testing.T, dir string) {
	sf, p := loadScenario(t, dir)
	for _, c := range sf.Cases {
		for _, x := range c.Assume {
			if err := c.Query.Assume.Parse(x); err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
		}
		a, err := trace.Run(p, c.Query)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		checkExpect(t, c, a)
		checkGolden(t, filepath.Join(dir, "golden", c.Name), a)
	}
}

func checkExpect(t *testing.T, c scenarioCase, a *trace.Answer) {
	t.Helper()
	e := c.Expect
	got := []string{string(a.Verdict), legLine(a.Forward), legLine(a.Return), hopKinds(a.Forward)}
	want := []string{e.Verdict, e.Forward, e.Return, e.Hops}
	if e.Hops == "" {
		got[3] = ""
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s: [verdict forward return hops] (-want +got):\n%s", c.Name, d)
	}
	var codes []string
	for _, f := range a.Findings {
		codes = append(codes, string(f.Code))
	}
	if d := cmp.Diff(e.Findings, codes); d != "" {
		t.Errorf("%s findings (-want +got):\n%s", c.Name, d)
	}
}

func legLine(l *trace.Leg) string {
	if l == nil {
		return ""
	}
	s := string(l.Disposition)
	if l.DropCause != "" {
		s += "/" + string(l.DropCause)
	}
	if l.Deciding != nil && l.Deciding.Rule != "" {
		s += " " + string(l.Deciding.Step) + "=" + l.Deciding.Rule
	}
	return s
}

func hopKinds(l *trace.Leg) string {
	var k []string
	for _, h := range l.Hops {
		k = append(k, string(h.Kind))
	}
	return strings.Join(k, " > ")
}

// checkGolden compares the JSON answer and its text rendering with <base>.json / <base>.txt.
func checkGolden(t *testing.T, base string, a *trace.Answer) {
	t.Helper()
	var js, txt bytes.Buffer
	if err := render.JSON(&js, a); err != nil {
		t.Fatal(err)
	}
	if err := render.Trace(&txt, a); err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct {
		ext string
		got []byte
	}{{".json", js.Bytes()}, {".txt", txt.Bytes()}} {
		path := base + g.ext
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, g.got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v (run with -update to create it)", err)
			continue
		}
		if d := cmp.Diff(string(want), string(g.got)); d != "" {
			t.Errorf("%s differs (-golden +got):\n%s", path, d)
		}
	}
}
