package check

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/forward"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// pairFns evaluates the decisions of a pair key as functions of one address, the other end
// fixed: a subnet's route to an address, an endpoint's rules for flows from or to an address, a
// firewall's verdict for flows from an address. Each is constant between consecutive bounds of
// the prefixes it reads (fib, acl and firewall name them), so it is evaluated once per such
// range, at the first address a pair asks about, and remembered. Not safe for concurrent use.
type pairFns struct {
	k      *pairKeyer
	memo   *forward.Memo
	routes map[routeKey]*rangeFn
	// learned are the bounds of the shared lists of learned routes (many tables share one).
	learned   []learnedList
	decs      []decRec
	byRoute   map[routeAt]int32 // decisions of leaveTo's own, by route
	decIDs    map[[4]uint32]uint32
	verdicts  map[verdictKey]*rangeFn
	engBounds map[*firewall.Engine][]netip.Addr
	setCuts   map[setSpan][]netip.Addr
	lists     map[listSpan][]netip.Prefix
	// srcSpan and dstSpan hold every source's and destination's address.
	srcSpan, dstSpan span
	vids             map[string]int32
	vbuf             []byte
	peers            map[*model.VNet]map[*model.VNet]bool // for VNets with many peerings
}

func newPairFns(k *pairKeyer) *pairFns {
	return &pairFns{k: k, memo: forward.NewMemo(k.p), routes: map[routeKey]*rangeFn{}, byRoute: map[routeAt]int32{},
		decIDs: map[[4]uint32]uint32{}, verdicts: map[verdictKey]*rangeFn{}, engBounds: map[*firewall.Engine][]netip.Addr{},
		setCuts: map[setSpan][]netip.Addr{}, lists: map[listSpan][]netip.Prefix{}, vids: map[string]int32{}, peers: map[*model.VNet]map[*model.VNet]bool{}}
}

// withUnspecified returns sorted bounds that start both address families.
func withUnspecified(bs []netip.Addr) []netip.Addr {
	return sortedBounds(append(bs, netip.IPv4Unspecified(), netip.IPv6Unspecified()))
}

// routeAt is a decision known by its subnet and route (Follow's arguments), or kind without one.
type routeAt struct {
	s    *model.Subnet
	r    *fib.Route
	kind forward.Kind
}

type routeKey struct {
	s   *model.Subnet
	sys bool
}

// routeFn is forward.Leave(s, ·, sys) as a function of the destination, interned decRecs.
// Private endpoint /32s are not among its bounds: it is never asked about an address a private
// endpoint route of the table may hold (leaveTo decides those on their own; sourceSide skips
// destinations several resources own).
func (f *pairFns) routeFn(s *model.Subnet, sys bool) *rangeFn {
	fn := f.routes[routeKey{s, sys}]
	if fn == nil {
		fn = f.newRouteFn(s)
		fn.s, fn.sys = s, sys
		f.routes[routeKey{s, sys}] = fn
	}
	return fn
}

// at is fn's value at a, evaluated when a's range is first asked about.
func (f *pairFns) at(fn *rangeFn, a point) int32 {
	v, slot, ok := fn.lookup(a)
	if !ok {
		if fn.s != nil {
			v = f.decision(f.memo.Leave(fn.s, a.a, fn.sys))
		} else {
			v = f.evaluate(fn.vk, a.a)
		}
		fn.keep(slot, v)
	}
	return v
}

// dec is the decision of route function fn at a.
func (f *pairFns) dec(fn *rangeFn, a point) *decRec { return &f.decs[f.at(fn, a)] }

// leaveTo is the decision (its index in decs) out of s towards destination d. An address a private endpoint route
// of s's table may hold (an endpoint in s's VNet or one peered with it) is decided on its own.
func (f *pairFns) leaveTo(s *model.Subnet, out *rangeFn, d rep, dp point) int32 {
	if d.pe != nil && f.peered(s.VNet, d.subnet.VNet) {
		dec := f.memo.Leave(s, d.addr, false)
		k := routeAt{s, dec.Route, dec.Kind}
		v, ok := f.byRoute[k]
		if !ok {
			v = f.decision(dec)
			f.byRoute[k] = v
		}
		return v
	}
	return f.at(out, dp)
}

// peered reports whether v is w or has a peering to it (active or not).
func (f *pairFns) peered(v, w *model.VNet) bool {
	if v == w {
		return true
	}
	if v == nil {
		return false
	}
	if len(v.Peerings) <= 16 {
		for _, p := range v.Peerings {
			if p.Remote == w {
				return true
			}
		}
		return false
	}
	m := f.peers[v]
	if m == nil {
		m = map[*model.VNet]bool{}
		for _, p := range v.Peerings {
			m[p.Remote] = true
		}
		f.peers[v] = m
	}
	return m[w]
}

