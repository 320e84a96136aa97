package reach

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/forward"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Sharing traces between the NICs of the varying side. Asked who reaches a VM (or what a VM
// reaches), most classes of the other side are VMs whose flows cross the same few decisions:
// their NSG's verdict, the route out of their subnet, the firewall's rule, the VM's NSG, the
// route back. A trace from source NIC s to destination NIC d, one of them fixed, reads the
// other only through the decisions a key records:
//
//   - the route out of s's subnet towards d and the route out of d's subnet back towards s,
//     and out of every firewall on either way towards both (what decided, the route's holder and
//     name, the device it leads to, the peering crossed with both its links' flags and whether
//     either side holds s or d);
//   - per protocol and port, s's effective rules outbound and d's inbound (every level: its NSG,
//     access and rule) and every such firewall's verdict both ways (kind, action, rule, SNAT);
//   - whether s's and d's VNets and subnets are the same and whether either has a public IP.
//
// (The destination NIC's own identity is read only where its host drops UDP to the port it keeps
// (model.HostReservedUDPPort): with the destination varying, that cell is traced on its own.)
//
// A flow from a private endpoint, or that the source's NSG denies, or the first firewall on its
// way denies (or cannot decide without the FQDN), ends there: its trace
// reads nothing of the destination but the address those decisions were taken on, so such pairs
// share one trace across every fixed endpoint of a RunMany (terminals), keyed by the denying
// level or firewall rule.
//
// Pairs with equal keys get the same verdict and deciding step (which names a rule or route the
// key holds), so one trace per key proves them all; each class keeps its own example packet.
// Where the trace's dependence on the varying NIC is harder to state the pair is traced on its
// own: either NIC with IP forwarding, a load balancer pool, a missing NSG, route table or subnet, a route to
// anything but a VNet, a peering, a firewall or None, a firewall beyond the first that cannot
// decide, a query with Via or with an --assume switch flipped. (Assumptions a rule or firewall
// carries are text a full trace lists; they decide nothing.) (With every switch at its
// default, a rule naming Internet decides as acl evaluates it: trace consults internet-tag only
// to list it.) A key records more than a trace may read: a decision that does not
// matter only splits keys, it never merges pairs that differ. TestRunManyEqualsRun and the twin
// tests (every packet of random estates traced) check it. The decisions a key records are looked
// up per address range that decides alike rather than made for each pair (rulememo.go for NSG
// levels and firewalls, routememo.go for the route part).

// noShare, set by a test, turns sharing off: the reference the shared answers are compared with.
var noShare bool

// outcome is what one trace proved for a key.
type outcome struct {
	verdict  trace.Verdict
	deciding *trace.Deciding
}

// terminal keys a flow that ends before it leaves the source's side: denied by the source's rules
// (level, NSG and rule of the denying level), or denied or left unknown by the first firewall
// (its rule and stage, or the rules that could decide).
type terminal struct {
	pe    *model.PrivateEndpoint // a private endpoint as the source: it never starts a flow
	level acl.Level
	nsg   *model.NSG
	rule  *acl.Rule
	fw    *model.Firewall
	fwKey *firewall.RuleInfo
	kind  firewall.Kind
	cands string // an unknown verdict's holder and candidate rules
}

// terminals are the outcomes of terminal keys, shared by every worker and destination.
type terminals struct {
	mu    sync.Mutex
	seen  map[terminal]outcome
	rules map[*firewall.RuleInfo]uint32 // candidate rules' numbers (candidates)
}

func (t *terminals) get(k terminal) (outcome, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	o, ok := t.seen[k]
	return o, ok
}

// candidates is an unknown verdict's holder and candidate rules as a key: the rules by numbers
// kept for the whole run (terminal keys outlive a destination).
func (t *terminals) candidates(holder model.ID, cs []*firewall.RuleInfo) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := []byte(holder)
	for _, c := range cs {
		n, ok := t.rules[c]
		if !ok {
			n = uint32(len(t.rules) + 1)
			t.rules[c] = n
		}
		b = binary.LittleEndian.AppendUint32(append(b, 0), n)
	}
	return string(b)
}

func (t *terminals) put(k terminal, o outcome) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seen[k] = o
}

