package diff

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadChangedTwin: reading only the files that differ gives CompareResources the answer of
// reading both snapshots whole — with a rule changed, a file renamed but unchanged, a resource
// added, and a changed resource that an unchanged file also holds (a larger duplicate there
// wins on both sides, as ReadDocs keeps the larger body).
func TestReadChangedTwin(t *testing.T) {
	after := changedCopy(t, map[string][2]string{
		"nsgs.json": {`"destinationPortRange": "22",`, `"destinationPortRange": "2222",`},
	})
	if err := os.Rename(filepath.Join(after, "vms.json"), filepath.Join(after, "vms-renamed.json")); err != nil {
		t.Fatal(err)
	}
	added := `{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/applicationSecurityGroups/new", "name": "new", "properties": {}}`
	if err := os.WriteFile(filepath.Join(after, "added.json"), []byte(added), 0o644); err != nil {
		t.Fatal(err)
	}
	// A larger copy of a route table in a file both sides hold, while routes.json changes it
	// after: the larger copy wins on both sides, so the route table does not change.
	dupe := `{"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.Network/routeTables/rt-hub-gateway", "name": "rt-hub-gateway", "properties": {"disableBgpRoutePropagation": false, "routes": [], "padding": "` + strings.Repeat("x", 5000) + `"}}`
	before := changedCopy(t, nil)
	for _, dir := range []string{before, after} {
		if err := os.WriteFile(filepath.Join(dir, "dupe.json"), []byte(dupe), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(after, "routes.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `"disableBgpRoutePropagation": false`, `"disableBgpRoutePropagation": true`, 1)
	if err := os.WriteFile(filepath.Join(after, "routes.json"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	wb, err := ReadDocs([]string{before}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wa, err := ReadDocs([]string{after}, nil)
	if err != nil {
		t.Fatal(err)
	}
	gb, ga, err := ReadChanged([]string{before}, []string{after}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, got := CompareResources(wb, wa), CompareResources(gb, ga)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ReadChanged vs ReadDocs (-whole +changed files only):\n%s", d)
	}
	if len(want.Added) != 1 || len(want.Changed) < 1 {
		t.Errorf("the change is not what was planted: %+v", want)
	}
	if len(gb)+len(ga) >= len(wb)+len(wa) {
		t.Errorf("ReadChanged read %d resources, reading whole reads %d: nothing skipped", len(gb)+len(ga), len(wb)+len(wa))
	}
}

// TestSplitJSON: the values splitJSON cuts index to the resources of the whole, for every shape
// the snapshot files take; a resource at the top, or broken JSON, is not cut.
func TestSplitJSON(t *testing.T) {
	rg := `{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/a","name":"a","properties":{"subnets":[{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/a/subnets/x","name":"x","properties":{"p":"a\"]}"}}]}}`
	other := `{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkSecurityGroups/b","type":"t","properties":{"n":1.5e3,"t":true,"z":null}}`
	for _, c := range []struct {
		data  string
		parts int
	}{
		{`{"value":[` + rg + `,` + other + `], "nextLink": null}`, 3},
		{`{"count": 2, "data": [` + rg + `, ` + other + `], "skip_token": "x\"y"}`, 4},
		{`[` + rg + ",\n" + other + `]` + "\n" + `[]`, 2},
		{rg + "\n" + other, 0},
		{`{"value":[` + rg, 0},
	} {
		parts, ok := splitJSON([]byte(c.data))
		if ok != (c.parts > 0) || len(parts) != c.parts {
			t.Errorf("%.40s...: %d parts, %v; want %d", c.data, len(parts), ok, c.parts)
			continue
		}
		if !ok {
			continue
		}
		whole, cut := Docs{}, Docs{}
		if err := whole.read("f", []byte(c.data)); err != nil {
			t.Fatal(err)
		}
		for _, p := range parts {
			if err := cut.read("f", p); err != nil {
				t.Fatalf("part %q: %v", p, err)
			}
		}
		if d := cmp.Diff(whole, cut); d != "" {
			t.Errorf("%.40s...: (-whole +parts)\n%s", c.data, d)
		}
	}
}

// TestMentionsTwin: mentions answers as lowering the data and searching it does, on random text
// of letters in both cases, digits, separators, quotes and now and then a non-ASCII letter.
func TestMentionsTwin(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 13))
	alphabet := []string{"a", "B", "c", "D", "0", "1", "-", "/", `"`, "k", "K"}
	text := func(n int) string {
		var b strings.Builder
		for range n {
			if r.IntN(200) == 0 {
				b.WriteString("\u212a") // Kelvin sign: bytes.ToLower makes it "k"
				continue
			}
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	found := 0
	for range 20000 {
		data := []byte(text(r.IntN(60)))
		var ids [][]byte
		for range 1 + r.IntN(2) {
			ids = append(ids, bytes.ToLower([]byte(`"`+text(1+r.IntN(4))+`"`)))
		}
		want := slices.ContainsFunc(ids, func(id []byte) bool { return bytes.Contains(bytes.ToLower(data), id) })
		if got := mentions(data, ids); got != want {
			t.Fatalf("mentions(%q, %q) = %v, want %v", data, ids, got, want)
		}
		if want {
			found++
		}
	}
	if found < 100 {
		t.Errorf("only %d of the random texts mention an ID: the twin tests little", found)
	}
}

// TestIsASCII puts one byte beyond ASCII at every offset of texts of every length up to three
// words (isASCII reads eight bytes at a time, then the rest one by one).
func TestIsASCII(t *testing.T) {
	for n := 0; n <= 24; n++ {
		b := bytes.Repeat([]byte{'a'}, n)
		if !isASCII(b) {
			t.Errorf("%d ASCII bytes: not ASCII", n)
		}
		for i := range n {
			c := slices.Clone(b)
			c[i] = 0x80
			if isASCII(c) {
				t.Errorf("%d bytes, 0x80 at %d: ASCII", n, i)
			}
		}
	}
}
