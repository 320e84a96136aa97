package ask_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestRemovedFileNeverChangesAVerdictSilently is issue 9's integrity test: the example with one
// of its files removed (what a half-finished export looks like) must answer every seed-case
// trace either as the whole example does, or as Unknown, or with an error naming what it cannot
// find — never with another confident verdict.
func TestRemovedFileNeverChangesAVerdictSilently(t *testing.T) {
	example := readDir(t, "../../examples/hub-spoke")
	queries := append(slices.Clone(exampleTraces),
		trace.Query{From: "vm-app1", To: "vm-data1", DestinationPort: 443},
		trace.Query{From: "192.168.10.5", To: "vm-app1", DestinationPort: 443},
		trace.Query{From: "vm-data1", To: "pe-starchive-blob", DestinationPort: 443})
	ctx, opts := context.Background(), ask.DefaultOptions()
	full := load(t, example)
	want := make([]trace.Verdict, len(queries))
	for i, q := range queries {
		a, err := ask.Trace(ctx, full, q, opts)
		if err != nil {
			t.Fatalf("%s → %s on the whole example: %v", q.From, q.To, err)
		}
		want[i] = a.Verdict
	}
	unknown := 0
	for _, name := range slices.Sorted(maps.Keys(example)) {
		files := maps.Clone(example)
		delete(files, name)
		s := load(t, files)
		if !dangles(s) {
			// Nothing left references what the file held (Virtual Network Manager rules name the
			// VNets, not the other way round): a complete, smaller estate, whose answers may differ.
			continue
		}
		for i, q := range queries {
			a, err := ask.Trace(ctx, s, q, opts)
			switch {
			case err != nil: // an endpoint the trace names is gone: said, not guessed
			case a.Verdict == trace.UnknownV:
				unknown++
			case a.Verdict != want[i]:
				t.Errorf("without %s: %s → %s:%d is %s (the whole example: %s) with no word of what is missing; assumptions %q",
					name, q.From, q.To, q.DestinationPort, a.Verdict, want[i], a.Assumptions)
			}
		}
	}
	if unknown < 10 {
		t.Error("no removal made any answer Unknown: the test no longer exercises missing references")
	}
}

// dangles reports whether the snapshot references a resource it lacks.
func dangles(s *ask.Snapshot) bool {
	for _, w := range s.Plane.Net.Warnings {
		if w.Code == model.WarnDanglingReference {
			return true
		}
	}
	return false
}
