package reach

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Remembering NSG decisions per address range. Asked who reaches one destination, then the
// next, a source's outbound rules meet the destinations in a few ranges again and again, and
// the destination's inbound rules meet the sources in a few ranges (and alike, asked what one
// source reaches, then the next): acl.RuleSet.Bounds cuts the other end's addresses into ranges
// that every level decides alike, so each decision is evaluated once per range, protocol and
// port and looked up after. A varying NIC's decisions (outbound as the source, inbound as the
// destination) are kept with its job across every fixed endpoint of a run (one worker holds a
// job at a time); the fixed endpoint's with each worker's sharer.

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

// effCuts are the bounds of each level an Effective reads in one direction on one side, in its
// order (nil for a level without rules).
type effCuts struct {
	levels [3][]uint32
	rules  [3]bool
	n      int
	// platform: outbound (the destination side), where PlatformMode tells addresses apart too.
	// Sharers never key a platform destination, but the cuts do not rely on that.
	platform bool
}

// cutsOf is eff's effCuts in direction dir, on the side of the other end: the destination's
// outbound, the source's inbound.
func (m *Model) cutsOf(eff *acl.Effective, dir model.Direction) *effCuts {
	src := dir == model.Inbound
	c := &effCuts{platform: dir == model.Outbound}
	eff.Levels(dir, func(_ acl.Level, rs *acl.RuleSet) {
		if rs != nil {
			c.levels[c.n], c.rules[c.n] = m.boundsOf(setSide{rs, dir, src}), true
		}
		c.n++
	})
	return c
}

// classOf is a's rangeClass; false when a is not IPv4.
func (c *effCuts) classOf(a netip.Addr) (rangeClass, bool) {
	var rc rangeClass
	if !a.Is4() {
		return rc, false
	}
	v := u32(a)
	for i := range c.n {
		rc.idx[i] = -1
		if c.rules[i] {
			rc.idx[i] = rank(c.levels[i], v)
		}
	}
	rc.platform = c.platform && acl.PlatformMode(model.Outbound, a)
	return rc, true
}

// rank is how many of the sorted, distinct bounds are at or below v: which of the ranges they cut
// v falls in.
func rank(bounds []uint32, v uint32) int32 {
	n, found := slices.BinarySearch(bounds, v)
	if found {
		n++
	}
	return int32(n)
}

// checkMemo, set by a test, makes every remembered decision again where it is looked up and
// panics when the two differ: a wrong cut would otherwise hide wherever the wrong decision
// happens to key alike.
var checkMemo bool

// decisions remembers one Effective's decisions in one direction for one fixed end, per
// rangeClass of the other end.
type decisions map[rangeClass]*classDecisions

// classDecisions are the decisions of one rangeClass, per protocol and port (a handful: a linear
// search).
type classDecisions []cellDecision

