package check

import (
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Confirming a class of destinations (asymdest.go) for one source. The destinations of a class
// share a subnet, rule sets and probe ports, and differ only by address. A source reaches two
// of them alike unless something the pair's trace reads tells their addresses apart: the
// source's own routes and rules (sourceCuts), or what every source meets, the class's rules,
// the firewalls and the appliances with their subnets' routes (commonCuts). So per source the
// class splits into parts at those cuts and where the routes-only chain changes, and one
// sourceClass key (or, where the key declines, one trace) stands for each part. In a hub whose
// private endpoints share a subnet, a spoke's rules rarely cut the hub's range: one key per
// source instead of one per endpoint.

// confirmer confirms the candidates of destination classes; one per worker.
type confirmer struct {
	k          *sourceClass
	srcs, dsts []rep
	cands      []pairIdx
	byDst      [][]int32
	found      []*asymHit
	cs         *chainSearch

	setCuts   map[*acl.RuleSet][]netip.Addr
	tableCuts map[*fib.Table][]netip.Addr
	estate    []netip.Addr // estateBounds, read when a key declines (nil until then)
	space     []netip.Addr // spaceCuts (nil until read)
}

func newConfirmer(p *dataplane.Plane, as assume.Set, cs *chainSearch, srcs, dsts []rep, cands []pairIdx,
	byDst [][]int32, found []*asymHit) *confirmer {
	return &confirmer{k: newSourceClass(p, as, cs), srcs: srcs, dsts: dsts, cands: cands, byDst: byDst, found: found,
		cs: cs, setCuts: map[*acl.RuleSet][]netip.Addr{}, tableCuts: map[*fib.Table][]netip.Addr{}}
}

// class confirms the candidates of the destinations of one class. Pairs of one outcome share
// its hit.
func (cf *confirmer) class(members []int) {
	slices.SortStableFunc(members, func(a, b int) int { return cf.dsts[a].addr.Compare(cf.dsts[b].addr) })
	lo, hi := cf.dsts[members[0]].addr, cf.dsts[members[len(members)-1]].addr
	var common []netip.Addr // nothing cuts a class of one address
	if lo != hi {
		common = cf.commonCuts(cf.dsts[members[0]], lo, hi)
	}
	byKey := map[string]*asymHit{}
	ports := confirmPorts(cf.dsts[members[0]])
	if len(members) == 1 { // one destination: each candidate is a source's only one
		cands := cf.byDst[members[0]]
		for k := range cands {
			cf.source(cf.cands[cands[k]].s, cands[k:k+1], nil, nil, ports, byKey)
		}
		return
	}
	bySource := map[int][]int32{} // source → its candidates in the class, by destination address
	var order []int
	for _, di := range members {
		for _, i := range cf.byDst[di] {
			si := cf.cands[i].s
			if bySource[si] == nil {
				order = append(order, si)
			}
			bySource[si] = append(bySource[si], i)
		}
	}
	for _, si := range order {
		cuts := common
		if lo != hi {
			cuts = mergeCuts(common, cf.sourceCuts(cf.srcs[si], lo, hi))
		}
		cf.source(si, bySource[si], cuts, common, ports, byKey)
	}
}

// source confirms one source's candidates (in destination address order) part by part. A key
// is shared between sources only within one range of the common cuts: it records what the
// source's own routes and rules decide, and nothing of what every source meets.
func (cf *confirmer) source(si int, cands []int32, cuts, common []netip.Addr, ports []uint16, byKey map[string]*asymHit) {
	for len(cands) > 0 {
		n := cf.partLen(cands, cuts)
		first := cf.cands[cands[0]]
		d := cf.dsts[first.d]
		var o *asymHit
		key, ok := cf.k.key(cf.srcs[si], d, first, ports)
		if ok {
			key = binary.LittleEndian.AppendUint32(key, uint32(cutsBelow(common, d.addr)))
			var seen bool
			if o, seen = byKey[string(key)]; !seen {
				o = cf.confirm(si, first.d)
				byKey[string(key)] = o
			}
		} else {
			// The key declines when the trace may read more than it records: split the part
			// by every bound of the estate, as a class used to be, and trace each piece.
			n = cf.partLen(cands[:n], cf.estateCuts())
			o = cf.confirm(si, first.d)
		}
		for _, i := range cands[:n] {
			cf.found[i] = o
		}
		cands = cands[n:]
	}
}

func (cf *confirmer) confirm(si, di int) *asymHit {
	if h, ok := confirmAsymmetry(cf.k.p, cf.srcs[si], cf.dsts[di], cf.k.as); ok {
		return &h
	}
	return nil
}

// partLen is how many of cands, from the first, lie before the next cut and share the first's
// routes-only chains.
func (cf *confirmer) partLen(cands []int32, cuts []netip.Addr) int {
	first := cf.cands[cands[0]]
	a := cf.dsts[first.d].addr
	k := cutsBelow(cuts, a) // the first cut above a: destinations at or past it are in another part
	for n, i := range cands {
		c := cf.cands[i]
		if c.f != first.f || c.r != first.r || k < len(cuts) && cf.dsts[c.d].addr.Compare(cuts[k]) >= 0 {
			return n
		}
	}
	return len(cands)
}

// cutsBelow is the number of cuts at or below a.
func cutsBelow(cuts []netip.Addr, a netip.Addr) int {
	k, _ := slices.BinarySearchFunc(cuts, a, func(c, a netip.Addr) int {
		if c.Compare(a) <= 0 {
			return -1
		}
		return 1
	})
	return k
}

// commonCuts is what, for every source, can tell two addresses of [lo, hi] apart in a class
// whose first destination is d: the class's rules, the firewalls, the appliances' rules and the
// routes of their subnets, every VNet's and subnet's range.
func (cf *confirmer) commonCuts(d rep, lo, hi netip.Addr) []netip.Addr {
	var out []netip.Addr
	add := func(bs []netip.Addr) { out = append(out, within(bs, lo, hi)...) }
	for _, rs := range cf.k.rulesOf(d).Sets {
		add(cf.ruleSetCuts(rs))
	}
	p := cf.k.p
	for dev := range cf.cs.devs {
		switch dv := dev.(type) {
		case *model.Firewall:
			add(cf.tableBounds(p.FIB.Subnet(dv.Subnet)))
		case *model.NIC:
			if c := dv.Primary(); c != nil {
				for _, rs := range cf.k.rulesOf(rep{nic: dv}).Sets {
					add(cf.ruleSetCuts(rs))
				}
				add(cf.tableBounds(p.FIB.Subnet(c.Subnet)))
			}
		}
	}
	for _, eng := range p.Firewalls {
		eng.Bounds(func(a netip.Addr) {
			if a.Compare(lo) > 0 && a.Compare(hi) <= 0 {
				out = append(out, a)
			}
		})
	}
	add(cf.spaceCuts())
	return sortedBounds(out)
}

// spaceCuts is the sorted bounds of every VNet's and subnet's range, read once.
func (cf *confirmer) spaceCuts() []netip.Addr {
	if cf.space == nil {
		out := []netip.Addr{}
		for _, v := range cf.k.p.Net.VNets {
			out = prefixBounds(out, v.AddressSpace...)
		}
		for _, s := range cf.k.p.Net.Subnets {
			out = prefixBounds(out, s.Prefixes...)
		}
		cf.space = sortedBounds(out)
	}
	return cf.space
}

// sourceCuts is what of source s's own routes and rules cuts (lo, hi].
func (cf *confirmer) sourceCuts(s rep, lo, hi netip.Addr) []netip.Addr {
	out := slices.Clone(within(cf.tableBounds(cf.k.p.FIB.Subnet(s.subnet)), lo, hi))
	for _, rs := range cf.k.rulesOf(s).Sets {
		out = append(out, within(cf.ruleSetCuts(rs), lo, hi)...)
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// estateCuts is estateBounds, read once.
func (cf *confirmer) estateCuts() []netip.Addr {
	if cf.estate == nil {
		cf.estate = estateBounds(cf.k.p, cf.srcs, cf.dsts, cf.cs)
	}
	return cf.estate
}

// ruleSetCuts is the sorted bounds of every rule's prefixes in rs.
func (cf *confirmer) ruleSetCuts(rs *acl.RuleSet) []netip.Addr {
	if rs == nil {
		return nil
	}
	if b, ok := cf.setCuts[rs]; ok {
		return b
	}
	var out []netip.Addr
	for _, ru := range rs.Rules {
		out = prefixBounds(out, ru.ExpandedSource...)
		out = prefixBounds(out, ru.ExpandedDest...)
	}
	out = sortedBounds(out)
	cf.setCuts[rs] = out
	return out
}

// tableBounds is the sorted bounds of t's route prefixes (private endpoint /32s aside, as in
// estateBounds: their routes are decided alike).
func (cf *confirmer) tableBounds(t *fib.Table) []netip.Addr {
	if t == nil {
		return nil
	}
	if b, ok := cf.tableCuts[t]; ok {
		return b
	}
	var out []netip.Addr
	for _, r := range t.WithoutEndpoints() {
		out = prefixBounds(out, r.Prefix)
	}
	out = sortedBounds(out)
	cf.tableCuts[t] = out
	return out
}

// prefixBounds appends the first address of each prefix and the address after its last: the
// bounds between which a lookup or rule reading the prefix answers alike.
func prefixBounds(out []netip.Addr, ps ...netip.Prefix) []netip.Addr {
	for _, pf := range ps {
		r := ipset.PrefixRange(pf)
		out = append(out, r.From)
		if next := r.To.Next(); next.IsValid() {
			out = append(out, next)
		}
	}
	return out
}

// sortedBounds sorts bs and drops repeats.
func sortedBounds(bs []netip.Addr) []netip.Addr {
	slices.SortFunc(bs, netip.Addr.Compare)
	return slices.Compact(bs)
}

// within is the part of sorted bounds bs in (lo, hi]: a bound there separates two addresses
// of [lo, hi].
func within(bs []netip.Addr, lo, hi netip.Addr) []netip.Addr {
	return bs[cutsBelow(bs, lo):cutsBelow(bs, hi)]
}

// mergeCuts is the sorted union of two sorted lists.
func mergeCuts(a, b []netip.Addr) []netip.Addr {
	if len(b) == 0 {
		return a
	}
	return sortedBounds(append(slices.Clone(a), b...))
}