// sharer keys the pairs of one fixed endpoint for one worker (not safe for concurrent use:
// each worker has its own, so a key may be traced once per worker).
type sharer struct {
	m       *Model
	memo    *forward.Memo
	fixed   *model.IPConfig // nil: nothing is shared
	toFixed bool            // fixed is the destination (else the source)
	// src and dst are the pair being keyed (one of them fixed), srcEff and dstEff their
	// effective rules (pair).
	src, dst       *model.IPConfig
	srcEff, dstEff *acl.Effective
	ids            *idCache // the numbers read from shared
	shared         *interner
	buf            []byte
	seen           map[string]outcome
	// holder names the route and holder of the source's first route decision.
	holder []uint32
	// fwdFW is the firewall the source's first route decision leads to, if any.
	fwdFW *model.Firewall
	term  *terminals
	terms map[terminal]outcome // the terminal outcomes this sharer's worker has seen
	// tracer is the worker's, which walks every trace of its classes (keyed or not).
	tracer *trace.Tracer
	// tracedTerms are the terminal keys this sharer traced.
	tracedTerms []terminal
	// fixedEff is fixed's effective rules; fixedMemo remembers its decisions in its direction
	// (inbound as the destination, outbound as the source); srcMemo and dstMemo are the
	// decisions of the pair being keyed (rulememo.go), nil where they are not remembered.
	fixedEff         *acl.Effective
	fixedMemo        decisions
	fixedCuts        *effCuts
	srcMemo, dstMemo *classDecisions
	// routeCuts and routeSeen remember route parts of keys (routememo.go).
	routeCuts []uint32
	routeSeen map[routeKey]*routePart
	// fwSeen, fwCuts and fwOn remember firewall verdicts (rulememo.go).
	fwSeen fwMemo
	fwCuts map[*model.Firewall][]uint32
	fwOn   [2][2]*fwCells
}

// newSharer prepares sharing for fixed endpoint f of q, or returns a sharer that shares nothing.
func newSharer(m *Model, q *Query, f Endpoint, toFixed bool, term *terminals, ids *interner, w *worker) *sharer {
	sh := &sharer{m: m, term: term, shared: ids, terms: w.terms, toFixed: toFixed, tracer: w.tracer}
	if noShare || q.Via || q.Assume != (assume.Set{}) || !f.Addr.IsValid() {
		return sh
	}
	ref := f.Ref
	if f.Trace != "" {
		ref = f.Trace
	}
	c := m.shareableNIC(f.Addr)
	if c == nil || c.NIC.Primary() != c || model.IsPlatformAddr(f.Addr) || !namesNIC(m.p.Net, ref, c) {
		return sh // trace might resolve the fixed endpoint to another address: do not guess
	}
	sh.fixed, sh.memo, sh.ids, sh.seen, sh.fixedMemo = c, w.memo, w.ids, map[string]outcome{}, decisions{}
	sh.fwSeen, sh.fwCuts = fwMemo{}, map[*model.Firewall][]uint32{}
	sh.fixedEff = m.p.ACL.ForIPConfig(c)
	return sh
}

// namesNIC reports whether trace resolves ref to ip configuration c: ref is its NIC's resource
// ID (trace takes the primary ip configuration) or its address.
func namesNIC(n *model.Network, ref string, c *model.IPConfig) bool {
	if r, ok := n.Lookup(model.ID(ref)); ok {
		return r == c.NIC
	}
	a, err := netip.ParseAddr(ref)
	return err == nil && a == c.PrivateIP
}

// lookup finds the outcome of a keyed pair: a terminal key's across destinations, else the key in
// sh.buf's for this destination.
func (sh *sharer) lookup(keyed, isTerm bool, t terminal) (outcome, bool) {
	switch {
	case !keyed:
		return outcome{}, false
	case isTerm:
		if o, ok := sh.terms[t]; ok {
			return o, true
		}
		o, ok := sh.term.get(t)
		if ok {
			sh.terms[t] = o
		}
		return o, ok
	}
	o, ok := sh.seen[string(sh.buf)]
	return o, ok
}

