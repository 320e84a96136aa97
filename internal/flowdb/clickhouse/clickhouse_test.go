package clickhouse

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/clickhouse/chtest"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/flowdbtest"
	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
)

func TestMain(m *testing.M) {
	code := m.Run()
	chtest.Stop()
	os.Exit(code)
}

const corpus = "../../flowlog/testdata/"

// corpusFiles are the sample logs and their record counts.
var corpusFiles = flowdbtest.Corpus

func open(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func count(t *testing.T, s flowdb.Store) uint64 {
	t.Helper()
	n, err := s.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func ingest(t *testing.T, s flowdb.Store, path string) flowdb.FileResult {
	t.Helper()
	r, err := flowdb.IngestFile(context.Background(), s, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestIngestIdempotent(t *testing.T) {
	s := open(t, chtest.Require(t).URL(t))
	var total uint64
	for name, want := range corpusFiles {
		r := ingest(t, s, corpus+name)
		if r.Records != want || r.Duplicates != 0 {
			t.Errorf("%s: records %d, duplicates %d; want %d, 0", name, r.Records, r.Duplicates, want)
		}
		total += want
	}
	if n := count(t, s); n != total {
		t.Fatalf("stored %d, want %d", n, total)
	}
	for name, want := range corpusFiles {
		r := ingest(t, s, corpus+name)
		if r.Records != 0 || r.Duplicates < want {
			t.Errorf("again %s: records %d, duplicates %d; want 0, >= %d", name, r.Records, r.Duplicates, want)
		}
	}
	if n := count(t, s); n != total {
		t.Fatalf("after re-ingest stored %d, want %d", n, total)
	}
	ctx := context.Background()
	obs, err := flowdb.Flows(ctx, s, flowdb.Filter{Src: netip.MustParseAddr("101.33.218.153")})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 1 || obs[0].Decision != flowlog.Denied || obs[0].DstPort != 22 || obs[0].By != "01020304-abcd-ef00-1234-102030405060" ||
		obs[0].Rule != "BlockHighRiskTCPPortsFromInternet" || obs[0].Count != 1 || obs[0].Direction != 'I' || obs[0].FirstMs != 1663145998065 {
		t.Errorf("observed = %+v", obs)
	}
	obs, err = flowdb.Flows(ctx, s, flowdb.Filter{Dst: netip.MustParseAddr("40.74.146.17")})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 1 || obs[0].Count != 3 || obs[0].Decision != flowlog.Allowed || obs[0].LastMs != 1663146004622 {
		t.Errorf("three flows B+E to 40.74.146.17: %+v", obs)
	}
	obs, err = flowdb.Flows(ctx, s, flowdb.Filter{DstPort: 23, HasDPort: true, DeniedOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 1 || obs[0].Rule != "rcg-network/net-deny-legacy/deny-telnet" || obs[0].Kind != flowlog.Firewall {
		t.Errorf("firewall deny: %+v", obs)
	}
	// The logical ingested table answers as DuckDB's does.
	var files, records uint64
	err = s.Query(ctx, `SELECT count(*), sum(records) FROM ingested WHERE done = 1`, func(scan func(...any) error) error {
		return scan(&files, &records)
	})
	if err != nil || files != uint64(len(corpusFiles)) || records < total {
		t.Errorf("ingested: %d files, %d records, %v; want %d files, >= %d records", files, records, err, len(corpusFiles), total)
	}
}

// A blob read while Azure appends to it: the half-written copy stores its complete records,
// the grown blob adds only the rest.
func TestIngestGrowingBlob(t *testing.T) {
	s := open(t, chtest.Require(t).URL(t))
	dir := t.TempDir()
	whole := mustRead(t, corpus+"vnet-flowlog-v4-docs-sample.json")
	blob := filepath.Join(dir, "insights-logs-flowlogflowevent", "PT1H.json")
	os.MkdirAll(filepath.Dir(blob), 0o755)
	rec := whole[strings.Index(whole, "{\n            \"time\"") : strings.LastIndex(whole, "}\n    ]")+1]
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

// An ingest killed after its rows reached the server but before its commit: nothing of the
// file counts, the rerun ends with the exact count, and the orphaned rows are deleted from the
// raw table and the rollups.
func TestKilledIngestRerun(t *testing.T) {
	url := chtest.Require(t).URL(t)
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	const name = "nsg-flowlog-v2-docs-sample.json"
	b, from, err := s.Begin(context.Background(), flowdb.FileKey(corpus+name), "x")
	if err != nil || from != 0 {
		t.Fatal(err, from)
	}
	var rec flowlog.Record
	r := flowlog.NewReader(strings.NewReader(mustRead(t, corpus+name)), 0)
	for i := 0; i < 5 && r.Next(&rec); i++ {
		if err := b.Add(&flowdb.Row{Record: &rec}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.(*batch).flush(); err != nil {
		t.Fatal(err)
	}
	// Killed: the process goes away without Commit or Abort.
	s.Close()
	s = open(t, url)
	if n := count(t, s); n != 0 {
		t.Fatalf("after the kill %d rows count, want 0", n)
	}
	if n := physical(t, s, "flow_raw_all"); n != 5 {
		t.Fatalf("after the kill flow_raw_all holds %d rows, want the 5 sent", n)
	}
	if res := ingest(t, s, corpus+name); res.Records != 11 {
		t.Fatalf("rerun: %+v", res)
	}
	if n := count(t, s); n != 11 {
		t.Fatalf("stored %d, want 11", n)
	}
	waitPhysical(t, s, "flow_raw_all", 11)
	var flows uint64
	err = s.Query(context.Background(), `SELECT sum(flows) FROM flow_1m_all`, func(scan func(...any) error) error { return scan(&flows) })
	if err != nil {
		t.Fatal(err)
	}
	if want := startsOf(t, s); flows != want {
		t.Errorf("flow_1m_all holds %d flows after the cleanup, want the committed %d", flows, want)
	}
}

func TestAbort(t *testing.T) {
	s := open(t, chtest.Require(t).URL(t))
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
	if err := b.Abort(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s); n != 0 {
		t.Fatalf("after Abort %d rows", n)
	}
	waitPhysical(t, s, "flow_raw_all", 0)
	if _, from, err := s.Begin(context.Background(), "k", "p"); err != nil || from != 0 {
		t.Fatalf("Begin after Abort: from %d, %v", from, err)
	}
}

// The rollups hold what flow_raw holds, summed by minute and hour.
func TestRollups(t *testing.T) {
	s := open(t, chtest.Require(t).URL(t))
	for name := range corpusFiles {
		ingest(t, s, corpus+name)
	}
	ctx := context.Background()
	type sums struct{ flows, ends, pkts, bytes uint64 }
	var raw sums
	err := s.Query(ctx, `SELECT sum(CASE WHEN state IN (0, 66, 68) THEN 1 ELSE 0 END), sum(CASE WHEN state = 69 THEN 1 ELSE 0 END),
		sum(pkts_sd + pkts_ds), sum(bytes_sd + bytes_ds) FROM flow_raw`, func(scan func(...any) error) error {
		return scan(&raw.flows, &raw.ends, &raw.pkts, &raw.bytes)
	})
	if err != nil {
		t.Fatal(err)
	}
	if raw.flows == 0 || raw.bytes == 0 {
		t.Fatalf("raw sums %+v: the corpus has flows and bytes", raw)
	}
	for _, r := range rollups {
		var got sums
		var buckets uint64
		err := s.Query(ctx, `SELECT sum(flows), sum(ends), sum(pkts), sum(bytes), count(DISTINCT bucket_ms) FROM `+r.name,
			func(scan func(...any) error) error {
				return scan(&got.flows, &got.ends, &got.pkts, &got.bytes, &buckets)
			})
		if err != nil {
			t.Fatal(err)
		}
		if got != raw || buckets == 0 {
			t.Errorf("%s: %+v in %d buckets, want %+v", r.name, got, buckets, raw)
		}
	}
	// Per minute: the minute of every raw row, with the same flow count.
	var diff uint64
	err = s.Query(ctx, `SELECT count(*) FROM (SELECT intDiv(ts_ms, 60000) * 60000 AS m, sum(CASE WHEN state IN (0, 66, 68) THEN 1 ELSE 0 END) AS f
		FROM flow_raw GROUP BY m) ANY FULL OUTER JOIN (SELECT bucket_ms AS m, sum(flows) AS g FROM flow_1m GROUP BY m) USING m WHERE f != g`,
		func(scan func(...any) error) error { return scan(&diff) })
	if err != nil || diff != 0 {
		t.Errorf("minutes whose flows differ between flow_raw and flow_1m: %d, %v", diff, err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	url := chtest.Require(t).URL(t)
	s := open(t, url)
	if err := s.conn.Exec(context.Background(), `INSERT INTO meta (key, value) SELECT 'schema_version', '99'`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(context.Background(), url)
	var ne *flowdb.NewerSchemaError
	if !errors.As(err, &ne) || ne.Found != 99 || !strings.Contains(err.Error(), "newer than this vnetdoctor supports") {
		t.Fatalf("err = %v", err)
	}
}

// A database that holds other tables is not taken over.
func TestNotAFlowDatabase(t *testing.T) {
	url := chtest.Require(t).URL(t)
	s := open(t, url)
	for _, q := range []string{`DROP TABLE meta`, `CREATE TABLE accounts (id UInt64) ENGINE = TinyLog`} {
		if err := s.conn.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Open(context.Background(), url)
	if err == nil || !strings.Contains(err.Error(), "not a flow database") || !strings.Contains(err.Error(), "accounts") {
		t.Fatalf("err = %v", err)
	}
}

func TestBadURL(t *testing.T) {
	for raw, want := range map[string]string{
		"clickhouse://127.0.0.1:9000":               "database \"\"",
		"clickhouse://127.0.0.1:9000/flows;drop":    "letters, digits and _",
		"clickhouse:///flows":                       "no host",
		"http://127.0.0.1:8123/flows":               "want clickhouse://",
		"clickhouse://u:secret@127.0.0.1:1/x?debug": "no query parameters",
	} {
		_, _, err := ParseURL(raw)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: err = %v, want one containing %q without the password", raw, err, want)
		}
	}
	opt, db, err := ParseURL("clickhouse://reader:pw@db.example:9440/flows")
	if err != nil || db != "flows" || opt.Addr[0] != "db.example:9440" || opt.Auth.Username != "reader" || opt.Auth.Password != "pw" {
		t.Errorf("ParseURL = %+v, %q, %v", opt, db, err)
	}
	if opt, _, _ := ParseURL("clickhouse://db.example/flows"); opt.Addr[0] != "db.example:9000" {
		t.Errorf("default port: %v", opt.Addr)
	}
}

// No server at the address: a prompt error naming the URL.
func TestServerDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	t0 := time.Now()
	_, err = Open(context.Background(), "clickhouse://"+addr+"/flows")
	if err == nil || !strings.Contains(err.Error(), "clickhouse://"+addr+"/flows") || time.Since(t0) > 15*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(t0))
	}
}

// physical is the number of rows in a physical table, committed or not.
func physical(t *testing.T, s *Store, table string) uint64 {
	t.Helper()
	var n uint64
	if err := s.conn.QueryRow(context.Background(), `SELECT count() FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitPhysical waits for the cleanup mutations to leave want rows in table.
func waitPhysical(t *testing.T, s *Store, table string, want uint64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := physical(t, s, table)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d rows 30 s after the cleanup, want %d", table, n, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func startsOf(t *testing.T, s *Store) uint64 {
	var n uint64
	err := s.Query(context.Background(), `SELECT sum(CASE WHEN state IN (0, 66, 68) THEN 1 ELSE 0 END) FROM flow_raw`,
		func(scan func(...any) error) error { return scan(&n) })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustRead(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOpenExisting(t *testing.T) {
	url := chtest.Require(t).URL(t)
	if _, err := OpenExisting(context.Background(), url); !errors.Is(err, ErrNoDatabase) || !strings.Contains(err.Error(), url) {
		t.Fatalf("absent: err = %v", err)
	}
	open(t, url).Close()
	s, err := OpenExisting(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}
