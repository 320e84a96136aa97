package azure

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smallFiles writes n one-resource files (what `az ... show` per resource produces) into one
// directory and the same resources as one array into another, and returns both directories.
func smallFiles(tb testing.TB, n int) (many, one string) {
	tb.Helper()
	root := tb.TempDir()
	many, one = filepath.Join(root, "many"), filepath.Join(root, "one")
	for _, d := range []string{many, one} {
		if err := os.Mkdir(d, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v%d",`+
			`"name":"v%d","type":"Microsoft.Network/virtualNetworks","location":"westeurope",`+
			`"properties":{"addressSpace":{"addressPrefixes":["10.%d.%d.0/24"]},"subnets":[{"name":"s","properties":{"addressPrefix":"10.%d.%d.0/26"}}]}}`,
			i, i, i/256, i%256, i/256, i%256)
		if err := os.WriteFile(filepath.Join(many, fmt.Sprintf("r%05d.json", i)), []byte(items[i]), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(one, "all.json"), []byte("["+strings.Join(items, ",")+"]"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return many, one
}

// BenchmarkLoadManySmallFiles and BenchmarkLoadOneFile load the same 10,000 resources from
// 10,000 files and from one file (issue 10 item 5: within 2× of each other).
func BenchmarkLoadManySmallFiles(b *testing.B) {
	many, _ := smallFiles(b, 10000)
	benchLoad(b, many)
}

func BenchmarkLoadOneFile(b *testing.B) {
	_, one := smallFiles(b, 10000)
	benchLoad(b, one)
}

func benchLoad(b *testing.B, dir string) {
	b.ReportAllocs()
	for b.Loop() {
		s, err := Load([]string{dir}, Options{})
		if err != nil || len(s.VNets) != 10000 {
			b.Fatalf("Load: %v, %d VNets", err, len(s.VNets))
		}
	}
}
