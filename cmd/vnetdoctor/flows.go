package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowexplain"
	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

// defaultFlowDB is the flow database when --db is not given (cli.md "flows").
const defaultFlowDB = "vnetdoctor-flows.duckdb"

// openFlowDB opens the flow database at a path; set by flows_duckdb.go when DuckDB is linked
// (cgo), nil otherwise.
var openFlowDB func(ctx context.Context, path string) (flowdb.Store, error)

const flowsUsage = `usage: vnetdoctor flows ingest  [-s SNAPSHOT] [--db DB] PATH...
       vnetdoctor flows report  [-s SNAPSHOT] [--db DB] [--view top|denied|flowtypes|conversations|asymmetric|firewall]
                                [--since T] [--until T] [--limit N] [-o text|json|csv]
       vnetdoctor flows explain -s SNAPSHOT [--db DB] [--src IP] [--dst IP] [--dport N] [--denied] [--disagree] [--limit N] [-o text|json]
       vnetdoctor flows replay  -s NEWSNAPSHOT [--db DB] [--src IP] [--dst IP] [--dport N] [--denied] [--limit N] [-o text|json]

Observed flows from VNet flow logs (v4), NSG flow logs (v1, v2) and Azure Firewall logs (AZFWNetworkRule,
AZFWApplicationRule, AZFWNatRule; legacy network and application rule msg), kept in an embedded DuckDB
file (default ` + defaultFlowDB + `), explained by tracing them through the snapshot.

ingest reads each PATH (a file, or a directory read recursively): {"records": [...]} blobs such as
PT1H.json (a half-written last record is skipped and read when the blob has grown), JSON arrays and
JSON lines. A record is stored once: ingesting the same file again adds nothing.

With -s, ingest enriches each record with the snapshot: the NIC, VM, subnet, VNet and owner of
each address, Traffic Analytics' flow type, and the NSG, admin rule or firewall policy rule behind it.

report answers one view: top (talkers by bytes), denied, flowtypes, conversations, asymmetric
(the firewall saw only the reply of a conversation) or firewall (hits per rule, rules never hit).

explain lists each observed flow (source, destination, protocol, destination port, observer, rule)
with the model's verdict and deciding rule; agrees is false where the log and the model disagree,
which means the snapshot is stale or the model is wrong. replay explains them against a new
snapshot and lists those whose verdict would change.

example:
  vnetdoctor flows ingest -s examples/hub-spoke --db /tmp/flows.duckdb PT1H.json
  vnetdoctor flows report  -s examples/hub-spoke --db /tmp/flows.duckdb --view denied
  vnetdoctor flows explain -s examples/hub-spoke --db /tmp/flows.duckdb --denied
`

func runFlows(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("flows: want a subcommand: ingest, report, explain or replay (vnetdoctor flows --help)")
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		return &helpError{flowsUsage}
	case "ingest":
		return runFlowsIngest(args[1:], stdin, stdout)
	case "explain":
		return runFlowsExplain(args[1:], stdin, stdout)
	case "report":
		return runFlowsReport(args[1:], stdin, stdout)
	case "replay":
		return runFlowsReplay(args[1:], stdin, stdout)
	}
	return usagef("flows: unknown subcommand %q: want ingest, report, explain or replay", args[0])
}

// parseInterleaved parses flags that may come before, between or after positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &helpError{flowsUsage}
			}
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// flowFlags are the flags of both subcommands.
type flowFlags struct {
	common
	db string
}

func newFlowFlags(name string, f *flowFlags) *flag.FlagSet {
	fs := newFlagSet(name, &f.common)
	fs.StringVar(&f.db, "db", defaultFlowDB, "flow database: a DuckDB file, or clickhouse://HOST:PORT/DATABASE")
	return fs
}

func (f *flowFlags) check(name string, needSnapshot bool) error {
	if needSnapshot && len(f.snapshots) == 0 {
		return usagef("%s: -s SNAPSHOT is required", name)
	}
	if f.output != "text" && f.output != "json" {
		return usagef("%s: -o must be one of text|json, not %q", name, f.output)
	}
	if f.db == "" {
		return usagef("%s: --db must name a file", name)
	}
	return nil
}

func (f *flowFlags) open(ctx context.Context, mustExist bool) (flowdb.Store, error) {
	if st, ok, err := openClickHouse(ctx, f.db, mustExist); ok { // flows_clickhouse.go
		return st, err
	}
	if openFlowDB == nil {
		return nil, usagef("flows: this vnetdoctor was built without cgo, so without the DuckDB flow store; build with CGO_ENABLED=1 and a C compiler")
	}
	if mustExist {
		if _, err := os.Stat(f.db); err != nil {
			return nil, usagef("flows: --db %s: no flow database there (run vnetdoctor flows ingest first)", f.db)
		}
	}
	st, err := openFlowDB(ctx, f.db)
	if err != nil {
		return nil, usagef("%s", oneLineErr(err))
	}
	return st, nil
}

