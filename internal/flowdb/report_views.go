package flowdb

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// deniedView is cli.md's denied rows: source, destination, protocol, destinationPort, by (the
// NSG, admin configuration or firewall by name), rule, flows — most flows first.
func deniedView(ctx context.Context, st Store, f Filter) (*Report, error) {
	ctxs, err := Contexts(ctx, st)
	if err != nil {
		return nil, err
	}
	f.DeniedOnly = true
	type key struct {
		src, dst, proto, dport uint64
		dest, by, rule         string
	}
	counts := map[key]uint64{}
	err = st.Query(ctx, `SELECT src, dst, proto, dport, ctx_id, count(*) FROM flow_raw`+f.where()+
		` GROUP BY src, dst, proto, dport, ctx_id`, func(scan func(...any) error) error {
		var k key
		var id, n uint64
		if err := scan(&k.src, &k.dst, &k.proto, &k.dport, &id, &n); err != nil {
			return err
		}
		c := ctxs[id]
		if c == nil {
			c = &Context{}
		}
		_, k.rule = c.Observer()
		k.by = c.By
		switch {
		case c.Kind == flowlog.Firewall && !flowlog.IsRuleDecision(c.Category):
			k.rule = c.Category
		case c.Kind == flowlog.Firewall && k.rule == "":
			k.rule = "DefaultAction"
		}
		if k.dst == 0 {
			k.dest = c.FQDN
		}
		counts[k] += n
		return nil
	})
	if err != nil {
		return nil, err
	}
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a.src, b.src), cmp.Compare(a.dst, b.dst), cmp.Compare(a.dest, b.dest),
			cmp.Compare(a.dport, b.dport), cmp.Compare(a.proto, b.proto), cmp.Compare(a.by, b.by), cmp.Compare(a.rule, b.rule))
	})
	r := &Report{View: "denied", Columns: []string{"source", "destination", "protocol", "destinationPort", "by", "rule", "flows"}}
	for _, k := range keys {
		dest := k.dest
		if k.dst != 0 {
			dest = Addr4(uint32(k.dst)).String()
		}
		r.Rows = append(r.Rows, []any{Addr4(uint32(k.src)).String(), dest, protoName(uint8(k.proto)), k.dport, k.by, k.rule, counts[k]})
	}
	return r, nil
}

