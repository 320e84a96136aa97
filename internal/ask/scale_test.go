package ask

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/diff"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
	"github.com/vnetdoctor/vnetdoctor/internal/verify"
)

// TestScaleDiffVerify (VNETDOCTOR_ESTATE=DIR VNETDOCTOR_ESTATE_AFTER=DIR2, DIR2 differing in one
// NSG rule) times diff's reachability step by step — load, model builds, the incremental
// recomputation — and, in the same run, recomputing the same endpoints over every packet and
// (extrapolated from a sample of endpoints) every subnet; then verify of a handful of intents
// (VNETDOCTOR_INTENTS=FILE).
//
//	VNETDOCTOR_ESTATE=/tmp/estate VNETDOCTOR_ESTATE_AFTER=/tmp/estate2 go test -run ScaleDiffVerify -v -timeout 0 ./internal/ask/
func TestScaleDiffVerify(t *testing.T) {
	dir, dir2 := os.Getenv("VNETDOCTOR_ESTATE"), os.Getenv("VNETDOCTOR_ESTATE_AFTER")
	if dir == "" || dir2 == "" {
		t.Skip("set VNETDOCTOR_ESTATE and VNETDOCTOR_ESTATE_AFTER")
	}
	ctx, opts := context.Background(), DefaultOptions()
	t0 := time.Now()
	before, err := Load(ctx, []string{dir}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	after, err := Load(ctx, []string{dir2}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bd, _ := diff.ReadDocs([]string{dir}, nil)
	ad, _ := diff.ReadDocs([]string{dir2}, nil)
	t1 := time.Now()
	res, routes := diff.CompareResources(bd, ad), diff.CompareRoutes(before.Plane, after.Plane)
	sc := scopeOf(res, routes, before.Plane.Net, after.Plane.Net)
	t2 := time.Now()
	rows, st, err := diffReach(ctx, before, after, sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	t3 := time.Now()
	t.Logf("load both (+docs) %v; resources, routes and scope %v; reachability %v: scope %s, %d endpoints, %d traces, %d rows",
		t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), st.Scope, st.Endpoints, st.Traces, len(rows))
	// The builds alone, for the split.
	t4 := time.Now()
	mb, ma := reach.Build(before.Plane), reach.Build(after.Plane)
	t.Logf("the two reach model builds alone: %v", time.Since(t4))
	// Endpoints of the same subnets over every packet (what a rule-blind diff would do), sampled.
	var nsgs []string
	for id := range sc.rules {
		nsgs = append(nsgs, id)
	}
	whole := diffScope{subnets: map[string]bool{}, nics: map[string]bool{}}
	for _, s := range after.Plane.Net.Subnets {
		if s.NSG != nil && len(nsgs) > 0 && strings.EqualFold(string(s.NSG.ID), nsgs[0]) {
			whole.subnets[strings.ToLower(string(s.ID))] = true
		}
	}
	t5 := time.Now()
	runs, _ := planRuns(before.Plane, after.Plane, mb, ma, whole, opts)
	traces, eps := 0, 0
	for _, r := range runs { // one endpoint of each run: the rate, not the whole
		if len(r.q.To) > 0 {
			r.q.To = r.q.To[:1]
		}
		if len(r.q.From) > 0 {
			r.q.From = r.q.From[:1]
		}
		_, n, err := reach.Compare(ctx, mb, ma, r.q)
		if err != nil {
			t.Fatal(err)
		}
		traces += n
		eps += len(r.q.To) + len(r.q.From)
	}
	perEP := time.Since(t5) / time.Duration(max(eps, 1))
	t.Logf("one endpoint of those subnets, both ways, over every packet: %v, %d endpoint runs, %d traces (%v per endpoint run)", time.Since(t5), eps, traces, perEP)
	all := diffScope{subnets: map[string]bool{}, nics: map[string]bool{}}
	for _, s := range after.Plane.Net.Subnets {
		all.subnets[strings.ToLower(string(s.ID))] = true
	}
	full, _ := planRuns(before.Plane, after.Plane, mb, ma, all, opts)
	n := 0
	for _, r := range full {
		n += len(r.q.To) + len(r.q.From)
	}
	t.Logf("every subnet (full recomputation): %d endpoint runs (alike NICs grouped) ≈ %v at that rate (extrapolated, not run)", n, perEP*time.Duration(n))
	if f := os.Getenv("VNETDOCTOR_INTENTS"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		intents, err := verify.Parse(f, data)
		if err != nil {
			t.Fatal(err)
		}
		t6 := time.Now()
		a, err := Verify(ctx, after, intents, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("verify %d intents: %v (model build included): %d hold, %d violated, %d unknown", len(intents), time.Since(t6), a.Holds, a.Violated, a.Unknown)
		for _, r := range a.Intents {
			t.Logf("  %s: %s, %d classes", r.Name, r.Result, r.Classes)
		}
	}
}
