package flowlog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReader feeds bytes to the reader: never a panic, Seq strictly increasing and below the
// reader's Seq, and reading the same bytes again from that Seq yields nothing (the resume point
// of a half-read file is stable).
func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"records":[{"flowLogVersion":"4","flowRecords":{"flows":[{"flowGroups":[{"flowTuples":["1,2"]}]}]}}`))
	f.Add([]byte("{\"Type\":\"AZFWNatRule\"}\n[1]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), 0)
		var rec Record
		var last int64 = -1
		n := 0
		for r.Next(&rec) {
			n++
			if int64(rec.Seq) <= last || rec.Seq >= r.Seq() {
				t.Fatalf("record %d: Seq %d after %d, reader Seq %d", n, rec.Seq, last, r.Seq())
			}
			last = int64(rec.Seq)
			if rec.Kind == KindUnknown || !rec.Src.Is4() || rec.Dst.IsValid() && !rec.Dst.Is4() {
				t.Fatalf("record %+v", rec)
			}
			if rec.Kind != Firewall && !rec.Dst.Is4() {
				t.Fatalf("flow log record without destination: %+v", rec)
			}
		}
		for _, s := range r.Skips() {
			if s.Reason == "" || s.Path == "" || s.Count < 1 {
				t.Fatalf("skip %+v", s)
			}
		}
		again := NewReader(bytes.NewReader(data), r.Seq())
		if again.Next(&rec) {
			t.Fatalf("reading again from %d gave %+v", r.Seq(), rec)
		}
	})
}
