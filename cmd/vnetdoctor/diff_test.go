package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDiffSame(t *testing.T) {
	code, out, stderr := vnetdoctor(t, "", "diff", "-s", example, "--after", example, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Resources struct{ Added, Removed, Changed []any }
		Routes    []any
		Findings  struct{ New, Resolved []any }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Resources.Added == nil || len(doc.Resources.Added)+len(doc.Resources.Removed)+len(doc.Resources.Changed)+len(doc.Routes)+
		len(doc.Findings.New)+len(doc.Findings.Resolved) != 0 {
		t.Errorf("a snapshot against itself: %s", out)
	}
	code, out, _ = vnetdoctor(t, "", "diff", "-s", example, "--after", example)
	if code != 0 || !strings.HasPrefix(out, "resources: 0 added, 0 removed, 0 changed\n") {
		t.Errorf("text: exit %d, %q", code, out)
	}
	for _, args := range [][]string{{"diff", "-s", example}, {"diff", "-s", "-", "--after", example}} {
		if code, _, stderr := vnetdoctor(t, "", args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2", args, code, stderr)
		}
	}
}
