package azure

import (
	"os"
	"path/filepath"
	"testing"
)

// Size counts the bytes of the files Load reads, as Load expands directories: *.json files, not
// others, nor those under a directory whose name starts with ".".
func TestSize(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.json", 100)
	write("sub/b.json", 20)
	write("notes.txt", 1000)
	write(".git/c.json", 5000)
	write("one.json", 7)
	for _, c := range []struct {
		paths []string
		want  int64
	}{
		{[]string{dir}, 127},
		{[]string{filepath.Join(dir, "sub"), filepath.Join(dir, "notes.txt")}, 1020},
		{[]string{"-", filepath.Join(dir, "one.json")}, 7},
		{[]string{filepath.Join(dir, "missing")}, 0},
	} {
		if got := Size(c.paths); got != c.want {
			t.Errorf("Size(%q) = %d, want %d", c.paths, got, c.want)
		}
	}
}
