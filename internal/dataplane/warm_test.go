package dataplane_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"runtime"
	"sync"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

func exampleNet(t *testing.T) *model.Network {
	t.Helper()
	n, err := convert.Load([]string{filepath.Join("..", "..", "examples", "hub-spoke")}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWarmSameAnswers: a warmed data plane answers every route, rule and trace question as a
// cold one does, and Warm may run while questions are being asked (run with -race).
func TestWarmSameAnswers(t *testing.T) {
	n := exampleNet(t)
	cold, warm := dataplane.Build(n), dataplane.Build(n)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // a lazy caller racing with Warm
		defer wg.Done()
		for _, s := range n.Subnets {
			warm.FIB.Subnet(s)
		}
	}()
	if err := warm.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := warm.Warm(context.Background()); err != nil { // again: a no-op
		t.Fatal(err)
	}
	for _, s := range n.Subnets {
		if got, want := warm.FIB.Subnet(s).All(), cold.FIB.Subnet(s).All(); !reflect.DeepEqual(got, want) {
			t.Errorf("routes of %s: warm %v, cold %v", s.Name, got, want)
		}
	}
	var refs []string
	for _, nic := range n.NICs {
		for _, c := range nic.IPConfigs {
			if got, want := warm.ACL.ForIPConfig(c).Listing(), cold.ACL.ForIPConfig(c).Listing(); !reflect.DeepEqual(got, want) {
				t.Errorf("rules of %s: warm %v, cold %v", nic.Name, got, want)
			}
		}
		refs = append(refs, string(nic.ID))
	}
	for _, pe := range n.PrivateEndpoints {
		refs = append(refs, string(pe.ID))
	}
	for i, from := range refs {
		to := refs[(i*7+3)%len(refs)]
		q := trace.Query{From: from, To: to, DestinationPort: 443}
		if got, want := traceJSON(t, warm, q), traceJSON(t, cold, q); got != want {
			t.Errorf("trace %s → %s: warm\n%s\ncold\n%s", from, to, got, want)
		}
	}
}

// TestWarmBuildsEverything: after Warm, asking for every route table and rule set allocates
// nothing, because Warm built them all; the same questions on a cold plane do allocate.
// (TestWarmSameAnswers alone would pass if Warm did nothing.)
func TestWarmBuildsEverything(t *testing.T) {
	n := exampleNet(t)
	cold, warm := dataplane.Build(n), dataplane.Build(n)
	if err := warm.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1)) // as testing.AllocsPerRun does
	askAll := func(p *dataplane.Plane) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for _, s := range p.FIB.Subnets() {
			p.FIB.Subnet(s)
		}
		for _, nic := range n.NICs {
			for _, c := range nic.IPConfigs {
				p.ACL.ForIPConfig(c)
				if c.Subnet != nil && p.ACL.InternetContested(c.Subnet) { // what trace consults too
					p.ACL.ForIPConfigStatic(c)
				}
			}
		}
		for _, pe := range n.PrivateEndpoints {
			p.ACL.ForPrivateEndpoint(pe)
		}
		for _, s := range n.Subnets {
			p.ACL.ForSubnet(s)
		}
		runtime.ReadMemStats(&after)
		return after.Mallocs - before.Mallocs
	}
	if got := askAll(warm); got != 0 {
		t.Errorf("warm plane: asking every table allocated %d times, want 0 (Warm left some unbuilt)", got)
	}
	if got := askAll(cold); got == 0 {
		t.Errorf("cold plane: asking every table allocated nothing; the test cannot tell built from unbuilt")
	}
}

func traceJSON(t *testing.T, p *dataplane.Plane, q trace.Query) string {
	t.Helper()
	a, err := trace.Run(p, q)
	if err != nil {
		return "error: " + err.Error()
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWarmCancelled: Warm with a done context returns its error.
func TestWarmCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := dataplane.Build(exampleNet(t)).Warm(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Warm(cancelled) = %v, want context.Canceled", err)
	}
}

// BenchmarkWarm builds every table of the 10,000-NIC estate of issue 2 on a fresh data plane
// (GOMAXPROCS workers); Build itself is not timed.
func BenchmarkWarm(b *testing.B) {
	estateDir(b)
	n := estate.plane.Net
	for b.Loop() {
		b.StopTimer()
		p := dataplane.Build(n)
		b.StartTimer()
		if err := p.Warm(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
