package collect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vnetdoctor/vnetdoctor/internal/collect/fakeazure"
	"github.com/vnetdoctor/vnetdoctor/internal/synth"
)

func smallEstate() map[string][]byte {
	return synth.Generate(synth.Config{VNets: 12, NICs: 60, NSGs: 12, RouteTables: 6, PrivateEndpoints: 8})
}

// TestPagingAndPayloadCap: with pages sized for 40 KB and a 100 KB answer cap, every family
// pages by skip token, NSG pages are halved on ResponsePayloadTooLarge, and the IDs written
// are exactly those of an unconstrained collection, none twice.
func TestPagingAndPayloadCap(t *testing.T) {
	files := smallEstate()
	want := baseline(t, files)
	fx := newFixture(t, files, fakeazure.Script{MaxPayload: 100 << 10})
	o := fx.options()
	o.PageBytes = 40 << 10
	m, err := fx.run(o)
	if err != nil || !m.Complete() {
		t.Fatalf("%v %+v", err, m.Errors)
	}
	if d := cmp.Diff(want, idsIn(t, fx.out)); d != "" {
		t.Errorf("IDs differ from an unconstrained collection:\n%s", d)
	}
	if m.Halved == 0 {
		t.Errorf("no page was halved; want NSG pages over the 100 KB cap to be asked again with half the rows")
	}
	pages := 0
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, "resourcegraph/nics-") {
			pages++
		}
		if info, err := os.Stat(filepath.Join(fx.out, f.Path)); err == nil && info.Size() > 110<<10 {
			t.Errorf("%s: %d bytes, over the cap", f.Path, info.Size())
		}
	}
	if pages < 2 {
		t.Errorf("NICs came in %d pages; want several, joined by skip tokens", pages)
	}
	if got := fx.fake.Requests.Load(); got != m.Requests {
		t.Errorf("manifest says %d requests, the fake saw %d", m.Requests, got)
	}
}

// TestThrottling: scripted 429s with Retry-After and a small quota window. The collection
// completes, every 429 the fake sent is in the manifest, and the Retry-After waits are counted.
func TestThrottling(t *testing.T) {
	files := smallEstate()
	want := baseline(t, files)
	fx := newFixture(t, files, fakeazure.Script{Throttle: 2, RetryAfter: 1, Quota: 4, QuotaWindow: 2 * time.Second})
	start := time.Now()
	m, err := fx.run(fx.options())
	if err != nil || !m.Complete() {
		t.Fatalf("%v %+v", err, m)
	}
	if d := cmp.Diff(want, idsIn(t, fx.out)); d != "" {
		t.Errorf("IDs differ:\n%s", d)
	}
	if m.Throttled != fx.fake.Throttled.Load() || m.Throttled < 2 {
		t.Errorf("manifest throttled = %d, fake sent %d 429s (2 scripted)", m.Throttled, fx.fake.Throttled.Load())
	}
	if m.WaitedSeconds < 2 || time.Since(start) < 2*time.Second {
		t.Errorf("waited %.1fs in %v; want the two Retry-After: 1 honoured", m.WaitedSeconds, time.Since(start))
	}
	if m.QuotaWaits == 0 {
		t.Errorf("no quota wait; 4 queries per 2 s should make the gate wait for the window")
	}
	if m.Requests != fx.fake.Requests.Load() {
		t.Errorf("manifest says %d requests, the fake saw %d", m.Requests, fx.fake.Requests.Load())
	}
}

// TestForbiddenSubscription: the caller cannot read one of the hub-spoke subscriptions.
// Whether Azure hides it from the subscription list or refuses the whole batch (403), the
// other subscriptions are collected whole, the gap is listed, and the run is incomplete.
func TestForbiddenSubscription(t *testing.T) {
	files := synth.HubSpoke()
	all := baseline(t, files)
	const bad = "00000000-0000-0000-0000-000000000003"
	for name, s := range map[string]fakeazure.Script{
		"hidden":        {Forbidden: map[string]bool{bad: true}},
		"batch refused": {Forbidden: map[string]bool{bad: true}, ListForbidden: true, Refuse403: true},
		"no list":       {Forbidden: map[string]bool{bad: true}, NoList: true},
	} {
		t.Run(name, func(t *testing.T) {
			fx := newFixture(t, files, s)
			m, err := fx.run(fx.options())
			if err != nil {
				t.Fatal(err)
			}
			var others []string
			for _, sub := range fx.fake.Subscriptions() {
				if sub != bad {
					others = append(others, sub)
				}
			}
			got := idsIn(t, fx.out)
			if d := cmp.Diff(inSubs(all, others...), inSubs(got, others...)); d != "" {
				t.Errorf("readable subscriptions not collected whole:\n%s", d)
			}
			if n := len(inSubs(got, bad)); n != 0 {
				t.Errorf("%d resources of the forbidden subscription written", n)
			}
			if m.Complete() || !slices.ContainsFunc(m.Errors, func(e Error) bool {
				return strings.Contains(e.Scope, bad) && e.Status == http.StatusForbidden
			}) {
				t.Errorf("errors = %+v; want a 403 naming /subscriptions/%s", m.Errors, bad)
			}
			if disk := readManifest(t, fx.out); len(disk.Errors) != len(m.Errors) {
				t.Errorf("manifest.json lists %d errors, Run returned %d", len(disk.Errors), len(m.Errors))
			}
		})
	}
}

