//go:build cgo

package clickhouse

import (
	"context"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/clickhouse/chtest"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/duckdb"
)

// sameLogs are the logs both stores ingest: the flowlog corpus and the example logs of the
// bundled estate.
var sameLogs = []string{
	corpus + "vnet-flowlog-v4-docs-sample.json", corpus + "nsg-flowlog-v2-docs-sample.json",
	corpus + "nsg-flowlog-v1-docs-sample.json", corpus + "azfw-resource-specific.jsonl",
	corpus + "azfw-resource-specific-blob.json", corpus + "azfw-legacy-azurediagnostics-docs-samples.json",
	"../../../examples/flowlogs/PT1H.json", "../../../examples/flowlogs/azfw-hub.jsonl",
}

// The same logs in DuckDB and ClickHouse give the same answers: ingest results, counts, every
// query flowdb asks (Flows under each kind of filter, every report view) and the rows themselves,
// enriched with the bundled estate.
func TestSameAnswersAsDuckDB(t *testing.T) {
	ctx := context.Background()
	chs := open(t, chtest.Require(t).URL(t))
	duck, err := duckdb.Open(ctx, filepath.Join(t.TempDir(), "flows.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	snap, err := ask.Load(ctx, []string{"../../../examples/hub-spoke"}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	en := flowdb.NewEnricher(snap.Plane.Net)
	stores := []flowdb.Store{duck, chs}
	for _, path := range sameLogs {
		var res [2]flowdb.FileResult
		for i, st := range stores {
			if res[i], err = flowdb.IngestFile(ctx, st, path, en); err != nil {
				t.Fatal(err)
			}
		}
		if d := cmp.Diff(res[0], res[1]); d != "" {
			t.Errorf("%s: ingest differs (-duckdb +clickhouse):\n%s", path, d)
		}
	}
	if a, b := count(t, duck), count(t, chs); a != b || a == 0 {
		t.Errorf("count: duckdb %d, clickhouse %d", a, b)
	}
	for _, f := range []flowdb.Filter{
		{},
		{Limit: 5},
		{DeniedOnly: true},
		{Src: netip.MustParseAddr("10.0.0.4")},
		{Dst: netip.MustParseAddr("40.74.146.17")},
		{DstPort: 53, HasDPort: true},
		{SinceMs: 1663145990000, UntilMs: 1663146000000},
	} {
		var got [2][]flowdb.Observed
		for i, st := range stores {
			if got[i], err = flowdb.Flows(ctx, st, f); err != nil {
				t.Fatal(err)
			}
		}
		if d := cmp.Diff(got[0], got[1], cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); d != "" {
			t.Errorf("Flows(%+v) differs (-duckdb +clickhouse):\n%s", f, d)
		}
	}
	for _, view := range flowdb.Views {
		for _, q := range []flowdb.ReportQuery{{View: view}, {View: view, Limit: 3, SinceMs: 1663145990000}} {
			var got [2]*flowdb.Report
			for i, st := range stores {
				if got[i], err = flowdb.Run(ctx, st, q, snap.Plane.Net); err != nil {
					t.Fatal(err)
				}
			}
			if d := cmp.Diff(got[0], got[1]); d != "" {
				t.Errorf("report %+v differs (-duckdb +clickhouse):\n%s", q, d)
			}
			// The example logs have no one-way conversation; every other view has rows.
			if q.SinceMs == 0 && len(got[0].Rows) == 0 && view != "asymmetric" {
				t.Errorf("report %s: no rows (%s)", view, got[0].Note)
			}
		}
	}
	// Every stored row, column by column, in (file, seq) order.
	q := `SELECT file_id, seq, kind, ts_ms, src, dst, sport, dport, proto, dir, state, decision, enc, pkts_sd, bytes_sd,
		pkts_ds, bytes_ds, ctx_id, src_ep, dst_ep, flow_type, xlate_ip, xlate_port FROM flow_raw ORDER BY file_id, seq`
	var rows [2][][23]int64
	for i, st := range stores {
		err := st.Query(ctx, q, func(scan func(...any) error) error {
			var r [23]int64
			ptrs := make([]any, len(r))
			for j := range r {
				ptrs[j] = &r[j]
			}
			if err := scan(ptrs...); err != nil {
				return err
			}
			rows[i] = append(rows[i], r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if d := cmp.Diff(rows[0], rows[1]); d != "" || len(rows[0]) == 0 {
		t.Errorf("flow_raw rows differ (-duckdb +clickhouse):\n%s", d)
	}
}
