package check

import (
	"context"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/synth"
)

var (
	synthOnce  sync.Once
	synthPlane *dataplane.Plane
)

// synthEstate converts the 10,000-NIC synthetic estate (synth.Estate) once per test binary.
func synthEstate(b testing.TB) *dataplane.Plane {
	synthOnce.Do(func() {
		files := synth.Generate(synth.Estate())
		dir, err := os.MkdirTemp("", "vnetdoctor-synth")
		if err != nil {
			b.Fatal(err)
		}
		defer os.RemoveAll(dir)
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if err := os.WriteFile(dir+"/"+name, files[name], 0o644); err != nil {
				b.Fatal(err)
			}
		}
		n, err := convert.Load([]string{dir}, convert.Options{})
		if err != nil {
			b.Fatal(err)
		}
		synthPlane = dataplane.Build(n)
	})
	return synthPlane
}

// BenchmarkCheck times every check, and all of them, on the synthetic estate. The data plane
// is shared across sub-benchmarks, so lazily built route tables are warm after the first.
func BenchmarkCheck(b *testing.B) {
	p := synthEstate(b)
	for _, c := range Registry() {
		b.Run(string(c.Code), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				RunOne(context.Background(), c, p, DefaultOptions())
			}
		})
	}
	b.Run("All", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			Run(context.Background(), p, DefaultOptions())
		}
	})
}

// TestSynthUnderBudget (VNETDOCTOR_BUDGET=1) runs every check on a freshly built data plane of the synthetic estate
// (cold route tables, as the CLI sees them) and fails above the 10 s budget.
func TestSynthUnderBudget(t *testing.T) {
	if os.Getenv("VNETDOCTOR_BUDGET") == "" {
		t.Skip("set VNETDOCTOR_BUDGET=1 to build the 10,000-NIC estate and time every check")
	}
	p := synthEstate(t)
	p = dataplane.Build(p.Net) // cold tables
	start := time.Now()
	for _, c := range Registry() {
		s := time.Now()
		fs := RunOne(context.Background(), c, p, DefaultOptions())
		t.Logf("%-30s %6d findings %v", c.Code, len(fs), time.Since(s).Round(time.Millisecond))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("check on the synthetic estate took %v, budget 10s", d)
	}
}
