// Package flowdbtest is the conformance suite of flowdb.Store: every store (DuckDB, ClickHouse)
// runs Run and must give the same, pinned answers — ingest counts, idempotence, the observed
// flows under each explain filter, enrichment and every report view — on the flowlog corpus and
// the bundled estate's example logs.
package flowdbtest

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// root is the repository's root, found from this file so the suite runs from any package.
func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Corpus is the flowlog test corpus: file name -> records it holds.
var Corpus = map[string]uint64{
	"vnet-flowlog-v4-docs-sample.json":               19,
	"nsg-flowlog-v2-docs-sample.json":                11,
	"nsg-flowlog-v1-docs-sample.json":                12,
	"azfw-resource-specific.jsonl":                   7,
	"azfw-resource-specific-blob.json":               3,
	"azfw-legacy-azurediagnostics-docs-samples.json": 5,
}

func corpusPath(name string) string {
	return filepath.Join(root(), "internal", "flowlog", "testdata", name)
}

// ExampleLogs are the bundled estate's example logs and this suite's own (a firewall record of
// a reply, for the asymmetric view).
func ExampleLogs() []string {
	return []string{filepath.Join(root(), "examples", "flowlogs", "PT1H.json"), filepath.Join(root(), "examples", "flowlogs", "azfw-hub.jsonl"),
		filepath.Join(root(), "internal", "flowdb", "flowdbtest", "testdata", "azfw-reply.jsonl")}
}

var (
	hubOnce sync.Once
	hubNet  *model.Network
	hubErr  error
)

// HubSpoke is the bundled estate's network (examples/hub-spoke), loaded once.
func HubSpoke(t *testing.T) *model.Network {
	t.Helper()
	hubOnce.Do(func() {
		var s *ask.Snapshot
		s, hubErr = ask.Load(context.Background(), []string{filepath.Join(root(), "examples", "hub-spoke")}, convert.Options{})
		if hubErr == nil {
			hubNet = s.Plane.Net
		}
	})
	if hubErr != nil {
		t.Fatal(hubErr)
	}
	return hubNet
}

// Run runs the suite; open returns a new, empty store (closed by the caller's cleanup).
func Run(t *testing.T, open func(t *testing.T) flowdb.Store) {
	t.Run("IngestIdempotent", func(t *testing.T) { testIngestIdempotent(t, open(t)) })
	t.Run("GrowingBlob", func(t *testing.T) { testGrowingBlob(t, open(t)) })
	t.Run("Abort", func(t *testing.T) { testAbort(t, open(t)) })
	t.Run("Flows", func(t *testing.T) { testFlows(t, open(t)) })
	t.Run("Enrichment", func(t *testing.T) { testEnrichment(t, open(t)) })
	t.Run("Reports", func(t *testing.T) { testReports(t, open(t)) })
}

