package flowdb

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Views are the report views (cli.md "flows report").
var Views = []string{"top", "denied", "flowtypes", "conversations", "asymmetric", "firewall"}

// ReportQuery asks for one view over the records with SinceMs <= ts < UntilMs (0 = open).
type ReportQuery struct {
	View             string
	SinceMs, UntilMs int64
	Limit            int // 0 = all rows
}

// Report is one view's answer: rows of named columns, in order. Note says why a view is empty
// (never an empty view without a reason, logs.md §5).
type Report struct {
	View    string
	Columns []string
	Rows    [][]any
	Note    string
}

// MarshalJSON writes {"view", "rows": [{column: value}], "note"} with columns in order.
func (r *Report) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"view":`)
	v, _ := json.Marshal(r.View)
	b.Write(v)
	b.WriteString(`,"rows":[`)
	for i, row := range r.Rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		for j, c := range r.Columns {
			if j > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(c)
			val, err := json.Marshal(row[j])
			if err != nil {
				return nil, err
			}
			b.Write(k)
			b.WriteByte(':')
			b.Write(val)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	if r.Note != "" {
		n, _ := json.Marshal(r.Note)
		b.WriteString(`,"note":`)
		b.Write(n)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Run answers q from st; net (the snapshot, may be nil) names endpoints and lists the
// firewall rules never hit.
func Run(ctx context.Context, st Store, q ReportQuery, net *model.Network) (*Report, error) {
	f := Filter{SinceMs: q.SinceMs, UntilMs: q.UntilMs}
	var r *Report
	var err error
	switch q.View {
	case "top", "conversations", "flowtypes":
		r, err = trafficView(ctx, st, q.View, f)
	case "denied":
		r, err = deniedView(ctx, st, f)
	case "asymmetric":
		r, err = asymmetricView(ctx, st, f)
	case "firewall":
		r, err = firewallView(ctx, st, f, net)
	default:
		return nil, fmt.Errorf("unknown view %q: want one of %s", q.View, strings.Join(Views, ", "))
	}
	if err != nil {
		return nil, err
	}
	if q.Limit > 0 && len(r.Rows) > q.Limit {
		r.Rows = r.Rows[:q.Limit]
	}
	if len(r.Rows) == 0 && r.Note == "" {
		r.Note = "no records in the database match"
		if q.SinceMs != 0 || q.UntilMs != 0 {
			r.Note += " the time range"
		}
	}
	return r, nil
}

func stampMs(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano) }

// protoName is a protocol as cli.md's rows spell it.
func protoName(p uint8) string {
	switch p {
	case flowlog.ProtoTCP:
		return "Tcp"
	case flowlog.ProtoUDP:
		return "Udp"
	case flowlog.ProtoICMP:
		return "Icmp"
	}
	return fmt.Sprintf("%d", p)
}

// observation is one observer's view of a conversation: what a query grouped by conversation,
// log kind and direction returns.
type observation struct {
	kind                flowlog.Kind
	dir                 uint64
	flows, pkts, bytes  uint64
	first, last         int64
	srcEP, dstEP, ftype uint64
}

// rank orders the observations of one conversation for counting it once (logs.md §6): the
// source NIC's flow log (O), else the destination NIC's (I), else the firewall.
func (o *observation) rank() int {
	switch {
	case o.kind != flowlog.Firewall && o.dir == 'O':
		return 0
	case o.kind != flowlog.Firewall:
		return 1
	}
	return 2
}

// conversation is (source, destination, protocol, destination port) counted once.
type conversation struct {
	src, dst, fq, proto, dport uint64
	best                       observation
	first, last                int64
}

// conversations groups the records of f by conversation and counts each one once, from its
// best observation point; endpoints and flow type from any observation that has them.
func conversations(ctx context.Context, st Store, f Filter) ([]*conversation, error) {
	// fq is the context of records without a destination address (application rules that
	// name an FQDN), 0 otherwise: the FQDN is the destination.
	q := `SELECT src, dst, CASE WHEN dst = 0 THEN ctx_id ELSE 0 END AS fq, proto, dport, kind, dir, max(flow_type), ` +
		startExpr + `, ` + endExpr + `, sum(pkts_sd + pkts_ds), sum(bytes_sd + bytes_ds), min(ts_ms), max(ts_ms)
		FROM flow_raw` + f.where() + ` GROUP BY src, dst, fq, proto, dport, kind, dir`
	type key struct{ src, dst, fq, proto, dport uint64 }
	convs := map[key]*conversation{}
	err := st.Query(ctx, q, func(scan func(...any) error) error {
		var k key
		var o observation
		var kind, starts, ends uint64
		if err := scan(&k.src, &k.dst, &k.fq, &k.proto, &k.dport, &kind, &o.dir, &o.ftype, &starts, &ends,
			&o.pkts, &o.bytes, &o.first, &o.last); err != nil {
			return err
		}
		o.kind, o.flows = flowlog.Kind(kind), max(starts, ends)
		c := convs[k]
		if c == nil {
			c = &conversation{src: k.src, dst: k.dst, fq: k.fq, proto: k.proto, dport: k.dport, best: o, first: o.first, last: o.last}
			convs[k] = c
			return nil
		}
		c.first, c.last = min(c.first, o.first), max(c.last, o.last)
		if o.rank() < c.best.rank() {
			ep := c.best
			c.best = o
			o = ep
		}
		// The flow type from any observation: a firewall line is enriched like a flow log tuple.
		c.best.ftype = max(c.best.ftype, o.ftype)
		return nil
	})
	out := make([]*conversation, 0, len(convs))
	for _, c := range convs {
		out = append(out, c)
	}
	return out, err
}

// name is how a report names an endpoint: its VM, else its owner's name; "" when unknown.
func name(eps map[uint64]*Endpoint, id uint64) string {
	e := eps[id]
	if e == nil {
		return ""
	}
	if e.VM != "" {
		return model.ID(e.VM).Name()
	}
	return model.ID(e.Owner).Name()
}

// dest is a conversation's destination: its address, or the FQDN an application rule named.
func dest(dst, fq uint64, ctxs map[uint64]*Context) string {
	if dst != 0 {
		return Addr4(uint32(dst)).String()
	}
	if c := ctxs[fq]; c != nil {
		return c.FQDN
	}
	return ""
}

func trafficView(ctx context.Context, st Store, view string, f Filter) (*Report, error) {
	convs, err := conversations(ctx, st, f)
	if err != nil {
		return nil, err
	}
	if view == "flowtypes" {
		return flowTypeView(convs), nil
	}
	eps, err := Endpoints(ctx, st)
	if err != nil {
		return nil, err
	}
	// Endpoints are named by address (the rows' endpoint IDs would cost the scan two more
	// aggregates); an address enriched differently by two snapshots takes the highest ID.
	byIP := map[uint64]uint64{}
	for id, e := range eps {
		ip := uint64(IP4(e.IP))
		byIP[ip] = max(byIP[ip], id)
	}
	for _, c := range convs {
		c.best.srcEP, c.best.dstEP = byIP[c.src], byIP[c.dst]
	}
	ctxs, err := Contexts(ctx, st)
	if err != nil {
		return nil, err
	}
	if view == "top" {
		return topView(convs, eps, ctxs), nil
	}
	r := &Report{View: view, Columns: []string{"source", "sourceName", "destination", "destinationName", "protocol", "destinationPort",
		"flowType", "flows", "packets", "bytes", "first", "last"}}
	slices.SortFunc(convs, func(a, b *conversation) int {
		return cmp.Or(cmp.Compare(b.best.flows, a.best.flows), cmp.Compare(b.best.bytes, a.best.bytes), cmp.Compare(a.src, b.src),
			cmp.Compare(a.dst, b.dst), cmp.Compare(a.fq, b.fq), cmp.Compare(a.proto, b.proto), cmp.Compare(a.dport, b.dport))
	})
	for _, c := range convs {
		r.Rows = append(r.Rows, []any{Addr4(uint32(c.src)).String(), name(eps, c.best.srcEP), dest(c.dst, c.fq, ctxs),
			name(eps, c.best.dstEP), protoName(uint8(c.proto)), c.dport, FlowType(c.best.ftype).String(), c.best.flows, c.best.pkts,
			c.best.bytes, stampMs(c.first), stampMs(c.last)})
	}
	return r, nil
}

// topView is the top talkers: source-destination pairs by bytes, then flows.
func topView(convs []*conversation, eps map[uint64]*Endpoint, ctxs map[uint64]*Context) *Report {
	type pair struct{ src, dst, fq uint64 }
	type talk struct {
		pair
		srcEP, dstEP, ftype uint64
		flows, pkts, bytes  uint64
	}
	by := map[pair]*talk{}
	for _, c := range convs {
		p := pair{c.src, c.dst, c.fq}
		t := by[p]
		if t == nil {
			t = &talk{pair: p}
			by[p] = t
		}
		t.flows, t.pkts, t.bytes = t.flows+c.best.flows, t.pkts+c.best.pkts, t.bytes+c.best.bytes
		t.srcEP, t.dstEP, t.ftype = max(t.srcEP, c.best.srcEP), max(t.dstEP, c.best.dstEP), max(t.ftype, c.best.ftype)
	}
	talks := make([]*talk, 0, len(by))
	for _, t := range by {
		talks = append(talks, t)
	}
	slices.SortFunc(talks, func(a, b *talk) int {
		return cmp.Or(cmp.Compare(b.bytes, a.bytes), cmp.Compare(b.flows, a.flows), cmp.Compare(a.src, b.src), cmp.Compare(a.dst, b.dst),
			cmp.Compare(a.fq, b.fq))
	})
	r := &Report{View: "top", Columns: []string{"source", "sourceName", "destination", "destinationName", "flowType", "flows", "packets", "bytes"}}
	for _, t := range talks {
		r.Rows = append(r.Rows, []any{Addr4(uint32(t.src)).String(), name(eps, t.srcEP), dest(t.dst, t.fq, ctxs),
			name(eps, t.dstEP), FlowType(t.ftype).String(), t.flows, t.pkts, t.bytes})
	}
	return r
}

// flowTypeView counts conversations' flows, packets and bytes per Traffic Analytics flow type.
func flowTypeView(convs []*conversation) *Report {
	type tot struct{ flows, pkts, bytes, conversations uint64 }
	by := make([]tot, len(flowTypeNames))
	for _, c := range convs {
		t := &by[min(int(c.best.ftype), len(by)-1)]
		t.flows, t.pkts, t.bytes, t.conversations = t.flows+c.best.flows, t.pkts+c.best.pkts, t.bytes+c.best.bytes, t.conversations+1
	}
	r := &Report{View: "flowtypes", Columns: []string{"flowType", "conversations", "flows", "packets", "bytes"}}
	for ft, t := range by {
		if t.conversations > 0 {
			r.Rows = append(r.Rows, []any{FlowType(ft).String(), t.conversations, t.flows, t.pkts, t.bytes})
		}
	}
	slices.SortStableFunc(r.Rows, func(a, b []any) int { return cmp.Compare(b[2].(uint64), a[2].(uint64)) })
	return r
}
