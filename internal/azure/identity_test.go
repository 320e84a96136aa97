package azure

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The snapshot's hash depends on the files' names inside the -s argument and their bytes,
// not on where the snapshot lies, the order of the arguments, or the time.
func TestSnapshotIdentity(t *testing.T) {
	files := map[string]string{"b/vnet.json": vnetARM, "a/graph.json": vnetGraph}
	load := func(paths ...string) *Snapshot {
		t.Helper()
		s, err := Load(paths, Options{SkipInvalid: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := time.Now()
	d1, d2 := writeFiles(t, files), writeFiles(t, files)
	s1, s2 := load(d1), load(d2)
	if s1.Info.Hash == "" || s1.Info.Hash != s2.Info.Hash {
		t.Errorf("same files in two places: hashes %q and %q, want equal", s1.Info.Hash, s2.Info.Hash)
	}
	if s1.Info.LoadedAt.Before(before) || s1.Info.LoadedAt.After(time.Now()) {
		t.Errorf("LoadedAt = %v, want the time of the load", s1.Info.LoadedAt)
	}
	want := []string{filepath.Join(d1, "a/graph.json"), filepath.Join(d1, "b/vnet.json")}
	if strings.Join(s1.Info.Sources, " ") != strings.Join(want, " ") {
		t.Errorf("Sources = %q, want %q", s1.Info.Sources, want)
	}

	// The construction documented on model.SnapshotInfo.Hash.
	h := sha256.New()
	for _, f := range []struct{ name, body string }{{"a/graph.json", vnetGraph}, {"b/vnet.json", vnetARM}} {
		sum := sha256.Sum256([]byte(f.body))
		h.Write([]byte(f.name + "\x00"))
		h.Write(sum[:])
	}
	if got, want := s1.Info.Hash, hex.EncodeToString(h.Sum(nil)); got != want {
		t.Errorf("Hash = %s, want %s", got, want)
	}

	a, b := filepath.Join(d1, "a/graph.json"), filepath.Join(d1, "b/vnet.json")
	if x, y := load(a, b), load(b, a); x.Info.Hash != y.Info.Hash {
		t.Errorf("argument order changed the hash")
	}
	for name, changed := range map[string]map[string]string{
		"edited":  {"b/vnet.json": strings.Replace(vnetARM, "10.", "11.", 1), "a/graph.json": vnetGraph},
		"renamed": {"b/vnet2.json": vnetARM, "a/graph.json": vnetGraph},
		"added":   {"b/vnet.json": vnetARM, "a/graph.json": vnetGraph, "c.json": vnetCLI},
	} {
		if s := load(writeFiles(t, changed)); s.Info.Hash == s1.Info.Hash {
			t.Errorf("%s file: hash unchanged", name)
		}
	}

	// A file skipped as invalid is neither a source nor hashed.
	s3 := load(writeFiles(t, map[string]string{"b/vnet.json": vnetARM, "a/graph.json": vnetGraph, "bad.json": `{"id": `}))
	if s3.Info.Hash != s1.Info.Hash || len(s3.Info.Sources) != 2 {
		t.Errorf("skipped file: hash %s, sources %q; want those of the two good files", s3.Info.Hash, s3.Info.Sources)
	}
}