// store records the outcome a trace proved for a keyed pair, and that sh traced the key.
func (sh *sharer) store(isTerm bool, t terminal, o outcome) {
	if isTerm {
		sh.term.put(t, o)
		sh.terms[t] = o
		sh.tracedTerms = append(sh.tracedTerms, t)
		return
	}
	sh.seen[string(sh.buf)] = o
}

// tracedKeys is how many distinct keys the sharers of one destination traced: the keys of that
// destination, and the terminal keys first traced for it.
func tracedKeys(shs []*sharer) int {
	terms := map[terminal]bool{}
	keys := map[string]bool{}
	for _, sh := range shs {
		if sh == nil {
			continue
		}
		for _, t := range sh.tracedTerms {
			terms[t] = true
		}
		for k := range sh.seen {
			keys[k] = true
		}
	}
	return len(terms) + len(keys)
}

// shareableNIC is the ip configuration owning a when a trace reads it only as the key records.
func (m *Model) shareableNIC(a netip.Addr) *model.IPConfig {
	n := m.p.Net
	os := n.Owners(a)
	if len(os) != 1 || os[0].Kind != model.OwnerNIC {
		return nil
	}
	c := os[0].IPConfig
	s := c.Subnet
	if s == nil || s.VNet == nil || c.NIC.IPForwarding || len(c.BackendPools) > 0 || c.GatewayLB != nil ||
		c.NIC.MissingNSG != "" || s.MissingNSG != "" || s.MissingRouteTable != "" ||
		len(n.MissingFrom(c.NIC.ID)) > 0 || len(n.MissingFrom(s.ID)) > 0 {
		return nil
	}
	return c
}

// varying is the ip configuration of job j's varying side when pairs with it can share.
func (sh *sharer) varying(j *job) *model.IPConfig {
	if sh.fixed == nil || j.nic == nil || j.nic.NIC == sh.fixed.NIC {
		return nil
	}
	return j.nic
}

// pair makes the pair of v (varying, whose rules are eff) and the fixed endpoint the one keyed.
func (sh *sharer) pair(v *model.IPConfig, eff *acl.Effective) {
	if sh.toFixed {
		sh.src, sh.dst, sh.srcEff, sh.dstEff = v, sh.fixed, eff, sh.fixedEff
	} else {
		sh.src, sh.dst, sh.srcEff, sh.dstEff = sh.fixed, v, sh.fixedEff, eff
	}
}

// routes writes the route part of the key of the pair with varying v; false means trace the
// pair.
func (sh *sharer) routes(v *model.IPConfig) ([]*model.Firewall, bool) {
	k, memo := sh.routeKeyOf(v)
	if r, ok := sh.routeSeen[k]; memo && ok {
		if checkMemo {
			sh.checkRoutePart(r)
		}
		sh.buf, sh.holder, sh.fwdFW = append(sh.buf[:0], r.buf...), r.holder, r.fwdFW
		return r.fws, r.ok
	}
	fws, ok := sh.routePart()
	if memo {
		sh.routeSeen[k] = &routePart{buf: slices.Clone(sh.buf), holder: sh.holder, fwdFW: sh.fwdFW, fws: fws, ok: ok}
	}
	return fws, ok
}

// routePart writes the route part of the key of the pair, as routes.
func (sh *sharer) routePart() (fws []*model.Firewall, ok bool) {
	s, d := sh.src, sh.dst
	sh.buf, sh.holder, sh.fwdFW = sh.buf[:0], nil, nil
	sh.flag(s.Subnet.VNet == d.Subnet.VNet)
	sh.flag(s.Subnet == d.Subnet)
	sh.flag(s.PublicIP != nil)
	sh.flag(d.PublicIP != nil)
	fws, ok = sh.decision(fws, s.Subnet, d.PrivateIP, d, s)
	if !ok {
		return nil, false
	}
	if len(fws) > 0 {
		sh.fwdFW = fws[0]
	}
	if fws, ok = sh.decision(fws, d.Subnet, s.PrivateIP, s, s); !ok {
		return nil, false
	}
	for _, fw := range fws {
		if fw.Subnet == nil || fw.Subnet.VNet == nil || fw.MissingPolicy != "" || sh.m.p.Firewalls[fw] == nil {
			return nil, false
		}
		sh.flag(fw.Subnet.VNet.Contains(s.PrivateIP))
		var more []*model.Firewall
		if more, ok = sh.decision(nil, fw.Subnet, s.PrivateIP, s, s); !ok || len(more) > 0 {
			return nil, false
		}
		if more, ok = sh.decision(nil, fw.Subnet, d.PrivateIP, d, s); !ok || len(more) > 0 {
			return nil, false
		}
	}
	return fws, len(fws) <= 2
}