// asymmetricView lists conversations one direction of which went through a stateful device
// (the firewall) and the other did not: the firewall logged a packet from B's port P to A while
// the flow logs recorded A's conversation with B on port P — the firewall saw only the reply,
// so the request bypassed it (a route on one side only, e.g. a private endpoint's /32 or a
// spoke without the UDR). Such a firewall drops the reply for want of state (learn.microsoft.com
// azure/firewall/firewall-faq: asymmetric routing is not supported). A reply the firewall logged
// although it also logged the request is listed too ("reply as a new flow"). The request-only case
// (the firewall saw A to B and the reply bypassed it) leaves no trace in these logs; flows
// explain flags it from the model (AsymmetricReturn).
func asymmetricView(ctx context.Context, st Store, f Filter) (*Report, error) {
	type conv struct{ a, b, proto, port uint64 }
	// Flow log conversations a -> b:port, counted once: at the source NIC (O), else the
	// destination's (I).
	out, in := map[conv]uint64{}, map[conv]uint64{}
	err := st.Query(ctx, `SELECT src, dst, proto, dport, dir, `+startExpr+` FROM flow_raw`+f.where("kind IN (1, 2)")+
		` GROUP BY src, dst, proto, dport, dir`, func(scan func(...any) error) error {
		var c conv
		var dir, n uint64
		if err := scan(&c.a, &c.b, &c.proto, &c.port, &dir, &n); err != nil {
			return err
		}
		if dir == 'O' {
			out[c] += n
		} else {
			in[c] += n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	seen := in
	for c, n := range out {
		seen[c] = n
	}
	requests := map[conv]bool{} // conversations the firewall logged the request of
	err = st.Query(ctx, `SELECT src, dst, proto, dport FROM flow_raw`+f.where("kind = 3")+` GROUP BY src, dst, proto, dport`,
		func(scan func(...any) error) error {
			var c conv
			if err := scan(&c.a, &c.b, &c.proto, &c.port); err != nil {
				return err
			}
			requests[c] = true
			return nil
		})
	if err != nil {
		return nil, err
	}
	type row struct {
		conv
		by          string
		fw, flows   uint64
		first, last int64
	}
	ctxs, err := Contexts(ctx, st)
	if err != nil {
		return nil, err
	}
	var rows []row
	idx := map[conv]int{}
	err = st.Query(ctx, `SELECT src, dst, proto, sport, ctx_id, count(*), min(ts_ms), max(ts_ms) FROM flow_raw`+f.where("kind = 3")+
		` GROUP BY src, dst, proto, sport, ctx_id`, func(scan func(...any) error) error {
		var b, a, proto, port, id, n uint64
		var first, last int64
		if err := scan(&b, &a, &proto, &port, &id, &n, &first, &last); err != nil {
			return err
		}
		c := conv{a, b, proto, port}
		flows, ok := seen[c]
		if !ok || port == 0 || flows == 0 {
			return nil
		}
		by := ""
		if x := ctxs[id]; x != nil {
			by = x.By
		}
		if i, ok := idx[c]; ok {
			rows[i].fw += n
			rows[i].first, rows[i].last = min(rows[i].first, first), max(rows[i].last, last)
			return nil
		}
		idx[c] = len(rows)
		rows = append(rows, row{conv: c, by: by, fw: n, flows: flows, first: first, last: last})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(rows, func(x, y row) int {
		return cmp.Or(cmp.Compare(y.fw, x.fw), cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b), cmp.Compare(x.port, y.port))
	})
	r := &Report{View: "asymmetric", Columns: []string{"source", "destination", "protocol", "destinationPort", "seenThrough", "direction",
		"firewallRecords", "flows", "first", "last"}}
	for _, x := range rows {
		// "reply only": the firewall never saw the request; "reply as a new flow": it saw both,
		// yet logged the reply as a connection of its own (another instance had the state).
		seen := "reply only"
		if requests[x.conv] {
			seen = "reply as a new flow"
		}
		r.Rows = append(r.Rows, []any{Addr4(uint32(x.a)).String(), Addr4(uint32(x.b)).String(), protoName(uint8(x.proto)), x.port, x.by,
			seen, x.fw, x.flows, stampMs(x.first), stampMs(x.last)})
	}
	if len(r.Rows) == 0 {
		r.Note = "no firewall record is the reply of a conversation the flow logs recorded"
	}
	return r, nil
}

// firewallView is the hits per firewall, rule collection group, collection and rule, with
// every policy or classic rule of the snapshot's firewalls that no record hit (hits 0).
func firewallView(ctx context.Context, st Store, f Filter, net *model.Network) (*Report, error) {
	ctxs, err := Contexts(ctx, st)
	if err != nil {
		return nil, err
	}
	type key = fwKey
	type hit struct {
		n           uint64
		first, last int64
	}
	hits := map[key]*hit{}
	err = st.Query(ctx, `SELECT ctx_id, decision, count(*), min(ts_ms), max(ts_ms) FROM flow_raw`+f.where("kind = 3")+
		` GROUP BY ctx_id, decision`, func(scan func(...any) error) error {
		var id, decision, n uint64
		var first, last int64
		if err := scan(&id, &decision, &n, &first, &last); err != nil {
			return err
		}
		c := ctxs[id]
		if c == nil {
			c = &Context{}
		}
		k := key{c.By, c.RuleCollectionGroup, c.RuleCollection, c.Rule, flowlog.Decision(decision).String()}
		switch {
		case !flowlog.IsRuleDecision(c.Category):
			k.rule = c.Category // AZFWDnsQuery, AZFWFlowTrace, AZFWThreatIntel, AzureFirewallDnsProxy
		case c.ActionReason == "Default Action" || (c.Rule == "" && c.RuleCollection == ""):
			k.rule = "DefaultAction"
		}
		h := hits[k]
		if h == nil {
			h = &hit{first: first, last: last}
			hits[k] = h
		}
		h.n += n
		h.first, h.last = min(h.first, first), max(h.last, last)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if net != nil {
		hit3 := map[[3]string]bool{} // firewall, collection, rule as logged (classic logs name no group)
		for k := range hits {
			hit3[[3]string{strings.ToLower(k.fw), strings.ToLower(k.rc), strings.ToLower(k.rule)}] = true
		}
		for _, fw := range net.Firewalls {
			for _, r := range firewallRules(fw) {
				if !hit3[[3]string{strings.ToLower(fw.Name), strings.ToLower(r[1]), strings.ToLower(r[2])}] {
					hits[key{fw.Name, r[0], r[1], r[2], r[3]}] = &hit{}
				}
			}
		}
	}
	keys := make([]key, 0, len(hits))
	for k := range hits {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(hits[b].n, hits[a].n), cmp.Compare(a.fw, b.fw), cmp.Compare(a.rcg, b.rcg), cmp.Compare(a.rc, b.rc),
			cmp.Compare(a.rule, b.rule), cmp.Compare(a.action, b.action))
	})
	r := &Report{View: "firewall", Columns: []string{"firewall", "ruleCollectionGroup", "ruleCollection", "rule", "action", "hits", "first", "last"}}
	for _, k := range keys {
		h := hits[k]
		first, last := "", ""
		if h.n > 0 {
			first, last = stampMs(h.first), stampMs(h.last)
		}
		r.Rows = append(r.Rows, []any{k.fw, k.rcg, k.rc, k.rule, k.action, h.n, first, last})
	}
	if len(r.Rows) == 0 {
		r.Note = "no firewall records in the database and no firewall in the snapshot"
	}
	return r, nil
}

// firewallRules lists fw's rules as [group, collection, rule, action] (action as logs spell
// it: Allow or Deny; DNAT rules log Allow).
func firewallRules(fw *model.Firewall) [][4]string {
	var out [][4]string
	add := func(group string, cols []*model.RuleCollection) {
		for _, rc := range cols {
			action := "Allowed"
			if rc.Action == model.FwDeny {
				action = "Denied"
			}
			for _, r := range rc.Rules {
				out = append(out, [4]string{group, rc.Name, r.Name, action})
			}
		}
	}
	if fw.Policy == nil {
		add("", fw.Classic)
	}
	for p := fw.Policy; p != nil; p = p.Base {
		for _, g := range p.Groups {
			add(g.Name, g.Collections)
		}
	}
	return out
}

// fwKey is one row of the firewall view.
type fwKey struct{ fw, rcg, rc, rule, action string }
