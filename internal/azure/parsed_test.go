package azure

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestParsedSharesTreesNotFiles: two Loads sharing a Parsed read what two Loads alone read,
// each object naming its own side's file; a file bad on both sides is an error naming each
// side's file.
func TestParsedSharesTreesNotFiles(t *testing.T) {
	b, a := twoSnapshots(t)
	sb, sa := loadBoth(t, NewParsed(), b, a)
	wb, wa := loadBoth(t, nil, b, a)
	for _, c := range []struct {
		name      string
		got, want *Snapshot
		side      string
	}{{"before", sb, wb, b}, {"after", sa, wa, a}} {
		var got, want []string
		for _, g := range c.got.NSGs {
			got = append(got, g.Src.String()+" "+g.Name)
			if !strings.HasPrefix(g.Src.File, c.side) {
				t.Errorf("%s: %s read from %s", c.name, g.Name, g.Src.File)
			}
		}
		for _, g := range c.want.NSGs {
			want = append(want, g.Src.String()+" "+g.Name)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: with a shared cache\n%s\nalone\n%s", c.name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	for _, side := range []string{b, a} {
		write(t, filepath.Join(side, "bad.json"), `{"value": [1,}`)
	}
	c := NewParsed()
	var eb, ea error
	var wg sync.WaitGroup
	wg.Go(func() { _, eb = Load([]string{b}, Options{Parsed: c}) })
	_, ea = Load([]string{a}, Options{Parsed: c})
	wg.Wait()
	for _, x := range []struct {
		err  error
		side string
	}{{eb, b}, {ea, a}} {
		if x.err == nil || !strings.Contains(x.err.Error(), filepath.Join(x.side, "bad.json")) {
			t.Errorf("error %v; want it to name %s", x.err, filepath.Join(x.side, "bad.json"))
		}
	}
}

// TestParsedReadsOnceForTwo: the second reader of a path takes the first one's bytes (the file
// is not read again, so an edit in between is not seen), and the cache then forgets them: a
// third reader reads the file anew. A file too large fails both readers alike.
func TestParsedReadsOnceForTwo(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.json")
	write(t, p, `{"v":1}`)
	c := NewParsed()
	first, err := c.Read(p, DefaultMaxFileSize)
	if err != nil {
		t.Fatal(err)
	}
	write(t, p, `{"v":22}`)
	second, err := c.Read(p, DefaultMaxFileSize)
	if err != nil || string(second) != `{"v":1}` || &second[0] != &first[0] {
		t.Errorf("second Read = %q, %v; want the first reader's bytes %q", second, err, first)
	}
	if third, err := c.Read(p, DefaultMaxFileSize); err != nil || string(third) != `{"v":22}` {
		t.Errorf("third Read = %q, %v; want the file read anew", third, err)
	}
	c = NewParsed()
	_, e1 := c.Read(p, 3)
	_, e2 := c.Read(p, 3)
	if e1 == nil || e2 == nil || e1.Error() != e2.Error() || !strings.Contains(e1.Error(), p) {
		t.Errorf("Reads of a file over the limit: %v and %v; want one error naming the file", e1, e2)
	}
}

// TestParsedSharesSums: two Loads sharing a Parsed have the identities (Info.Hash) they have
// alone, also when the quick hash that pairs contents collides for files of the same length
// but other bytes (the edited files here).
func TestParsedSharesSums(t *testing.T) {
	b, a := twoSnapshots(t)
	hashes := func(c *Parsed) [2]string {
		sb, sa := loadBoth(t, c, b, a)
		return [2]string{sb.Info.Hash, sa.Info.Hash}
	}
	want := hashes(nil)
	if want[0] == want[1] {
		t.Fatalf("both sides hash to %s", want[0])
	}
	if got := hashes(NewParsed()); got != want {
		t.Errorf("shared cache: hashes %v; alone %v", got, want)
	}
	colliding := NewParsed()
	colliding.quick = func([]byte) uint64 { return 0 }
	if got := hashes(colliding); got != want {
		t.Errorf("colliding quick hash: hashes %v; alone %v", got, want)
	}
}

// twoSnapshots writes two one-NSG-per-file snapshots, before and after: same.json alike,
// edited.json of the same length but another NSG.
func twoSnapshots(t *testing.T) (before, after string) {
	nsg := `{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/%s","name":"%s","type":"Microsoft.Network/networkSecurityGroups","properties":{"securityRules":[]}}`
	dir := t.TempDir()
	before, after = filepath.Join(dir, "before"), filepath.Join(dir, "after")
	for _, side := range []string{before, after} {
		write(t, filepath.Join(side, "same.json"), strings.ReplaceAll(nsg, "%s", "nsg-same"))
	}
	write(t, filepath.Join(before, "edited.json"), strings.ReplaceAll(nsg, "%s", "nsg-old"))
	write(t, filepath.Join(after, "edited.json"), strings.ReplaceAll(nsg, "%s", "nsg-new"))
	return before, after
}

// loadBoth loads snapshots b and a at once through c, as `vnetdoctor diff` does.
func loadBoth(t *testing.T, c *Parsed, b, a string) (*Snapshot, *Snapshot) {
	t.Helper()
	var sb, sa *Snapshot
	var eb, ea error
	var wg sync.WaitGroup
	wg.Go(func() { sb, eb = Load([]string{b}, Options{Parsed: c}) })
	sa, ea = Load([]string{a}, Options{Parsed: c})
	wg.Wait()
	if eb != nil || ea != nil {
		t.Fatal(eb, ea)
	}
	return sb, sa
}