// decision records the route out of subnet from towards the address of to: what decided, the
// route's holder and name, the firewall it leads to (added to fws) and the peering crossed.
func (sh *sharer) decision(fws []*model.Firewall, from *model.Subnet, dst netip.Addr, to, src *model.IPConfig) ([]*model.Firewall, bool) {
	dec := sh.memo.Leave(from, dst, false)
	sh.put(uint32(dec.Kind))
	switch dec.Kind {
	case forward.NoRoute, forward.NoTable:
		sh.put(sh.id(from)) // the drop names the subnet
		return fws, true
	case forward.Local: // delivered to what owns the address in from's VNet
		sh.put(sh.id(from.VNet))
		sh.flag(from.VNet == to.Subnet.VNet)
	case forward.Peering, forward.Drop, forward.Appliance:
	default:
		return nil, false
	}
	r := dec.Route
	if r == nil || r.Hub != nil || r.RouteServer != nil {
		return nil, false
	}
	sh.put(uint32(r.NextHop))
	name, holder := sh.id(r.Name), uint32(0) // a system route's holder is the subnet
	switch {
	case r.Table != nil:
		holder = sh.id(r.Table)
	case r.Peering != nil:
		holder = sh.id(r.Peering)
	default:
		holder = sh.id(from)
	}
	if dec.Kind == forward.Drop {
		sh.put(name) // the None route is the denying step
		sh.put(holder)
	}
	if sh.holder == nil {
		sh.holder = []uint32{name, holder} // the forward leg's first route: deciding when no rule is (see rules)
	}
	if dec.Kind == forward.Peering && !sh.peering(r.Peering, to, src) {
		return nil, false
	}
	if dec.Kind == forward.Appliance {
		dev, _, ok := dec.Device()
		fw, isFW := dev.(*model.Firewall)
		if !ok || !isFW {
			return nil, false
		}
		sh.put(sh.id(fw))
		if dec.Via != nil && !sh.peering(dec.Via, to, src) {
			return nil, false
		}
		fws = append(fws, fw)
	}
	return fws, true
}

// peering records a peering crossed: where it leads (the destination's own VNet, or which),
// both links' state and flags, and which side holds the packet's ends.
func (sh *sharer) peering(p *model.Peering, to, src *model.IPConfig) bool {
	if p == nil || p.Remote == nil || p.Local == nil {
		return false
	}
	if p.Remote == to.Subnet.VNet {
		sh.put(1)
	} else {
		sh.put(sh.id(p.Remote) + 1)
	}
	for _, l := range []*model.Peering{p, p.Reverse()} {
		if l == nil {
			sh.put(0)
			continue
		}
		sh.put(2)
		sh.flag(l.Connected())
		sh.flag(l.AllowForwardedTraffic)
		sh.flag(l.AllowVirtualNetworkAccess)
	}
	sh.flag(p.Local.Contains(src.PrivateIP))
	sh.flag(p.Remote.Contains(src.PrivateIP))
	sh.flag(p.Local.Contains(sh.dst.PrivateIP))
	return true
}

