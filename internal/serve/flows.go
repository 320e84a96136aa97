package serve

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
)

// Flows answers the flow database's questions (cli.md "flows"), each with the document
// `vnetdoctor flows <cmd> -o json` prints for the same flags. serve --db wires it in
// cmd/vnetdoctor, so the cgo DuckDB store stays out of this package. A Flows is used by many
// requests at once.
type Flows interface {
	Explain(ctx context.Context, q FlowsExplainQuery) (any, error)
	// Report may return an error wrapping ErrNotImplemented (a store without that view).
	Report(ctx context.Context, q FlowsReportQuery) (any, error)
}

// FlowsExplainQuery is `flows explain`'s flags.
type FlowsExplainQuery struct {
	Src, Dst netip.Addr // invalid: any
	DstPort  int        // -1: any
	Denied   bool       // only flows the log denied
	Disagree bool       // only flows where the log and the model disagree
	Limit    int        // at most this many rows; 0: all
}

// FlowsReportQuery is `flows report`'s flags.
type FlowsReportQuery struct {
	View         string // top | denied | flowtypes | conversations | asymmetric | firewall
	Since, Until string // as --since and --until take them; empty: unbounded
	Limit        int    // at most this many rows; 0: all
}

// ErrNotImplemented says the flow store cannot answer this yet (501).
var ErrNotImplemented = errors.New("not implemented yet")

// The --limit defaults of flows explain and flows report.
const (
	DefaultFlowsLimit  = 1000
	DefaultReportLimit = 50
)

func (s *Server) apiFlowsExplain(ctx context.Context, q url.Values) (any, error) {
	if s.opts.Flows == nil {
		return nil, errNotAvailable("flows")
	}
	p, err := params(q, "src", "dst", "dport", "denied", "disagree", "limit")
	if err != nil {
		return nil, err
	}
	fq := FlowsExplainQuery{DstPort: -1, Limit: DefaultFlowsLimit}
	for _, a := range []struct {
		name string
		to   *netip.Addr
	}{{"src", &fq.Src}, {"dst", &fq.Dst}} {
		if v := p[a.name]; v != "" {
			ip, err := netip.ParseAddr(v)
			if err != nil || !ip.Is4() {
				return nil, paramf("%s= must be an IPv4 address, not %q", a.name, v)
			}
			*a.to = ip
		}
	}
	if v, ok := p["dport"]; ok {
		n, err := strconv.ParseUint(v, 10, 16)
		if err != nil {
			return nil, paramf("dport= must be a port 0-65535, not %q", v)
		}
		fq.DstPort = int(n)
	}
	if fq.Denied, err = boolParam(p, "denied"); err != nil {
		return nil, err
	}
	if fq.Disagree, err = boolParam(p, "disagree"); err != nil {
		return nil, err
	}
	if fq.Limit, err = limitParam(p, DefaultFlowsLimit); err != nil {
		return nil, err
	}
	return s.opts.Flows.Explain(ctx, fq)
}

func (s *Server) apiFlowsReport(ctx context.Context, q url.Values) (any, error) {
	if s.opts.Flows == nil {
		return nil, errNotAvailable("flows")
	}
	p, err := params(q, "view", "since", "until", "limit")
	if err != nil {
		return nil, err
	}
	fq := FlowsReportQuery{View: "top", Since: p["since"], Until: p["until"]}
	if v, ok := p["view"]; ok {
		fq.View = v
	}
	if !slices.Contains(flowdb.Views, fq.View) {
		return nil, paramf("view= must be one of %s, not %q", strings.Join(flowdb.Views, "|"), fq.View)
	}
	if fq.Limit, err = limitParam(p, DefaultReportLimit); err != nil {
		return nil, err
	}
	return s.opts.Flows.Report(ctx, fq)
}

// boolParam reads name=true|false (absent: false).
func boolParam(p map[string]string, name string) (bool, error) {
	switch p[name] {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, paramf("%s= must be true or false, not %q", name, p[name])
}

// limitParam reads limit= (0 or more; absent: def).
func limitParam(p map[string]string, def int) (int, error) {
	v, ok := p["limit"]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, paramf("limit= must be 0 (all) or more, not %q", v)
	}
	return n, nil
}