// newRouteFn cuts at every prefix s's table can select but the private endpoint /32s.
func (f *pairFns) newRouteFn(s *model.Subnet) *rangeFn {
	t := f.k.p.FIB.Subnet(s)
	if t == nil {
		return newRangeFn(withUnspecified(nil), nil)
	}
	own := routeBounds(nil, t, false) // the learned routes, shared by many tables, cut on their own
	var more []netip.Addr
	if lr := t.Learned(); len(lr) > 0 {
		more = f.learnedBounds(lr)
	}
	return newRangeFn(withUnspecified(own), more)
}

// learnedList is the bounds of a shared list of learned routes, known by its first route.
type learnedList struct {
	first  *fib.Route
	bounds []netip.Addr
}

// learnedBounds is the bounds of a shared list of learned routes, computed once per list.
func (f *pairFns) learnedBounds(lr []fib.Route) []netip.Addr {
	for _, b := range f.learned {
		if b.first == &lr[0] {
			return b.bounds
		}
	}
	var out []netip.Addr
	for _, r := range lr {
		out = prefixBounds(out, r.Prefix)
	}
	b := withUnspecified(out)
	f.learned = append(f.learned, learnedList{&lr[0], b})
	return b
}

// decision interns a decision's record and returns its index in decs.
func (f *pairFns) decision(dec forward.Decision) int32 {
	f.decs = append(f.decs, f.k.record(dec, f.decIDs))
	return int32(len(f.decs) - 1)
}

// verdictKind is which rules a verdict function evaluates.
type verdictKind uint8

const (
	srcOut      verdictKind = iota // the source's rules outbound, to the varying destination
	dstIn                          // the destination's rules inbound, from the varying source
	firewallAt                     // a firewall, for the flow from the varying source
	applianceAt                    // an appliance NIC's rules, both ways, for the flow and its reply
)

// verdictKey names a verdict function: the rules, the fixed end's address and the port.
type verdictKey struct {
	kind  verdictKind
	eff   *acl.Effective
	eng   *firewall.Engine
	fixed netip.Addr
	port  uint16
}

// verdictFn is the verdict function vk names: interned verdicts, -1 where the key declines.
func (f *pairFns) verdictFn(vk verdictKey) *rangeFn {
	fn := f.verdicts[vk]
	if fn == nil {
		fn = newRangeFn(f.boundsOf(vk), nil)
		fn.vk = vk
		f.verdicts[vk] = fn
	}
	return fn
}

// evaluate computes vk's verdict at a and interns it.
func (f *pairFns) evaluate(vk verdictKey, a netip.Addr) int32 {
	f.vbuf = append(f.vbuf[:0], byte(vk.kind))
	ok := true
	switch vk.kind {
	case srcOut:
		ok = f.acl(vk.eff, model.Outbound, flowOf(vk.fixed, a, vk.port))
	case dstIn:
		ok = f.acl(vk.eff, model.Inbound, flowOf(a, vk.fixed, vk.port))
	case applianceAt:
		fwd := flowOf(a, vk.fixed, vk.port)
		back := acl.Flow{Src: vk.fixed, Dst: a, Proto: model.ProtoTCP, SrcPort: vk.port, DstPort: trace.DefaultSourcePort}
		ok = f.acl(vk.eff, model.Inbound, fwd) && f.acl(vk.eff, model.Outbound, fwd) &&
			f.acl(vk.eff, model.Inbound, back) && f.acl(vk.eff, model.Outbound, back)
	case firewallAt:
		res := vk.eng.Evaluate(firewall.Packet{Src: a, Dst: vk.fixed, Proto: model.ProtoTCP, SrcPort: trace.DefaultSourcePort,
			DstPort: vk.port, OpaqueNoMatch: !f.k.as.Default(assume.FQDNTag)})
		if res.Kind == firewall.KindUnknown {
			return -1
		}
		f.vbuf = append(f.vbuf, byte(res.Kind), byte(res.Action), byte(res.SNAT))
	}
	if !ok {
		return -1
	}
	id, seen := f.vids[string(f.vbuf)]
	if !seen {
		id = int32(len(f.vids))
		f.vids[string(f.vbuf)] = id
	}
	return id
}

// flowOf is the probe flow from src to dst on port.
func flowOf(src, dst netip.Addr, port uint16) acl.Flow {
	return acl.Flow{Src: src, Dst: dst, Proto: model.ProtoTCP, SrcPort: trace.DefaultSourcePort, DstPort: port}
}

// acl appends every level's decision; a rule naming the Internet tag makes the answer depend
// on --assume internet-tag in ways the trace decides, so the key declines.
func (f *pairFns) acl(eff *acl.Effective, dir model.Direction, fl acl.Flow) bool {
	r := eff.Evaluate(dir, fl)
	if r.NamesInternet() {
		return false
	}
	f.vbuf = append(f.vbuf, boolByte(r.Allowed), byte(r.N))
	for i := 0; i < r.N; i++ {
		f.vbuf = append(f.vbuf, byte(r.Levels[i].Access))
	}
	return true
}

