package compare

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

// BenchmarkCompareEstate compares every NIC of the estate at VNETDOCTOR_ESTATE (e.g. go run
// ./cmd/vnetgen -out DIR -vnets 1000 -nics 10000 -nsgs 1000 -route-tables 500 -pes 200). Azure's
// answers are stood in by vnetdoctor's own tables written as az JSON under live/ with a
// manifest, as collect writes them: a timing stand-in only (the correctness tests use answers
// written by hand), which also checks at scale that every NIC compares equal with itself.
// baseline is what routes and rules compute for every NIC, one after the other (ask.Routes +
// ask.Rules); compare reads and parses every live file and compares every NIC as the command
// does (Live and All, GOMAXPROCS at a time). VNETDOCTOR_COMPARE_NICS=N takes
// the first N NICs only (collect --effective-sample answers for a sample, not every NIC).
func BenchmarkCompareEstate(b *testing.B) {
	estate := os.Getenv("VNETDOCTOR_ESTATE")
	if estate == "" {
		b.Skip("set VNETDOCTOR_ESTATE to a snapshot directory")
	}
	ctx, opts := context.Background(), ask.DefaultOptions()
	s, err := ask.Load(ctx, []string{estate}, convert.Options{})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	nics := writeLive(b, s, dir)
	b.Run("baseline", func(b *testing.B) {
		for b.Loop() {
			for _, id := range nics {
				ra, err1 := ask.Routes(ctx, s, ask.RoutesQuery{NIC: id}, opts)
				rl, err2 := ask.Rules(ctx, s, ask.RulesQuery{NIC: id}, opts)
				if err1 != nil || err2 != nil || len(ra.Routes) == 0 || rl == nil {
					b.Fatal(err1, err2)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(nics)), "ns/nic")
	})
	b.Run("compare", func(b *testing.B) {
		for b.Loop() {
			start := time.Now()
			ins, _, err := Live([]string{dir})
			if err != nil {
				b.Fatal(err)
			}
			read := time.Since(start)
			results, errs := All(ctx, s, ins, opts)
			var res []NICResult
			for i, r := range results {
				if errs[i] != nil {
					b.Fatal(errs[i])
				}
				res = append(res, *r)
			}
			sum := Summarise(res)
			if sum.NICs != len(nics) || sum.RoutesMatched != len(nics) || sum.RulesMatched != len(nics) {
				b.Fatalf("summary %+v, want every one of %d NICs to match", sum, len(nics))
			}
			b.ReportMetric(float64(read.Milliseconds()), "read-ms")
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(nics)), "ns/nic")
	})
}

// writeLive writes every NIC's routes and rules as az JSON under dir/live with a manifest
// naming each file's NIC, and returns the NIC IDs.
func writeLive(b *testing.B, s *ask.Snapshot, dir string) []string {
	ctx, opts := context.Background(), ask.DefaultOptions()
	type file struct{ Path, Source string }
	var files []file
	var ids []string
	limit, _ := strconv.Atoi(os.Getenv("VNETDOCTOR_COMPARE_NICS"))
	for i, n := range s.Plane.Net.NICs {
		if limit > 0 && len(ids) == limit {
			break
		}
		ra, err := ask.Routes(ctx, s, ask.RoutesQuery{NIC: string(n.ID)}, opts)
		if err != nil || n.Primary() == nil {
			continue // a NIC without a subnet has no effective routes
		}
		rl, err := ask.Rules(ctx, s, ask.RulesQuery{NIC: string(n.ID)}, opts)
		if err != nil {
			continue
		}
		name := fmt.Sprintf("nic%05d.json", i)
		for _, f := range []struct {
			sub string
			v   any
		}{{RoutesDir, render.Routes(ra.Routes, ra.DisableBGPPropagation)}, {NSGDir, acl.EffectiveNSGList{Value: rl.NSGs}}} {
			rel := filepath.Join(LiveDir, f.sub, name)
			writeJSON(b, filepath.Join(dir, rel), f.v)
			files = append(files, file{filepath.ToSlash(rel), "live: " + string(n.ID)})
		}
		ids = append(ids, string(n.ID))
	}
	writeJSON(b, filepath.Join(dir, "manifest.json"), map[string]any{"files": files})
	return ids
}

func writeJSON(b *testing.B, path string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
}
