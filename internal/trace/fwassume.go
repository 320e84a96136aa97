package trace

import (
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"weak"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// The two contested Azure Firewall behaviours of azure-semantics.md §1.8 item 8.
//
// dnat-inherited=no|yes: Firewall Manager's policy overview [FWM] says NAT rule collections are
// not inherited from a parent policy; the rule-processing article [FWRP] processes the parent's
// DNAT collections first in its own example. The plane compiles the first reading; under yes a
// second engine, compiled once per plane engine, puts the parent chain's collections of every
// type first (root first), as flatten does for network and application collections.
//
// fw-reverse-deny=ignored|breaks: [FWRP] "Three-way handshake behavior" (by design, azure-docs
// #108048): an explicit deny rule for the reverse direction interrupts the handshake of a flow
// an allow rule admits; a later support-blog edit dropped that warning. Under breaks a reply the
// firewall's network rules explicitly deny as a new flow is dropped.

// FirewallEngine is fw's compiled rule set under as's dnat-inherited choice: the plane's engine,
// or, under yes for a policy whose parents hold NAT collections, one that applies them. Checks
// that list or evaluate DNAT rules use it so that they agree with trace.
func FirewallEngine(p *dataplane.Plane, fw *model.Firewall, as assume.Set) *firewall.Engine {
	e := p.Firewalls[fw]
	if e == nil || as.Default(assume.DNATInherited) || !inheritsNAT(fw) {
		return e
	}
	return inheritedEngine(e).e
}

// FirewallEngineAll is fw's engine holding every rule it applies under either dnat-inherited
// choice: the yes reading's (compileInherited adds the parents' NAT collections to the rules of
// the plane's engine), the plane's where no parent holds NAT collections. What serves queries
// under either choice (reach's classes, diff's scope) reads its rules; their order is yes's.
func FirewallEngineAll(p *dataplane.Plane, fw *model.Firewall) *firewall.Engine {
	return FirewallEngine(p, fw, assume.Set{}.Flip(assume.DNATInherited))
}

// evaluate decides a new flow at fw under the query's dnat-inherited choice. The switch is
// consulted only for a packet addressed to the firewall itself (the only packets DNAT
// translates) when a parent policy holds NAT collections.
func (w *walker) evaluate(fw *model.Firewall, e *firewall.Engine, pkt firewall.Packet) firewall.Result {
	if !inheritsNAT(fw) || !isFirewallAddr(fw, pkt.Dst) || w.choice(assume.DNATInherited).Default(assume.DNATInherited) {
		return e.Evaluate(pkt)
	}
	ie := inheritedEngine(e)
	res := ie.e.Evaluate(pkt)
	if r, ok := ie.fix[res.Rule]; ok {
		res.Rule, res.Holder = r, r.Holder
	}
	if len(res.Candidates) > 0 {
		cs := slices.Clone(res.Candidates)
		for i, c := range cs {
			if r, ok := ie.fix[c]; ok {
				cs[i] = r
			}
		}
		res.Candidates = cs
	}
	return res
}

// inheritsNAT reports whether fw's policy has a parent (or further ancestor) with a NAT rule
// collection: the case the two readings of dnat-inherited disagree on.
func inheritsNAT(fw *model.Firewall) bool {
	if fw.Policy == nil {
		return false
	}
	seen := 0
	for p := fw.Policy.Base; p != nil && seen < 64; p, seen = p.Base, seen+1 {
		for _, g := range p.Groups {
			if g == nil {
				continue
			}
			for _, rc := range g.Collections {
				if rc != nil && rc.Kind == model.NATRules {
					return true
				}
			}
		}
	}
	return false
}

// isFirewallAddr: DNAT targets a firewall public IP, or its private IP for private DNAT (spec §3.2 step 1).
func isFirewallAddr(fw *model.Firewall, a netip.Addr) bool {
	if a == fw.PrivateIP || slices.Contains(fw.HubPublicAddresses, a) {
		return true
	}
	for _, p := range fw.PublicIPs {
		if p != nil && p.Address == a {
			return true
		}
	}
	return false
}

// natEngine is an engine whose policy applies its parents' NAT collections, with the RuleInfo of
// each inherited rule corrected to name the parent policy that holds it.
type natEngine struct {
	e   *firewall.Engine
	fix map[*firewall.RuleInfo]*firewall.RuleInfo
}

var natEngines struct {
	sync.Mutex
	m map[weak.Pointer[firewall.Engine]]*natEngine
}

// inheritedEngine compiles (once per plane engine; the entry goes when that engine does) the
// dnat-inherited=yes reading of e's firewall.
func inheritedEngine(e *firewall.Engine) *natEngine {
	key := weak.Make(e)
	natEngines.Lock()
	defer natEngines.Unlock()
	if ne, ok := natEngines.m[key]; ok {
		return ne
	}
	if natEngines.m == nil {
		natEngines.m = map[weak.Pointer[firewall.Engine]]*natEngine{}
	}
	ne := compileInherited(e.Firewall())
	natEngines.m[key] = ne
	runtime.AddCleanup(e, func(k weak.Pointer[firewall.Engine]) {
		natEngines.Lock()
		delete(natEngines.m, k)
		natEngines.Unlock()
	}, key)
	return ne
}

// compileInherited flattens fw's basePolicy chain into one policy whose ancestors' groups come
// first, root first (group priorities shifted below every real one), and compiles it. The
// warnings are the plane's own, already reported.
func compileInherited(fw *model.Firewall) *natEngine {
	var chain []*model.FirewallPolicy
	for p := fw.Policy; p != nil && !slices.Contains(chain, p); p = p.Base {
		chain = append(chain, p)
	}
	slices.Reverse(chain)
	child := *fw.Policy
	child.Base = nil
	child.Groups = nil
	owner := map[*model.FirewallRule]model.ID{}
	for i, p := range chain[:len(chain)-1] {
		for _, g := range p.Groups {
			if g == nil {
				continue
			}
			g2 := *g
			g2.Priority = g.Priority - (len(chain)-i)*1_000_000
			child.Groups = append(child.Groups, &g2)
			for _, rc := range g.Collections {
				if rc == nil {
					continue
				}
				for _, r := range rc.Rules {
					owner[r] = p.ID
				}
			}
		}
	}
	child.Groups = append(child.Groups, fw.Policy.Groups...)
	f2 := *fw
	f2.Policy = &child
	e, _ := firewall.Compile(&f2, nil)
	ne := &natEngine{e: e, fix: map[*firewall.RuleInfo]*firewall.RuleInfo{}}
	for k := model.NATRules; k <= model.ApplicationRules; k++ {
		for _, ri := range e.Rules(k) {
			if id, ok := owner[ri.Rule]; ok {
				c := *ri
				c.Holder, c.Inherited = id, true
				ne.fix[ri] = &c
			}
		}
	}
	return ne
}

// reverseDenied applies fw-reverse-deny to a reply at fw. want is the reply between the real
// endpoints: from the server (after DNAT) to the client (before SNAT), as a rule for "the
// reverse direction" names them. When a network rule explicitly denies it as a new flow, the
// switch decides whether the session survives. False means the leg has ended.
func (w *walker) reverseDenied(fw *model.Firewall, want packet) bool {
	e := w.p.Firewalls[fw]
	if e == nil {
		return true
	}
	res := e.Evaluate(firewall.Packet{Src: want.src, Dst: want.dst, Proto: want.proto, SrcPort: want.sport, DstPort: want.dport})
	if res.Kind != firewall.KindNetwork || res.Action != model.FwDeny {
		return true
	}
	if w.choice(assume.FwReverseDeny).Default(assume.FwReverseDeny) {
		w.step(StepFirewallNet, Allowed, res.Holder, res.RuleID, "network rule %s denies %s as a new flow, but the firewall "+
			"keeps the session's replies (--assume fw-reverse-deny=ignored; spec §1.8 item 8)", res.RuleID, flowText(want))
		return true
	}
	w.drop(FirewallDenied, StepFirewallNet, res.Holder, res.RuleID, "network rule %s explicitly denies the reverse direction "+
		"%s: it interrupts the session's handshake (--assume fw-reverse-deny=breaks; [FWRP] \"Three-way handshake behavior\")",
		res.RuleID, flowText(want))
	return false
}
