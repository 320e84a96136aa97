package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// summary -o json names the snapshot by a content hash that does not depend on how -s spells
// the directory, and lists the files read.
func TestSummaryNamesTheSnapshot(t *testing.T) {
	type out struct {
		Snapshot *struct {
			SHA256  string   `json:"sha256"`
			Sources []string `json:"sources"`
		} `json:"snapshot"`
	}
	get := func(dir string) out {
		t.Helper()
		code, stdout, stderr := vnetdoctor(t, "", "summary", "-s", dir, "-o", "json")
		if code != 0 {
			t.Fatalf("summary -s %s: exit %d: %s", dir, code, stderr)
		}
		var o out
		if err := json.Unmarshal([]byte(stdout), &o); err != nil {
			t.Fatal(err)
		}
		if o.Snapshot == nil || len(o.Snapshot.SHA256) != 64 || len(o.Snapshot.Sources) == 0 {
			t.Fatalf("summary -s %s: snapshot = %+v, want a sha256 and the sources", dir, o.Snapshot)
		}
		return o
	}
	abs, err := filepath.Abs(example)
	if err != nil {
		t.Fatal(err)
	}
	a, b := get(example), get(abs+"/")
	if a.Snapshot.SHA256 != b.Snapshot.SHA256 {
		t.Errorf("hash of %s = %s, of %s/ = %s; want equal", example, a.Snapshot.SHA256, abs, b.Snapshot.SHA256)
	}
	if got, want := a.Snapshot.Sources[0], filepath.Join(example, "aks.json"); got != want {
		t.Errorf("first source = %q, want %q", got, want)
	}
}
