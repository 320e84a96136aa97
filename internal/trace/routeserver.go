package trace

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/forward"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Routes a Route Server programs (docs/azure-semantics.md §1.10 "Route Server traces"). forward
// sends a packet that selects one to the NVA that advertised it, like a VirtualAppliance route;
// this file says what only a trace can: which NVA a flow may take instead (ECMP), and what
// happens when the advertising NVA itself forwards a packet by the route it advertised.

// routeServerHop handles the Route Server route d selected for a packet leaving subnet s from
// sender from; true means the leg has ended here. Three cases:
//   - the NVA is not in the snapshot (Unresolved): Unknown, naming the Route Server;
//   - the sender is an NVA that advertised the route's prefix (other than 0.0.0.0/0): the NVA is
//     the way to it, so the packet leaves through the NVA's own path (beyondNVA);
//   - several NVAs are next hops: the host spreads flows over them (ECMP); the walk follows the
//     first, and the answer names the others.
func (w *walker) routeServerHop(from any, d forward.Decision) bool {
	r := d.Route
	if r == nil || r.RouteServer == nil {
		return false
	}
	rs := r.RouteServer
	if d.Kind == forward.Unresolved {
		w.drop(InsufficientInformation, StepRoute, rs.ID, routeName(r), "next hop %s of %s, which Route Server %s programs, is the NVA "+
			"that advertised it, but no NIC, internal load balancer or firewall in the snapshot has that address in %s or a VNet peered with it",
			r.NextHopIP, r.Prefix, rs.Name, vnetName(rs.VNet))
		w.assume("the NVA at %s that advertised %s to Route Server %s is not in the snapshot; the answer depends on it", r.NextHopIP, r.Prefix, rs.Name)
		return true
	}
	c, _ := from.(*model.IPConfig)
	if c != nil && advertised(r, c) {
		if r.Prefix.Bits() > 0 {
			w.beyondNVA(c, r)
			return true
		}
		// troubleshoot-route-server, "Why does my NVA lose internet connectivity after it advertises the
		// default route": the Route Server programs 0.0.0.0/0 for the NVA too, so "the NVA host machine
		// keeps sending the internet-bound traffic including the one sent by the NVA back to the NVA itself".
		w.step(StepRoute, Matched, rs.ID, routeName(r), "NVA %s advertised 0.0.0.0/0 to Route Server %s, which programs it for the NVA's own "+
			"subnet too: without a 0.0.0.0/0 UDR with next hop Internet there, the NVA's internet-bound traffic returns to an NVA "+
			"(troubleshoot-route-server)", c.NIC.Name, rs.Name)
	}
	if len(r.NextHopIPs) > 1 {
		w.assume("%s is programmed by Route Server %s with %d NVAs as next hops (%s): the VM's host spreads flows over them by ECMP "+
			"(route-server-faq); this trace follows %s, and a reply is assumed to hash to the same NVA, which Azure does not "+
			"guarantee without SNAT on the NVAs (route-injection-in-spokes, \"Traffic symmetry\")",
			r.Prefix, rs.Name, len(r.NextHopIPs), joinAddrs(r.NextHopIPs), r.NextHopIP)
	}
	return false
}

// advertised reports whether the NVA sending from c is one of the next hops of Route Server
// route r: it advertised r's prefix itself.
func advertised(r *fib.Route, c *model.IPConfig) bool {
	for _, ipc := range c.NIC.IPConfigs {
		for _, a := range r.NextHopIPs {
			if ipc.PrivateIP == a {
				return true
			}
		}
	}
	return false
}

