package check

import (
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Rule verdicts by atoms. A key evaluates the same rule sets and firewalls for millions of pairs
// (every spoke × every other spoke's private endpoint), each time scanning the rules. A rule set
// reads an address only through the prefixes of its rules (acl.Rule.Expanded*, the very sets its
// matchers hold) and whether it is a platform address (spec §2.6); a firewall through its Bounds.
// Two flows whose addresses fall in the same atoms of those bounds, with the same ports, get the
// same verdict: it is computed once per (rule sets, atoms, ports).

// evalMemo keeps verdicts by atoms; one per sourceClass (per worker).
type evalMemo struct {
	bounds  map[any][]netip.Addr // *acl.Effective or *firewall.Engine → sorted bounds
	acls    map[aclKey]acl.Result
	engines map[fwKey]firewall.Result
}

type aclKey struct {
	eff              *acl.Effective
	dir              model.Direction
	src, dst         int32 // atoms
	srcPort, dstPort uint16
}

type fwKey struct {
	eng              *firewall.Engine
	src, dst         int32
	srcPort, dstPort uint16
	opaque           bool
}

func newEvalMemo() *evalMemo {
	return &evalMemo{bounds: map[any][]netip.Addr{}, acls: map[aclKey]acl.Result{}, engines: map[fwKey]firewall.Result{}}
}

// acl is eff.Evaluate(dir, f), remembered for TCP.
func (m *evalMemo) acl(eff *acl.Effective, dir model.Direction, f acl.Flow) acl.Result {
	if f.Proto != model.ProtoTCP {
		return eff.Evaluate(dir, f) // the key holds TCP's ports only
	}
	bs, ok := m.bounds[eff]
	if !ok {
		bs = ruleBounds(eff)
		m.bounds[eff] = bs
	}
	k := aclKey{eff: eff, dir: dir, src: atomOf(bs, f.Src), dst: atomOf(bs, f.Dst), srcPort: f.SrcPort, dstPort: f.DstPort}
	r, ok := m.acls[k]
	if !ok {
		r = eff.Evaluate(dir, f)
		m.acls[k] = r
	}
	return r
}

// firewall is eng.Evaluate(pk), remembered for TCP without an FQDN.
func (m *evalMemo) firewall(eng *firewall.Engine, pk firewall.Packet) firewall.Result {
	if pk.Proto != model.ProtoTCP || pk.FQDN != "" {
		return eng.Evaluate(pk)
	}
	bs, ok := m.bounds[eng]
	if !ok {
		eng.Bounds(func(a netip.Addr) { bs = append(bs, a) })
		slices.SortFunc(bs, netip.Addr.Compare)
		bs = slices.Compact(bs)
		m.bounds[eng] = bs
	}
	k := fwKey{eng: eng, src: atomOf(bs, pk.Src), dst: atomOf(bs, pk.Dst), srcPort: pk.SrcPort, dstPort: pk.DstPort, opaque: pk.OpaqueNoMatch}
	r, ok := m.engines[k]
	if !ok {
		r = eng.Evaluate(pk)
		m.engines[k] = r
	}
	return r
}

// ruleBounds is the sorted bounds of every prefix eff's rules read, and of the platform
// addresses.
func ruleBounds(eff *acl.Effective) []netip.Addr {
	var out []netip.Addr
	add := func(ps ...netip.Prefix) {
		for _, pf := range ps {
			r := ipset.PrefixRange(pf)
			out = append(out, r.From)
			if next := r.To.Next(); next.IsValid() {
				out = append(out, next)
			}
		}
	}
	for _, rs := range eff.Sets {
		if rs == nil {
			continue
		}
		for _, ru := range rs.Rules {
			add(ru.ExpandedSource...)
			add(ru.ExpandedDest...)
		}
	}
	for _, a := range []netip.Addr{model.AzurePlatformIP, model.IMDSAddr} {
		add(netip.PrefixFrom(a, a.BitLen()))
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return slices.Compact(out)
}

// atomOf is the number of bounds at or below a: addresses with the same number lie between the
// same two bounds.
func atomOf(bs []netip.Addr, a netip.Addr) int32 {
	return int32(cutsBelow(bs, a))
}
