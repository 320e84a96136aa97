package check

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Confirming a class of destinations (asymdest.go). The destinations of a class share a
// subnet, rule sets and probe ports, and differ only by address. Each candidate pair gets a key
// (asymclass.go) recording every decision its trace reads that depends on the source, or on
// both ends; what depends on the destination alone and every source meets (the routes out of
// the firewalls' and appliances' subnets towards it, the class's and the devices' rules, the
// VNet and subnet ranges) is recorded by which range of those bounds (commonCuts) the
// destination lies in. One trace confirms every pair of a class with the same key.

// confirmer confirms the candidates of destination classes; one per worker.
type confirmer struct {
	k          *pairKeyer
	ss         *sourceSide
	srcs, dsts []rep
	cands      []pairIdx
	byDst      [][]int32
	found      []*asymHit
	cs         *chainSearch

	tableCuts map[*fib.Table][]netip.Addr
	estate    []netip.Addr // estateBounds, read when a key declines (nil until then)
	space     []netip.Addr // spaceCuts (nil until read)
	key, last []byte       // the key being built, and the previous pair's
	lastHit   *asymHit     // the previous pair's hit
}

func newConfirmer(p *dataplane.Plane, as assume.Set, cs *chainSearch, ss *sourceSide, srcs, dsts []rep,
	cands []pairIdx, byDst [][]int32, found []*asymHit) *confirmer {
	return &confirmer{k: newPairKeyer(p, as, cs, srcs, dsts), ss: ss, srcs: srcs, dsts: dsts, cands: cands, byDst: byDst,
		found: found, cs: cs, tableCuts: map[*fib.Table][]netip.Addr{}}
}

// class confirms the candidates of the destinations of one class. Pairs of one outcome share
// its hit. Where a key declines, a pair shares its trace only with the same source's pairs
// whose destinations no bound of the estate tells apart and whose routes-only chains agree.
func (cf *confirmer) class(members []int) {
	first := cf.dsts[members[0]]
	sp := span{first.addr, first.addr}
	for _, di := range members[1:] {
		sp = sp.with(cf.dsts[di].addr)
	}
	var common []netip.Addr // nothing cuts a class of one address
	if sp.lo != sp.hi {
		common = cf.commonCuts(first, sp.lo, sp.hi)
	}
	byKey := map[string]*asymHit{}
	cf.last = cf.last[:0] // keys of another class mean something else
	ports := confirmPorts(first)
	for _, di := range members {
		d := cf.dsts[di]
		part := uint32(cutsBelow(common, d.addr))
		cf.k.destination(di, ports)
		for _, i := range cf.byDst[di] {
			c := cf.cands[i]
			key, ok := cf.k.key(i, c, cf.ss)
			if ok {
				key = append(append(cf.key[:0], 0), key...)
			} else {
				key = binary.LittleEndian.AppendUint32(append(cf.key[:0], 1), uint32(c.s))
				key = binary.LittleEndian.AppendUint32(key, uint32(c.f))
				key = binary.LittleEndian.AppendUint32(key, uint32(c.r))
				key = binary.LittleEndian.AppendUint32(key, uint32(cutsBelow(cf.estateCuts(), d.addr)))
			}
			key = binary.LittleEndian.AppendUint32(key, part)
			if len(cf.last) > 0 && bytes.Equal(key, cf.last) {
				cf.found[i] = cf.lastHit // the commonest case: the same key as the pair before
				continue
			}
			cf.key = key
			o, seen := byKey[string(key)]
			if !seen {
				o = cf.confirm(int(c.s), di)
				byKey[string(key)] = o
			}
			cf.found[i] = o
			cf.key, cf.last, cf.lastHit = cf.last, key, o
		}
	}
}

func (cf *confirmer) confirm(si, di int) *asymHit {
	if h, ok := confirmAsymmetry(cf.k.p, cf.srcs[si], cf.dsts[di], cf.k.as); ok {
		return &h
	}
	return nil
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
	for _, rs := range d.rules(cf.k.p).Sets {
		add(cf.k.fns.ruleSetCuts(rs, cf.k.fns.dstSpan))
	}
	p := cf.k.p
	for dev := range cf.cs.devs {
		switch dv := dev.(type) {
		case *model.Firewall:
			add(cf.tableBounds(p.FIB.Subnet(dv.Subnet)))
		case *model.NIC:
			if c := dv.Primary(); c != nil {
				for _, rs := range cf.k.rulesOf(dv).Sets {
					add(cf.k.fns.ruleSetCuts(rs, cf.k.fns.dstSpan))
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

// estateCuts is estateBounds, read once.
func (cf *confirmer) estateCuts() []netip.Addr {
	if cf.estate == nil {
		cf.estate = estateBounds(cf.k.p, cf.srcs, cf.dsts, cf.cs)
	}
	return cf.estate
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
	out := sortedBounds(routeBounds(nil, t, true))
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
	bs, _ = sortAddrs(bs, nil)
	return bs
}

// sortAddrs sorts bs in place and drops repeats, with keys as scratch space (returned for
// reuse). IPv4 addresses, nearly all of them, sort as integers: netip.Addr.Compare costs
// several times more per comparison, and a spoke's table lists hundreds of endpoint /32s.
func sortAddrs(bs []netip.Addr, keys []uint32) ([]netip.Addr, []uint32) {
	keys = keys[:0]
	var other []netip.Addr
	for _, a := range bs {
		if a.Is4() {
			keys = append(keys, pointOf(a).k)
		} else {
			other = append(other, a)
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	slices.SortFunc(other, netip.Addr.Compare)
	other = slices.Compact(other)
	bs = bs[:0]
	for _, k := range keys {
		bs = append(bs, addrOf(k))
	}
	return append(bs, other...), keys
}

// within is the part of sorted bounds bs in (lo, hi]: a bound there separates two addresses
// of [lo, hi].
func within(bs []netip.Addr, lo, hi netip.Addr) []netip.Addr {
	return bs[cutsBelow(bs, lo):cutsBelow(bs, hi)]
}
