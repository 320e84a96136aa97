package reach

import (
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Remembering NSG decisions per address range. Asked who reaches one destination, then the
// next, a source's outbound rules meet the destinations in a few ranges again and again, and
// the destination's inbound rules meet the sources in a few ranges: acl.RuleSet.Bounds cuts the
// other end's addresses into ranges that every level decides alike, so each decision is
// evaluated once per range, protocol and port and looked up after. A source's outbound decisions
// are kept with its job across every destination of a run (one worker holds a job at a time);
// a destination's inbound ones with each worker's sharer.

// setSide is one side of one direction of a rule set.
type setSide struct {
	rs  *acl.RuleSet
	dir model.Direction
	src bool
}

// boundsOf is the sorted IPv4 bounds of one side of rs (acl.RuleSet.Bounds), worked out once per
// model.
func (m *Model) boundsOf(k setSide) []uint32 {
	m.mu.Lock()
	b, ok := m.bounds[k]
	m.mu.Unlock()
	if ok {
		return b
	}
	b = []uint32{}
	k.rs.Bounds(k.dir, k.src, func(r ipset.Range) {
		if r.From.Is4() {
			b = append(b, u32(r.From))
			if next := r.To.Next(); next.Is4() {
				b = append(b, u32(next))
			}
		}
	})
	slices.Sort(b)
	b = slices.Compact(b)
	m.mu.Lock()
	if m.bounds == nil {
		m.bounds = map[setSide][]uint32{}
	}
	m.bounds[k] = b
	m.mu.Unlock()
	return b
}

// rangeClass is where an address falls among the bounds of each level an Effective reads, in
// its order, and whether it puts the evaluation in platform mode: two addresses with one
// rangeClass get the same decision from it.
type rangeClass struct {
	idx      [3]int32
	platform bool
}

// classOf is the rangeClass of a among the bounds of eff's levels in direction dir, on the source
// side when src; false when a is not IPv4.
func (m *Model) classOf(eff *acl.Effective, dir model.Direction, src bool, a netip.Addr) (rangeClass, bool) {
	var c rangeClass
	if !a.Is4() {
		return c, false
	}
	v, i := u32(a), 0
	eff.Levels(dir, func(_ acl.Level, rs *acl.RuleSet) {
		c.idx[i] = -1
		if rs != nil {
			n, _ := slices.BinarySearch(m.boundsOf(setSide{rs, dir, src}), v+1)
			c.idx[i] = int32(n) // bounds at or below v
		}
		i++
	})
	c.platform = !src && acl.PlatformMode(dir, a)
	return c, true
}

// decisions remembers one Effective's decisions in one direction for one fixed end, per
// rangeClass of the other end.
type decisions map[rangeClass]*classDecisions

// classDecisions are the decisions of one rangeClass, per protocol and port (a handful: a linear
// search).
type classDecisions []cellDecision

type cellDecision struct {
	proto model.Protocol
	port  uint16
	res   acl.Result
}

// of is the decisions of class c, made on first use.
func (ds decisions) of(c rangeClass) *classDecisions {
	cd, ok := ds[c]
	if !ok {
		cd = &classDecisions{}
		ds[c] = cd
	}
	return cd
}

// outbound is the source's decision for the flow from s to the destination on proto and port.
func (sh *sharer) outbound(s *model.IPConfig, proto model.Protocol, port uint16) (acl.Result, bool) {
	if sh.srcEff == nil {
		return acl.Result{}, false
	}
	f := acl.Flow{Src: s.PrivateIP, Dst: sh.dst.PrivateIP, Proto: proto, SrcPort: trace.DefaultSourcePort, DstPort: port}
	if sh.srcMemo == nil {
		return sh.srcEff.Evaluate(model.Outbound, f), true
	}
	return sh.srcMemo.remember(sh.srcEff, model.Outbound, f), true
}

// inbound is the destination's decision for the flow from s on proto and port.
func (sh *sharer) inbound(s *model.IPConfig, proto model.Protocol, port uint16) (acl.Result, bool) {
	if sh.dstEff == nil {
		return acl.Result{}, false
	}
	f := acl.Flow{Src: s.PrivateIP, Dst: sh.dst.PrivateIP, Proto: proto, SrcPort: trace.DefaultSourcePort, DstPort: port}
	if sh.dstMemo == nil {
		return sh.dstEff.Evaluate(model.Inbound, f), true
	}
	return sh.dstMemo.remember(sh.dstEff, model.Inbound, f), true
}

// remember is the decision for f's protocol and port, evaluated with eff the first time.
func (cd *classDecisions) remember(eff *acl.Effective, dir model.Direction, f acl.Flow) acl.Result {
	for i := range *cd {
		if c := &(*cd)[i]; c.proto == f.Proto && c.port == f.DstPort {
			return c.res
		}
	}
	r := eff.Evaluate(dir, f)
	*cd = append(*cd, cellDecision{f.Proto, f.DstPort, r})
	return r
}

// classes works out where the pair of source s (job j's) and the destination falls for the
// source's outbound rules (the destination's address) and the destination's inbound ones (the
// source's), once per pair.
func (sh *sharer) classes(j *job, s *model.IPConfig) {
	sh.srcMemo, sh.dstMemo = nil, nil
	if sh.srcEff != nil {
		if c, ok := sh.m.classOf(sh.srcEff, model.Outbound, false, sh.dst.PrivateIP); ok {
			if j.out == nil {
				j.out = decisions{}
			}
			sh.srcMemo = j.out.of(c)
		}
	}
	if sh.dstEff != nil {
		if c, ok := sh.m.classOf(sh.dstEff, model.Inbound, true, s.PrivateIP); ok {
			sh.dstMemo = sh.in.of(c)
		}
	}
}
