package trace_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestEveryLegHasDeciding is a property over every scenario of testdata/scenarios: each leg
// that has a disposition names the step that decided it (cli.md `deciding`), in the answers
// and in the reviewed golden JSON files.
func TestEveryLegHasDeciding(t *testing.T) {
	legs := 0
	for _, dir := range scenarioDirs(t) {
		sf, p := loadScenario(t, dir)
		for _, c := range sf.Cases {
			a, err := trace.Run(p, c.Query)
			if err != nil {
				t.Errorf("%s/%s: %v", filepath.Base(dir), c.Name, err)
				continue
			}
			legs += checkDeciding(t, filepath.Base(dir)+"/"+c.Name, a)
			goldenDeciding(t, filepath.Join(dir, "golden", c.Name+".json"))
		}
	}
	if legs == 0 {
		t.Fatal("no legs checked")
	}
}

func checkDeciding(t *testing.T, name string, a *trace.Answer) int {
	t.Helper()
	n := 0
	for dir, l := range map[string]*trace.Leg{"forward": a.Forward, "return": a.Return} {
		if l == nil || l.Disposition == "" {
			continue
		}
		n++
		if l.Deciding == nil {
			t.Errorf("%s %s leg (%s/%s): deciding is nil", name, dir, l.Disposition, l.DropCause)
		}
	}
	return n
}

// goldenDeciding checks the golden JSON the same way (the file a user's script would read).
func goldenDeciding(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	var g struct {
		Forward, Return *struct {
			Disposition string          `json:"disposition"`
			Deciding    json.RawMessage `json:"deciding"`
		}
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	for _, l := range []*struct {
		Disposition string          `json:"disposition"`
		Deciding    json.RawMessage `json:"deciding"`
	}{g.Forward, g.Return} {
		if l != nil && l.Disposition != "" && (len(l.Deciding) == 0 || string(l.Deciding) == "null") {
			t.Errorf("%s: a %s leg has deciding null", path, l.Disposition)
		}
	}
}