func oneLineErr(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// ingestSkip is one entry of ingest's "skipped".
type ingestSkip struct {
	File   string `json:"file"`
	Path   string `json:"path,omitempty"`
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// ingestAnswer is the JSON of flows ingest (cli.md "flows").
type ingestAnswer struct {
	Files      int               `json:"files"`
	Records    uint64            `json:"records"`
	Flows      uint64            `json:"flows"`
	Duplicates uint64            `json:"duplicates"`
	ByKind     map[string]uint64 `json:"byKind"`
	Skipped    []ingestSkip      `json:"skipped"`
	DB         string            `json:"db"`
}

func runFlowsIngest(args []string, stdin io.Reader, stdout io.Writer) error {
	var f flowFlags
	paths, err := parseInterleaved(newFlowFlags("flows ingest", &f), args)
	if err != nil {
		return err
	}
	// The snapshot enriches the records (NIC, VM, subnet, VNet, owner, flow type, rules);
	// without one they are stored as the logs wrote them.
	if err := f.check("flows ingest", false); err != nil {
		return err
	}
	if len(paths) == 0 {
		return usagef("flows ingest: name at least one log file or directory")
	}
	files, err := logFiles(paths)
	if err != nil {
		return err
	}
	ctx := context.Background()
	st, err := f.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	var en *flowdb.Enricher
	if len(f.snapshots) > 0 {
		snap, err := f.snapshot(ctx, stdin)
		if err != nil {
			return err
		}
		en = flowdb.NewEnricher(snap.Plane.Net)
	}
	ans := ingestAnswer{Files: len(files), DB: f.db, Skipped: []ingestSkip{},
		ByKind: map[string]uint64{flowlog.VNetFlowLog.String(): 0, flowlog.NSGFlowLog.String(): 0, flowlog.Firewall.String(): 0}}
	for _, file := range files {
		res, err := flowdb.IngestFile(ctx, st, file, en)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				return usagef("flows ingest: %s", oneLineErr(err))
			}
			return fmt.Errorf("flows ingest: %s: %w", file, err)
		}
		ans.Records += res.Records
		ans.Flows += res.Flows
		ans.Duplicates += res.Duplicates
		for k, n := range res.ByKind {
			ans.ByKind[k.String()] += n
		}
		for _, s := range res.Skips {
			ans.Skipped = append(ans.Skipped, ingestSkip{File: file, Path: s.Path, Reason: s.Reason, Count: s.Count})
		}
	}
	if ans.Records == 0 && ans.Duplicates == 0 && len(ans.Skipped) > 0 {
		s := ans.Skipped[0]
		return usagef("flows ingest: no flow records in %d file(s): %s: %s: %s", len(files), s.File, s.Path, s.Reason)
	}
	if in, ok := stdin.(*cliInput); ok && f.output == "text" {
		for _, s := range ans.Skipped {
			fmt.Fprintf(in.stderr, "vnetdoctor: warning: %s: %s: %s (%d skipped)\n", s.File, s.Path, s.Reason, s.Count)
		}
	}
	if f.output == "json" {
		return render.JSON(stdout, ans)
	}
	fmt.Fprintf(stdout, "%d records (%d flows) from %d files into %s; %d already stored; vnetFlowLog %d, nsgFlowLog %d, firewall %d; %d kinds of input skipped\n",
		ans.Records, ans.Flows, ans.Files, ans.DB, ans.Duplicates, ans.ByKind["vnetFlowLog"], ans.ByKind["nsgFlowLog"], ans.ByKind["firewall"], len(ans.Skipped))
	return nil
}

// logFiles expands directories (recursively, sorted) into their regular files; a path that
// does not exist is a usage error before anything is written.
func logFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, usagef("flows ingest: %s", oneLineErr(err))
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		var in []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				in = append(in, path)
			}
			return nil
		})
		if err != nil {
			return nil, usagef("flows ingest: %s", oneLineErr(err))
		}
		slices.Sort(in)
		out = append(out, in...)
	}
	return out, nil
}

// explainAnswer is the JSON of flows explain.
type explainAnswer struct {
	Flows []flowexplain.Row `json:"flows"`
}

