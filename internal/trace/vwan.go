package trace

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Virtual WAN hops (docs/azure-semantics.md §1.11). A route a hub programmed into a connected
// VNet (fib.Route.Hub) takes the packet into the hub; the hub router decides by
// routing intent, else by the route table the source connection is associated with, longest
// prefix first (learn.microsoft.com/azure/virtual-wan/about-virtual-hub-routing "Association";
// …/how-to-routing-policies); the secured hub's firewall is an ordinary firewall whose next leg
// is routed by the hub. A hub's hop is of kind VirtualNetworkGateway (the next hop type Azure lists
// for the hub's routes; cli.md's closed hop vocabulary), named after the hub.

// toHub follows a route the hub programmed: the packet enters the hub over the connection of
// the subnet's VNet.
func (w *walker) toHub(s *model.Subnet, r *fib.Route) {
	h, c := r.Hub, w.p.FIB.HubConnectionOf(s.VNet)
	if c == nil || c.Hub != h {
		w.drop(InsufficientInformation, StepRoute, h.ID, "", "%s has no connection to hub %s in the snapshot", s.VNet.Name, h.Name)
		return
	}
	if r.NextHop == model.HopVNetPeering { // the hub's own range, over the hub VNet peering
		w.atHubAddress(h)
		return
	}
	w.addHop(HopVNetGateway, h.Name, h.ID, first(h.RouterIPs))
	w.step(StepRoute, Matched, c.ID, c.Name, "enters virtual hub %s over connection %s of %s", h.Name, c.Name, s.VNet.Name)
	w.hubRoute(h, c, nil)
}

// atHubAddress delivers to an address of the hub's own range: its firewall's frontend, or
// nothing the snapshot shows (the hub's gateways and router answer no flows).
func (w *walker) atHubAddress(h *model.VirtualHub) {
	if fw := h.Firewall; fw != nil && fw.PrivateIP == w.pkt.dst {
		w.atFirewallFrontend(fw)
		return
	}
	w.addHop(HopVNetGateway, h.Name, h.ID, w.pkt.dst)
	w.drop(NoListener, StepDeliver, h.ID, "", "%s is in virtual hub %s's range %s: nothing the snapshot holds listens there", w.pkt.dst, h.Name, h.Prefix)
}

// hubRoute routes the packet arriving at hub h from VNet connection c or branch br.
func (w *walker) hubRoute(h *model.VirtualHub, c *model.HubConnection, br *model.HubBranch) {
	if !w.enter(h) {
		return
	}
	hr := w.p.FIB.HubRouter(h)
	d := hr.Decide(c, br, w.pkt.dst)
	w.hubStep(h, d)
	w.hubFollow(h, d)
}

// hubStep names what decided in the hub: the routing policy, or the table and its route.
func (w *walker) hubStep(h *model.VirtualHub, d fib.HubDecision) {
	e := d.Entry
	switch {
	case d.Policy != nil:
		w.step(StepRoute, Matched, h.Intent.ID, d.Policy.Name, "%s → %s: routing intent policy %s of hub %s sends it to %s",
			w.pkt.dst, e.Prefix, d.Policy.Name, h.Name, d.Policy.NextHop.Name())
	case e == nil && d.Table == nil:
		w.step(StepRoute, Denied, h.ID, "", "hub %s has no route table for this connection in the snapshot", h.Name)
	case e == nil:
		w.step(StepRoute, Denied, d.Table.ID, "", "hub route table %s has no route for %s", d.Table.Name, w.pkt.dst)
	default:
		w.step(StepRoute, Matched, d.Table.ID, e.Name(), "%s → %s in hub route table %s (%s) → %s",
			w.pkt.dst, e.Prefix, d.Table.Name, e.Name(), hubNextHop(e))
	}
}

func hubNextHop(e *fib.HubEntry) string {
	switch {
	case e.Firewall != nil:
		return "firewall " + e.Firewall.Name
	case e.Branch != nil:
		return "branch " + e.Branch.SiteName
	case e.NextHopIP.IsValid():
		return e.NextHopIP.String() + " in connection " + e.Connection.Name
	case e.Connection != nil:
		return "connection " + e.Connection.Name
	}
	return "?"
}

// hubFollow carries out a hub decision.
func (w *walker) hubFollow(h *model.VirtualHub, d fib.HubDecision) {
	e := d.Entry
	switch {
	case d.Internet:
		w.hubInternet(h)
	case e == nil:
		w.end(Dropped, NextHopNone)
	case d.Policy != nil && e.Firewall == nil:
		w.drop(InsufficientInformation, StepPlatform, d.Policy.NextHop, d.Policy.Name, "routing policy %s sends the packet to %s, a security appliance in the hub that vnetdoctor does not model", d.Policy.Name, d.Policy.NextHop.Name())
		w.assume("the security appliance %s of hub %s is not modelled; the answer depends on it", d.Policy.NextHop, h.Name)
	case e.Firewall != nil:
		w.atFirewall(e.Firewall)
	case e.Branch != nil:
		w.addHop(HopOnPremises, e.Branch.SiteName, e.Branch.Site, w.pkt.dst)
		w.step(StepDeliver, Allowed, e.Branch.ID, e.Branch.Name, "leaves hub %s to branch %s over VPN connection %s", h.Name, e.Branch.SiteName, e.Branch.Name)
		w.exitBranch = e.Branch
		w.end(ExitedToOnPremises, "")
	case e.NextHopIP.IsValid():
		w.hubToAppliance(e)
	default:
		w.arrive(e.Connection.VNet, nil)
	}
}

