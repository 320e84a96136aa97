package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowexplain"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

// parseFlowTime reads --since/--until: an RFC 3339 time, or a date (midnight UTC).
func parseFlowTime(flag, v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, usagef("flows report: %s %q is not a time: give RFC 3339 (2025-03-04T10:00:00Z) or a date (2025-03-04)", flag, v)
}

func runFlowsReport(args []string, stdin io.Reader, stdout io.Writer) error {
	var f flowFlags
	var view, since, until string
	var limit int
	fs := newFlowFlags("flows report", &f)
	fs.StringVar(&view, "view", "top", "the view: "+strings.Join(flowdb.Views, "|"))
	fs.StringVar(&since, "since", "", "only records at or after this time (RFC 3339 or a date)")
	fs.StringVar(&until, "until", "", "only records before this time (RFC 3339 or a date)")
	fs.IntVar(&limit, "limit", 50, "at most this many rows (0: all)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("flows report: unexpected argument %q", pos[0])
	}
	csvOut := f.output == "csv"
	if csvOut {
		f.output = "text"
	}
	if err := f.check("flows report", false); err != nil {
		return usagef("%s", strings.Replace(err.Error(), "text|json", "text|json|csv", 1))
	}
	if !slices.Contains(flowdb.Views, view) {
		return usagef("flows report: --view must be one of %s, not %q", strings.Join(flowdb.Views, "|"), view)
	}
	if limit < 0 {
		return usagef("flows report: --limit must be 0 or more")
	}
	q := flowdb.ReportQuery{View: view, Limit: limit}
	if q.SinceMs, err = parseFlowTime("--since", since); err != nil {
		return err
	}
	if q.UntilMs, err = parseFlowTime("--until", until); err != nil {
		return err
	}
	if q.SinceMs != 0 && q.UntilMs != 0 && q.UntilMs <= q.SinceMs {
		return usagef("flows report: --until must be after --since")
	}
	ctx := context.Background()
	st, err := f.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	var net *model.Network
	if len(f.snapshots) > 0 {
		snap, err := f.snapshot(ctx, stdin)
		if err != nil {
			return err
		}
		net = snap.Plane.Net
	}
	r, err := flowdb.Run(ctx, st, q, net)
	if err != nil {
		return fmt.Errorf("flows report: %w", err)
	}
	switch {
	case csvOut:
		return writeReportCSV(stdout, r)
	case f.output == "json":
		return render.JSON(stdout, r)
	}
	return writeReportText(stdout, r)
}

func cell(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func writeReportCSV(w io.Writer, r *flowdb.Report) error {
	cw := csv.NewWriter(w)
	cw.Write(r.Columns)
	for _, row := range r.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = cell(v)
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

func writeReportText(w io.Writer, r *flowdb.Report) error {
	if len(r.Rows) == 0 {
		_, err := fmt.Fprintf(w, "%s: %s\n", r.View, r.Note)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(r.Columns, "\t"))
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = cell(v)
			if cells[i] == "" {
				cells[i] = "-"
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// replayAnswer is the JSON of flows replay: explain's rows whose verdict under the new
// snapshot differs from what was observed.
type replayAnswer struct {
	Flows []flowexplain.Row `json:"flows"`
	// Summary counts them: groups, flows (the observed count summed) and the distinct source
	// subnets' addresses are in the rows.
	Summary replaySummary `json:"summary"`
}

type replaySummary struct {
	Groups   int    `json:"groups"`
	Flows    uint64 `json:"flows"`
	Explored int    `json:"explored"` // observed groups traced under the new snapshot
}

func runFlowsReplay(args []string, stdin io.Reader, stdout io.Writer) error {
	rows, explored, f, err := explainRows("flows replay", args, stdin, true)
	if err != nil {
		return err
	}
	ans := replayAnswer{Flows: rows, Summary: replaySummary{Groups: len(rows), Explored: explored}}
	for _, r := range rows {
		ans.Summary.Flows += r.Observed.Count
	}
	if f.output == "json" {
		return render.JSON(stdout, ans)
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintf(stdout, "no observed flow changes verdict under the new snapshot (%d groups traced)\n", explored)
		return err
	}
	fmt.Fprintf(stdout, "%d observed flows in %d groups would be decided differently under the new snapshot:\n", ans.Summary.Flows, len(rows))
	return writeExplainText(stdout, rows)
}
