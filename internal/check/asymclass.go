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
	p    *dataplane.Plane
	as   assume.Set
	devs []any // chainSearch device id → device
	sets [][]int32
	ids  map[any]uint32
	buf  []byte
	fns  *pairFns
	// Every pair reads the same endpoints' rules and owners again: the answers are kept.
	nicEff map[*model.NIC]*acl.Effective
	peEff  map[*model.PrivateEndpoint]*acl.Effective
	shared map[netip.Addr]bool // addresses several resources own
}

func newPairKeyer(p *dataplane.Plane, as assume.Set, cs *chainSearch) *pairKeyer {
	devs := make([]any, len(cs.devs)+1)
	for dev, id := range cs.devs {
		devs[id] = dev
	}
	k := &pairKeyer{p: p, as: as, devs: devs, sets: cs.sets, ids: map[any]uint32{},
		nicEff: map[*model.NIC]*acl.Effective{}, peEff: map[*model.PrivateEndpoint]*acl.Effective{},
		shared: map[netip.Addr]bool{}}
	k.fns = newPairFns(k)
	return k
}

// rulesOf is r.rules(k.p), read once per endpoint.
func (k *pairKeyer) rulesOf(r rep) *acl.Effective {
	if r.pe != nil {
		e, ok := k.peEff[r.pe]
		if !ok {
			e = r.rules(k.p)
			k.peEff[r.pe] = e
		}
		return e
	}
	e, ok := k.nicEff[r.nic]
	if !ok {
		e = r.rules(k.p)
		k.nicEff[r.nic] = e
	}
	return e
}

// isShared reports whether several resources own a.
func (k *pairKeyer) isShared(a netip.Addr) bool {
	v, ok := k.shared[a]
	if !ok {
		v = len(k.p.Net.Owners(a)) > 1
		k.shared[a] = v
	}
	return v
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

func (k *pairKeyer) flag(b bool) {
	if b {
		k.put(1)
	} else {
		k.put(0)
	}
}

// key returns the key of candidate c (source s, destination d, probed on ports), or ok=false
// when the pair's outcome may depend on more than a key records. The returned bytes are reused
// by the next call.
func (k *pairKeyer) key(s, d rep, c pairIdx, ports []uint16) ([]byte, bool) {
	k.buf = k.buf[:0]
	if k.isShared(s.addr) || k.isShared(d.addr) {
		return nil, false // delivery itself depends on which owner: trace it
	}
	nic := s.nic
	k.flag(s.subnet.VNet == d.subnet.VNet)
	k.flag(nic.IPForwarding)
	k.flag(nic.MissingNSG != "" || s.subnet.MissingNSG != "" || s.subnet.MissingRouteTable != "")
	k.flag(nic.Primary().PublicIP != nil)
	k.put(uint32(c.f))
	k.put(uint32(c.r))
	f := k.fns
	if !k.decision(f.leaveTo(s.subnet, d), d.subnet.VNet) ||
		!k.decision(f.route(d.subnet, s.addr, false), s.subnet.VNet) {
		return nil, false
	}
	if d.pe != nil && !k.decision(f.route(d.subnet, s.addr, true), s.subnet.VNet) {
		return nil, false // a private endpoint's reply may read system routes only (spec §5)
	}
	src, dst := k.rulesOf(s), k.rulesOf(d)
	for _, port := range ports {
		if !k.rules(s, d, src, dst, port, c) {
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

// rules records every rule decision on either path for one port: the source's NSGs outbound,
// the destination's inbound, and each device of the forward and reverse chains both ways.
// src and dst are the two endpoints' effective rules. The endpoints' NSGs are stateful: the
// reply passes them without evaluation (spec §2.1).
func (k *pairKeyer) rules(s, d rep, src, dst *acl.Effective, port uint16, c pairIdx) bool {
	f := k.fns
	if !k.verdict(f.verdict(verdictKey{kind: srcOut, eff: src, fixed: s.addr, port: port}, d.addr)) ||
		!k.verdict(f.verdict(verdictKey{kind: dstIn, eff: dst, fixed: d.addr, port: port}, s.addr)) {
		return false
	}
	for _, chain := range [2]int32{c.f, c.r} {
		for _, dev := range k.sets[chain] {
			if !k.device(k.devs[dev], s, d, port) {
				return false
			}
		}
	}
	return true
}

// confirmSourcePort is the source port trace.Query defaults to (the confirmations leave it
// unset); the key evaluates rules with it.
const confirmSourcePort = 49152

// device records what a stateful device on either path decides for the flow and its reply,
// and where it sends a packet for the source.
func (k *pairKeyer) device(dev any, s, d rep, port uint16) bool {
	f := k.fns
	switch dv := dev.(type) {
	case *model.Firewall:
		eng := k.p.Firewalls[dv]
		if eng == nil {
			return false
		}
		return k.verdict(f.verdict(verdictKey{kind: firewallAt, eng: eng, fixed: d.addr, port: port}, s.addr)) &&
			k.decision(f.route(dv.Subnet, s.addr, false), s.subnet.VNet)
	case *model.NIC:
		c := dv.Primary()
		if c == nil {
			return false
		}
		eff := k.rulesOf(rep{nic: dv})
		return k.verdict(f.verdict(verdictKey{kind: applianceAt, eff: eff, fixed: d.addr, port: port}, s.addr)) &&
			k.decision(f.route(c.Subnet, s.addr, false), s.subnet.VNet)
	}
	return false
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
