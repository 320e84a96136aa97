package check

import (
	"encoding/binary"
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/forward"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Confirming candidates by class. In a hub-and-spoke estate every spoke subnet × every hub
// private endpoint can be a candidate, so one trace per pair grows with the product of the two.
// A trace from source s to destination d reads s only through the decisions a sourceClass key
// records: the routes out of s's subnet towards d and back towards s (normalised so that "the
// peering to the other side's own VNet" reads the same for every spoke), the rules of every
// NSG and firewall on either path evaluated with s's address, and a few properties of s's NIC.
// Sources of one destination with equal keys get the same outcome (the same path, the same
// verdicts at every level and device, the same translations; which rule decided may differ, as
// it does between two spokes' NSGs whose default rules allow alike), so one trace per
// (destination, key) confirms them all. The finding quotes its first source's own trace. The decisions come from the same functions
// the trace calls (forward.Leave, acl.Effective.Evaluate, firewall.Engine.Evaluate); where the
// trace's dependence on s is harder to state (a gateway on either path, an Internet-tag rule, a
// load balancer as next hop, an address several resources own, a firewall verdict that depends
// on an FQDN) the key says so and the pair is traced on its own.
//
// The key records more than a trace may read (an appliance's rules both ways at every level,
// both route views of a private endpoint's subnet): a decision that does not matter only splits a
// class, it never merges two that differ. TestAsymmetricPairsMatchTraces, which traces every
// pair of random estates, is the twin.

// sourceClass builds the keys of the sources of one destination. Not safe for concurrent use;
// its interned ids are meaningful only among keys of the same classer.
type sourceClass struct {
	p    *dataplane.Plane
	as   assume.Set
	devs []any // chainSearch device id → device
	sets [][]int32
	ids  map[any]uint32
	buf  []byte
	// Every pair asks the same few route questions and reads the same endpoints' rules and
	// owners again: the answers are kept.
	memo   *forward.Memo
	nicEff map[*model.NIC]*acl.Effective
	peEff  map[*model.PrivateEndpoint]*acl.Effective
	shared map[netip.Addr]bool // addresses several resources own
}

func newSourceClass(p *dataplane.Plane, as assume.Set, cs *chainSearch) *sourceClass {
	devs := make([]any, len(cs.devs)+1)
	for dev, id := range cs.devs {
		devs[id] = dev
	}
	return &sourceClass{p: p, as: as, devs: devs, sets: cs.sets, ids: map[any]uint32{}, memo: forward.NewMemo(p),
		nicEff: map[*model.NIC]*acl.Effective{}, peEff: map[*model.PrivateEndpoint]*acl.Effective{},
		shared: map[netip.Addr]bool{}}
}

// rulesOf is r.rules(k.p), read once per endpoint.
func (k *sourceClass) rulesOf(r rep) *acl.Effective {
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
func (k *sourceClass) isShared(a netip.Addr) bool {
	v, ok := k.shared[a]
	if !ok {
		v = len(k.p.Net.Owners(a)) > 1
		k.shared[a] = v
	}
	return v
}

// id interns a pointer (or any comparable value); nil is 0.
func (k *sourceClass) id(x any) uint32 {
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

func (k *sourceClass) put(v uint32) { k.buf = binary.LittleEndian.AppendUint32(k.buf, v) }

func (k *sourceClass) flag(b bool) {
	if b {
		k.put(1)
	} else {
		k.put(0)
	}
}

// key returns the class of source s for destination d (c is the candidate with its chains),
// or ok=false when the pair must be traced on its own. The returned bytes are reused by the
// next call.
func (k *sourceClass) key(s, d rep, c pairIdx, ports []uint16) ([]byte, bool) {
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
	if !k.decision(k.memo.Leave(s.subnet, d.addr, false), d.subnet.VNet) ||
		!k.decision(k.memo.Leave(d.subnet, s.addr, false), s.subnet.VNet) {
		return nil, false
	}
	if d.pe != nil && !k.decision(k.memo.Leave(d.subnet, s.addr, true), s.subnet.VNet) {
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
func (k *sourceClass) decision(dec forward.Decision, home *model.VNet) bool {
	k.put(uint32(dec.Kind))
	switch dec.Kind {
	case forward.Gateway:
		return false // hairpin or exit depends on how the endpoint's VNet relates to the gateway's
	case forward.Appliance:
		dev, _, ok := dec.Device()
		if !ok {
			return false
		}
		if _, isLB := dev.(*model.LoadBalancer); isLB {
			return false // the backend chosen depends on the flow
		}
		k.put(k.id(dev))
	}
	if r := dec.Route; r != nil {
		k.put(uint32(r.NextHop))
		k.put(k.vnet(r.Peering, home))
	}
	k.put(k.vnet(dec.Via, home))
	return true
}

// vnet is 1 for a peering into home, else the remote VNet's id (0 for none).
func (k *sourceClass) vnet(pr *model.Peering, home *model.VNet) uint32 {
	switch {
	case pr == nil:
		return 0
	case pr.Remote == home:
		return 1
	}
	return k.id(pr.Remote) + 1
}

// rules records every rule decision on either path for one port: the source's NSGs outbound,
// the destination's inbound, and each device of the forward and reverse chains both ways.
// src and dst are the two endpoints' effective rules.
func (k *sourceClass) rules(s, d rep, src, dst *acl.Effective, port uint16, c pairIdx) bool {
	fwd := acl.Flow{Src: s.addr, Dst: d.addr, Proto: model.ProtoTCP, SrcPort: confirmSourcePort, DstPort: port}
	back := acl.Flow{Src: d.addr, Dst: s.addr, Proto: model.ProtoTCP, SrcPort: port, DstPort: confirmSourcePort}
	// The endpoints' NSGs are stateful: the reply passes them without evaluation (spec §2.1).
	if !k.acl(src, model.Outbound, fwd) || !k.acl(dst, model.Inbound, fwd) {
		return false
	}
	for _, chain := range [2]int32{c.f, c.r} {
		for _, dev := range k.sets[chain] {
			if !k.device(k.devs[dev], s, fwd, back) {
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
func (k *sourceClass) device(dev any, s rep, fwd, back acl.Flow) bool {
	switch dv := dev.(type) {
	case *model.Firewall:
		eng := k.p.Firewalls[dv]
		if eng == nil {
			return false
		}
		res := eng.Evaluate(firewall.Packet{Src: fwd.Src, Dst: fwd.Dst, Proto: fwd.Proto, SrcPort: fwd.SrcPort,
			DstPort: fwd.DstPort, OpaqueNoMatch: !k.as.Default(assume.FQDNTag)})
		if res.Kind == firewall.KindUnknown {
			return false
		}
		k.put(uint32(res.Kind)) // network, application or DNAT rule, or the default deny
		k.put(uint32(res.Action))
		k.put(uint32(res.SNAT))
		return k.decision(k.memo.Leave(dv.Subnet, s.addr, false), s.subnet.VNet)
	case *model.NIC:
		c := dv.Primary()
		if c == nil {
			return false
		}
		eff := k.rulesOf(rep{nic: dv})
		for _, f := range [2]acl.Flow{fwd, back} {
			if !k.acl(eff, model.Inbound, f) || !k.acl(eff, model.Outbound, f) {
				return false
			}
		}
		return k.decision(k.memo.Leave(c.Subnet, s.addr, false), s.subnet.VNet)
	}
	return false
}

// acl records every level's decision; a rule naming the Internet tag makes the answer depend
// on --assume internet-tag in ways the trace decides, so such a pair is traced on its own.
func (k *sourceClass) acl(eff *acl.Effective, dir model.Direction, f acl.Flow) bool {
	r := eff.Evaluate(dir, f)
	if r.NamesInternet() {
		return false
	}
	k.flag(r.Allowed)
	k.put(uint32(r.N))
	for i := 0; i < r.N; i++ {
		k.put(uint32(r.Levels[i].Access))
	}
	return true
}
