package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/compare"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

// runCompare is `vnetdoctor compare` (cli.md Contract 0.2): each NIC's computed effective
// routes and rules against Azure's answers, from live/ in a collected snapshot or one --actual
// file. Exit 3 with --fail-on-diff when anything differs or an answer names a NIC the
// snapshot cannot compare.
func runCompare(args []string, stdin io.Reader, stdout io.Writer) error {
	var c common
	var nic, actual string
	var failOnDiff bool
	fs := newFlagSet("compare", &c)
	fs.StringVar(&nic, "nic", "", "compare this NIC only (ID, name, VM name or private IP); required with --actual")
	fs.StringVar(&actual, "actual", "", "Azure's answer for --nic: az network nic show-effective-route-table or list-effective-nsg JSON")
	fs.BoolVar(&failOnDiff, "fail-on-diff", false, "exit 3 when a row differs")
	if err := parse(fs, &c, args); err != nil {
		return err
	}
	if actual != "" && nic == "" {
		return usagef("compare: --actual needs --nic: the NIC the answer is for")
	}
	inputs, liveDirs, err := compareInputs(c.snapshots, nic, actual)
	if err != nil {
		return err
	}
	if actual != "" {
		liveDirs = append(liveDirs, filepath.Clean(actual))
	}
	ctx := context.Background()
	snap, err := c.snapshot(ctx, dropLiveNotes(stdin, liveDirs))
	if err != nil {
		return err
	}
	c.warnings = keepOutside(c.warnings, liveDirs)
	rep, skipped, err := compareAll(ctx, &c, stdin, snap, inputs, nic, actual != "")
	if err != nil {
		return explain(err, c.net)
	}
	if c.output == "json" {
		err = c.writeJSON(stdout, rep)
	} else {
		err = compareText(stdout, rep)
	}
	if err == nil && failOnDiff && (rep.Differs() || skipped > 0) {
		return &exitError{3}
	}
	return err
}

// compareInputs reads Azure's answers: the --actual file, or every live/ answer of the snapshot
// directories. None at all is bad usage.
func compareInputs(snaps []string, nic, actual string) ([]compare.Input, []string, error) {
	if actual != "" {
		a, err := compare.ReadAnswer(actual, compare.KindUnknown)
		if err != nil {
			return nil, nil, err
		}
		in := compare.Input{Ref: nic}
		if a.Kind == compare.KindRoutes {
			in.Routes = a
		} else {
			in.NSGs = a
		}
		return []compare.Input{in}, compare.LiveDirs(snaps), nil
	}
	ins, dirs, err := compare.Live(snaps)
	if err != nil {
		return nil, nil, err
	}
	if len(ins) == 0 {
		return nil, nil, usagef("compare: no Azure answers: the snapshot has no %s/%s/<nic>.json or %s/%s/<nic>.json (vnetdoctor collect --effective writes them); or give --actual FILE --nic NIC",
			compare.LiveDir, compare.RoutesDir, compare.LiveDir, compare.NSGDir)
	}
	return ins, dirs, nil
}

// compareAll compares each input. With --actual a NIC that cannot be compared is bad input; a
// live/ answer whose file name names no NIC (or an ambiguous one) is a warning and counts as
// skipped. --nic keeps only the answers for that NIC.
func compareAll(ctx context.Context, c *common, stdin io.Reader, snap *ask.Snapshot, ins []compare.Input, nic string, single bool) (*compare.Report, int, error) {
	rep := &compare.Report{NICs: []compare.NICResult{}}
	want := ""
	if nic != "" && !single {
		n, err := snap.Plane.Net.FindNIC(nic)
		if err != nil {
			return nil, 0, err
		}
		want = string(n.ID)
	}
	skipped := 0
	var todo []compare.Input
	for _, in := range ins {
		if !single {
			n, err := snap.Plane.Net.FindNIC(in.Ref)
			if err != nil {
				compareWarn(c, stdin, "NotCompared", fmt.Sprintf("%s: %v; not compared", answerFiles(in), err))
				skipped++
				continue
			}
			if want != "" && string(n.ID) != want {
				continue
			}
			in.Ref = string(n.ID)
		}
		todo = append(todo, in)
	}
	results, errs := compare.All(ctx, snap, todo, c.options())
	for i, err := range errs {
		if err != nil {
			if single {
				return nil, 0, err
			}
			compareWarn(c, stdin, "NotCompared", fmt.Sprintf("%s: %v; not compared", answerFiles(todo[i]), err))
			skipped++
			continue
		}
		rep.NICs = append(rep.NICs, *results[i])
	}
	if want != "" && len(rep.NICs) == 0 {
		return nil, 0, usagef("compare: the snapshot's %s/ holds no answer for NIC %s", compare.LiveDir, nic)
	}
	rep.Summary = compare.Summarise(rep.NICs)
	return rep, skipped, nil
}

func answerFiles(in compare.Input) string {
	var f []string
	for _, a := range []*compare.Answer{in.Routes, in.NSGs} {
		if a != nil {
			f = append(f, a.File)
		}
	}
	return strings.Join(f, ", ")
}

// compareWarn reports a warning as every command does: one stderr line, and in the JSON
// warnings.
func compareWarn(c *common, stdin io.Reader, code, msg string) {
	c.warnings = append(c.warnings, render.Warning{Code: code, Message: msg})
	if in, ok := stdin.(*cliInput); ok {
		fmt.Fprintf(in.stderr, "vnetdoctor: warning: [%s] %s\n", code, msg)
	}
}

