package reach

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Row is a readable group of classes (cli.md "reach"): the addresses of one place on the varying
// side that get the same verdict on the same ports, with one packet that shows it.
type Row struct {
	From     string          `json:"from"`
	To       string          `json:"to"`
	Prefixes []netip.Prefix  `json:"prefixes"` // the varying side's addresses
	Protocol string          `json:"protocol"`
	Ports    string          `json:"ports"` // "22", "80,443", "1024-65535"; empty for ICMP
	Verdict  trace.Verdict   `json:"verdict"`
	Example  trace.Query     `json:"example"`
	Deciding *trace.Deciding `json:"deciding,omitempty"` // the example's deciding step, forward
}

// cell is one address class's ports with one verdict.
type cell struct {
	fixed    int
	label    string
	span     Span
	proto    model.Protocol
	verdict  trace.Verdict
	ports    string
	example  trace.Query
	deciding *trace.Deciding
}

// Rows groups r's classes into rows; Unreachable rows only when all is set. fixed is the query's
// fixed side (To or From) and to whether it is the destination.
func Rows(r *Result, fixed []Endpoint, to bool, all bool) []Row {
	cells := cellsOf(r.Classes)
	type key struct {
		fixed        int
		label, ports string
		proto        model.Protocol
		verdict      trace.Verdict
	}
	groups := map[key][]cell{}
	var order []key
	for _, c := range cells {
		if c.verdict == trace.Unreachable && !all {
			continue
		}
		k := key{c.fixed, c.label, c.ports, c.proto, c.verdict}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
	}
	rows := make([]Row, 0, len(order))
	for _, k := range order {
		cs := groups[k]
		ex := exampleCell(cs, fixed[k.fixed].Addr, to)
		row := Row{From: cs[0].label, To: fixed[k.fixed].Label, Prefixes: spansToPrefixes(cs), Protocol: k.proto.String(),
			Ports: k.ports, Verdict: k.verdict, Example: ex.example, Deciding: ex.deciding}
		if !to {
			row.From, row.To = row.To, row.From
		}
		rows = append(rows, row)
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(verdictRank(a.Verdict), verdictRank(b.Verdict)), strings.Compare(a.To, b.To),
			strings.Compare(a.From, b.From), strings.Compare(a.Protocol, b.Protocol), strings.Compare(a.Ports, b.Ports))
	})
	return rows
}

// exampleCell is the cell whose packet a row shows: the first, unless its varying end is the
// fixed endpoint's own address and the row holds another. A VM sending to its own address never
// leaves it, so "from 10.0.0.4 to the VM at 10.0.0.4" explains nothing: the packet then comes
// from another address of a cell (every address of a class behaves as its example does).
func exampleCell(cs []cell, self netip.Addr, to bool) cell {
	varying := func(q *trace.Query) *string {
		if to {
			return &q.From
		}
		return &q.To
	}
	if a, err := netip.ParseAddr(*varying(&cs[0].example)); err != nil || a != self {
		return cs[0]
	}
	for _, c := range cs {
		if _, err := netip.ParseAddr(*varying(&c.example)); err != nil {
			continue // a resource, named by ID
		}
		for _, v := range []uint32{c.span.Lo, c.span.Hi} {
			if a := addrOf(v); a != self {
				*varying(&c.example) = a.String()
				return c
			}
		}
	}
	return cs[0]
}

func verdictRank(v trace.Verdict) int {
	return map[trace.Verdict]int{trace.Reachable: 0, trace.Intermittent: 1, trace.UnknownV: 2, trace.Unreachable: 3}[v]
}

// cellsOf turns the sorted classes into one cell per (address class, protocol, verdict).
func cellsOf(cs []Class) []cell {
	var out []cell
	for i := 0; i < len(cs); {
		j := i
		for j < len(cs) && cs[j].Fixed == cs[i].Fixed && cs[j].Addrs == cs[i].Addrs && cs[j].Label == cs[i].Label && cs[j].Protocol == cs[i].Protocol {
			j++
		}
		byVerdict := map[trace.Verdict][]model.PortRange{}
		first := map[trace.Verdict]Class{}
		var verdicts []trace.Verdict
		for _, c := range cs[i:j] {
			if _, ok := first[c.Verdict]; !ok {
				first[c.Verdict] = c
				verdicts = append(verdicts, c.Verdict)
			}
			byVerdict[c.Verdict] = append(byVerdict[c.Verdict], c.Ports)
		}
		for _, v := range verdicts {
			c := first[v]
			ports := ""
			if c.Protocol == model.ProtoTCP || c.Protocol == model.ProtoUDP {
				ports = PortsString(byVerdict[v])
			}
			out = append(out, cell{c.Fixed, c.Label, c.Addrs, c.Protocol, v, ports, c.Example, c.Deciding})
		}
		i = j
	}
	return out
}

// PortsString writes sorted port ranges as cli.md does, adjacent ranges merged: "22,80-443".
func PortsString(rs []model.PortRange) string {
	var b strings.Builder
	for i := 0; i < len(rs); {
		lo, hi := rs[i].Lo, rs[i].Hi
		i++
		for i < len(rs) && uint32(rs[i].Lo) <= uint32(hi)+1 {
			hi = max(hi, rs[i].Hi)
			i++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if lo == hi {
			fmt.Fprintf(&b, "%d", lo)
		} else {
			fmt.Fprintf(&b, "%d-%d", lo, hi)
		}
	}
	return b.String()
}

// spansToPrefixes merges the cells' address classes (sorted) and covers them with prefixes.
func spansToPrefixes(cs []cell) []netip.Prefix {
	var out []netip.Prefix
	for i := 0; i < len(cs); {
		lo, hi := cs[i].span.Lo, cs[i].span.Hi
		i++
		for i < len(cs) && uint64(cs[i].span.Lo) == uint64(hi)+1 {
			hi = cs[i].span.Hi
			i++
		}
		out = append(out, cidrs(lo, hi)...)
	}
	return out
}

// ParsePorts reads a port list as PortsString writes it (and --dport takes it): "22", "80,443",
// "1024-65535". Ranges are sorted and merged.
func ParsePorts(s string) ([]model.PortRange, error) {
	var out []model.PortRange
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		l, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
		if err != nil {
			return nil, fmt.Errorf("port %q: want N, N-M or a comma-separated list of them (0-65535)", part)
		}
		h := l
		if isRange {
			if h, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 16); err != nil || h < l {
				return nil, fmt.Errorf("port range %q: want N-M with N <= M <= 65535", part)
			}
		}
		out = append(out, model.PortRange{Lo: uint16(l), Hi: uint16(h)})
	}
	return MergePorts(out), nil
}

// MergePorts sorts port ranges (in place) and merges overlapping and adjacent ones into a new
// slice; nil for none.
func MergePorts(rs []model.PortRange) []model.PortRange {
	if len(rs) == 0 {
		return nil
	}
	slices.SortFunc(rs, func(a, b model.PortRange) int { return cmp.Compare(a.Lo, b.Lo) })
	out := []model.PortRange{rs[0]}
	for _, r := range rs[1:] {
		if last := &out[len(out)-1]; uint32(r.Lo) <= uint32(last.Hi)+1 {
			last.Hi = max(last.Hi, r.Hi)
		} else {
			out = append(out, r)
		}
	}
	return out
}
