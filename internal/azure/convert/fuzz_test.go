package convert

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
)

// FuzzLoad feeds arbitrary bytes to FromBytes: it must never panic, and every failure must
// be an *azure.InputError (cli.md: bad input is exit 2 with file and path, never a crash).
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/*.json")
	seeds = append(seeds, "testdata/estate.json")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	for _, b := range estateFiles(2, 1) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := FromBytes("fuzz.json", data)
		var ie *azure.InputError
		switch {
		case err != nil && !errors.As(err, &ie):
			t.Fatalf("error %T %v, want *azure.InputError", err, err)
		case err == nil && n == nil:
			t.Fatal("nil network without an error")
		}
	})
}