type cellDecision struct {
	proto model.Protocol
	port  uint16
	res   *acl.Result
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

// outbound is the source's decision for the pair's flow on proto and port.
func (sh *sharer) outbound(proto model.Protocol, port uint16) (*acl.Result, bool) {
	return sh.decide(sh.srcEff, sh.srcMemo, model.Outbound, proto, port)
}

// inbound is the destination's decision for the pair's flow on proto and port.
func (sh *sharer) inbound(proto model.Protocol, port uint16) (*acl.Result, bool) {
	return sh.decide(sh.dstEff, sh.dstMemo, model.Inbound, proto, port)
}

// decide is eff's decision in direction dir for the pair's flow on proto and port, looked up in
// memo (nil: not remembered); false when there are no rules to read.
func (sh *sharer) decide(eff *acl.Effective, memo *classDecisions, dir model.Direction, proto model.Protocol, port uint16) (*acl.Result, bool) {
	if eff == nil {
		return nil, false
	}
	f := acl.Flow{Src: sh.src.PrivateIP, Dst: sh.dst.PrivateIP, Proto: proto, SrcPort: trace.DefaultSourcePort, DstPort: port}
	if memo == nil {
		r := eff.Evaluate(dir, f)
		return &r, true
	}
	return memo.remember(eff, dir, f), true
}

// remember is the decision for f's protocol and port, evaluated with eff the first time.
// The result is shared: callers must not modify it.
func (cd *classDecisions) remember(eff *acl.Effective, dir model.Direction, f acl.Flow) *acl.Result {
	for i := range *cd {
		if c := (*cd)[i]; c.proto == f.Proto && c.port == f.DstPort {
			if checkMemo && eff.Evaluate(dir, f) != *c.res {
				panic(fmt.Sprintf("reach: remembered %v decision for %+v is not what the rules decide", dir, f))
			}
			return c.res
		}
	}
	r := eff.Evaluate(dir, f)
	*cd = append(*cd, cellDecision{f.Proto, f.DstPort, &r})
	return &r
}

// pickRuleMemos works out where the pair (job j's NIC and the fixed endpoint) falls for the
// source's outbound rules (the destination's address) and the destination's inbound ones (the
// source's), once per pair.
func (sh *sharer) pickRuleMemos(j *job) {
	v, f, vdir, fdir := sh.src, sh.dst, model.Outbound, model.Inbound
	if !sh.toFixed {
		v, f, vdir, fdir = sh.dst, sh.src, model.Inbound, model.Outbound
	}
	var vm, fm *classDecisions
	if j.eff != nil {
		if j.cuts == nil {
			j.cuts, j.decided = sh.m.cutsOf(j.eff, vdir), decisions{}
		}
		if c, ok := j.cuts.classOf(f.PrivateIP); ok {
			vm = j.decided.of(c)
		}
	}
	if sh.fixedEff != nil {
		if sh.fixedCuts == nil {
			sh.fixedCuts = sh.m.cutsOf(sh.fixedEff, fdir)
		}
		if c, ok := sh.fixedCuts.classOf(v.PrivateIP); ok {
			fm = sh.fixedMemo.of(c)
		}
	}
	sh.srcMemo, sh.dstMemo = vm, fm
	if !sh.toFixed {
		sh.srcMemo, sh.dstMemo = fm, vm
	}
}

// Firewall verdicts are remembered the same way, per fixed endpoint: a firewall's rules cut the
// addresses into few ranges (firewall.Engine.Bounds; 24 bounds on the 10,000-NIC estate).
// (A verdict's assumptions, which may read the destination address, are not part of a key.)

// fwPair is one firewall and where a packet's source and destination fall among its bounds.
type fwPair struct {
	fw       *model.Firewall
	src, dst int32
}

// fwCells are the verdicts remembered for one fwPair, per protocol and ports (a handful: a linear
// search).
type fwCells []*fwVerdict

// fwVerdict is a remembered firewall verdict, and its terminal key's candidates once asked.
type fwVerdict struct {
	proto            model.Protocol
	srcPort, dstPort uint16
	res              firewall.Result
	cands            *string
}

// pickFirewallMemos finds the remembered verdicts of the pair's packets at each firewall on its way:
// sh.fwOn[i] holds those of fws[i], forward and back (nil where not remembered).
func (sh *sharer) pickFirewallMemos(fws []*model.Firewall) {
	sh.fwOn = [2][2]*fwCells{}
	a, b := sh.src.PrivateIP, sh.dst.PrivateIP
	if !a.Is4() || !b.Is4() {
		return
	}
	for i, fw := range fws[:min(len(fws), 2)] {
		cuts, ok := sh.fwCuts[fw]
		if !ok {
			cuts = sh.m.firewallCuts(fw, sh.m.p.Firewalls[fw])
			sh.fwCuts[fw] = cuts
		}
		x, y := rank(cuts, u32(a)), rank(cuts, u32(b))
		sh.fwOn[i] = [2]*fwCells{sh.fwSeen.of(fwPair{fw, x, y}), sh.fwSeen.of(fwPair{fw, y, x})}
	}
}

type fwMemo map[fwPair]*fwCells

func (m fwMemo) of(k fwPair) *fwCells {
	c, ok := m[k]
	if !ok {
		c = &fwCells{}
		m[k] = c
	}
	return c
}

// firewall is fw's verdict on p (fw has an engine: routes checked it), looked up in cs (p's
// fwPair's remembered verdicts, nil when not remembered) and evaluated the first time.
func (sh *sharer) firewall(fw *model.Firewall, cs *fwCells, p firewall.Packet) *fwVerdict {
	if cs == nil {
		return &fwVerdict{res: sh.m.p.Firewalls[fw].Evaluate(p)}
	}
	for _, v := range *cs {
		if v.proto == p.Proto && v.srcPort == p.SrcPort && v.dstPort == p.DstPort {
			if checkMemo && !sameVerdict(sh.m.p.Firewalls[fw].Evaluate(p), v.res) {
				panic(fmt.Sprintf("reach: remembered verdict of %s for %+v is not what its rules decide", fw.Name, p))
			}
			return v
		}
	}
	v := &fwVerdict{proto: p.Proto, srcPort: p.SrcPort, dstPort: p.DstPort, res: sh.m.p.Firewalls[fw].Evaluate(p)}
	*cs = append(*cs, v)
	return v
}

// sameVerdict reports whether a and b agree on all a key or a terminal reads.
func sameVerdict(a, b firewall.Result) bool {
	return a.Kind == b.Kind && a.Action == b.Action && a.Rule == b.Rule && a.SNAT == b.SNAT && a.Holder == b.Holder &&
		slices.Equal(a.Candidates, b.Candidates)
}

// candidates is an unknown verdict's candidates as terminal keys hold them.
func (v *fwVerdict) candidates(t *terminals) string {
	if v.cands == nil {
		c := t.candidates(v.res.Holder, v.res.Candidates)
		v.cands = &c
	}
	return *v.cands
}

// firewallCuts is the sorted IPv4 bounds of e (firewall.Engine.Bounds), worked out once per model.
func (m *Model) firewallCuts(fw *model.Firewall, e *firewall.Engine) []uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.fwCuts[fw]; ok {
		return b
	}
	b := []uint32{}
	e.Bounds(func(a netip.Addr) {
		if a.Is4() {
			b = append(b, u32(a))
		}
	})
	slices.Sort(b)
	b = slices.Compact(b)
	if m.fwCuts == nil {
		m.fwCuts = map[*model.Firewall][]uint32{}
	}
	m.fwCuts[fw] = b
	return b
}
