package convert

import (
	"encoding/json"
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
	// Small seeds, one resource each, so mutations reach the decoders, not just the parser.
	if b, err := os.ReadFile("testdata/estate.json"); err == nil {
		var items []json.RawMessage
		if json.Unmarshal(b, &items) == nil {
			for _, it := range items {
				f.Add([]byte(it))
			}
		}
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
