package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"text/tabwriter"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
)

func runReach(args []string, stdin io.Reader, stdout io.Writer) error {
	var c common
	var q ask.ReachQuery
	var protos, dports string
	fs := newFlagSet("reach", &c)
	fs.StringVar(&q.To, "to", "", "who can reach this: VM, NIC, private endpoint, firewall, LB, public IP, IP, VNET/SUBNET or prefix")
	fs.StringVar(&q.From, "from", "", "what this can reach: same forms as --to")
	fs.StringVar(&protos, "proto", "tcp,udp", "protocols: tcp, udp, icmp, comma-separated")
	fs.StringVar(&dports, "dport", "", "destination ports: N, N-M or N,M,... (default all)")
	fs.BoolVar(&q.All, "all", false, "also list the Unreachable rows")
	if err := parse(fs, &c, args); err != nil {
		return err
	}
	if (q.To == "") == (q.From == "") {
		return usagef("reach: give exactly one of --to and --from")
	}
	for _, ep := range []struct{ flag, ref string }{{"--from", q.From}, {"--to", q.To}} {
		if err := checkInternet(ep.flag, ep.ref); err != nil {
			return err
		}
	}
	for _, s := range strings.Split(protos, ",") {
		p, ok := model.ParseProtocol(strings.TrimSpace(s))
		if !ok || (p != model.ProtoTCP && p != model.ProtoUDP && p != model.ProtoICMP) {
			return usagef("reach: --proto takes tcp, udp and icmp, comma-separated, not %q", s)
		}
		q.Protocols = append(q.Protocols, p)
	}
	if dports != "" {
		ps, err := reach.ParsePorts(dports)
		if err != nil {
			return usagef("reach: --dport: %v", err)
		}
		q.Ports = ps
	}
	ctx := context.Background()
	snap, err := c.snapshot(ctx, stdin)
	if err != nil {
		return err
	}
	a, err := ask.Reach(ctx, snap, q, c.options())
	if err != nil {
		return explain(err, c.net)
	}
	if c.output == "json" {
		return c.writeJSON(stdout, reachJSON(a))
	}
	return reachText(stdout, a)
}

// reachDoc is the JSON answer (cli.md "reach").
type reachDoc struct {
	Query    reachQueryDoc `json:"query"`
	Complete bool          `json:"complete"`
	Rows     []reach.Row   `json:"rows"`
	Classes  int           `json:"classes"`
	Traces   int           `json:"traces"`
	Skipped  []string      `json:"skipped,omitempty"`
}

type reachQueryDoc struct {
	To        string   `json:"to,omitempty"`
	From      string   `json:"from,omitempty"`
	Protocols []string `json:"protocols"`
	Ports     string   `json:"ports"`
	All       bool     `json:"all"`
}

func reachJSON(a *ask.ReachAnswer) reachDoc {
	q := a.Query
	d := reachDoc{Query: reachQueryDoc{To: q.To, From: q.From, Ports: "0-65535", All: q.All}, Complete: a.Complete,
		Rows: a.Rows, Classes: a.Classes, Traces: a.Traces, Skipped: a.Skipped}
	if d.Rows == nil {
		d.Rows = []reach.Row{}
	}
	for _, p := range q.Protocols {
		d.Query.Protocols = append(d.Query.Protocols, p.String())
	}
	if len(q.Ports) > 0 {
		d.Query.Ports = reach.PortsString(q.Ports)
	}
	return d
}

// reachText prints one line per row: the varying side's place, its prefixes, protocol, ports,
// verdict and the trace that shows it.
func reachText(w io.Writer, a *ask.ReachAnswer) error {
	q := a.Query
	head := "who can reach " + q.To
	if q.From != "" {
		head = "what " + q.From + " can reach"
	}
	completeness := "every address and port, not a sample"
	if !a.Complete {
		completeness = fmt.Sprintf("INCOMPLETE: %d addresses could not be evaluated", len(a.Skipped))
	}
	fmt.Fprintf(w, "%s: %d rows from %d classes (%d packets traced; %s)\n", head, len(a.Rows), a.Classes, a.Traces, completeness)
	if len(a.Rows) == 0 {
		if q.All {
			fmt.Fprintln(w, "nothing")
		} else {
			fmt.Fprintln(w, "nothing: every packet is Unreachable (--all lists why)")
		}
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "FROM\tTO\tADDRESSES\tPROTO\tPORTS\tVERDICT\tEXAMPLE")
		for _, r := range a.Rows {
			ports := r.Ports
			if ports == "" {
				ports = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", placeName(r.From), placeName(r.To), prefixList(r.Prefixes), r.Protocol, ports, r.Verdict, exampleText(r))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, s := range a.Skipped {
		fmt.Fprintln(w, "skipped:", s)
	}
	return nil
}

// placeName shortens a subnet ID to VNET/SUBNET and any other resource ID to its name.
func placeName(s string) string {
	if !strings.HasPrefix(s, "/") {
		return s
	}
	id := model.ID(s)
	parts := strings.Split(strings.Trim(s, "/"), "/")
	for i := 0; i+3 < len(parts); i++ {
		if strings.EqualFold(parts[i], "virtualNetworks") && strings.EqualFold(parts[i+2], "subnets") {
			return parts[i+1] + "/" + parts[i+3]
		}
	}
	return id.Name()
}

// prefixList shows up to three prefixes and how many more.
func prefixList(ps []netip.Prefix) string {
	var b strings.Builder
	for i, p := range ps {
		if i == 3 {
			fmt.Fprintf(&b, " +%d more", len(ps)-3)
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.String())
	}
	return b.String()
}

func exampleText(r reach.Row) string {
	e := r.Example
	s := "trace --from " + e.From + " --to " + e.To + " --proto " + strings.ToLower(e.Protocol.String())
	if r.Ports != "" {
		s += fmt.Sprintf(" --dport %d", e.DestinationPort)
	}
	if r.Deciding != nil && r.Deciding.Rule != "" && r.Verdict != "Reachable" {
		s += "  (" + string(r.Deciding.Step) + " " + r.Deciding.Rule + ")"
	}
	return s
}
