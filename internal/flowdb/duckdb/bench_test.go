package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/flowdbtest"
	"github.com/vnetdoctor/vnetdoctor/internal/flowexplain"
	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
)

// BenchmarkIngestExplain ingests flowdbtest.BenchRecords generated flow tuples (VNet flow log v4 JSON, 1
// million per file; generating the files is not timed) and explains every observed flow group
// against examples/hub-spoke. Reported: ingest records/s, JSON MB/s, DB bytes, explain groups,
// traces and seconds.
func BenchmarkIngestExplain(b *testing.B) {
	n := flowdbtest.BenchRecords()
	ctx := context.Background()
	for range b.N {
		dir := b.TempDir()
		s, err := Open(ctx, filepath.Join(dir, "flows.duckdb"))
		if err != nil {
			b.Fatal(err)
		}
		const perFile = 1_000_000
		var ingest time.Duration
		var jsonBytes int64
		var stored uint64
		for done := 0; done < n; done += perFile {
			m := min(perFile, n-done)
			blob := filepath.Join(dir, fmt.Sprintf("PT1H-%d.json", done/perFile))
			if err := flowdbtest.WriteBlob(blob, m, done); err != nil {
				b.Fatal(err)
			}
			fi, _ := os.Stat(blob)
			jsonBytes += fi.Size()
			t0 := time.Now()
			r, err := flowdb.IngestFile(ctx, s, blob, nil)
			ingest += time.Since(t0)
			if err != nil || len(r.Skips) > 0 {
				b.Fatal(err, r.Skips)
			}
			stored += r.Records
			os.Remove(blob)
		}
		if stored != uint64(n) {
			b.Fatalf("stored %d, want %d", stored, n)
		}
		s.Close()
		fi, err := os.Stat(filepath.Join(dir, "flows.duckdb"))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/ingest.Seconds(), "records/s")
		b.ReportMetric(float64(jsonBytes)/1e6/ingest.Seconds(), "jsonMB/s")
		b.ReportMetric(float64(fi.Size()), "dbBytes")

		s, err = Open(ctx, filepath.Join(dir, "flows.duckdb"))
		if err != nil {
			b.Fatal(err)
		}
		snap, err := ask.Load(ctx, []string{"../../../examples/hub-spoke"}, convert.Options{})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		obs, err := flowdb.Flows(ctx, s, flowdb.Filter{})
		if err != nil {
			b.Fatal(err)
		}
		query := time.Since(t0)
		e := flowexplain.New(snap, ask.DefaultOptions())
		rows, err := e.Explain(ctx, obs)
		if err != nil {
			b.Fatal(err)
		}
		total := time.Since(t0)
		s.Close()
		b.ReportMetric(float64(len(rows)), "groups")
		b.ReportMetric(float64(e.Traces), "traces")
		b.ReportMetric(query.Seconds(), "explainQuery-s")
		b.ReportMetric(total.Seconds(), "explain-s")
		b.ReportMetric(ingest.Seconds(), "ingest-s")
	}
}

// BenchmarkIngestSideBySide measures, on the same generated VNet flow log v4 files (1 million
// tuples each, flowdbtest.BenchRecords in all), one after the other in one run: the parser alone
// (flowlog.Reader), the store before data chunks (the row appender, legacyIngest), this store
// (IngestFile, enriched by examples/hub-spoke) and DuckDB reading the files itself (read_json +
// unnest + string_split into a table, no enrichment: issue 12's baseline). Reported: records/s
// of each and the DB bytes of the two stores.
func BenchmarkIngestSideBySide(b *testing.B) {
	n := flowdbtest.BenchRecords()
	ctx := context.Background()
	for range b.N {
		dir := b.TempDir()
		var files []string
		const perFile = 1_000_000
		for done := 0; done < n; done += perFile {
			blob := filepath.Join(dir, fmt.Sprintf("PT1H-%d.json", done/perFile))
			if err := flowdbtest.WriteBlob(blob, min(perFile, n-done), done); err != nil {
				b.Fatal(err)
			}
			files = append(files, blob)
		}
		rate := func(name string, f func() (uint64, error)) time.Duration {
			t0 := time.Now()
			got, err := f()
			d := time.Since(t0)
			if err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			if got != uint64(n) {
				b.Fatalf("%s: %d records, want %d", name, got, n)
			}
			b.ReportMetric(float64(n)/d.Seconds(), name+"-records/s")
			return d
		}
		rate("parse", func() (uint64, error) { return parseOnly(files) })
		legacy := filepath.Join(dir, "legacy.duckdb")
		rate("appender", func() (uint64, error) { return legacyIngest(ctx, legacy, files) })
		en := hubSpokeEnricher(b)
		chunk := filepath.Join(dir, "flows.duckdb")
		rate("chunks", func() (uint64, error) {
			s, err := Open(ctx, chunk)
			if err != nil {
				return 0, err
			}
			defer s.Close()
			var stored uint64
			for _, f := range files {
				r, err := flowdb.IngestFile(ctx, s, f, en)
				if err != nil {
					return stored, err
				}
				stored += r.Records
			}
			return stored, nil
		})
		rate("readjson", func() (uint64, error) { return readJSON(ctx, filepath.Join(dir, "readjson.duckdb"), dir) })
		for name, p := range map[string]string{"appender": legacy, "chunks": chunk} {
			fi, err := os.Stat(p)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(fi.Size()), name+"-dbBytes")
		}
	}
}

