package trace

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// maxHops bounds every walk: a leg that crosses more forwarding points than this is a loop.
const maxHops = 32

// packet is the 5-tuple as it travels; translations change it.
type packet struct {
	src, dst     netip.Addr
	proto        model.Protocol
	sport, dport uint16
}

func (p packet) reversed() packet {
	return packet{src: p.dst, dst: p.src, proto: p.proto, sport: p.dport, dport: p.sport}
}

func (p packet) flow() acl.Flow {
	return acl.Flow{Src: p.src, Dst: p.dst, Proto: p.proto, SrcPort: p.sport, DstPort: p.dport}
}

func (p packet) json() *Flow {
	f := &Flow{Destination: addrString(p.dst), SourcePort: p.sport, DestinationPort: p.dport, Protocol: p.proto.String()}
	f.Source = addrString(p.src)
	return f
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// device is a stateful or translating device the forward leg crossed: the return leg must cross
// the same stateful ones (cli.md verdict) and undoes each translation.
// Stateful return path: spec §2.1 [NSG], §5 DECISION [PEFW].
type device struct {
	kind     HopKind
	id       model.ID
	name     string
	stateful bool
	in, out  packet // the packet as the device received it and as it sent it on
	inSet    bool   // out.src is "an instance address" of a firewall (the whole range)
	ipc      *model.IPConfig
	fw       *model.Firewall
	fe       *model.Frontend // load balancer frontend of an LB translation
	step     Step            // the forward's deciding step at the device, repeated on the reply
}

// visit is a forwarding state; seeing one twice on a leg is a loop.
type visit struct {
	at  any
	pkt packet
}

// walker follows one direction of the flow.
type walker struct {
	p     *dataplane.Plane
	ans   *Answer
	leg   *Leg
	pkt   packet
	reply bool
	// srcSet is the instance address range when a firewall sent the packet from "an instance
	// address" (spec §3.1): downstream filtering is evaluated for every address in it.
	srcSet []netip.Addr
	// forwarded is set once an appliance or firewall forwarded the packet (spec §1.3
	// allowForwardedTraffic).
	forwarded bool
	devices   []device // crossed on this leg, in order
	session   []device // reply: the forward leg's devices
	filtered  []any    // *model.IPConfig / *model.PrivateEndpoint / *model.DNSResolverInbound whose NSGs saw this leg
	// sessionFiltered (reply) is the forward leg's filtered list: NSG state exists there.
	sessionFiltered []any
	visits          []visit
	hop             *Hop
	done            bool
	// intermittent is set when some but not all firewall instance addresses were denied.
	intermittent bool
	// pendingFwSNAT is the firewall whose network-rule SNAT to a public IP happens at internet egress.
	pendingFwSNAT *model.Firewall
	// exitGW is the gateway a leg left through to on-premises (the reply enters there).
	exitGW *model.VNetGateway
	// exitConn is the connection it left over; inConn the one a leg enters Azure over (VPN NAT, vpnnat.go).
	exitConn, inConn *model.Connection
	// exitBranch is the Virtual WAN branch a leg left to (vwan.go; the reply enters there).
	exitBranch *model.HubBranch
	// sender is the NIC ip configuration the current leg left from (outbound method, spec §4);
	// senderFW the firewall it left from; both nil after a gateway.
	sender   *model.IPConfig
	senderFW *model.Firewall
	// final is what a Delivered leg reached: *model.IPConfig, *model.PrivateEndpoint,
	// *model.Firewall (DNS proxy), *model.VNetGateway, *model.DNSResolverInbound or platformFinal.
	final any
	// origin is where the forward flow started (the reply's destination).
	origin endpoint
	// crossRegion: a connected group delivers the packet from a member in another region
	// (atNetApp; a peering says so itself, model.Peering.Global).
	crossRegion bool
}

func newWalker(p *dataplane.Plane, a *Answer, pkt packet, reply bool) *walker {
	if a.arena != nil {
		return a.arena.walker(p, a, pkt, reply)
	}
	return &walker{p: p, ans: a, leg: &Leg{Hops: []*Hop{}}, pkt: pkt, reply: reply}
}

// addHop opens a new hop; later steps are recorded on it.
func (w *walker) addHop(kind HopKind, name string, id model.ID, addr netip.Addr) *Hop {
	var h *Hop
	if ar := w.ans.arena; ar != nil {
		h = ar.hop()
	} else {
		h = &Hop{Steps: []Step{}}
	}
	h.Kind, h.Name, h.ResourceID, h.Address = kind, name, string(id), addrString(addr)
	w.leg.Hops = append(w.leg.Hops, h)
	w.hop = h
	return h
}

func (w *walker) nicHop(c *model.IPConfig, kind HopKind) *Hop {
	h := w.addHop(kind, c.NIC.Name, c.NIC.ID, c.PrivateIP)
	h.VM = c.NIC.VMName
	return h
}

func (w *walker) step(kind StepKind, res Result, id model.ID, rule, detail string, args ...any) {
	if w.hop == nil {
		w.addHop(HopInternet, "internet", "", netip.Addr{})
	}
	if w.ans.brief {
		detail = "" // a brief answer keeps the decisions, not their wording
	} else if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	w.hop.Steps = append(w.hop.Steps, Step{Step: kind, Result: res, ResourceID: string(id), Rule: rule, Detail: detail})
}

// end closes the leg with a disposition; cause is empty unless the leg was dropped.
func (w *walker) end(d Disposition, cause DropCause) {
	if w.done {
		return
	}
	w.done = true
	w.leg.Disposition, w.leg.DropCause = d, cause
	w.leg.Deciding = w.deciding(d)
	if w.leg.Deciding == nil {
		w.leg.Deciding = w.fallbackDeciding(d, cause)
	}
	if d != Dropped && d != Loop && d != UnknownD {
		w.leg.FlowAtDestination = w.pkt.json()
	}
}

// drop records a denying step and ends the leg.
// A leg that ends for want of information is Unknown, not Dropped: what the snapshot lacks
// could let the packet through (cli.md "Every command": input integrity).
func (w *walker) drop(cause DropCause, kind StepKind, id model.ID, rule, detail string, args ...any) {
	if cause == InsufficientInformation {
		w.step(kind, NoMatch, id, rule, detail, args...)
		w.end(UnknownD, cause)
		return
	}
	w.step(kind, Denied, id, rule, detail, args...)
	w.end(Dropped, cause)
}

// deciding is the last Denied step for a drop; otherwise the last security rule that allowed
// the flow (NSG, admin, firewall or load balancer rule), else the last step that names a rule
// (a route): cli.md "the allowing rule or route otherwise".
func (w *walker) deciding(d Disposition) *Deciding {
	allowing := func(s Step) bool { return s.Rule != "" && s.Result != Denied && s.Result != NoMatch }
	switch {
	case d == Loop:
		return w.lastStep(func(s Step) bool { return s.Step == StepRoute && s.Result == Matched })
	case d == Dropped || d == UnknownD || w.intermittent:
		return w.lastStep(func(s Step) bool { return s.Result == Denied || s.Result == NoMatch })
	}
	if dec := w.lastStep(func(s Step) bool { return allowing(s) && securityStep(s.Step) }); dec != nil {
		return dec
	}
	return w.lastStep(allowing)
}

// securityStep reports whether a step kind is a filtering decision rather than forwarding.
func securityStep(k StepKind) bool {
	switch k {
	case StepNsgInbound, StepNsgOutbound, StepAdminRule, StepFirewallDnat, StepFirewallNet, StepFirewallApp, StepLBRule:
		return true
	}
	return false
}

// lastStep returns the last step of the leg that want accepts, as a Deciding.
func (w *walker) lastStep(want func(Step) bool) *Deciding {
	for i := len(w.leg.Hops) - 1; i >= 0; i-- {
		steps := w.leg.Hops[i].Steps
		for j := len(steps) - 1; j >= 0; j-- {
			if want(steps[j]) {
				return &Deciding{Step: steps[j].Step, ResourceID: steps[j].ResourceID, Rule: steps[j].Rule}
			}
		}
	}
	return nil
}

// fallbackDeciding names the deciding step of a leg whose steps name no rule (a reply a
// translator hands back, a platform service's answer): cli.md wants one on every leg, so it is
// the last step that matches the disposition, or a Platform step recorded for the purpose.
func (w *walker) fallbackDeciding(d Disposition, cause DropCause) *Deciding {
	failed := d == Dropped || d == Loop || d == UnknownD
	for i := len(w.leg.Hops) - 1; i >= 0; i-- {
		steps := w.leg.Hops[i].Steps
		for j := len(steps) - 1; j >= 0; j-- {
			if s := steps[j]; (s.Result == Denied || s.Result == NoMatch) == failed {
				return &Deciding{Step: s.Step, ResourceID: s.ResourceID, Rule: s.Rule}
			}
		}
	}
	res := Allowed
	if failed {
		res = Denied
	}
	w.step(StepPlatform, res, "", "", "the leg ends here: %s", strings.TrimSuffix(string(d)+"/"+string(cause), "/"))
	return &Deciding{Step: StepPlatform}
}

// enter counts a forwarding point and detects loops; false means the leg has ended.
func (w *walker) enter(at any) bool {
	if w.done {
		return false
	}
	for _, v := range w.visits {
		if v.at == at && v.pkt == w.pkt {
			w.step(StepPlatform, Denied, "", "", "the packet returns to a place it already passed with the same addresses: a routing loop")
			w.end(Loop, "")
			return false
		}
	}
	w.visits = append(w.visits, visit{at: at, pkt: w.pkt})
	if len(w.visits) > maxHops {
		w.step(StepPlatform, Denied, "", "", "the walk exceeded %d forwarding points: treated as a loop", maxHops)
		w.end(Loop, "")
		return false
	}
	return true
}

// assume records an assumption once.
func (w *walker) assume(format string, args ...any) { w.ans.assume(format, args...) }

// choice is the query's value of a contested behaviour; the answer records that it was used.
func (w *walker) choice(n assume.Name) assume.Set {
	w.ans.consumed |= 1 << n
	return w.ans.Query.Assume
}

func (a *Answer) assume(format string, args ...any) {
	if a.brief {
		return
	}
	s := fmt.Sprintf(format, args...)
	for _, x := range a.Assumptions {
		if x == s {
			return
		}
	}
	a.Assumptions = append(a.Assumptions, s)
}

// finding records a finding once per code and message.
func (a *Answer) finding(code Code, severity, msg string, ids ...model.ID) {
	for _, f := range a.Findings {
		if f.Code == code && f.Message == msg {
			return
		}
	}
	f := Finding{Code: code, Severity: severity, Message: msg, Resources: []string{}}
	for _, id := range ids {
		if id != "" {
			f.Resources = append(f.Resources, string(id))
		}
	}
	a.Findings = append(a.Findings, f)
}
