package flowdb

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
)

// The portable SQL subset every Store executes (DuckDB, and ClickHouse down to 18.16, logs.md
// §6): SELECT ... FROM table or (subquery) WHERE ... GROUP BY <listed columns> HAVING ... ORDER
// BY ... LIMIT n; count(*), sum, min, max, CASE WHEN ... THEN ... ELSE ... END, IN (...),
// comparison and arithmetic on integers. Not used: FILTER, GROUP BY ALL, joins, string
// functions, casts, NULL. Literals are integers only (addresses are UInt32), so no text from
// the user is ever spliced into a query. Strings come from the small dimension tables, read
// whole and joined in Go.

// startExpr counts a record that starts a flow: begin and denied tuples, v1 tuples and
// firewall lines (state 0, 'B' = 66, 'D' = 68); endExpr counts end tuples ('E' = 69).
const (
	startExpr = "sum(CASE WHEN state IN (0, 66, 68) THEN 1 ELSE 0 END)"
	endExpr   = "sum(CASE WHEN state = 69 THEN 1 ELSE 0 END)"
)

// where is the WHERE clause of f ("" for none).
func (f Filter) where(extra ...string) string {
	w := extra
	if f.Src.IsValid() {
		w = append(w, "src = "+strconv.FormatUint(uint64(IP4(f.Src)), 10))
	}
	if f.Dst.IsValid() {
		w = append(w, "dst = "+strconv.FormatUint(uint64(IP4(f.Dst)), 10))
	}
	if f.HasDPort {
		w = append(w, "dport = "+strconv.Itoa(int(f.DstPort)))
	}
	if f.DeniedOnly {
		w = append(w, "decision = 1")
	}
	if f.SinceMs != 0 {
		w = append(w, "ts_ms >= "+strconv.FormatInt(f.SinceMs, 10))
	}
	if f.UntilMs != 0 {
		w = append(w, "ts_ms < "+strconv.FormatInt(f.UntilMs, 10))
	}
	if len(w) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w, " AND ")
}

// Contexts reads flow_ctx whole, by ID.
func Contexts(ctx context.Context, st Store) (map[uint64]*Context, error) {
	out := map[uint64]*Context{}
	err := st.Query(ctx, `SELECT ctx_id, kind, log_id, target_id, mac, acl_id, rule, fw_category, fw_policy, fw_rcg, fw_rc,
		action_reason, fqdn, target_url, by_name, by_id, rule_id FROM flow_ctx`, func(scan func(...any) error) error {
		c := &Context{}
		var kind uint64
		if err := scan(&c.ID, &kind, &c.LogID, &c.TargetID, &c.MAC, &c.ACLID, &c.Rule, &c.Category, &c.Policy,
			&c.RuleCollectionGroup, &c.RuleCollection, &c.ActionReason, &c.FQDN, &c.TargetURL, &c.By, &c.ByID, &c.RuleID); err != nil {
			return err
		}
		c.Kind = flowlog.Kind(kind)
		out[c.ID] = c
		return nil
	})
	return out, err
}

// Endpoints reads the endpoint table whole, by ID.
func Endpoints(ctx context.Context, st Store) (map[uint64]*Endpoint, error) {
	out := map[uint64]*Endpoint{}
	err := st.Query(ctx, `SELECT ep_id, ip, nic, vm, subnet, vnet, owner_kind, owner FROM endpoint`, func(scan func(...any) error) error {
		e := &Endpoint{}
		var ip uint64
		if err := scan(&e.ID, &ip, &e.NIC, &e.VM, &e.Subnet, &e.VNet, &e.OwnerKind, &e.Owner); err != nil {
			return err
		}
		e.IP = Addr4(uint32(ip))
		out[e.ID] = e
		return nil
	})
	return out, err
}

// Observer is who decided a context's records, as explain shows it: the aclID (VNet flow
// logs), the NSG's or firewall's resource ID; and the rule, the firewall's as RCG/collection/rule.
func (c *Context) Observer() (by, rule string) {
	switch c.Kind {
	case flowlog.VNetFlowLog:
		return c.ACLID, c.Rule
	case flowlog.Firewall:
		var parts []string
		for _, p := range []string{c.RuleCollectionGroup, c.RuleCollection, c.Rule} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		return c.LogID, strings.Join(parts, "/")
	}
	return c.LogID, c.Rule
}

// Flows returns the observed flows of st grouped as explain shows them: one group per source,
// destination (or FQDN), protocol, destination port, decision, observer, rule and direction,
// most flows first (ties in address order), at most f.Limit.
func Flows(ctx context.Context, st Store, f Filter) ([]Observed, error) {
	ctxs, err := Contexts(ctx, st)
	if err != nil {
		return nil, err
	}
	q := `SELECT src, dst, ctx_id, proto, dport, decision, dir, ` + startExpr + `, ` + endExpr + `, min(ts_ms), max(ts_ms)
		FROM flow_raw` + f.where() + ` GROUP BY src, dst, ctx_id, proto, dport, decision, dir`
	type gkey struct {
		src, dst     uint64
		fqdn         string
		proto, dport uint64
		decision     uint64
		kind         flowlog.Kind
		by, rule     string
		dir          uint64
	}
	type group struct {
		o           Observed
		starts, end uint64
	}
	groups := map[gkey]*group{}
	err = st.Query(ctx, q, func(scan func(...any) error) error {
		var k gkey
		var ctxID, starts, ends uint64
		var first, last int64
		if err := scan(&k.src, &k.dst, &ctxID, &k.proto, &k.dport, &k.decision, &k.dir, &starts, &ends, &first, &last); err != nil {
			return err
		}
		c := ctxs[ctxID]
		if c == nil {
			c = &Context{}
		}
		if c.Kind == flowlog.Firewall && !flowlog.IsRuleDecision(c.Category) {
			return nil // DNS queries, flow traces, threat intelligence: no rule decided them
		}
		k.fqdn, k.kind = c.FQDN, c.Kind
		k.by, k.rule = c.Observer()
		g := groups[k]
		if g == nil {
			g = &group{o: Observed{Src: Addr4(uint32(k.src)), Dst: Addr4(uint32(k.dst)), FQDN: k.fqdn, Proto: uint8(k.proto),
				DstPort: uint16(k.dport), Decision: flowlog.Decision(k.decision), Kind: k.kind, By: k.by, ByName: c.By,
				Rule: k.rule, Direction: byte(k.dir), FirstMs: first, LastMs: last}}
			groups[k] = g
		}
		g.starts += starts
		g.end += ends
		g.o.FirstMs, g.o.LastMs = min(g.o.FirstMs, first), max(g.o.LastMs, last)
		g.o.ActionDefault = g.o.ActionDefault || (c.Kind == flowlog.Firewall && c.ActionReason == "Default Action")
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Observed, 0, len(groups))
	for _, g := range groups {
		g.o.Count = max(g.starts, g.end)
		out = append(out, g.o)
	}
	slices.SortFunc(out, func(a, b Observed) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), a.Src.Compare(b.Src), a.Dst.Compare(b.Dst), cmp.Compare(a.FQDN, b.FQDN),
			cmp.Compare(a.DstPort, b.DstPort), cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.By, b.By), cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Direction, b.Direction), cmp.Compare(a.Decision, b.Decision))
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}