// hubToAppliance hands the packet to the appliance a static route names in a connected VNet
// (learn.microsoft.com/azure/virtual-wan/scenario-route-through-nva).
func (w *walker) hubToAppliance(e *fib.HubEntry) {
	o, ok := w.p.Net.OwnerIn(e.Connection.VNet, e.NextHopIP)
	if !ok || o.Kind != model.OwnerNIC {
		w.drop(NextHopUnreachable, StepRoute, e.Connection.ID, e.Name(), "next hop %s of %s is not a NIC in %s", e.NextHopIP, e.Name(), e.Connection.VNet.Name)
		return
	}
	w.atAppliance(o.IPConfig)
}

// hubInternet sends what the hub firewall forwards to the internet: SNAT to its public address
// (hubIPAddresses.publicIPs; spec §3.3).
func (w *walker) hubInternet(h *model.VirtualHub) {
	fw := w.senderFW
	if fw == nil || !isPublic(w.pkt.dst) {
		w.addHop(HopInternet, "internet", "", w.pkt.dst)
		w.drop(NoListener, StepDeliver, h.ID, "", "hub %s has no route for %s", h.Name, w.pkt.dst)
		return
	}
	if w.reply {
		w.replyEgress()
		return
	}
	if len(fw.HubPublicAddresses) == 0 {
		w.drop(NoOutboundAccess, StepSnat, fw.ID, "", "hub firewall %s has no public address in the snapshot to leave from", fw.Name)
		return
	}
	w.snat(HopFirewall, fw.ID, "", fw.HubPublicAddresses[0], nil, fw, "hub firewall public address (spec §3.3)")
	for i := len(w.devices) - 2; i >= 0; i-- {
		if w.devices[i].id.Equal(fw.ID) && w.devices[i].stateful {
			w.devices[i].out = w.pkt
			break
		}
	}
	w.exitOrEnter()
}

// leaveFirewall routes what firewall fw forwards: by its AzureFirewallSubnet's routes, or, for
// a secured hub's firewall, by the hub ("all … traffic … is inspected … and then forwarded",
// how-to-routing-policies; DECISION in fib.HubRouter.ForFirewall).
func (w *walker) leaveFirewall(fw *model.Firewall) {
	h := w.p.Net.HubOfFirewall(fw)
	if fw.Subnet != nil || h == nil {
		w.leave(fw.Subnet, fw, false)
		return
	}
	if !w.enter(fw) {
		return
	}
	d := w.p.FIB.HubRouter(h).ForFirewall(w.pkt.dst)
	if e := d.Entry; e != nil {
		w.step(StepRoute, Matched, h.ID, e.Name(), "hub %s routes what firewall %s forwards: %s → %s → %s", h.Name, fw.Name, w.pkt.dst, e.Prefix, hubNextHop(e))
	} else {
		w.step(StepRoute, Matched, h.ID, "", "hub %s: %s is in no connection's range; firewall %s sends it to the internet", h.Name, w.pkt.dst, fw.Name)
	}
	w.hubFollow(h, d)
}

// hubFirewall reports whether fw is a secured hub's firewall the hub routes for.
func (w *walker) hubFirewall(fw *model.Firewall) bool {
	return fw.Subnet == nil && w.p.Net.HubOfFirewall(fw) != nil
}

// fwToInternet reports whether the firewall's next leg for the packet goes to the internet.
func (w *walker) fwToInternet(fw *model.Firewall) bool {
	if w.hubFirewall(fw) {
		return w.p.FIB.HubRouter(w.p.Net.HubOfFirewall(fw)).ForFirewall(w.pkt.dst).Internet
	}
	return w.routesToInternet(fw.Subnet)
}

// replyFromBranch starts the reply of a flow that left to a hub branch: it enters the hub over
// the same VPN connection.
func (w *walker) replyFromBranch(f *walker) {
	br := f.exitBranch
	w.addHop(HopOnPremises, br.SiteName, br.Site, w.pkt.src)
	w.step(StepRoute, Matched, br.ID, br.Name, "the reply comes back from branch %s over VPN connection %s", br.SiteName, br.Name)
	w.addHop(HopVNetGateway, br.Hub.Name, br.Hub.ID, first(br.Hub.RouterIPs))
	w.sender, w.senderFW = nil, nil
	w.hubRoute(br.Hub, nil, br)
}

// fromBranch starts a flow at a host behind a Virtual WAN VPN site: it enters the hub over the
// site's VPN connection, which the connection's associated table (or routing intent) routes.
func (w *walker) fromBranch(br *model.HubBranch) {
	w.addHop(HopOnPremises, br.SiteName, br.Site, w.pkt.src)
	w.step(StepRoute, Matched, br.ID, br.Name, "%s is behind VPN site %s, connected to hub %s by %s", w.pkt.src, br.SiteName, br.Hub.Name, br.Name)
	w.addHop(HopVNetGateway, br.Hub.Name, br.Hub.ID, first(br.Hub.RouterIPs))
	w.sender, w.senderFW = nil, nil
	w.hubRoute(br.Hub, nil, br)
}

// hubBranchFor returns the VPN site connection whose site prefixes hold a (longest), or nil.
func hubBranchFor(n *model.Network, a netip.Addr) *model.HubBranch {
	var best *model.HubBranch
	bits := -1
	for _, h := range n.VirtualHubs {
		for _, b := range h.Branches {
			for _, p := range b.Prefixes {
				if p.Contains(a) && p.Bits() > bits {
					best, bits = b, p.Bits()
				}
			}
		}
	}
	return best
}
