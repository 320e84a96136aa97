// Package snapshottest copies snapshot directories for tests, with one file's resources edited:
// a scenario's snapshot stays the one source of truth, and each test states only its change.
package snapshottest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Edit copies the snapshot directory dir (its .json files) into a temporary directory, passing
// the resources of the file named file through edit, and returns the copy's path.
func Edit(t testing.TB, dir, file string, edit func([]map[string]any) []map[string]any) string {
	t.Helper()
	return Rewrite(t, dir, func(name string, b []byte) []byte {
		if name != file {
			return b
		}
		var rs []map[string]any
		if err := json.Unmarshal(b, &rs); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(edit(rs))
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

// Rewrite copies the snapshot directory dir (its .json files) into a temporary directory, each
// file's bytes passed through edit with its name, and returns the copy's path.
func Rewrite(t testing.TB, dir string, edit func(name string, b []byte) []byte) string {
	t.Helper()
	out := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, filepath.Base(f)), edit(filepath.Base(f), b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// VWANWithoutIntent edits one resource of the vwan-secured-hub scenario's vwan.json (nil: drop
// it): it drops routing intent and its _policy_ routes, and makes conn-spoke2 propagate
// to the None route table only (about-virtual-hub-routing: "propagating to the None route
// table implies that no routes are required to be propagated from the connection").
func VWANWithoutIntent(r map[string]any) map[string]any {
	name, _ := r["name"].(string)
	props, _ := r["properties"].(map[string]any)
	switch {
	case strings.HasSuffix(name, "RoutingIntent"):
		return nil
	case name == "defaultRouteTable":
		props["routes"] = []any{}
	case name == "conn-spoke2":
		rc := props["routingConfiguration"].(map[string]any)
		none := strings.Replace(rc["associatedRouteTable"].(map[string]any)["id"].(string), "defaultRouteTable", "noneRouteTable", 1)
		rc["propagatedRouteTables"] = map[string]any{"labels": []any{"none"}, "ids": []any{map[string]any{"id": none}}}
	}
	return r
}
