//go:build cgo

package clickhouse

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/clickhouse/chtest"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/duckdb"
)

// benchRecords is the number of flow tuples of BenchmarkIngestVsDuckDB: 10 million, or
// VNETDOCTOR_FLOWS_BENCH_N; 200,000 with -short (as the DuckDB store's benchmark).
func benchRecords() int {
	if v, err := strconv.Atoi(os.Getenv("VNETDOCTOR_FLOWS_BENCH_N")); err == nil && v > 0 {
		return v
	}
	if testing.Short() {
		return 200_000
	}
	return 10_000_000
}

// writeBlob writes a VNet flow log v4 blob of n tuples in records of 1,000, between hub-spoke
// addresses (the DuckDB store's benchmark logs: 10 sources x 9 destinations x 4 ports x 2
// protocols, B/E and D tuples, one millisecond apart from offset on).
func writeBlob(path string, n, offset int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	srcs := []string{"10.1.2.4", "10.1.2.5", "10.1.1.4", "10.1.1.5", "10.2.1.4", "10.0.1.5", "10.0.1.6", "10.0.3.4", "10.1.4.4", "10.2.3.4"}
	dsts := []string{"10.2.1.4", "10.2.2.5", "10.0.3.4", "10.0.3.5", "10.1.2.4", "20.60.26.10", "1.1.1.1", "10.2.2.4", "192.168.10.5"}
	ports := []int{443, 53, 1433, 22}
	w.WriteString(`{"records":[`)
	for i := range n {
		if i%1000 == 0 {
			if i > 0 {
				w.WriteString(`"]}]}]}},`)
			}
			w.WriteString(`{"time":"2025-03-04T10:00:00.0000000Z","flowLogVersion":4,"macAddress":"0022480A0102","category":"FlowLogFlowEvent",` +
				`"flowLogResourceID":"/SUBSCRIPTIONS/X/FLOWLOGS/FL","targetResourceID":"/subscriptions/x/vnet","flowRecords":{"flows":[{"aclID":"acl-1","flowGroups":[{"rule":"DefaultRule_AllowVnetOutBound","flowTuples":["`)
		} else {
			w.WriteString(`","`)
		}
		k := i + offset
		state, proto := "B", 6
		if k%7 == 0 {
			state = "D"
		} else if k%2 == 1 {
			state = "E"
		}
		if k%11 == 0 {
			proto = 17
		}
		fmt.Fprintf(w, "%d,%s,%s,%d,%d,%d,O,%s,NX,%d,%d,%d,%d", 1741082400000+int64(k), srcs[k%len(srcs)], dsts[(k/3)%len(dsts)],
			1024+k%60000, ports[(k/5)%len(ports)], proto, state, k%50, k%5000, k%40, k%9000)
	}
	w.WriteString(`"]}]}]}}]}`)
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// BenchmarkIngestVsDuckDB ingests and enriches the same generated VNet flow log files (1 million
// tuples each, benchRecords in all; writing them is not timed) into DuckDB and then into
// ClickHouse, and asks both the explain query (flowdb.Flows) and the top and denied reports.
// Reported per store (duck-, ch-): ingest records/s, bytes on disk, query seconds.
func BenchmarkIngestVsDuckDB(b *testing.B) {
	n := benchRecords()
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
		if err := writeBlob(p, min(perFile, n-done), done); err != nil {
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
