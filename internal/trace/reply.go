package trace

import (
	"fmt"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// peDecision is spec §5's DECISION, quoted whenever it decides a verdict.
const peDecision = "replies from a private endpoint ignore UDRs and go to the client by system routes, so they bypass a " +
	"stateful device the request crossed unless it SNATs or its NIC is tagged disableSnatOnPL=true " +
	"(spec §5 DECISION; three azure-docs issues report otherwise)"

// startReply begins the return leg where the forward leg ended, addresses swapped.
func (w *walker) startReply(f *walker) {
	if f.exitBranch != nil { // the request left to a Virtual WAN branch (vwan.go)
		w.replyFromBranch(f)
		return
	}
	switch f.leg.Disposition {
	case ExitedToInternet:
		w.addHop(HopInternet, "internet", "", w.pkt.src)
		w.step(StepRoute, Matched, "", "", "the reply from %s crosses the internet to %s", w.pkt.src, addrOr(w.pkt.dst, "the Azure-chosen address"))
		w.atPublicIP()
	case ExitedToOnPremises:
		if w.replyBeyondNVA(f) { // the request left through an NVA (routeserver.go)
			return
		}
		last := f.leg.Hops[len(f.leg.Hops)-1]
		w.addHop(HopOnPremises, last.Name, model.ID(last.ResourceID), w.pkt.src)
		w.step(StepRoute, Matched, model.ID(last.ResourceID), "", "the reply comes back over the gateway connection")
		w.inConn = f.exitConn // VPN NAT (vpnnat.go)
		w.gatewayIngress(f.exitGW)
	case ExitedToAzureService:
		w.addHop(HopAzureService, f.leg.Hops[len(f.leg.Hops)-1].Name, "", w.pkt.src)
		w.replyToSender(f.sender, true)
	case Delivered:
		w.replyFromFinal(f)
	}
}

func (w *walker) replyFromFinal(f *walker) {
	switch x := f.final.(type) {
	case *model.IPConfig:
		w.replyFromNIC(x)
	case *model.PrivateEndpoint:
		w.replyFromPE(x, f)
	case *model.Firewall:
		w.addHop(HopFirewall, x.Name, x.ID, x.PrivateIP)
		w.senderFW = x
		w.leave(x.Subnet, x, false)
	case *model.VNetGateway:
		w.gatewayIngress(x)
	case *model.DNSResolverInbound:
		w.replyFromResolver(x)
	case *model.NetAppVolume:
		w.replyFromNetApp(x)
	case platformFinal:
		w.addHop(HopAzureService, f.leg.Hops[len(f.leg.Hops)-1].Name, "", w.pkt.src)
		w.replyToSender(f.sender, false)
	default:
		w.end(UnknownD, InsufficientInformation)
	}
}

// replyFromNetApp sends a NetApp volume's answer from its subnet: with Standard network
// features through the subnet's NSG and by its routes, UDRs included; with Basic by system
// routes, the NSG and UDRs not applying (model.NetAppVolume.Basic).
func (w *walker) replyFromNetApp(vol *model.NetAppVolume) {
	w.addHop(HopAzureService, vol.Name, vol.ID, w.pkt.src)
	if !vol.Basic() && !w.filter(vol, w.p.ACL.ForSubnet(vol.Subnet), model.Outbound) {
		return
	}
	w.sender, w.senderFW = nil, nil
	w.leave(vol.Subnet, vol, vol.Basic())
}

// replyFromResolver sends a DNS private resolver inbound endpoint's answer from its subnet, by
// that subnet's routes: no source says whether its UDRs apply to the resolver's own traffic, so
// where the subnet has a route table the answer says it assumed they do.
func (w *walker) replyFromResolver(in *model.DNSResolverInbound) {
	w.addHop(HopAzureService, in.Name, in.ID, w.pkt.src)
	if !w.filter(in, w.p.ACL.ForSubnet(in.Subnet), model.Outbound) {
		return
	}
	if s := in.Subnet; s != nil && (s.RouteTable != nil || s.MissingRouteTable != "") {
		w.assume("DNS private resolver inbound endpoint %s is assumed to answer by the routes of its subnet %s, route table included", in.Name, s.Name)
	}
	w.sender, w.senderFW = nil, nil
	w.leave(in.Subnet, in, false)
}

// replyToSender hands a reply straight to the NIC that sent the request (platform services).
func (w *walker) replyToSender(c *model.IPConfig, filtered bool) {
	switch {
	case c == nil:
		w.end(UnknownD, InsufficientInformation)
	case w.pkt.dst != c.PrivateIP:
		w.atAppliance(c)
	case filtered:
		w.atNIC(c)
	default:
		w.nicHop(c, HopNIC)
		w.deliverNIC(c)
	}
}

// replyFromNIC sends the reply from the NIC that got the request; an internal load balancer's
// destination translation is undone by the host first.
func (w *walker) replyFromNIC(c *model.IPConfig) {
	w.nicHop(c, HopNIC)
	for i := len(w.session) - 1; i >= 0; i-- {
		d := w.session[i]
		if d.kind == HopLoadBalancer && d.ipc == c && d.fe != nil && d.fe.PublicIP == nil && d.in.dst != d.out.dst {
			w.step(StepDnat, Translated, d.id, "", "reply source %s:%d → load balancer frontend %s:%d", w.pkt.src, w.pkt.sport, d.in.dst, d.in.dport)
			w.pkt.src, w.pkt.sport = d.in.dst, d.in.dport
			break
		}
	}
	if !w.filter(c, w.p.ACL.ForIPConfig(c), model.Outbound) {
		return
	}
	w.sender = c
	w.leave(c.Subnet, c, false)
}

// replyFromPE sends a private endpoint's reply by system routes (spec §5 DECISION), or back
// through the appliance whose NIC is tagged disableSnatOnPL=true.
func (w *walker) replyFromPE(pe *model.PrivateEndpoint, f *walker) {
	w.addHop(HopPrivateEndpoint, pe.Name, pe.ID, w.pkt.src)
	for i := len(f.devices) - 1; i >= 0; i-- {
		d := f.devices[i]
		if !d.stateful {
			continue
		}
		if d.kind == HopAppliance && d.ipc != nil && d.ipc.NIC.DisableSnatOnPL() {
			w.step(StepPlatform, Allowed, d.ipc.NIC.ID, "disableSnatOnPL", "appliance NIC %s is tagged disableSnatOnPL=true: the platform returns the replies through it (spec §5)", d.ipc.NIC.Name)
			w.atAppliance(d.ipc)
			return
		}
		break
	}
	// spec §5 DECISION: the endpoint's replies follow system routes (--assume pe-reply-udr=ignore).
	// Without UDRs on its subnet both choices route alike, and the choice is not consulted.
	systemOnly := true
	if pe.Subnet != nil && pe.Subnet.RouteTable != nil && len(pe.Subnet.RouteTable.Routes) > 0 {
		systemOnly = w.choice(assume.PEReplyUDR).Default(assume.PEReplyUDR)
	}
	w.leave(pe.Subnet, pe, systemOnly)
}

// verdict combines both legs (cli.md): Reachable only when the request gets there and the reply
// gets back through the same stateful devices.
func (a *Answer) verdict(f, r *walker) Verdict {
	switch f.leg.Disposition {
	case Dropped, Loop:
		return Unreachable
	case UnknownD:
		return UnknownV
	}
	if r == nil {
		return Unreachable
	}
	asym := a.asymmetry(f, r)
	switch {
	case asym:
		return Unreachable
	case r.leg.Disposition == UnknownD:
		return UnknownV
	case !r.reached():
		return Unreachable
	case a.wrongExit(r):
		return Unreachable
	case f.intermittent || r.intermittent:
		return Intermittent
	}
	return Reachable
}

// asymmetry reports (and records as a finding) a reply that does not cross the stateful
// devices the request crossed (spec §5, issue 3 part 3).
func (a *Answer) asymmetry(f, r *walker) bool {
	var missed []device
	for _, d := range f.devices {
		if d.stateful && !crossed(r.devices, d.id) {
			missed = append(missed, d)
		}
	}
	noSession := r.leg.DropCause == NoSession
	// A reply the routing drops before it reaches the devices took another path too (spec §5).
	lost := r.leg.DropCause == NextHopNone || r.leg.DropCause == NextHopUnreachable || r.leg.DropCause == NoListener
	if !noSession && (!(r.reached() || lost) || len(missed) == 0) {
		return false
	}
	var ids []model.ID
	var names []string
	for _, d := range missed {
		ids, names = append(ids, d.id), append(names, d.name)
	}
	msg := "the reply does not return through the stateful device(s) the request crossed"
	if len(names) > 0 {
		msg += " (" + strings.Join(names, ", ") + ")"
	}
	if noSession {
		msg = "the reply reaches a device or address that has no session for the flow: the two directions take different paths"
		if h := r.leg.Hops; len(h) > 0 && h[len(h)-1].ResourceID != "" {
			ids = append(ids, model.ID(h[len(h)-1].ResourceID))
		}
	}
	if _, ok := f.final.(*model.PrivateEndpoint); ok {
		a.assume("%s", peDecision)
		msg += "; replies of a private endpoint ignore UDRs: SNAT the traffic at the firewall (application rule) or tag the appliance NIC disableSnatOnPL=true"
	}
	a.asymmetryFinding(msg, ids)
	return true
}

// asymmetryFinding records an AsymmetricReturn about the devices ids, the first of which is
// the finding's Device.
func (a *Answer) asymmetryFinding(msg string, ids []model.ID) {
	a.finding(CodeAsymmetricReturn, "Error", msg, ids...)
	for i := range a.Findings {
		if f := &a.Findings[i]; f.Code == CodeAsymmetricReturn && f.Message == msg && len(f.Resources) > 0 {
			f.Device = model.ID(f.Resources[0])
		}
	}
}

// wrongExit reports (and records as AsymmetricReturn) a reply that left for somewhere other
// than where the request came from: a reply to an internet client that a 0/0 UDR sends to a
// gateway ends on-premises, never at the client (azure-semantics.md §1.8 item 4; UDR overview,
// 0.0.0.0/0 section: such resources are no longer reachable directly from the internet).
func (a *Answer) wrongExit(r *walker) bool {
	want := Delivered
	switch r.origin.kind {
	case epInternet:
		want = ExitedToInternet
	case epOnPrem:
		want = ExitedToOnPremises
	}
	if r.leg.Disposition == want {
		return false
	}
	var ids []model.ID
	if h := r.leg.Hops; len(h) > 0 && h[len(h)-1].ResourceID != "" {
		ids = append(ids, model.ID(h[len(h)-1].ResourceID))
	}
	a.asymmetryFinding(fmt.Sprintf("the reply ends %s, not where the request came from (%s): "+
		"the two directions take different paths (azure-semantics.md §1.8 item 4)", r.leg.Disposition, r.origin.addr), ids)
	return true
}

func crossed(ds []device, id model.ID) bool {
	for _, d := range ds {
		if d.stateful && d.id.Equal(id) {
			return true
		}
	}
	return false
}