// rules appends the rule part of the key for one protocol and port; false means trace the pair.
// The deciding step of a flow that gets through is its forward leg's last allowing rule (cli.md):
// the destination's, else the forward firewall's, else the source's, else the first route's. The source's
// rules and the route are recorded only where they may be it, or where the source denies, so
// sources whose NSGs allow alike share a key.
func (sh *sharer) rules(fws []*model.Firewall, proto model.Protocol, port uint16) bool {
	if !sh.toFixed && proto == model.ProtoUDP && port == model.HostReservedUDPPort {
		return false // the host's drop names the destination NIC (spec §2.6): no key states it
	}
	fwd := acl.Flow{Src: sh.src.PrivateIP, Dst: sh.dst.PrivateIP, Proto: proto, SrcPort: trace.DefaultSourcePort, DstPort: port}
	back := acl.Flow{Src: fwd.Dst, Dst: fwd.Src, Proto: proto, SrcPort: port, DstPort: trace.DefaultSourcePort}
	sh.put(uint32(proto))
	sh.put(uint32(port))
	src, ok := sh.outbound(proto, port)
	if !ok {
		return false
	}
	dst, ok := sh.inbound(proto, port)
	if !ok {
		return false
	}
	sh.flag(src.Allowed)
	// Only a firewall on the forward way (fwdFW) comes between the source's rules and the
	// destination's in the forward leg's steps: one only the reply crosses is not one of them.
	if !src.Allowed || (sh.fwdFW == nil && !namesRule(dst)) {
		sh.levels(src)
	}
	sh.levels(dst)
	if sh.fwdFW == nil && !namesRule(src) && !namesRule(dst) {
		for _, v := range sh.holder {
			sh.put(v)
		}
	}
	for i, fw := range fws {
		for k, f := range [2]acl.Flow{fwd, back} {
			res := &sh.firewall(fw, sh.fwOn[i][k], firewall.Packet{Src: f.Src, Dst: f.Dst, Proto: f.Proto, SrcPort: f.SrcPort, DstPort: f.DstPort}).res
			if res.Kind == firewall.KindUnknown {
				return false
			}
			sh.put(uint32(res.Kind))
			sh.put(uint32(res.Action))
			sh.put(sh.id(res.Rule))
			sh.put(uint32(res.SNAT))
		}
	}
	return true
}

// endpointSource is the terminal key of job j when its source is a private endpoint: trace
// drops any flow it would start at once (spec §5: clients initiate; the endpoint never does),
// naming the endpoint, whatever the destination and port.
func (sh *sharer) endpointSource(j *job) (terminal, bool) {
	if sh.fixed == nil || !sh.toFixed || j.pe == nil {
		return terminal{}, false
	}
	return terminal{pe: j.pe}, true
}

// endpointAt is the private endpoint that alone owns a, or nil.
func (m *Model) endpointAt(a netip.Addr) *model.PrivateEndpoint {
	if os := m.p.Net.Owners(a); len(os) == 1 && os[0].Kind == model.OwnerPrivateEndpoint {
		return os[0].PrivateEndpoint
	}
	return nil
}

// terminal reports the key of a flow of the pair that ends on the source's side: denied by the
// source's rules, or by the firewall its route leads to (routes has run for the pair).
func (sh *sharer) terminal(proto model.Protocol, port uint16) (terminal, bool) {
	f := acl.Flow{Src: sh.src.PrivateIP, Dst: sh.dst.PrivateIP, Proto: proto, SrcPort: trace.DefaultSourcePort, DstPort: port}
	r, ok := sh.outbound(proto, port)
	switch {
	case !ok:
		return terminal{}, false
	case !r.Allowed:
		l := r.Levels[r.Decider]
		return terminal{level: l.Level, nsg: l.NSG, rule: l.Rule}, true
	case sh.fwdFW == nil:
		return terminal{}, false
	}
	v := sh.firewall(sh.fwdFW, sh.fwOn[0][0], firewall.Packet{Src: f.Src, Dst: f.Dst, Proto: proto, SrcPort: f.SrcPort, DstPort: port}) // fwdFW is the first of routes' firewalls
	res := &v.res
	switch {
	case res.Kind == firewall.KindUnknown:
		// The leg ends Unknown, naming the holder and the candidate rules (and, with a deny to
		// fall back on, whether they are opaque): the candidates are the key.
		return terminal{fw: sh.fwdFW, kind: res.Kind, cands: v.candidates(sh.term)}, true
	case res.Allowed():
		return terminal{}, false
	}
	return terminal{fw: sh.fwdFW, fwKey: res.Rule, kind: res.Kind}, true
}

// namesRule reports whether a trace records a step naming a rule for r (levelSteps): then a
// later deciding step cannot be an earlier one.
func namesRule(r *acl.Result) bool {
	for _, l := range r.Levels[:r.N] {
		if l.Present && l.Rule != nil {
			return true
		}
	}
	return false
}

