//go:build cgo

package clickhouse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/clickhouse/chtest"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/duckdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/flowdbtest"
)

// BenchmarkIngestVsDuckDB ingests and enriches the same generated VNet flow log files (1 million
// tuples each, flowdbtest.BenchRecords in all; writing them is not timed) into DuckDB and then into
// ClickHouse, and asks both the explain query (flowdb.Flows) and the top and denied reports.
// Reported per store (duck-, ch-): ingest records/s, bytes on disk, query seconds.
func BenchmarkIngestVsDuckDB(b *testing.B) {
	n := flowdbtest.BenchRecords()
	ctx := context.Background()
	srv := chtest.Require(b)
	snap, err := ask.Load(ctx, []string{"../../../examples/hub-spoke"}, convert.Options{})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var files []string
	const perFile = 1_000_000
	for done := 0; done < n; done += perFile {
		p := filepath.Join(dir, fmt.Sprintf("PT1H-%d.json", done/perFile))
		if err := flowdbtest.WriteBlob(p, min(perFile, n-done), done); err != nil {
			b.Fatal(err)
		}
		files = append(files, p)
	}
	for range b.N {
		dpath := filepath.Join(b.TempDir(), "flows.duckdb")
		d, err := duckdb.Open(ctx, dpath)
		if err != nil {
			b.Fatal(err)
		}
		c, err := Open(ctx, srv.URL(b))
		if err != nil {
			b.Fatal(err)
		}
		for _, st := range []struct {
			name string
			s    flowdb.Store
		}{{"duck", d}, {"ch", c}} {
			en := flowdb.NewEnricher(snap.Plane.Net)
			t0 := time.Now()
			for _, f := range files {
				if r, err := flowdb.IngestFile(ctx, st.s, f, en); err != nil || r.Records != uint64(min(perFile, n)) {
					b.Fatal(f, r, err)
				}
			}
			b.ReportMetric(float64(n)/time.Since(t0).Seconds(), st.name+"-records/s")
			for _, q := range []string{"flows", "top", "denied"} {
				t0 := time.Now()
				if q == "flows" {
					_, err = flowdb.Flows(ctx, st.s, flowdb.Filter{})
				} else {
					_, err = flowdb.Run(ctx, st.s, flowdb.ReportQuery{View: q}, snap.Plane.Net)
				}
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(time.Since(t0).Seconds(), st.name+"-"+q+"-s")
			}
		}
		d.Close()
		fi, err := os.Stat(dpath)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(fi.Size()), "duck-bytes")
		b.ReportMetric(float64(c.diskBytes(ctx, b)), "ch-bytes")
		c.Close()
	}
}

// diskBytes is the size of the database's active parts (compressed, on disk).
func (s *Store) diskBytes(ctx context.Context, b *testing.B) uint64 {
	var n uint64
	if err := s.conn.QueryRow(ctx, `SELECT sum(bytes_on_disk) FROM system.parts WHERE database = ? AND active`, s.db).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}