// beyondNVA ends a leg at NVA c, which advertised the prefix of r to the Route Server: the NVA is
// the way there (route-injection-in-spokes, "Connectivity to on-premises through the NVA": an NVA
// that connects on-premises networks "via IPsec VPNs or SD-WAN technologies" advertises them to
// attract the traffic), so it carries the packet on by its own means, outside Azure's routing.
// DECISION: the leg exits to the networks behind the NVA (ExitedToOnPremises), as a gateway's does,
// with an assumption; a destination that something in the snapshot owns is not "behind" the NVA
// (it is in Azure, reached through the NVA's tunnel to another hub, say), so that leg is Unknown: a
// verdict must not rest on a leg that left for somewhere other than where it was going.
func (w *walker) beyondNVA(c *model.IPConfig, r *fib.Route) {
	rs, dst := r.RouteServer, w.pkt.dst
	id := c.NIC.ID
	if p := rs.PeerAt(c.PrivateIP); p != nil {
		id = p.ID
	}
	if owners := w.p.Net.Owners(dst); len(owners) > 0 {
		w.step(StepRoute, NoMatch, id, routeName(r), "%s advertised %s to Route Server %s, so it carries %s on by its own means (a tunnel), "+
			"but %s is in Azure (%s): how the NVA reaches it is not in the snapshot", c.NIC.Name, r.Prefix, rs.Name, dst, dst, owners[0].ResourceID().Name())
		w.assume("NVA %s reaches %s, which it advertised to Route Server %s, by its own means; the snapshot does not show where that leads", c.NIC.Name, r.Prefix, rs.Name)
		w.end(UnknownD, InsufficientInformation)
		return
	}
	name := "networks behind " + c.NIC.Name
	w.step(StepRoute, Matched, id, routeName(r), "%s advertised %s to Route Server %s: the NVA is the way to %s and carries the packet on by its "+
		"own means (a tunnel, SD-WAN), outside Azure's routing", c.NIC.Name, r.Prefix, rs.Name, dst)
	w.assume("NVA %s is assumed to reach %s, which it advertised over BGP to Route Server %s, by its own means (IPsec, SD-WAN): "+
		"what lies beyond it is outside the snapshot (route-injection-in-spokes)", c.NIC.Name, r.Prefix, rs.Name)
	w.addHop(HopOnPremises, name, id, dst)
	w.step(StepDeliver, Allowed, id, "", "leaves Azure through NVA %s; what happens there is outside the snapshot", c.NIC.Name)
	w.end(ExitedToOnPremises, "")
}

// replyBeyondNVA starts the reply of a flow whose request left through an NVA (beyondNVA): the
// networks behind the NVA answer through it, so the reply enters Azure at the NVA, which
// forwards it from its own subnet (its NSGs and session apply as for any appliance, spec §1.6).
// False when the request did not leave that way (it left through a gateway).
func (w *walker) replyBeyondNVA(f *walker) bool {
	c := f.sender
	if f.exitGW != nil || c == nil {
		return false
	}
	last := f.leg.Hops[len(f.leg.Hops)-1]
	w.addHop(HopOnPremises, last.Name, model.ID(last.ResourceID), w.pkt.src)
	w.step(StepRoute, Matched, model.ID(last.ResourceID), "", "the reply comes back through NVA %s, the way the request left", c.NIC.Name)
	w.sender, w.senderFW = nil, nil
	w.atAppliance(c)
	return true
}

func vnetName(v *model.VNet) string {
	if v == nil {
		return "its VNet"
	}
	return v.Name
}

func joinAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// learnedSource resolves a source address that nothing in Azure owns but that a gateway or an
// NVA advertised over BGP (§1.10): a host behind an NVA's tunnel or SD-WAN (a Route Server row,
// the NVA its next hop) or an on-premises host behind a gateway's BGP peer. The longest such
// prefix decides; at equal length a gateway's row comes first (as fib's merged does). Addresses
// inside a VNet's ranges are Azure's, never on-premises. Sources only: a destination is routed.
func learnedSource(p *dataplane.Plane, a netip.Addr, isSource bool) (endpoint, bool) {
	if !isSource {
		return endpoint{}, false
	}
	best, bits := endpoint{}, -1
	for _, gw := range p.Net.VNetGateways {
		if gw.Learned == nil {
			continue
		}
		for _, r := range gw.Learned.Routes {
			// A row from a Route Server (any of the estate's: the row names its source) is an
			// NVA's prefix: the NVA, not the gateway, is the way in.
			if r.Prefix.Contains(a) && r.Prefix.Bits() > bits && r.NextHop.IsValid() && !gw.HasIP(r.NextHop) && !r.FromRouteServer(p.Net.RouteServers) {
				best, bits = endpoint{kind: epOnPrem, addr: a, gw: gw, onPrem: dataplane.OnPremPrefix{Prefix: r.Prefix.Masked(), Gateway: gw}}, r.Prefix.Bits()
			}
		}
	}
	for _, rs := range p.Net.RouteServers {
		if rs.Learned == nil || rs.VNet == nil {
			continue
		}
		for _, r := range rs.Learned.Routes {
			if !r.Prefix.Contains(a) || r.Prefix.Bits() <= bits || !r.NextHop.IsValid() {
				continue
			}
			if o, ok := p.Net.OwnerIn(rs.VNet, r.NextHop); ok && o.Kind == model.OwnerNIC {
				best, bits = endpoint{kind: epOnPrem, addr: a, ipc: o.IPConfig, onPrem: dataplane.OnPremPrefix{Prefix: r.Prefix.Masked()}}, r.Prefix.Bits()
			}
		}
	}
	if bits < 0 {
		return endpoint{}, false
	}
	// Only now the VNets (an estate has a thousand): most sources no learned row holds.
	for _, v := range p.Net.VNets {
		if v.Contains(a) {
			return endpoint{}, false
		}
	}
	return best, true
}

// fromLearned starts a flow at a learnedSource: behind an NVA it enters Azure at the NVA, which
// forwards it from its own subnet; behind a gateway's BGP peer it enters at the gateway, whose
// GatewaySubnet table routes it (as from a local network gateway).
func (w *walker) fromLearned(o dataplane.OnPremPrefix) {
	if c := w.origin.ipc; c != nil {
		w.addHop(HopOnPremises, "networks behind "+c.NIC.Name, c.NIC.ID, w.pkt.src)
		w.step(StepRoute, Matched, c.NIC.ID, "", "%s is inside %s, which NVA %s advertises over BGP to a Route Server: "+
			"the packet comes in through the NVA", w.pkt.src, o.Prefix, c.NIC.Name)
		w.assume("a host at %s is assumed to reach Azure through NVA %s, which advertises %s (its tunnel or SD-WAN is outside the snapshot)",
			w.pkt.src, c.NIC.Name, o.Prefix)
		w.nvaIngress(c)
		return
	}
	gw := o.Gateway
	w.addHop(HopOnPremises, "on-premises ("+o.Prefix.String()+")", gw.ID, w.pkt.src)
	w.step(StepRoute, Matched, gw.ID, "", "%s is inside %s, which gateway %s learned over BGP: the packet comes in through the gateway",
		w.pkt.src, o.Prefix, gw.Name)
	w.gatewayIngress(gw)
}

// nvaIngress is a packet an NVA brings into Azure from its tunnel: the NVA sends it from its NIC
// with a source that is not its own, which needs IP forwarding (spec §1.4), through its NIC's and
// subnet's outbound rules, by its subnet's routes. The NVA is the flow's stateful device.
func (w *walker) nvaIngress(c *model.IPConfig) {
	w.nicHop(c, HopAppliance)
	if !c.NIC.IPForwarding {
		w.drop(IPForwardingDisabled, StepPlatform, c.NIC.ID, "enableIPForwarding",
			"NIC %s has IP forwarding disabled: Azure drops what it sends from addresses not its own (spec §1.4)", c.NIC.Name)
		return
	}
	w.step(StepPlatform, Allowed, c.NIC.ID, "enableIPForwarding", "IP forwarding enabled: the NVA forwards the packet into Azure unchanged")
	w.forwardOut(c)
}