func parseOnly(files []string) (uint64, error) {
	var n uint64
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return n, err
		}
		r := flowlog.NewReader(f, 0)
		var rec flowlog.Record
		for r.Next(&rec) {
			n++
		}
		f.Close()
	}
	return n, nil
}

// readJSON has DuckDB read the blobs in dir itself: every tuple split into typed columns and
// stored in a table.
func readJSON(ctx context.Context, db, dir string) (uint64, error) {
	c, err := duck.NewConnector(db, nil)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	sdb := sql.OpenDB(c)
	defer sdb.Close()
	q := `CREATE TABLE flows AS SELECT s[1]::BIGINT AS ts, s[2] AS src, s[3] AS dst, s[4]::USMALLINT AS sport, s[5]::USMALLINT AS dport,
		s[6]::UTINYINT AS proto, s[7] AS dir, s[8] AS state, s[9] AS enc, s[10]::UBIGINT AS p1, s[11]::UBIGINT AS b1,
		s[12]::UBIGINT AS p2, s[13]::UBIGINT AS b2, acl, rule
		FROM (SELECT string_split(unnest(g.flowTuples), ',') AS s, acl, g.rule AS rule
		FROM (SELECT unnest(f.flowGroups) AS g, f.aclID AS acl
		FROM (SELECT unnest(r.flowRecords.flows) AS f
		FROM (SELECT unnest(records) AS r FROM read_json('` + filepath.Join(dir, "PT1H-*.json") + `', maximum_object_size = 2000000000)))))`
	if _, err := sdb.ExecContext(ctx, q); err != nil {
		return 0, err
	}
	var n uint64
	err = sdb.QueryRowContext(ctx, `SELECT count(*) FROM flows`).Scan(&n)
	return n, err
}

func hubSpokeEnricher(b *testing.B) *flowdb.Enricher {
	snap, err := ask.Load(context.Background(), []string{"../../../examples/hub-spoke"}, convert.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return flowdb.NewEnricher(snap.Plane.Net)
}

// BenchmarkReportViews ingests flowdbtest.BenchRecords generated tuples (enriched by examples/hub-spoke)
// and times every report view and the explain query (flowdb.Flows) over them: seconds per
// view, the first run of each on a freshly opened store.
func BenchmarkReportViews(b *testing.B) {
	n := flowdbtest.BenchRecords()
	ctx := context.Background()
	en := hubSpokeEnricher(b)
	net := en.Network()
	for range b.N {
		dir := b.TempDir()
		path := filepath.Join(dir, "flows.duckdb")
		s, err := Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		const perFile = 1_000_000
		var stored uint64
		for done := 0; done < n; done += perFile {
			blob := filepath.Join(dir, fmt.Sprintf("PT1H-%d.json", done/perFile)) // each its own file key
			if err := flowdbtest.WriteBlob(blob, min(perFile, n-done), done); err != nil {
				b.Fatal(err)
			}
			r, err := flowdb.IngestFile(ctx, s, blob, en)
			if err != nil {
				b.Fatal(err)
			}
			stored += r.Records
			os.Remove(blob)
		}
		if stored != uint64(n) {
			b.Fatalf("stored %d, want %d", stored, n)
		}
		s.Close()
		if s, err = Open(ctx, path); err != nil {
			b.Fatal(err)
		}
		for _, v := range flowdb.Views {
			t0 := time.Now()
			r, err := flowdb.Run(ctx, s, flowdb.ReportQuery{View: v, Limit: 50}, net)
			if err != nil {
				b.Fatal(err)
			}
			if len(r.Rows) == 0 && v != "asymmetric" && v != "firewall" {
				b.Fatalf("view %s: no rows", v)
			}
			b.ReportMetric(time.Since(t0).Seconds(), v+"-s")
		}
		t0 := time.Now()
		if _, err := flowdb.Flows(ctx, s, flowdb.Filter{}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(t0).Seconds(), "flows-s")
		s.Close()
	}
}