func ingest(t *testing.T, st flowdb.Store, path string, en *flowdb.Enricher) flowdb.FileResult {
	t.Helper()
	r, err := flowdb.IngestFile(context.Background(), st, path, en)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func count(t *testing.T, st flowdb.Store) uint64 {
	t.Helper()
	n, err := st.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func testIngestIdempotent(t *testing.T, st flowdb.Store) {
	var total uint64
	for name, want := range Corpus {
		r := ingest(t, st, corpusPath(name), nil)
		if r.Records != want || r.Duplicates != 0 {
			t.Errorf("%s: records %d, duplicates %d; want %d, 0", name, r.Records, r.Duplicates, want)
		}
		total += want
	}
	if n := count(t, st); n != total {
		t.Fatalf("stored %d, want %d", n, total)
	}
	for name, want := range Corpus {
		r := ingest(t, st, corpusPath(name), nil)
		if r.Records != 0 || r.Duplicates < want {
			t.Errorf("again %s: records %d, duplicates %d; want 0, >= %d", name, r.Records, r.Duplicates, want)
		}
	}
	if n := count(t, st); n != total {
		t.Fatalf("after re-ingest stored %d, want %d", n, total)
	}
}

// A blob read while Azure appends to it: the half-written copy stores its complete records,
// the grown blob adds only the rest.
func testGrowingBlob(t *testing.T, st flowdb.Store) {
	dir := t.TempDir()
	whole, err := os.ReadFile(corpusPath("vnet-flowlog-v4-docs-sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	blob := filepath.Join(dir, "insights-logs-flowlogflowevent", "PT1H.json")
	os.MkdirAll(filepath.Dir(blob), 0o755)
	rec := string(whole[strings.Index(string(whole), "{\n            \"time\"") : strings.LastIndex(string(whole), "}\n    ]")+1])
	full := `{"records":[` + rec + "," + rec + "]}"
	cut := strings.LastIndex(full, "1663145990049") // inside the second record
	os.WriteFile(blob, []byte(full[:cut]), 0o644)
	r := ingest(t, st, blob, nil)
	if r.Records != 19 || len(r.Skips) != 1 || r.Skips[0].Path != "$.records[1]" {
		t.Fatalf("half-written: %+v", r)
	}
	os.WriteFile(blob, []byte(full), 0o644)
	r = ingest(t, st, blob, nil)
	if r.Records != 19 || r.Duplicates != 19 || len(r.Skips) != 0 {
		t.Fatalf("grown: %+v", r)
	}
	if n := count(t, st); n != 38 {
		t.Fatalf("stored %d, want 38", n)
	}
}

// Abort leaves nothing of the file, and the file's next ingest stores it whole.
func testAbort(t *testing.T, st flowdb.Store) {
	path := corpusPath("nsg-flowlog-v2-docs-sample.json")
	b, from, err := st.Begin(context.Background(), flowdb.FileKey(path), path)
	if err != nil || from != 0 {
		t.Fatal(err, from)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := flowlog.NewReader(f, 0)
	var rec flowlog.Record
	for r.Next(&rec) {
		if err := b.Add(&flowdb.Row{Record: &rec}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Abort(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st); n != 0 {
		t.Fatalf("after Abort %d rows", n)
	}
	if res := ingest(t, st, path, nil); res.Records != 11 || res.Duplicates != 0 {
		t.Fatalf("after Abort: %+v", res)
	}
}

func flows(t *testing.T, st flowdb.Store, f flowdb.Filter) []flowdb.Observed {
	t.Helper()
	obs, err := flowdb.Flows(context.Background(), st, f)
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

// describe is an observed group in one line, for pinning.
func describe(o flowdb.Observed) string {
	dst := o.FQDN
	if o.Dst.IsValid() {
		dst = o.Dst.String()
	}
	dir := ""
	if o.Direction != 0 {
		dir = string(rune(o.Direction))
	}
	return fmt.Sprintf("%s>%s %d/%d %s %s %s|%s|%s x%d %d-%d dflt=%v", o.Src, dst, o.Proto, o.DstPort, o.Decision, o.Kind, lastSeg(o.By),
		o.Rule, dir, o.Count, o.FirstMs, o.LastMs, o.ActionDefault)
}

func lastSeg(s string) string { return s[strings.LastIndexByte(s, '/')+1:] }

func testFlows(t *testing.T, st flowdb.Store) {
	for name := range Corpus {
		ingest(t, st, corpusPath(name), nil)
	}
	a := netip.MustParseAddr
	for _, c := range []struct {
		f    flowdb.Filter
		want []string
	}{
		{flowdb.Filter{Src: a("101.33.218.153")}, []string{
			"101.33.218.153>10.0.0.6 6/22 Denied vnetFlowLog 01020304-abcd-ef00-1234-102030405060|BlockHighRiskTCPPortsFromInternet|I x1 1663145998065-1663145998065 dflt=false"}},
		{flowdb.Filter{Dst: a("40.74.146.17")}, []string{
			"10.0.0.6>40.74.146.17 6/443 Allowed vnetFlowLog 00000000-1234-abcd-ef00-c1c2c3c4c5c6|DefaultRule_AllowInternetOutBound|O x3 1663146003637-1663146004622 dflt=false"}},
		{flowdb.Filter{DstPort: 23, HasDPort: true, DeniedOnly: true}, []string{
			"10.1.2.4>10.2.1.4 6/23 Denied firewall AFW-HUB|rcg-network/net-deny-legacy/deny-telnet| x1 1741083303500-1741083303500 dflt=false"}},
	} {
		var got []string
		for _, o := range flows(t, st, c.f) {
			got = append(got, describe(o))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Flows(%+v) =\n%s\nwant\n%s", c.f, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
	// DNS queries to the firewall's proxy (and its upstream errors) are stored but are not rule
	// decisions: explain does not list them.
	for _, o := range flows(t, st, flowdb.Filter{}) {
		if o.FQDN == "example.com" || o.FQDN == "md-l1l1pg5lcmkq.blob.core.windows.net" || o.Dst == a("168.63.129.160") {
			t.Errorf("a DNS proxy record among the observed flows: %s", describe(o))
		}
	}
	if n := count(t, st); n != 57 {
		t.Errorf("stored %d, want 57 (the corpus, DNS proxy records included)", n)
	}
	all := flows(t, st, flowdb.Filter{})
	if lim := flows(t, st, flowdb.Filter{Limit: 3}); len(lim) != 3 || describe(lim[0]) != describe(all[0]) || describe(lim[2]) != describe(all[2]) {
		t.Errorf("Limit 3 is not the first 3 of %d groups", len(all))
	}
	// The time range selects records, so a group's count and times shrink to it.
	in := flows(t, st, flowdb.Filter{Dst: a("40.74.146.17"), SinceMs: 1663146003637, UntilMs: 1663146004622})
	if len(in) != 1 || in[0].LastMs >= 1663146004622 || in[0].FirstMs != 1663146003637 {
		t.Errorf("time range: %v", in)
	}
}
