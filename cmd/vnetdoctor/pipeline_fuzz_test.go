package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
)

// maxSeed keeps seeds small: the fuzzer mutates every byte of them.
const maxSeed = 64 << 10

// FuzzPipeline feeds arbitrary bytes through the whole pipeline: an input the loader rejects
// must be an *azure.InputError and exit 2 on the CLI; an input it accepts must answer every
// question (summary, routes, rules, traces, checks, DNS) without a panic, a hang or an answer
// outside the cli.md vocabularies.
func FuzzPipeline(f *testing.F) {
	for _, s := range pipelineSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := convert.FromBytes("fuzz.json", data)
		var ie *azure.InputError
		if err != nil {
			if !errors.As(err, &ie) {
				t.Fatalf("load error %T %v, want *azure.InputError", err, err)
			}
			// A file, not standard input: stdin also reads concatenated JSON values, which a
			// file (and FromBytes) rejects.
			file := filepath.Join(t.TempDir(), "fuzz.json")
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			if code := run([]string{"summary", "-s", file}, bytes.NewReader(nil), &bytes.Buffer{}, &stderr); code != 2 {
				t.Fatalf("summary of bad input: exit %d, want 2; stderr %s", code, stderr.String())
			}
			if lines := strings.Count(strings.TrimSpace(stderr.String()), "\n"); lines != 0 {
				t.Fatalf("bad input: stderr has %d lines, want one: %s", lines+1, stderr.String())
			}
			return
		}
		exercise(t, n)
	})
}

// pipelineSeeds are the small snapshots of the repository, each directory's files merged into one
// JSON array (FromBytes reads one file; an array may hold every input shape).
func pipelineSeeds() [][]byte {
	dirs := map[string][]string{}
	// testdata/adversarial.json: base policy cycles, a self-chained Gateway LB, a self-peered VNet,
	// a NIC on a reserved address, a UDR to the firewall from its own VNet.
	for _, root := range []string{"testdata", "../../testdata/scenarios", "../../internal/check/testdata", "../../examples/hub-spoke"} {
		_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") || strings.Contains(path, "golden") ||
				d.Name() == "expected.json" || d.Name() == "queries.json" {
				return nil
			}
			dirs[filepath.Dir(path)] = append(dirs[filepath.Dir(path)], path)
			return nil
		})
	}
	keys := make([]string, 0, len(dirs))
	for k := range dirs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var seeds [][]byte
	for _, k := range keys {
		if b := mergeFiles(dirs[k]); b != nil {
			seeds = append(seeds, b)
		}
	}
	return seeds
}

// mergeFiles joins files into one JSON array, or returns nil when they are too big for a seed.
func mergeFiles(paths []string) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil || b.Len()+len(data) > maxSeed {
			continue
		}
		if i > 0 && b.Len() > 1 {
			b.WriteByte(',')
		}
		b.Write(data)
	}
	b.WriteByte(']')
	if b.Len() <= 2 {
		return nil
	}
	return b.Bytes()
}
