package trace_test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestTracerEqualsRunBrief: one Tracer walking every flow of every scenario, forwards then
// backwards (answers of every size reuse each other's storage), answers each as RunBrief does,
// JSON for JSON; the deciding steps it handed out stay as they were after the later runs.
func TestTracerEqualsRunBrief(t *testing.T) {
	compared := 0
	for _, dir := range scenarioDirs(t) {
		sf, p := loadScenario(t, dir)
		tr := trace.NewTracer(p)
		back := slices.Clone(sf.Cases)
		slices.Reverse(back)
		cases := append(slices.Clone(sf.Cases), back...)
		type kept struct {
			name string
			got  *trace.Deciding
			want trace.Deciding
		}
		var decided []kept
		for _, c := range cases {
			want, errW := trace.RunBrief(p, c.Query)
			got, errG := tr.Run(c.Query)
			if (errW == nil) != (errG == nil) {
				t.Errorf("%s/%s: RunBrief error %v, Tracer error %v", filepath.Base(dir), c.Name, errW, errG)
				continue
			}
			if errW != nil {
				continue
			}
			jw, _ := json.Marshal(want)
			jg, _ := json.Marshal(got)
			if string(jw) != string(jg) {
				t.Errorf("%s/%s: Tracer answers\n%s\nRunBrief\n%s", filepath.Base(dir), c.Name, jg, jw)
			}
			if got.Forward.Deciding != nil {
				decided = append(decided, kept{c.Name, got.Forward.Deciding, *want.Forward.Deciding})
			}
			compared++
		}
		for _, d := range decided {
			if !reflect.DeepEqual(*d.got, d.want) {
				t.Errorf("%s/%s: a later run changed the deciding step handed out: %+v, want %+v", filepath.Base(dir), d.name, *d.got, d.want)
			}
		}
	}
	t.Logf("%d answers compared", compared)
	if compared < 100 {
		t.Errorf("only %d answers compared", compared)
	}
}
