package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestReachJSON: the cli.md "reach" shape, and one example per row that trace reproduces.
func TestReachJSON(t *testing.T) {
	code, out, stderr := vnetdoctor(t, "", "reach", "-s", example, "--to", "vm-jump", "--dport", "22,3389", "--proto", "tcp", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Query    map[string]any `json:"query"`
		Complete *bool          `json:"complete"`
		Rows     []struct {
			From, To, Protocol, Ports, Verdict string
			Prefixes                           []string
			Example                            map[string]any
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Complete == nil || !*doc.Complete || doc.Query["to"] != "vm-jump" || doc.Query["ports"] != "22,3389" || len(doc.Rows) == 0 {
		t.Fatalf("query %v, complete %v, %d rows", doc.Query, doc.Complete, len(doc.Rows))
	}
	r := doc.Rows[0]
	if r.From == "" || r.To == "" || len(r.Prefixes) == 0 || r.Protocol != "Tcp" || r.Ports == "" || r.Verdict == "" || r.Example["from"] == nil {
		t.Errorf("row %+v: a field is missing", r)
	}
	code, tout, stderr := vnetdoctor(t, "", "trace", "-s", example, "--from", r.Example["from"].(string), "--to", r.Example["to"].(string),
		"--dport", jsonNumber(r.Example["destinationPort"]), "-o", "json")
	var tr struct{ Verdict string }
	if code != 0 || json.Unmarshal([]byte(tout), &tr) != nil || tr.Verdict != r.Verdict {
		t.Errorf("trace of the first example: exit %d, verdict %q, want %q (%s)", code, tr.Verdict, r.Verdict, stderr)
	}
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestReachTextAndUsage(t *testing.T) {
	code, out, stderr := vnetdoctor(t, "", "reach", "-s", example, "--from", "vm-sandbox1", "--dport", "53", "--proto", "udp")
	if code != 0 || !strings.HasPrefix(out, "what vm-sandbox1 can reach:") || !strings.Contains(out, "every address and port") {
		t.Errorf("exit %d, output %q, stderr %q", code, out, stderr)
	}
	for _, args := range [][]string{
		{"reach", "-s", example},
		{"reach", "-s", example, "--to", "vm-jump", "--from", "vm-app1"},
		{"reach", "-s", example, "--to", "vm-jump", "--dport", "70000"},
		{"reach", "-s", example, "--to", "vm-jump", "--proto", "esp"},
		{"reach", "-s", example, "--to", "no-such-vm"},
		{"reach", "-s", example, "--from", "internet:10.0.0.1"},
	} {
		if code, _, stderr := vnetdoctor(t, "", args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 with a message", args, code, stderr)
		}
	}
}