func runFlowsExplain(args []string, stdin io.Reader, stdout io.Writer) error {
	rows, _, f, err := explainRows("flows explain", args, stdin, false)
	if err != nil {
		return err
	}
	if f.output == "json" {
		return render.JSON(stdout, explainAnswer{Flows: rows})
	}
	return writeExplainText(stdout, rows)
}

// explainRows parses explain's flags (replay's are the same) and explains the observed flows
// they select against -s; replay keeps only the rows that disagree. explored is how many
// observed groups were explained.
func explainRows(name string, args []string, stdin io.Reader, replay bool) ([]flowexplain.Row, int, *flowFlags, error) {
	var f flowFlags
	var src, dst string
	var dport, limit int
	var denied, disagree bool
	fs := newFlowFlags(name, &f)
	fs.StringVar(&src, "src", "", "only flows from this IP")
	fs.StringVar(&dst, "dst", "", "only flows to this IP")
	fs.IntVar(&dport, "dport", -1, "only flows to this destination port")
	fs.BoolVar(&denied, "denied", false, "only flows the log says were denied")
	fs.BoolVar(&disagree, "disagree", false, "only flows where the log and the model disagree")
	fs.IntVar(&limit, "limit", 1000, "at most this many rows (0: all)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, 0, nil, err
	}
	if len(pos) > 0 {
		return nil, 0, nil, usagef("%s: unexpected argument %q", name, pos[0])
	}
	if err := f.check(name, true); err != nil {
		return nil, 0, nil, err
	}
	disagree = disagree || replay
	filter := flowdb.Filter{DeniedOnly: denied}
	for _, a := range []struct {
		flag, v string
		to      *netip.Addr
	}{{"--src", src, &filter.Src}, {"--dst", dst, &filter.Dst}} {
		if a.v == "" {
			continue
		}
		ip, err := netip.ParseAddr(a.v)
		if err != nil || !ip.Is4() {
			return nil, 0, nil, usagef("%s: %s must be an IPv4 address, not %q", name, a.flag, a.v)
		}
		*a.to = ip
	}
	if dport > 65535 || dport < -1 {
		return nil, 0, nil, usagef("%s: --dport must be 0-65535", name)
	}
	if dport >= 0 {
		filter.DstPort, filter.HasDPort = uint16(dport), true
	}
	if limit < 0 {
		return nil, 0, nil, usagef("%s: --limit must be 0 or more", name)
	}
	ctx := context.Background()
	st, err := f.open(ctx, true)
	if err != nil {
		return nil, 0, nil, err
	}
	defer st.Close()
	snap, err := f.snapshot(ctx, stdin)
	if err != nil {
		return nil, 0, nil, err
	}
	rows, explored, err := explainFlows(ctx, name, st, snap, f.options(), filter, disagree, limit)
	if err != nil {
		return nil, 0, nil, err
	}
	return rows, explored, &f, nil
}

// explainFlows explains the observed flows filter selects (at most limit rows, 0: all; with
// disagree, only the rows where log and model disagree): flows explain and replay, and serve's
// /api/flows/explain. explored is how many observed groups were explained.
func explainFlows(ctx context.Context, name string, st flowdb.Store, snap *ask.Snapshot, opts ask.Options,
	filter flowdb.Filter, disagree bool, limit int) ([]flowexplain.Row, int, error) {
	if !disagree {
		filter.Limit = limit
	}
	obs, err := flowdb.Flows(ctx, st, filter)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", name, err)
	}
	rows, err := flowexplain.New(snap, opts).Explain(ctx, obs)
	if err != nil {
		return nil, 0, err
	}
	explored := len(rows)
	if disagree {
		rows = slices.DeleteFunc(rows, func(r flowexplain.Row) bool { return r.Agrees })
		if limit > 0 && len(rows) > limit {
			rows = rows[:limit]
		}
	}
	return rows, explored, nil
}

func writeExplainText(w io.Writer, rows []flowexplain.Row) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "no observed flows match")
		return err
	}
	for _, r := range rows {
		mark := "agrees   "
		if !r.Agrees {
			mark = "DISAGREES"
		}
		port := fmt.Sprintf("/%d", r.DestinationPort)
		if r.Protocol == "Icmp" {
			port = ""
		}
		by := strings.TrimSpace(r.Observed.By + " " + r.Observed.Rule)
		if _, err := fmt.Fprintf(w, "%s %s -> %s %s%s  log: %s by %s x%d  model: %s\n    %s\n", mark, r.Source, r.Destination,
			r.Protocol, port, r.Observed.Action, by, r.Observed.Count, r.Model.Verdict, r.Why); err != nil {
			return err
		}
	}
	return nil
}
