package check

import (
	"encoding/binary"
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/forward"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Confirming candidates by class. In a hub-and-spoke estate every spoke subnet × every private
// endpoint of another spoke can be a candidate, so one trace per pair grows with the product of
// the two. A trace from source s to destination d reads the pair only through the decisions a
// pair key records: the routes out of s's subnet towards d and back towards s (normalised so that
// "the peering to the other side's own VNet" reads the same for every spoke), the rules of every
// NSG and firewall on either path, and a few properties of s's NIC. Pairs of one destination
// class (asymdest.go) with equal keys get the same outcome (the same path, the same verdicts at
// every level and device, the same translations; which rule decided may differ, as it does
// between two spokes' NSGs whose default rules allow alike), so one trace per key confirms them
// all. The finding quotes its first source's own trace. The decisions come from the same
// functions the trace calls (forward.Leave, acl.Effective.Evaluate, firewall.Engine.Evaluate);
// where the trace's dependence on the pair is harder to state (a gateway on either path, an
// Internet-tag rule, a load balancer as next hop, an address several resources own, a firewall
// verdict that depends on an FQDN) the key declines and the confirmer traces more.
//
// A key is cheap because each decision is a function of one address with the other end fixed,
// and constant between the bounds of the prefixes it reads: a table's routes, a rule set's
// sides, a firewall's ranges (pairFns). Each such function is evaluated once per range the
// pairs visit, not once per pair.
//
// The key records more than a trace may read (an appliance's rules both ways, both route views
// of a private endpoint's subnet): a decision that does not matter only splits a class, it never
// merges two that differ. TestAsymmetricPairsMatchTraces, which traces every pair of random
// estates, is the twin.

// pairKeyer builds the keys of candidate pairs. Not safe for concurrent use; its interned ids are
// meaningful only among keys of the same keyer.
type pairKeyer struct {
	p          *dataplane.Plane
	as         assume.Set
	srcs, dsts []rep
	devs       []any // chainSearch device id → device
	sets       [][]int32
	ids        map[any]uint32
	buf        []byte
	fns        *pairFns
	// What a key reads of one end alone is read once: a source's (srcEnd, kept per source
	// index), the destination's whose pairs are being keyed (dst).
	src     []*srcEnd
	srcPt   []point       // per source: its address
	srcVNet []*model.VNet // per source: its VNet
	dst     *dstEnd
	nicEff  map[*model.NIC]*acl.Effective
}

// srcEnd is what keys read of a source alone.
type srcEnd struct {
	addr   netip.Addr
	shared bool // several resources own its address
	flags  uint32
	eff    *acl.Effective
	out    *rangeFn // its subnet's routes
	ports  []portFn // its rules outbound, per port
}

type portFn struct {
	port uint16
	fn   *rangeFn
}

// dstEnd is what keys read of a destination alone, probed on ports.
type dstEnd struct {
	di        int
	vnet      *model.VNet
	pt        point
	shared    bool
	back, sys *rangeFn   // its subnet's routes, and their system view for a private endpoint
	in        []*rangeFn // its rules inbound, per port
	ports     []uint16
	chains    map[int32][]devFns
}

// devFns is what a device decides for the flows to one destination: its verdict per port and
// where its subnet routes a packet for the source; ok is false where the key declines.
type devFns struct {
	ok       bool
	verdicts []*rangeFn
	route    *rangeFn
}

func newPairKeyer(p *dataplane.Plane, as assume.Set, cs *chainSearch, srcs, dsts []rep) *pairKeyer {
	devs := make([]any, len(cs.devs)+1)
	for dev, id := range cs.devs {
		devs[id] = dev
	}
	k := &pairKeyer{p: p, as: as, srcs: srcs, dsts: dsts, devs: devs, sets: cs.sets, ids: map[any]uint32{},
		nicEff: map[*model.NIC]*acl.Effective{}}
	k.fns = newPairFns(k)
	k.fns.srcSpan, k.fns.dstSpan = spanOf(srcs), spanOf(dsts)
	k.srcPt, k.srcVNet = make([]point, len(srcs)), make([]*model.VNet, len(srcs))
	for i, s := range srcs {
		k.srcPt[i], k.srcVNet[i] = pointOf(s.addr), s.subnet.VNet
	}
	return k
}

// rulesOf is the effective rules of a VM NIC, read once per NIC.
func (k *pairKeyer) rulesOf(nic *model.NIC) *acl.Effective {
	e, ok := k.nicEff[nic]
	if !ok {
		e = rep{nic: nic}.rules(k.p)
		k.nicEff[nic] = e
	}
	return e
}

// id interns a pointer (or any comparable value); nil is 0.
func (k *pairKeyer) id(x any) uint32 {
	if x == nil {
		return 0
	}
	if n, ok := k.ids[x]; ok {
		return n
	}
	n := uint32(len(k.ids) + 1)
	k.ids[x] = n
	return n
}

func (k *pairKeyer) put(v uint32) { k.buf = binary.LittleEndian.AppendUint32(k.buf, v) }

// source is source si's srcEnd, built on first use.
func (k *pairKeyer) source(si int) *srcEnd {
	if k.src == nil { // only sourceSide's keyer reads sources alone
		k.src = make([]*srcEnd, len(k.srcs))
	}
	if e := k.src[si]; e != nil {
		return e
	}
	s := k.srcs[si]
	nic := s.nic
	e := &srcEnd{addr: s.addr, shared: len(k.p.Net.Owners(s.addr)) > 1, eff: k.rulesOf(nic),
		out: k.fns.routeFn(s.subnet, false)}
	e.flags = uint32(boolByte(nic.IPForwarding)) | uint32(boolByte(nic.Primary().PublicIP != nil))<<1 |
		uint32(boolByte(nic.MissingNSG != "" || s.subnet.MissingNSG != "" || s.subnet.MissingRouteTable != ""))<<2
	k.src[si] = e
	return e
}

// outFn is source e's rules outbound on port, as a function of the destination.
func (k *pairKeyer) outFn(e *srcEnd, port uint16) *rangeFn {
	for _, pf := range e.ports {
		if pf.port == port {
			return pf.fn
		}
	}
	fn := k.fns.verdictFn(verdictKey{kind: srcOut, eff: e.eff, fixed: e.addr, port: port})
	e.ports = append(e.ports, portFn{port, fn})
	return fn
}

// destination makes di, probed on ports, the destination whose pairs are keyed next.
func (k *pairKeyer) destination(di int, ports []uint16) {
	d := k.dsts[di]
	e := &dstEnd{di: di, vnet: d.subnet.VNet, pt: pointOf(d.addr), shared: len(k.p.Net.Owners(d.addr)) > 1, ports: ports,
		back: k.fns.routeFn(d.subnet, false), chains: map[int32][]devFns{}}
	if d.pe != nil {
		e.sys = k.fns.routeFn(d.subnet, true)
	}
	eff := d.rules(k.p)
	for _, port := range ports {
		e.in = append(e.in, k.fns.verdictFn(verdictKey{kind: dstIn, eff: eff, fixed: d.addr, port: port}))
	}
	k.dst = e
}

// chain is the functions of each device of chain c for the current destination.
func (k *pairKeyer) chain(c int32) []devFns {
	e := k.dst
	if fs, ok := e.chains[c]; ok {
		return fs
	}
	var fs []devFns
	for _, dev := range k.sets[c] {
		fs = append(fs, k.device(k.devs[dev], e))
	}
	e.chains[c] = fs
	return fs
}

// device is what a stateful device on either path decides for the flows to destination e and
// their replies, and where it sends a packet for the source.
func (k *pairKeyer) device(dev any, e *dstEnd) devFns {
	var out devFns
	var vk verdictKey
	switch dv := dev.(type) {
	case *model.Firewall:
		eng := k.p.Firewalls[dv]
		if eng == nil {
			return out
		}
		vk = verdictKey{kind: firewallAt, eng: eng}
		out.route = k.fns.routeFn(dv.Subnet, false)
	case *model.NIC:
		c := dv.Primary()
		if c == nil {
			return out
		}
		vk = verdictKey{kind: applianceAt, eff: k.rulesOf(dv)}
		out.route = k.fns.routeFn(c.Subnet, false)
	default:
		return out
	}
	vk.fixed = k.dsts[e.di].addr
	for _, port := range e.ports {
		vk.port = port
		out.verdicts = append(out.verdicts, k.fns.verdictFn(vk))
	}
	out.ok = true
	return out
}

// sourceSide is what every key reads of its pair's source alone and of the destination's
// address: the source's NIC flags, its subnet's route decision towards the destination and its
// rules' verdicts on each probe port. It is computed for all candidates in one pass in source
// order, while each source's routes and rules are in cache (a pass per destination would fetch
// them again for every destination), and read by every worker.
type sourceSide struct {
	k    *pairKeyer // read-only once built: its decs back decs below
	ids  []int32    // per candidate: an interned id, -1 where the key declines
	decs []int32    // per id: its decision's index in k.fns.decs
}

func newSourceSide(p *dataplane.Plane, as assume.Set, cs *chainSearch, srcs, dsts []rep, cands []pairIdx) *sourceSide {
	k := newPairKeyer(p, as, cs, srcs, dsts)
	ss := &sourceSide{k: k, ids: make([]int32, len(cands))}
	ids := map[string]int32{}
	ports := make([][]uint16, len(dsts))
	for i, c := range cands {
		ss.ids[i] = -1
		se, d := k.source(int(c.s)), dsts[c.d]
		if se.shared || len(p.Net.Owners(d.addr)) > 1 {
			continue // delivery itself depends on which owner: trace it
		}
		if ports[c.d] == nil {
			ports[c.d] = confirmPorts(d)
		}
		dp := pointOf(d.addr)
		di := k.fns.leaveTo(k.srcs[c.s].subnet, se.out, d, dp)
		rec := &k.fns.decs[di]
		if !rec.ok {
			continue
		}
		k.buf = k.buf[:0]
		k.put(se.flags)
		k.put(rec.id)
		k.put(rec.route.raw())
		k.put(rec.via.raw())
		ok := true
		for _, port := range ports[c.d] {
			if ok = k.verdict(k.fns.at(k.outFn(se, port), dp)); !ok {
				break
			}
		}
		if !ok {
			continue
		}
		id, seen := ids[string(k.buf)]
		if !seen {
			id = int32(len(ss.decs))
			ids[string(k.buf)] = id
			ss.decs = append(ss.decs, di)
		}
		ss.ids[i] = id
	}
	return ss
}

// key returns the key of the i-th candidate c (its source's side in ss, the current
// destination), or ok=false when the pair's outcome may depend on more than a key records. The
// returned bytes are reused by the next call.
func (k *pairKeyer) key(i int32, c pairIdx, ss *sourceSide) ([]byte, bool) {
	sid, de := ss.ids[i], k.dst
	if sid < 0 || de.shared {
		return nil, false
	}
	k.buf = k.buf[:0]
	sv, dv := k.srcVNet[c.s], de.vnet
	k.put(uint32(sid))
	k.put(uint32(boolByte(sv == dv)))
	k.put(uint32(c.f))
	k.put(uint32(c.r))
	out := &ss.k.fns.decs[ss.decs[sid]]
	k.put(out.route.norm(dv))
	k.put(out.via.norm(dv))
	f, sp := k.fns, k.srcPt[c.s]
	if !k.decision(f.dec(de.back, sp), sv) {
		return nil, false
	}
	if de.sys != nil && !k.decision(f.dec(de.sys, sp), sv) {
		return nil, false // a private endpoint's reply may read system routes only (spec §5)
	}
	for i := range de.ports {
		if !k.rules(de, i, sp, c, sv) {
			return nil, false
		}
	}
	return k.buf, true
}

// decision records a route decision, with a peering into home (the VNet of the packet's
// destination endpoint) recorded as such rather than by which peering it is.
func (k *pairKeyer) decision(d *decRec, home *model.VNet) bool {
	if !d.ok {
		return false
	}
	k.put(d.id)
	k.put(d.route.norm(home))
	k.put(d.via.norm(home))
	return true
}

// rules records every rule decision on the destination's side and on either path for its i-th
// port (the source's are in its sourceSide): the destination's NSGs inbound, and what each
// device of the forward and reverse chains decides both ways, with where it sends a packet for
// the source (at sp, in VNet home). The endpoints' NSGs are stateful: the reply passes them
// without evaluation (spec §2.1).
func (k *pairKeyer) rules(de *dstEnd, i int, sp point, c pairIdx, home *model.VNet) bool {
	f := k.fns
	if !k.verdict(f.at(de.in[i], sp)) {
		return false
	}
	for _, chain := range [2]int32{c.f, c.r} {
		for _, dv := range k.chain(chain) {
			if !dv.ok || !k.verdict(f.at(dv.verdicts[i], sp)) || !k.decision(f.dec(dv.route, sp), home) {
				return false
			}
		}
	}
	return true
}

// verdict records an interned verdict; a negative one declines.
func (k *pairKeyer) verdict(v int32) bool {
	if v < 0 {
		return false
	}
	k.put(uint32(v))
	return true
}

// decRec is a route decision as a key records it: an interned id of its kind, device and route
// next hop, and the peerings it crosses, whose reading depends on the packet's endpoint.
type decRec struct {
	ok         bool // false: the key declines (a gateway, a load balancer, an unresolved owner)
	id         uint32
	route, via peeringRec
}

// peeringRec is a peering a decision crosses, with its remote VNet's interned id.
type peeringRec struct {
	p  *model.Peering
	id uint32
}

// raw is 0 for no peering, else 1 plus the remote VNet's id: two decisions with equal raw
// peerings read the same under norm, whatever the home.
func (r peeringRec) raw() uint32 {
	if r.p == nil {
		return 0
	}
	return r.id + 1
}

// norm is 0 for no peering, 1 for a peering into home, else 2 plus the remote VNet's id.
func (r peeringRec) norm(home *model.VNet) uint32 {
	switch {
	case r.p == nil:
		return 0
	case r.p.Remote == home:
		return 1
	}
	return r.id + 2
}

// record turns a decision into its decRec; ids interns (kind, device, next hop).
func (k *pairKeyer) record(dec forward.Decision, ids map[[4]uint32]uint32) decRec {
	b := [4]uint32{uint32(dec.Kind)}
	switch dec.Kind {
	case forward.Gateway:
		return decRec{} // hairpin or exit depends on how the endpoint's VNet relates to the gateway's
	case forward.Appliance:
		dev, _, ok := dec.Device()
		if !ok {
			return decRec{}
		}
		if _, isLB := dev.(*model.LoadBalancer); isLB {
			return decRec{} // the backend chosen depends on the flow
		}
		b[1] = k.id(dev)
	}
	rec := decRec{ok: true}
	if r := dec.Route; r != nil {
		b[2], b[3] = 1, uint32(r.NextHop)
		rec.route = k.peering(r.Peering)
	}
	rec.via = k.peering(dec.Via)
	id, ok := ids[b]
	if !ok {
		id = uint32(len(ids))
		ids[b] = id
	}
	rec.id = id
	return rec
}

func (k *pairKeyer) peering(p *model.Peering) peeringRec {
	if p == nil {
		return peeringRec{}
	}
	var remote any
	if p.Remote != nil {
		remote = p.Remote
	}
	return peeringRec{p: p, id: k.id(remote)}
}