// levels records every level's decision: its NSG, access and rule.
func (sh *sharer) levels(r *acl.Result) {
	sh.flag(r.Allowed)
	sh.flag(r.Platform)
	sh.put(uint32(r.N))
	sh.put(uint32(r.Decider))
	for _, l := range r.Levels[:r.N] {
		sh.put(uint32(l.Level))
		sh.flag(l.Present)
		sh.put(uint32(l.Access))
		sh.put(sh.id(l.Rule))
		sh.put(sh.id(l.NSG))
	}
}

// id interns a pointer of a kind keys name, or a name; nil is 0.
func (sh *sharer) id(x any) uint32 {
	c := sh.ids
	switch v := x.(type) {
	case nil:
		return 0
	case *acl.Rule:
		return cachedPtr(c.rules, v, sh.shared)
	case *model.NSG:
		return cachedPtr(c.nsgs, v, sh.shared)
	case *model.Subnet:
		return cachedPtr(c.subnets, v, sh.shared)
	case *model.VNet:
		return cachedPtr(c.vnets, v, sh.shared)
	case *model.RouteTable:
		return cachedPtr(c.tables, v, sh.shared)
	case *model.Peering:
		return cachedPtr(c.peerings, v, sh.shared)
	case *model.Firewall:
		return cachedPtr(c.firewalls, v, sh.shared)
	case *firewall.RuleInfo:
		return cachedPtr(c.fwRules, v, sh.shared)
	case string:
		return cached(c.names, v, x, sh.shared)
	}
	panic(fmt.Sprintf("reach: no number for a %T", x)) // a key names a new kind: give it a map
}

// idCache is the numbers a worker has read from the interner, by the kinds keys name, in maps
// of their own types: an interface key is hashed by its dynamic type on every decision, which
// was a tenth of keying a pair.
type idCache struct {
	rules     map[*acl.Rule]uint32
	nsgs      map[*model.NSG]uint32
	subnets   map[*model.Subnet]uint32
	vnets     map[*model.VNet]uint32
	tables    map[*model.RouteTable]uint32
	peerings  map[*model.Peering]uint32
	firewalls map[*model.Firewall]uint32
	fwRules   map[*firewall.RuleInfo]uint32
	names     map[string]uint32
}

func newIDCache() *idCache {
	return &idCache{rules: map[*acl.Rule]uint32{}, nsgs: map[*model.NSG]uint32{}, subnets: map[*model.Subnet]uint32{},
		vnets: map[*model.VNet]uint32{}, tables: map[*model.RouteTable]uint32{}, peerings: map[*model.Peering]uint32{},
		firewalls: map[*model.Firewall]uint32{}, fwRules: map[*firewall.RuleInfo]uint32{},
		names: map[string]uint32{}}
}

// cachedPtr is cached for a pointer kind, with nil as 0.
func cachedPtr[T any](m map[*T]uint32, p *T, shared *interner) uint32 {
	if p == nil {
		return 0
	}
	return cached(m, p, p, shared)
}

// cached is k's number in m, read from shared (as x) the first time.
func cached[K comparable](m map[K]uint32, k K, x any, shared *interner) uint32 {
	if n, ok := m[k]; ok {
		return n
	}
	n := shared.id(x)
	m[k] = n
	return n
}

// interner numbers values for the sharers of a run, so that their keys agree: one key traced by
// two workers is then counted once (tracedKeys). Each worker keeps the numbers it has read in
// its own map, from one fixed endpoint to the next.
type interner struct {
	mu  sync.Mutex
	ids map[any]uint32
}

func newInterner() *interner { return &interner{ids: map[any]uint32{}} }

func (in *interner) id(x any) uint32 {
	in.mu.Lock()
	defer in.mu.Unlock()
	n, ok := in.ids[x]
	if !ok {
		n = uint32(len(in.ids) + 1)
		in.ids[x] = n
	}
	return n
}

func (sh *sharer) put(v uint32) { sh.buf = binary.LittleEndian.AppendUint32(sh.buf, v) }

func (sh *sharer) flag(b bool) {
	if b {
		sh.put(1)
	} else {
		sh.put(0)
	}
}
