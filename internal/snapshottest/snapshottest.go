// Package snapshottest copies snapshot directories for tests, with one file's resources edited:
// a scenario's snapshot stays the one source of truth, and each test states only its change.
package snapshottest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Edit copies the snapshot directory dir (its .json files) into a temporary directory, passing
// the resources of the file named file through edit, and returns the copy's path.
func Edit(t testing.TB, dir, file string, edit func([]map[string]any) []map[string]any) string {
	t.Helper()
	out := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == file {
			var rs []map[string]any
			if err := json.Unmarshal(b, &rs); err != nil {
				t.Fatal(err)
			}
			if b, err = json.Marshal(edit(rs)); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(out, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
