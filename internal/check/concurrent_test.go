package check

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
)

// examplePlane builds a fresh (cold) data plane of the bundled hub-and-spoke example.
func examplePlane(t *testing.T) *dataplane.Plane {
	t.Helper()
	return loadPlane(t, filepath.Join("..", "..", "examples", "hub-spoke"))
}

// TestRunConcurrentOptions runs Run with two different Options at once on one cold data plane
// (run it with -race): each call must get the answer of its own options, the same as when it
// runs alone.
func TestRunConcurrentOptions(t *testing.T) {
	a := DefaultOptions()
	b := DefaultOptions()
	b.Prices.PrivateEndpointHourUSD = 0.05 // other PrivateEndpointCost amounts
	b.Limits.NearLimitPercent = 1          // every NSG, route table and VNet is near a limit
	b.Limits.NetAppBasicIPs = 1 << 20      // no NetAppBasicIpLimit finding
	opts := []Options{a, b}

	p := examplePlane(t)
	const rounds = 3
	got := make([][]Finding, 2*rounds)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fs, err := Run(context.Background(), p, opts[i%2])
			if err != nil {
				t.Errorf("run %d: %v", i, err)
			}
			got[i] = fs
		}()
	}
	wg.Wait()

	alone := examplePlane(t)
	for j, o := range opts {
		want, err := Run(context.Background(), alone, o)
		if err != nil {
			t.Fatal(err)
		}
		for i := j; i < len(got); i += 2 {
			if d := cmp.Diff(want, got[i]); d != "" {
				t.Errorf("concurrent run %d (options %d) differs from a run alone (-alone +concurrent):\n%s", i, j, d)
			}
		}
	}
	if cmp.Equal(got[0], got[1]) {
		t.Fatal("the two options gave the same findings; the test no longer tells them apart")
	}
	if n := count(got[1], "LimitExceeded") - count(got[0], "LimitExceeded"); n <= 0 {
		t.Errorf("NearLimitPercent 1 added %d LimitExceeded findings, want more than 0", n)
	}
	if count(got[0], "NetAppBasicIpLimit") == 0 || count(got[1], "NetAppBasicIpLimit") != 0 {
		t.Errorf("NetAppBasicIpLimit findings: %d with defaults, %d with a high limit; want some, then none",
			count(got[0], "NetAppBasicIpLimit"), count(got[1], "NetAppBasicIpLimit"))
	}
}

func count(fs []Finding, code Code) int {
	n := 0
	for _, f := range fs {
		if f.Code == code {
			n++
		}
	}
	return n
}

// TestRunCancelled: Run stops between checks and returns the context's error.
func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fs, err := Run(ctx, examplePlane(t), DefaultOptions())
	if !errors.Is(err, context.Canceled) || fs != nil {
		t.Errorf("Run(cancelled) = %d findings, %v; want none, context.Canceled", len(fs), err)
	}
}

// TestRunSharesAnswers: the two checks that read the same DNS answers find, run together (one
// resolution shared, wrongAnswers), what each finds run alone, and the example has some of each.
// It shows sharing changes no answer; that the resolution is shared is seen in the profile.
func TestRunSharesAnswers(t *testing.T) {
	var cs []Check
	for _, code := range []Code{CodePrivateEndpointResolvesPublic, CodePrivateDNSZoneNotLinked} {
		c, ok := Lookup(code)
		if !ok {
			t.Fatalf("no check %s", code)
		}
		cs = append(cs, c)
	}
	p := examplePlane(t)
	together, err := RunChecks(context.Background(), cs, p, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var alone []Finding
	for _, c := range cs {
		alone = append(alone, RunOne(context.Background(), c, examplePlane(t), DefaultOptions())...)
	}
	Sort(alone)
	if d := cmp.Diff(alone, together); d != "" {
		t.Errorf("run together differs from each alone (-alone +together):\n%s", d)
	}
	for _, c := range cs {
		if count(together, c.Code) == 0 {
			t.Errorf("no %s finding on the example; the test no longer compares answers", c.Code)
		}
	}
}
