package duckdb

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
	"github.com/vnetdoctor/vnetdoctor/internal/flowexplain"
)

// benchRecords is the number of flow tuples BenchmarkIngestExplain generates: 10 million, or
// VNETDOCTOR_FLOWS_BENCH_N; 200,000 with -short.
func benchRecords(b *testing.B) int {
	if v, err := strconv.Atoi(os.Getenv("VNETDOCTOR_FLOWS_BENCH_N")); err == nil && v > 0 {
		return v
	}
	if testing.Short() {
		return 200_000
	}
	return 10_000_000
}

// writeBlob writes a VNet flow log v4 blob of n tuples (records of 1,000 tuples) between
// hub-spoke addresses: 40 sources x 25 destinations x 4 ports x 2 protocols, B/E and D tuples.
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
	for i := 0; i < n; i++ {
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

// BenchmarkIngestExplain ingests benchRecords generated flow tuples (VNet flow log v4 JSON, 1
// million per file; generating the files is not timed) and explains every observed flow group
// against examples/hub-spoke. Reported: ingest records/s, JSON MB/s, DB bytes, explain groups,
// traces and seconds.
func BenchmarkIngestExplain(b *testing.B) {
	n := benchRecords(b)
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
			if err := writeBlob(blob, m, done); err != nil {
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