// TestExpiredToken: a token refused from the first query writes nothing (no DIR, no
// temporary directory left); a token that expires mid-collection leaves an incomplete
// snapshot whose manifest lists the 401s.
func TestExpiredToken(t *testing.T) {
	files := smallEstate()
	fx := newFixture(t, files, fakeazure.Script{ExpireAfter: 1})
	_, err := fx.run(fx.options())
	var fe *FatalError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), fakeazure.Token) {
		t.Fatalf("err = %v; want a FatalError naming the 401, never the token", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(fx.out))
	if len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}

	fx = newFixture(t, files, fakeazure.Script{ExpireAfter: 4})
	o := fx.options()
	o.Parallel = 1
	m, err := fx.run(o)
	if err != nil {
		t.Fatal(err)
	}
	if m.Complete() || !slices.ContainsFunc(m.Errors, func(e Error) bool { return e.Status == http.StatusUnauthorized }) {
		t.Errorf("errors = %+v; want 401s listed", m.Errors)
	}
	if len(m.Files) == 0 {
		t.Errorf("no file kept; the pages read before the token expired are whole answers")
	}
}

// TestConnectionCutMidPage: an answer cut halfway is asked for again and the collection is
// whole; an answer cut every time leaves that family's gap listed.
func TestConnectionCutMidPage(t *testing.T) {
	files := smallEstate()
	want := baseline(t, files)
	fx := newFixture(t, files, fakeazure.Script{CutAnswer: 2})
	m, err := fx.run(fx.options())
	if err != nil || !m.Complete() {
		t.Fatalf("%v %+v", err, m)
	}
	if m.Retried != 1 {
		t.Errorf("retried = %d, want 1", m.Retried)
	}
	if d := cmp.Diff(want, idsIn(t, fx.out)); d != "" {
		t.Errorf("IDs differ:\n%s", d)
	}

	fx = newFixture(t, files, fakeazure.Script{CutAnswer: 1, CutTimes: 1000})
	o := fx.options()
	o.MaxRetries = 2
	_, err = fx.run(o)
	if err == nil {
		t.Fatalf("every answer cut: want nothing written, got a snapshot")
	}
}

// TestSlowAnswers: answers slower than the per-try timeout are retried by the SDK and then
// reported; answers merely slow complete.
func TestSlowAnswers(t *testing.T) {
	files := smallEstate()
	fx := newFixture(t, files, fakeazure.Script{Delay: 30 * time.Millisecond})
	if m, err := fx.run(fx.options()); err != nil || !m.Complete() {
		t.Fatalf("slow answers: %v %+v", err, m)
	}
	fx = newFixture(t, files, fakeazure.Script{Delay: 200 * time.Millisecond})
	o := fx.options()
	o.TryTimeout, o.MaxRetries = 50*time.Millisecond, 1
	_, err := fx.run(o)
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("answers slower than the try timeout: err = %v, want the timeout named", err)
	}
}

// TestManagementGroupScope: a management group is one scope for every query; past 10,000
// subscriptions the readable ones are batched 1,000 at a time.
func TestManagementGroupScope(t *testing.T) {
	files := synth.HubSpoke()
	want := baseline(t, files)
	fx := newFixture(t, files, fakeazure.Script{})
	o := fx.options()
	o.Subscriptions, o.ManagementGroup = nil, "mg-root"
	m, err := fx.run(o)
	if err != nil || !m.Complete() {
		t.Fatalf("%v %+v", err, m)
	}
	if d := cmp.Diff(want, idsIn(t, fx.out)); d != "" {
		t.Errorf("IDs differ:\n%s", d)
	}
	if !slices.Equal(m.Scope, []string{"/providers/Microsoft.Management/managementGroups/mg-root"}) {
		t.Errorf("scope = %v", m.Scope)
	}

	var extra []string
	for i := range 12000 {
		extra = append(extra, fmt.Sprintf("10000000-0000-0000-0000-%012d", i))
	}
	fx = newFixture(t, files, fakeazure.Script{ExtraSubs: extra})
	o = fx.options()
	o.Subscriptions, o.ManagementGroup = nil, "mg-root"
	m, err = fx.run(o)
	if err != nil || !m.Complete() {
		t.Fatalf("12,004 subscriptions: %v %+v", err, m)
	}
	if d := cmp.Diff(want, idsIn(t, fx.out)); d != "" {
		t.Errorf("12,004 subscriptions: IDs differ:\n%s", d)
	}
	if m.Subscriptions != 12004 || fx.fake.Queries.Load() < 13*int64(len(families)) {
		t.Errorf("subscriptions %d, queries %d; want 12,004 read in 13 batches per family", m.Subscriptions, fx.fake.Queries.Load())
	}
}

// TestExistingOutAndInterrupt: an existing DIR is refused without --force; a cancelled
// collection leaves nothing.
func TestExistingOutAndInterrupt(t *testing.T) {
	fx := newFixture(t, smallEstate(), fakeazure.Script{Delay: 100 * time.Millisecond})
	os.MkdirAll(fx.out, 0o755)
	os.WriteFile(filepath.Join(fx.out, "keep.json"), []byte("{}"), 0o644)
	if _, err := fx.run(fx.options()); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("existing DIR: err = %v", err)
	}
	o := fx.options()
	o.Force = true
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if _, err := Run(ctx, o); err == nil || !strings.Contains(err.Error(), "nothing written") {
		t.Errorf("interrupted: err = %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(fx.out))
	if len(entries) != 1 || entries[0].Name() != "snap" {
		t.Errorf("after the interrupt the parent holds %v; want only the old DIR", entries)
	}
	if _, err := os.Stat(filepath.Join(fx.out, "keep.json")); err != nil {
		t.Errorf("the old DIR was touched: %v", err)
	}
	if m, err := fx.run(o); err != nil || !m.Complete() {
		t.Fatalf("--force: %v", err)
	}
	if _, err := os.Stat(filepath.Join(fx.out, "keep.json")); err == nil {
		t.Errorf("--force kept the old DIR's files")
	}
}
