package ask

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/check"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

func example(t *testing.T) *Snapshot {
	t.Helper()
	s, err := Load(context.Background(), []string{filepath.Join("..", "..", "examples", "hub-spoke")}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestQuestions asks every question of the bundled example once.
func TestQuestions(t *testing.T) {
	s, ctx, opts := example(t), context.Background(), DefaultOptions()
	if a, err := Summary(ctx, s, SummaryQuery{}, opts); err != nil || a.Network != s.Plane.Net {
		t.Errorf("Summary = %+v, %v", a, err)
	}
	if a, err := Routes(ctx, s, RoutesQuery{NIC: "vm-app1"}, opts); err != nil || len(a.Routes) == 0 || a.NIC.VMName != "vm-app1" {
		t.Errorf("Routes = %+v, %v; want the routes of vm-app1", a, err)
	}
	if a, err := Rules(ctx, s, RulesQuery{NIC: "vm-dns1"}, opts); err != nil || len(a.NSGs) == 0 {
		t.Errorf("Rules = %+v, %v; want vm-dns1's NSGs", a, err)
	}
	q := trace.Query{From: "vm-app1", To: "pe-sql-data", DestinationPort: 1433}
	if a, err := Trace(ctx, s, q, opts); err != nil || a.Verdict == "" {
		t.Errorf("Trace = %+v, %v", a, err)
	}
	all, err := Check(ctx, s, CheckQuery{}, opts)
	if err != nil || len(all) == 0 {
		t.Errorf("Check = %d findings, %v", len(all), err)
	}
	one, err := Check(ctx, s, CheckQuery{Codes: []check.Code{check.CodePeeringNotConnected}}, opts)
	if err != nil || len(one) == 0 {
		t.Errorf("Check(PeeringNotConnected) = %d findings, %v", len(one), err)
	}
	for _, f := range one {
		if f.Code != check.CodePeeringNotConnected {
			t.Errorf("Check(PeeringNotConnected) gave a %s finding", f.Code)
		}
	}
	var qe *QueryError
	if _, err := Check(ctx, s, CheckQuery{Codes: []check.Code{"NoSuchCheck"}}, opts); !errors.As(err, &qe) {
		t.Errorf("Check(NoSuchCheck) error = %v, want a *QueryError", err)
	}
	if a, err := Resolve(ctx, s, ResolveQuery{From: "vm-app1", Name: "stdataprod001.blob.core.windows.net"}, opts); err != nil || a == nil {
		t.Errorf("Resolve = %+v, %v", a, err)
	}
	if _, err := Resolve(ctx, s, ResolveQuery{From: "vm-app1", Name: "not a name"}, opts); !errors.As(err, &qe) {
		t.Errorf("Resolve(bad name) error = %v, want a *QueryError", err)
	}
}

// TestCancelled: every question returns the context's error when it is already done.
func TestCancelled(t *testing.T) {
	s, opts := example(t), DefaultOptions()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	errs := map[string]error{}
	_, errs["Summary"] = Summary(ctx, s, SummaryQuery{}, opts)
	_, errs["Routes"] = Routes(ctx, s, RoutesQuery{NIC: "vm-app1"}, opts)
	_, errs["Rules"] = Rules(ctx, s, RulesQuery{NIC: "vm-app1"}, opts)
	_, errs["Trace"] = Trace(ctx, s, trace.Query{From: "vm-app1", To: "vm-dns1"}, opts)
	_, errs["Check"] = Check(ctx, s, CheckQuery{}, opts)
	_, errs["Resolve"] = Resolve(ctx, s, ResolveQuery{From: "vm-app1", Name: "example.com"}, opts)
	_, errs["Load"] = Load(ctx, []string{"unused"}, convert.Options{})
	for q, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s(cancelled) error = %v, want context.Canceled", q, err)
		}
	}
}
