package duckdb

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
)

const corpus = "../../flowlog/testdata/"

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func count(t *testing.T, s *Store) uint64 {
	t.Helper()
	n, err := s.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func ingest(t *testing.T, s *Store, path string) flowdb.FileResult {
	t.Helper()
	r, err := flowdb.IngestFile(context.Background(), s, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestIngestIdempotent(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "flows.duckdb"))
	files := map[string]uint64{
		"vnet-flowlog-v4-docs-sample.json":               19,
		"nsg-flowlog-v2-docs-sample.json":                11,
		"nsg-flowlog-v1-docs-sample.json":                12,
		"azfw-resource-specific.jsonl":                   6,
		"azfw-resource-specific-blob.json":               3,
		"azfw-legacy-azurediagnostics-docs-samples.json": 3,
	}
	var total uint64
	for name, want := range files {
		r := ingest(t, s, corpus+name)
		if r.Records != want || r.Duplicates != 0 {
			t.Errorf("%s: records %d, duplicates %d; want %d, 0", name, r.Records, r.Duplicates, want)
		}
		total += want
	}
	if n := count(t, s); n != total {
		t.Fatalf("stored %d, want %d", n, total)
	}
	for name, want := range files {
		r := ingest(t, s, corpus+name)
		if r.Records != 0 || r.Duplicates < want {
			t.Errorf("again %s: records %d, duplicates %d; want 0, >= %d", name, r.Records, r.Duplicates, want)
		}
	}
	if n := count(t, s); n != total {
		t.Fatalf("after re-ingest stored %d, want %d", n, total)
	}
	// Observed fields come back as the log wrote them.
	obs, err := flowdb.Flows(context.Background(), s, flowdb.Filter{Src: netip.MustParseAddr("101.33.218.153")})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 1 || obs[0].Decision != flowlog.Denied || obs[0].DstPort != 22 || obs[0].By != "01020304-abcd-ef00-1234-102030405060" ||
		obs[0].Rule != "BlockHighRiskTCPPortsFromInternet" || obs[0].Count != 1 || obs[0].Direction != 'I' || obs[0].FirstMs != 1663145998065 {
		t.Errorf("observed = %+v", obs)
	}
	obs, err = flowdb.Flows(context.Background(), s, flowdb.Filter{Dst: netip.MustParseAddr("40.74.146.17")})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 1 || obs[0].Count != 3 || obs[0].Decision != flowlog.Allowed || obs[0].LastMs != 1663146004622 {
		t.Errorf("three flows B+E to 40.74.146.17: %+v", obs)
	}
	obs, err = flowdb.Flows(context.Background(), s, flowdb.Filter{DstPort: 23, HasDPort: true, DeniedOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 1 || obs[0].Rule != "rcg-network/net-deny-legacy/deny-telnet" || obs[0].Kind != flowlog.Firewall {
		t.Errorf("firewall deny: %+v", obs)
	}
}

// A blob read while Azure appends to it: the half-written copy stores its complete records,
// the grown blob adds only the rest.
func TestIngestGrowingBlob(t *testing.T) {
	dir := t.TempDir()
	s := open(t, filepath.Join(dir, "flows.duckdb"))
	whole, err := os.ReadFile(corpus + "vnet-flowlog-v4-docs-sample.json")
	if err != nil {
		t.Fatal(err)
	}
	blob := filepath.Join(dir, "insights-logs-flowlogflowevent", "PT1H.json")
	os.MkdirAll(filepath.Dir(blob), 0o755)
	rec := string(whole[strings.Index(string(whole), "{\n            \"time\"") : strings.LastIndex(string(whole), "}\n    ]")+1])
	full := `{"records":[` + rec + "," + rec + "]}"
	cut := strings.LastIndex(full, "1663145990049") // inside the second record
	os.WriteFile(blob, []byte(full[:cut]), 0o644)
	r := ingest(t, s, blob)
	if r.Records != 19 || len(r.Skips) != 1 || r.Skips[0].Path != "$.records[1]" {
		t.Fatalf("half-written: %+v", r)
	}
	os.WriteFile(blob, []byte(full), 0o644)
	r = ingest(t, s, blob)
	if r.Records != 19 || r.Duplicates != 19 || len(r.Skips) != 0 {
		t.Fatalf("grown: %+v", r)
	}
	if n := count(t, s); n != 38 {
		t.Fatalf("stored %d, want 38", n)
	}
}

// An ingest killed before its commit leaves nothing of the file; the rerun ends with the exact
// count.
func TestKilledIngestRerun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.duckdb")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	b, from, err := s.Begin(context.Background(), flowdb.FileKey(corpus+"nsg-flowlog-v2-docs-sample.json"), "x")
	if err != nil || from != 0 {
		t.Fatal(err, from)
	}
	var rec flowlog.Record
	r := flowlog.NewReader(strings.NewReader(mustRead(t, corpus+"nsg-flowlog-v2-docs-sample.json")), 0)
	for i := 0; i < 5 && r.Next(&rec); i++ {
		if err := b.Add(&flowdb.Row{Record: &rec}); err != nil {
			t.Fatal(err)
		}
	}
	// Rows reach the transaction before the kill.
	if err := b.(*batch).flush(); err != nil {
		t.Fatal(err)
	}
	if err := b.(*batch).wait(); err != nil {
		t.Fatal(err)
	}
	// Killed: the process goes away without Commit or Abort.
	s.ing.Raw(func(c any) error { return c.(interface{ Close() error }).Close() })
	s.ing = nil
	s.Close()
	s = open(t, path)
	if n := count(t, s); n != 0 {
		t.Fatalf("after the kill %d rows, want 0", n)
	}
	if res := ingest(t, s, corpus+"nsg-flowlog-v2-docs-sample.json"); res.Records != 11 {
		t.Fatalf("rerun: %+v", res)
	}
	if n := count(t, s); n != 11 {
		t.Fatalf("stored %d, want 11", n)
	}
}

func TestAbort(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "flows.duckdb"))
	b, _, err := s.Begin(context.Background(), "k", "p")
	if err != nil {
		t.Fatal(err)
	}
	rec := flowlog.Record{Kind: flowlog.VNetFlowLog, Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2")}
	if err := b.Add(&flowdb.Row{Record: &rec}); err != nil {
		t.Fatal(err)
	}
	if err := b.(*batch).flush(); err != nil {
		t.Fatal(err)
	}
	if err := b.(*batch).wait(); err != nil {
		t.Fatal(err)
	}
	if err := b.Abort(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s); n != 0 {
		t.Fatalf("after Abort %d rows", n)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.duckdb")
	s := open(t, path)
	if _, err := s.db.Exec(`UPDATE meta SET value = '99' WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(context.Background(), path)
	var ne *flowdb.NewerSchemaError
	if !errors.As(err, &ne) || ne.Found != 99 || !strings.Contains(err.Error(), "newer than this vnetdoctor supports") {
		t.Fatalf("err = %v", err)
	}
}

func TestNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.duckdb")
	os.WriteFile(path, []byte("hello, not a database\n"), 0o644)
	_, err := Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want one naming %s", err, path)
	}
}

func mustRead(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
