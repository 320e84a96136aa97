package trace

import (
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Run traces q through p, forward and back. The error is a *model.NotFoundError or
// *model.AmbiguousError when an endpoint does not resolve; every network outcome, however
// broken, is an Answer.
func Run(p *dataplane.Plane, q Query) (*Answer, error) { return runTrace(p, q, false, nil, nil) }

// RunMapped is Run with every inbound NAT rule over a backend pool mapping the flow to member.
// Azure gives each member of such a rule one frontend port of its range and keeps which
// (learn.microsoft.com/azure/load-balancer/inbound-nat-rules); a snapshot does not hold that
// mapping, so Run answers Unknown where the member matters. A caller that asks about each member
// in turn (check's management ports) names it.
func RunMapped(p *dataplane.Plane, q Query, member *model.IPConfig) (*Answer, error) {
	return runTrace(p, q, false, nil, member)
}

// RunBrief is Run for callers that read only the verdict, dispositions, hops and findings
// (checks tracing many pairs): steps keep their kind, result, resource and rule but no detail
// text, and assumptions are not collected. The walk and every decision are Run's.
func RunBrief(p *dataplane.Plane, q Query) (*Answer, error) { return runTrace(p, q, true, nil, nil) }

// Tracer walks brief traces (RunBrief) one after another, reusing the storage of its last
// answer: an answer, its legs, hops and steps are valid only until the next Run. The deciding
// steps (Leg.Deciding) are the answer's own and stay valid. For callers that trace millions
// of packets and keep a verdict and a deciding step from each (reach): allocating every hop
// and step anew was most of what they allocated. Not safe for concurrent use.
type Tracer struct {
	p     *dataplane.Plane
	arena arena
}

// NewTracer returns a Tracer over p.
func NewTracer(p *dataplane.Plane) *Tracer {
	return &Tracer{p: p, arena: arena{resolved: map[endRef]resolved{}}}
}

// Run is RunBrief(p, q), in storage reused from the last Run.
func (t *Tracer) Run(q Query) (*Answer, error) { return runTrace(t.p, q, true, &t.arena, nil) }

// arena is the storage a Tracer reuses: its answer, both walkers and legs, and hops whose step
// slices keep their capacity.
type arena struct {
	ans     Answer
	walkers [2]walker
	legs    [2]Leg
	hops    []*Hop
	used    int // hops handed out for the current answer
	// resolved remembers how references resolved (a function of the plane alone): a Tracer's
	// caller asks about one endpoint, or one address, many times over.
	resolved map[endRef]resolved
}

// endRef is a reference as the source or the destination.
type endRef struct {
	ref    string
	source bool
}

// resolved is how a reference resolved.
type resolved struct {
	e   endpoint
	err error
}

// resolve is resolveEnd, remembered when ar is not nil.
func (ar *arena) resolve(p *dataplane.Plane, ref string, source bool) (endpoint, error) {
	if ar == nil {
		return resolveEnd(p, ref, source)
	}
	k := endRef{ref, source}
	r, ok := ar.resolved[k]
	if !ok {
		r.e, r.err = resolveEnd(p, ref, source)
		ar.resolved[k] = r
	}
	return r.e, r.err
}

// resolveEnd resolves ref as the source (resolveSource) or as the destination.
func resolveEnd(p *dataplane.Plane, ref string, source bool) (endpoint, error) {
	if source {
		return resolveSource(p, ref)
	}
	return resolve(p, ref, false)
}

// answer is the arena's answer, emptied for q.
func (ar *arena) answer(q Query) *Answer {
	ar.used = 0
	findings, assumptions := ar.ans.Findings[:0], ar.ans.Assumptions[:0]
	if findings == nil {
		findings, assumptions = []Finding{}, []string{}
	}
	ar.ans = Answer{Query: q, Findings: findings, Assumptions: assumptions, brief: true, arena: ar}
	return &ar.ans
}

// walker is the arena's forward (reply false) or reply walker and leg, emptied; the slices a
// walk appends to keep their capacity.
func (ar *arena) walker(p *dataplane.Plane, a *Answer, pkt packet, reply bool) *walker {
	i := 0
	if reply {
		i = 1
	}
	w, l := &ar.walkers[i], &ar.legs[i]
	*l = Leg{Hops: l.Hops[:0]}
	if l.Hops == nil {
		l.Hops = []*Hop{}
	}
	*w = walker{p: p, ans: a, leg: l, pkt: pkt, reply: reply,
		visits: w.visits[:0], devices: w.devices[:0], filtered: w.filtered[:0]}
	return w
}

// hop is an emptied hop of the arena.
func (ar *arena) hop() *Hop {
	if ar.used == len(ar.hops) {
		ar.hops = append(ar.hops, &Hop{Steps: []Step{}})
	}
	h := ar.hops[ar.used]
	ar.used++
	*h = Hop{Steps: h.Steps[:0]}
	return h
}

// Resolves returns the error Run would return for ref as the source (from) or the
// destination, without walking: nil when trace starts (or ends) a flow there. Callers asking
// about many flows with one end in common (reach) learn which ends trace rejects before
// making room for their answers.
func Resolves(p *dataplane.Plane, ref string, from bool) error {
	_, err := resolveEnd(p, ref, from)
	return err
}

func runTrace(p *dataplane.Plane, q Query, brief bool, ar *arena, member *model.IPConfig) (*Answer, error) {
	q = q.normalized()
	src, err := ar.resolve(p, q.From, true)
	if err != nil {
		return nil, err
	}
	dst, err := ar.resolve(p, q.To, false)
	if err != nil {
		return nil, err
	}
	var a *Answer
	if ar != nil {
		a = ar.answer(q)
	} else {
		a = &Answer{Query: q, Findings: []Finding{}, Assumptions: []string{}, brief: brief}
	}
	a.member = member
	pkt := packet{src: src.addr, dst: dst.addr, proto: q.Protocol, sport: q.SourcePort, dport: q.DestinationPort}
	fw := newWalker(p, a, pkt, false)
	fw.origin = src
	fw.start(src)
	a.Forward = fw.leg
	var rw *walker
	if fw.reached() {
		rw = newWalker(p, a, fw.pkt.reversed(), true)
		rw.origin, rw.session, rw.sessionFiltered = src, fw.devices, fw.filtered
		if len(fw.srcSet) > 0 {
			rw.pkt.dst = fw.srcSet[0]
		}
		rw.startReply(fw)
		a.Return = rw.leg
	}
	a.Verdict = a.verdict(fw, rw)
	if !brief {
		a.Assumed = assumed(p, q, a, member)
	}
	// The walk meets assumptions in the order of the rules and resources it reads, which is the
	// snapshot's order; sorted, the answer does not depend on how the snapshot was written (issue 10).
	slices.Sort(a.Assumptions)
	return a, nil
}

// assumed lists the contested behaviours the walk consulted, each with whether the other value
// changes the verdict (walked again, briefly, with it flipped).
func assumed(p *dataplane.Plane, q Query, a *Answer, member *model.IPConfig) []Assumed {
	var out []Assumed
	for _, n := range assume.Names() {
		if a.consumed&(1<<n) == 0 {
			continue
		}
		flipped := q
		flipped.Assume = q.Assume.Flip(n)
		other, err := runTrace(p, flipped, true, nil, member)
		out = append(out, Assumed{Name: n.String(), Value: q.Assume.Value(n), Decided: err == nil && other.Verdict != a.Verdict})
	}
	return out
}

// resolveSource resolves --from; an owned public IP stands for what holds it.
func resolveSource(p *dataplane.Plane, ref string) (endpoint, error) {
	e, err := resolve(p, ref, true)
	if err != nil || e.kind != epInternet {
		return e, err
	}
	if pip, ok := p.Net.PublicIPByAddr(e.addr); ok {
		if h, ok := publicHolder(p, pip); ok {
			return h, nil
		}
	}
	return e, nil
}

// reached reports whether the leg got where it was going.
func (w *walker) reached() bool {
	switch w.leg.Disposition {
	case Delivered, ExitedToInternet, ExitedToOnPremises, ExitedToAzureService:
		return true
	}
	return false
}

// start begins the forward leg at its source.
func (w *walker) start(src endpoint) {
	if w.platformBlocked(src) {
		return
	}
	switch src.kind {
	case epNIC:
		w.fromNIC(src.ipc)
	case epFirewall:
		w.fromFirewall(src.fw)
	case epInternet:
		w.addHop(HopInternet, "internet", "", src.addr)
		w.step(StepRoute, Matched, "", "", "from the internet to %s", w.pkt.dst)
		w.atPublicIP()
	case epOnPrem:
		if src.branch != nil { // a Virtual WAN branch (vwan.go)
			w.fromBranch(src.branch)
			break
		}
		if src.onPrem.Local == nil { // learned over BGP, no local network gateway (routeserver.go)
			w.fromLearned(src.onPrem)
			break
		}
		w.fromOnPrem(src.onPrem)
	case epPrivateEndpoint:
		w.addHop(HopPrivateEndpoint, src.pe.Name, src.pe.ID, src.addr)
		// The expected outcome, not a fault: spec §5 "Clients initiate; the endpoint never does".
		w.drop(PlatformBlocked, StepPlatform, src.pe.ID, "", "private endpoint %s only answers: clients initiate; the endpoint never does "+
			"(spec §5), so this flow cannot start here; trace from a client instead (--to %s)", src.pe.Name, src.pe.Name)
	default:
		w.addHop(HopLoadBalancer, "", "", src.addr)
		w.drop(InsufficientInformation, StepPlatform, "", "", "%s does not originate traffic; trace from a VM, firewall, internet or on-premises address", src.addr)
	}
}

// fromNIC starts at a VM's NIC: outbound filtering, then its subnet's routes (spec §2.1).
func (w *walker) fromNIC(c *model.IPConfig) {
	w.nicHop(c, HopNIC)
	if c.Subnet == nil {
		w.drop(InsufficientInformation, StepPlatform, c.NIC.ID, "", "NIC %s has no subnet in the snapshot", c.NIC.Name)
		return
	}
	if w.platformDestination(c) {
		return
	}
	if !w.filter(c, w.p.ACL.ForIPConfig(c), model.Outbound) {
		return
	}
	w.sender = c
	w.leave(c.Subnet, c, false)
}

// fromFirewall traces what the firewall itself sends: from its instance addresses (spec §3.1).
func (w *walker) fromFirewall(fw *model.Firewall) {
	w.addHop(HopFirewall, fw.Name, fw.ID, fw.PrivateIP)
	if fw.Subnet == nil {
		w.drop(InsufficientInformation, StepPlatform, fw.ID, "", "firewall %s has no AzureFirewallSubnet in the snapshot", fw.Name)
		return
	}
	inst := w.p.Index.Instances[fw]
	if len(inst) > 0 {
		w.pkt.src, w.srcSet = inst[0], inst
		w.step(StepSnat, Translated, fw.ID, "", "the firewall sends from any of its %d instance addresses (%s … %s), not its frontend %s (spec §3.1)",
			len(inst), inst[0], inst[len(inst)-1], fw.PrivateIP)
	}
	w.senderFW = fw
	w.leave(fw.Subnet, fw, false)
}

// fromOnPrem enters Azure at the virtual network gateway; GatewaySubnet's routes apply.
// Inbound from on-premises: GatewaySubnet's UDRs apply (learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#gwsub).
func (w *walker) fromOnPrem(o dataplane.OnPremPrefix) {
	w.addHop(HopOnPremises, o.Local.Name, o.Local.ID, w.pkt.src)
	gw := o.Gateway
	if gw == nil {
		w.drop(NoInboundPath, StepPlatform, o.Local.ID, "", "local network gateway %s has no connection to a gateway in the snapshot", o.Local.Name)
		return
	}
	w.step(StepRoute, Matched, o.Local.ID, "", "%s is inside %s of local network gateway %s", w.pkt.src, o.Prefix, o.Local.Name)
	w.inConn = onPremConnection(o) // VPN NAT (vpnnat.go)
	w.gatewayIngress(gw)
}

// gatewayIngress routes a packet arriving from on-premises with GatewaySubnet's table.
func (w *walker) gatewayIngress(gw *model.VNetGateway) {
	w.addHop(HopVNetGateway, gw.Name, gw.ID, first(gw.PrivateIPs))
	if !w.gatewayWorks(gw) || !w.natIngress(w.inConn) {
		return
	}
	w.selectorsAssumed(w.inConn)
	s := gatewaySubnet(gw)
	if s == nil {
		w.drop(InsufficientInformation, StepRoute, gw.ID, "", "gateway %s has no GatewaySubnet in the snapshot", gw.Name)
		return
	}
	w.sender, w.senderFW = nil, nil
	w.leave(s, gw, false)
}

func gatewaySubnet(gw *model.VNetGateway) *model.Subnet {
	if gw.Subnet != nil {
		return gw.Subnet
	}
	return gw.VNet.SubnetNamed(model.GatewaySubnetName)
}

func first(as []netip.Addr) netip.Addr {
	if len(as) > 0 {
		return as[0]
	}
	return netip.Addr{}
}