// dropLiveNotes hides the loader's "holds no Azure resource" notes for the answers (files under
// live/, the --actual file) when the snapshot holds them: compare reads them itself.
func dropLiveNotes(stdin io.Reader, liveDirs []string) io.Reader {
	in, ok := stdin.(*cliInput)
	if !ok || len(liveDirs) == 0 {
		return stdin
	}
	f := *in
	f.stderr = &lineFilter{w: in.stderr, drop: func(line string) bool {
		return strings.HasPrefix(line, "vnetdoctor: warning: [Ignored] ") && underAny(strings.TrimPrefix(line, "vnetdoctor: warning: [Ignored] "), liveDirs)
	}}
	return &f
}

func keepOutside(ws []render.Warning, liveDirs []string) []render.Warning {
	out := ws[:0:0]
	for _, w := range ws {
		if w.Code == "Ignored" && underAny(w.Message, liveDirs) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// underAny reports whether msg starts with one of paths (a file) or a path inside one of them.
func underAny(msg string, paths []string) bool {
	for _, d := range paths {
		if strings.HasPrefix(msg, d+string(filepath.Separator)) || strings.HasPrefix(msg, d+": ") {
			return true
		}
	}
	return false
}

// lineFilter passes whole lines to w except those drop rejects.
type lineFilter struct {
	w    io.Writer
	drop func(string) bool
	buf  bytes.Buffer
}

func (f *lineFilter) Write(p []byte) (int, error) {
	f.buf.Write(p)
	for {
		line, err := f.buf.ReadString('\n')
		if err != nil {
			f.buf.WriteString(line) // keep the partial line for the next write
			return len(p), nil
		}
		if !f.drop(strings.TrimSuffix(line, "\n")) {
			if _, err := io.WriteString(f.w, line); err != nil {
				return len(p), err
			}
		}
	}
}

// compareText writes the report for an engineer: the summary, then per NIC the rows that
// differ (- Azure lists it, vnetdoctor does not; + vnetdoctor lists it, Azure does not).
func compareText(w io.Writer, rep *compare.Report) error {
	bw := bufio.NewWriter(w)
	s := rep.Summary
	fmt.Fprintf(bw, "Compared with Azure's own answers: %d NIC(s), fidelity %.1f%% of rows", s.NICs, 100*s.Fidelity)
	if s.RoutesCompared > 0 {
		fmt.Fprintf(bw, "; routes match on %d of %d NICs (%.1f%% of rows)", s.RoutesMatched, s.RoutesCompared, 100*s.RouteRows.Fidelity)
	}
	if s.RulesCompared > 0 {
		fmt.Fprintf(bw, "; rules match on %d of %d NICs (%.1f%% of rows)", s.RulesMatched, s.RulesCompared, 100*s.RuleRows.Fidelity)
	}
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "  - Azure lists it, vnetdoctor does not; + vnetdoctor lists it, Azure does not; ~ Azure lists it, not compared")
	for _, n := range rep.NICs {
		fmt.Fprintf(bw, "\n%s (subnet %s)\n", n.NIC, n.Subnet)
		if r := n.Routes; r != nil {
			fmt.Fprintf(bw, "  routes: %s\n", verdict(r.Match, r.Matched, r.Azure, r.Computed, len(r.Ignored)))
			routeRows(bw, r)
		}
		if r := n.Rules; r != nil {
			fmt.Fprintf(bw, "  rules: %s\n", verdict(r.Match, r.Matched, r.Azure, r.Computed, len(r.Ignored)))
			ruleRows(bw, r)
		}
	}
	return bw.Flush()
}

func verdict(match bool, matched, azure, ours, ignored int) string {
	v := "differ"
	if match {
		v = "match"
	}
	s := fmt.Sprintf("%s: %d rows in both (Azure lists %d, vnetdoctor %d)", v, matched, azure, ours)
	if ignored > 0 {
		s += fmt.Sprintf(", %d of Azure's not compared", ignored)
	}
	return s
}

func routeRows(w io.Writer, s *compare.Side[compare.RouteRow]) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, g := range []struct {
		mark string
		rows []compare.RouteRow
	}{{"-", s.Missing}, {"+", s.Extra}, {"~", s.Ignored}} {
		for _, r := range g.rows {
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\t%s\t%s\n", g.mark, r.Source, r.State, strings.Join(r.AddressPrefix, " "),
				r.NextHopType, strings.Join(r.NextHopIPAddress, " "), r.Note)
		}
	}
	tw.Flush()
	notes(w, s.Notes)
}

func ruleRows(w io.Writer, s *compare.Side[compare.RuleRow]) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, g := range []struct {
		mark string
		rows []compare.RuleRow
	}{{"-", s.Missing}, {"+", s.Extra}} {
		for _, r := range g.rows {
			why := r.Note
			if len(r.Differs) > 0 {
				why = "differs in " + strings.Join(r.Differs, ", ")
			}
			fmt.Fprintf(tw, "    %s\t%s %s\t%s\t%d\t%s\t%s\t%s %s -> %s\t%s\n", g.mark, r.Association, model.ID(r.NetworkSecurityGroup).Name(),
				r.Direction, r.Priority, r.Name, r.Access, r.Protocol, addrText(r.SourceAddressPrefixes, r.SourcePortRanges),
				addrText(r.DestinationAddressPrefixes, r.DestinationPortRanges), why)
		}
	}
	tw.Flush()
	var expl []string
	for _, r := range s.Missing {
		if len(r.Differs) > 0 && r.Note != "" {
			expl = append(expl, r.Name+": "+r.Note)
		}
	}
	notes(w, append(expl, s.Notes...))
}

func addrText(prefixes, ports []string) string {
	s := strings.Join(prefixes, ",")
	if len(ports) > 0 {
		s += ":" + strings.Join(ports, ",")
	}
	return s
}

func notes(w io.Writer, ns []string) {
	for _, n := range ns {
		io.WriteString(w, render.Wrap(n, "    note: ", "          "))
	}
}