// boundsOf is the sorted bounds of the prefixes vk's rules read inside the span of the
// addresses it varies over. An endpoint's rules are pruned to those that can match its fixed
// end, the probe's port and direction: a spoke's NSG names a hundred members of application
// security groups on ports the probe does not use.
func (f *pairFns) boundsOf(vk verdictKey) []netip.Addr {
	var out []netip.Addr
	switch vk.kind {
	case firewallAt:
		if b, ok := f.engBounds[vk.eng]; ok {
			return b
		}
		vk.eng.Bounds(func(a netip.Addr) {
			if f.srcSpan.holds(a) {
				out = append(out, a)
			}
		})
		b := withUnspecified(out)
		f.engBounds[vk.eng] = b
		return b
	case applianceAt: // the flow and its reply, both ways: every rule
		for _, rs := range vk.eff.Sets {
			out = append(out, f.ruleSetCuts(rs, f.srcSpan)...)
		}
	case srcOut:
		out = f.ruleCuts(out, vk.eff, model.Outbound, vk.fixed, vk.port, f.dstSpan)
	case dstIn:
		out = f.ruleCuts(out, vk.eff, model.Inbound, vk.fixed, vk.port, f.srcSpan)
	}
	// Outbound flows to the platform's addresses read only their own rules (spec §2.6).
	out = prefixBounds(out, netip.PrefixFrom(model.AzurePlatformIP, 32), netip.PrefixFrom(model.IMDSAddr, 32))
	return withUnspecified(out)
}

// ruleCuts appends the bounds, within sp, of the varying side of every rule of eff in direction
// dir that can match a TCP probe to port whose fixed end is fixed (the source outbound, the
// destination inbound; acl.Rule.MayMatch): a rule that cannot match cuts nothing.
func (f *pairFns) ruleCuts(out []netip.Addr, eff *acl.Effective, dir model.Direction, fixed netip.Addr, port uint16, sp span) []netip.Addr {
	fl, fixedSrc := flowOf(fixed, fixed, port), dir == model.Outbound
	for _, rs := range eff.Sets {
		if rs == nil {
			continue
		}
		for _, ru := range rs.Rules {
			if ru.Direction != dir || !ru.MayMatch(fl, fixedSrc) {
				continue
			}
			varying := ru.ExpandedSource
			if fixedSrc {
				varying = ru.ExpandedDest
			}
			out = prefixBounds(out, f.inSpan(varying, sp)...)
		}
	}
	return out
}

// span is the range of addresses a function is asked about: bounds outside it cut nothing.
type span struct{ lo, hi netip.Addr }

func spanOf(reps []rep) span {
	var sp span
	for i, r := range reps {
		if i == 0 {
			sp = span{r.addr, r.addr}
		}
		sp = sp.with(r.addr)
	}
	return sp
}

// with is the span that also holds a.
func (sp span) with(a netip.Addr) span {
	if a.Less(sp.lo) {
		sp.lo = a
	}
	if sp.hi.Less(a) {
		sp.hi = a
	}
	return sp
}

func (sp span) holds(a netip.Addr) bool { return sp.lo.Compare(a) <= 0 && a.Compare(sp.hi) <= 0 }

// touches reports whether prefix p overlaps the span.
func (sp span) touches(p netip.Prefix) bool {
	r := ipset.PrefixRange(p)
	return r.From.Compare(sp.hi) <= 0 && r.To.Compare(sp.lo) >= 0
}

type setSpan struct {
	rs *acl.RuleSet
	sp span
}

// ruleSetCuts is the sorted bounds of the prefixes of rs's rules that touch sp.
func (f *pairFns) ruleSetCuts(rs *acl.RuleSet, sp span) []netip.Addr {
	if rs == nil {
		return nil
	}
	k := setSpan{rs, sp}
	if b, ok := f.setCuts[k]; ok {
		return b
	}
	var out []netip.Addr
	for _, ru := range rs.Rules {
		out = prefixBounds(out, f.inSpan(ru.ExpandedSource, sp)...)
		out = prefixBounds(out, f.inSpan(ru.ExpandedDest, sp)...)
	}
	out = sortedBounds(out)
	f.setCuts[k] = out
	return out
}

// listSpan is a rule side's prefix list, known by its first element and length: rule sides
// expanded from the same entries in the same context share one list (a service tag, a hub's
// VirtualNetwork tag listing every spoke).
type listSpan struct {
	first *netip.Prefix
	n     int
	sp    span
}

// inSpan is the prefixes of ps that touch sp, read once per list. Service tags list thousands
// of public prefixes that VMs' and private endpoints' addresses never fall in.
func (f *pairFns) inSpan(ps []netip.Prefix, sp span) []netip.Prefix {
	if len(ps) == 0 {
		return nil
	}
	k := listSpan{&ps[0], len(ps), sp}
	if in, ok := f.lists[k]; ok {
		return in
	}
	var in []netip.Prefix
	for _, p := range ps {
		if sp.touches(p) {
			in = append(in, p)
		}
	}
	if len(in) == len(ps) {
		in = ps
	}
	f.lists[k] = in
	return in
}
