package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/diff"
)

func runDiff(args []string, stdin io.Reader, stdout io.Writer) error {
	var c common
	var after listFlag
	fs := newFlagSet("diff", &c)
	fs.Var(&after, "after", "the snapshot after the change: file or directory (repeatable)")
	if err := parse(fs, &c, args); err != nil {
		return err
	}
	// --plan applies to the after side: `diff -s SNAP --plan whatif.json` is the planned change.
	plans := c.plans
	c.plans = nil
	if len(after) == 0 && len(plans) == 0 {
		return usagef("diff: --after or --plan is required")
	}
	if len(after) == 0 {
		after = c.snapshots
	}
	if slices.Contains(c.snapshots, "-") || slices.Contains(after, "-") {
		return usagef("diff: give files or directories; - (standard input) cannot be read twice")
	}
	ctx := context.Background()
	prepareHeap(c.snapshots, after)
	// Files the two sides hold alike are parsed once (plans rewrite wire objects, never trees),
	// and each file is read once for its load and for the resource comparison.
	c.parsed = azure.NewParsed()
	ca := c
	ca.snapshots, ca.warnings, ca.plans = after, nil, plans
	// The two snapshots and their resource documents load at once. The after side prints no
	// warnings while it loads (its lines follow the before side's, as they did one at a time).
	var afterSnap *ask.Snapshot
	var bd, ad diff.Docs
	var errA, errD error
	var wg sync.WaitGroup
	wg.Go(func() { afterSnap, errA = ca.snapshot(ctx, nil) })
	read := func(path string) ([]byte, error) {
		b, err := c.parsed.Read(path, int64(c.maxFileSize))
		if err != nil && c.skipInvalid {
			return nil, nil // the loads leave the file out (a warning says so): so does the comparison
		}
		return b, err
	}
	wg.Go(func() { bd, ad, errD = readDocs(c.snapshots, after, len(plans) > 0, read) })
	before, err := c.snapshot(ctx, stdin)
	wg.Wait()
	c.parsed = nil // the trees are both sides' objects now
	if err = cmp.Or(err, errA, errD); err != nil {
		return err
	}
	c.warnings = append(c.warnings, ca.warnings...)
	if in, ok := stdin.(*cliInput); ok {
		for _, w := range ca.warnings {
			fmt.Fprintf(in.stderr, "vnetdoctor: warning: [%s] %s\n", w.Code, w.Message)
		}
	}
	for _, ov := range ca.planned {
		ad.ApplyPlan(ov)
	}
	a, err := ask.Diff(ctx, before, afterSnap, bd, ad, c.options())
	if err != nil {
		return explain(err, c.net)
	}
	if c.output == "json" {
		return c.writeJSON(stdout, a)
	}
	return diffText(stdout, a)
}

// readDocs reads both sides' resource documents: only the files that differ, unless a plan
// overlays the after side (a plan merges into whole bodies). read shares the bytes the loads
// read (azure.Parsed.Read).
func readDocs(before, after []string, planned bool, read func(string) ([]byte, error)) (diff.Docs, diff.Docs, error) {
	if !planned {
		return diff.ReadChanged(before, after, read)
	}
	bd, err := diff.ReadDocs(before, nil)
	if err != nil {
		return nil, nil, err
	}
	ad, err := diff.ReadDocs(after, nil)
	return bd, ad, err
}

func diffText(w io.Writer, a *ask.DiffAnswer) error {
	r := a.Resources
	fmt.Fprintf(w, "resources: %d added, %d removed, %d changed\n", len(r.Added), len(r.Removed), len(r.Changed))
	for _, id := range r.Added {
		fmt.Fprintf(w, "  + %s\n", id)
	}
	for _, id := range r.Removed {
		fmt.Fprintf(w, "  - %s\n", id)
	}
	for _, c := range r.Changed {
		fmt.Fprintf(w, "  ~ %s: %s\n", c.ID, strings.Join(c.Fields, ", "))
	}
	fmt.Fprintf(w, "routes: %d subnets changed\n", len(a.Routes))
	for _, s := range a.Routes {
		fmt.Fprintf(w, "  %s\n", placeName(s.Subnet))
		for _, x := range s.Added {
			fmt.Fprintf(w, "    + %s\n", routeText(x))
		}
		for _, x := range s.Removed {
			fmt.Fprintf(w, "    - %s\n", routeText(x))
		}
	}
	st := a.ReachStats
	switch {
	case st.Scope == "skipped":
		fmt.Fprintf(w, "reachability: not recomputed (%s): every flow may have changed; trace or reach the ones you care about\n", st.Reason)
	case st.Scope == "transit":
		fmt.Fprintf(w, "reachability: %d changed (transit: the change sits where others' flows cross; every endpoint asked about their destinations, %d endpoints, %d traces)\n", len(a.Reachability), st.Endpoints, st.Traces)
	default:
		fmt.Fprintf(w, "reachability: %d changed (%s, %d endpoints, %d traces)\n", len(a.Reachability), st.Scope, st.Endpoints, st.Traces)
	}
	for _, id := range st.Unmodeled {
		fmt.Fprintf(w, "  not modeled, its effect on flows is in no row: %s\n", id)
	}
	for _, r := range a.Reachability {
		ports := r.Ports
		if ports != "" {
			ports = "/" + ports
		}
		fmt.Fprintf(w, "  %s -> %s %s%s: %s -> %s", placeName(r.From), placeName(r.To), r.Protocol, ports, r.Before, r.After)
		if d := r.Deciding; d != nil && d.Rule != "" {
			fmt.Fprintf(w, " (%s %s)", d.Step, d.Rule)
		}
		fmt.Fprintf(w, "\n    e.g. vnetdoctor trace --from %s --to %s --proto %s", r.Example.From, r.Example.To, r.Example.Protocol)
		if r.Example.DestinationPort != 0 {
			fmt.Fprintf(w, " --dport %d", r.Example.DestinationPort)
		}
		fmt.Fprintln(w)
	}
	f := a.Findings
	fmt.Fprintf(w, "findings: %d new, %d resolved\n", len(f.New), len(f.Resolved))
	for _, x := range f.New {
		fmt.Fprintf(w, "  new      %s %s: %s\n", x.Severity, x.Code, x.Message)
	}
	for _, x := range f.Resolved {
		fmt.Fprintf(w, "  resolved %s %s: %s\n", x.Severity, x.Code, x.Message)
	}
	return nil
}

func routeText(r diff.Route) string {
	s := fmt.Sprintf("%s %s %s", strings.Join(r.AddressPrefix, ","), r.NextHopType, strings.Join(r.NextHopIPAddress, ","))
	name := r.Name
	if name == "" {
		name = "System Route"
	}
	return strings.TrimSpace(s) + fmt.Sprintf(" (%s, %s, %s)", r.Source, r.State, name)
}
