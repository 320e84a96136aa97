package trace

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/forward"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// toAppliance follows a VirtualAppliance route (spec §1.4): the next hop IP must be a NIC, an
// internal load balancer frontend or an Azure Firewall in the subnet's VNet or a directly peered
// one; anything else is NextHopUnreachable.
func (w *walker) toAppliance(s *model.Subnet, d forward.Decision) {
	r, o, via := d.Route, d.Owner, d.Via
	nh := r.NextHopIP
	if d.Kind == forward.Unresolved && w.firewallMissing(s.VNet, nh) {
		return
	}
	if d.Kind == forward.Unresolved {
		// The route decides this drop: deciding names the UDR and its route table (cli.md).
		w.step(StepRoute, Denied, routeHolder(s, r), routeName(r),
			"next hop %s of route %s is not a NIC, internal load balancer or firewall in %s or a directly peered VNet (spec §1.4)", nh, routeName(r), s.VNet.Name)
		w.end(Dropped, NextHopUnreachable)
		return
	}
	if !w.crossPeering(via) {
		return
	}
	switch o.Kind {
	case model.OwnerNIC:
		w.atAppliance(o.IPConfig)
	case model.OwnerFirewall:
		w.atFirewall(o.Firewall)
	case model.OwnerLBFrontend:
		w.atInternalLB(o.Frontend, true)
	case model.OwnerGateway:
		w.toGateway(s, &fib.Route{Gateway: o.Gateway})
	default:
		w.step(StepPlatform, Denied, o.ResourceID(), routeName(r), "next hop %s is a %s, which does not forward traffic", nh, o.Kind)
		w.end(Dropped, NextHopUnreachable)
	}
}

// firewallMissing ends the leg Unknown when a next hop nothing owns lies in an AzureFirewallSubnet
// (of v or a VNet peered with it) that holds no firewall in the snapshot: only a firewall can
// live there, so the export lacks it (cli.md "Every command": input integrity).
func (w *walker) firewallMissing(v *model.VNet, nh netip.Addr) bool {
	vnets := []*model.VNet{v}
	for _, p := range v.Peerings {
		if p.Remote != nil {
			vnets = append(vnets, p.Remote)
		}
	}
	for _, x := range vnets {
		s := x.SubnetOf(nh)
		if s == nil || !s.Named(model.FirewallSubnetName) {
			continue
		}
		if _, ok := w.p.Index.FirewallBySubnet[s]; ok {
			return false
		}
		w.drop(InsufficientInformation, StepRoute, s.ID, "", "next hop %s is in %s, which holds no firewall in the snapshot: the firewall was not exported", nh, s.Name)
		w.assume("an Azure Firewall in %s/%s is missing from the snapshot; the answer depends on it", x.Name, s.Name)
		return true
	}
	return false
}

func routeName(r *fib.Route) string {
	if r.Name == "" {
		return "System Route"
	}
	return r.Name
}

// atAppliance is a packet reaching a third-party appliance NIC (spec §1.6): IP forwarding,
// inbound filtering, then a new leg from the appliance's NIC. The appliance is assumed to be
// stateful and to forward unchanged; its own rules are unknown.
func (w *walker) atAppliance(c *model.IPConfig) {
	if w.pkt.dst == c.PrivateIP {
		w.atNIC(c)
		return
	}
	w.nicHop(c, HopAppliance)
	if !c.NIC.IPForwarding {
		w.drop(IPForwardingDisabled, StepPlatform, c.NIC.ID, "enableIPForwarding",
			"NIC %s has IP forwarding disabled: Azure drops packets not addressed to it (spec §1.4)", c.NIC.Name)
		return
	}
	if !w.filter(c, w.p.ACL.ForIPConfig(c), model.Inbound) {
		return
	}
	if w.reply && !w.hasSession(c.NIC.ID) {
		w.drop(NoSession, StepPlatform, c.NIC.ID, "", "the appliance never saw the forward flow: a stateful appliance drops this reply")
		return
	}
	w.step(StepPlatform, Allowed, c.NIC.ID, "enableIPForwarding", "IP forwarding enabled: the appliance forwards the packet unchanged")
	w.forwardOut(c)
}

// forwardOut sends the packet on from appliance c: a stateful device on the path, assumed to
// forward without NAT and to allow the flow (spec §1.6), through its NIC's and subnet's outbound
// rules, by its subnet's routes.
func (w *walker) forwardOut(c *model.IPConfig) {
	w.assume("appliance %s (%s) is assumed stateful, forwarding without NAT; its own rules are not in the snapshot and are assumed to allow the flow (spec §1.6)", c.NIC.Name, c.PrivateIP)
	w.devices = append(w.devices, device{kind: HopAppliance, id: c.NIC.ID, name: c.NIC.Name, stateful: true, in: w.pkt, out: w.pkt, ipc: c})
	w.forwarded = true
	if !w.filter(c, w.p.ACL.ForIPConfig(c), model.Outbound) {
		return
	}
	w.sender, w.senderFW = c, nil
	w.leave(c.Subnet, c, false)
}

// hasSession reports whether the forward leg crossed the stateful device id.
// Replies must cross the same stateful device: spec §2.1, §5 DECISION [PEFW].
func (w *walker) hasSession(id model.ID) bool { return crossed(w.session, id) }

// toGateway leaves to on-premises through a virtual network gateway (spec §1.6).
func (w *walker) toGateway(s *model.Subnet, r *fib.Route) {
	gw := r.Gateway
	if gw == nil && len(s.VNet.Gateways) > 0 {
		gw = s.VNet.Gateways[0]
	}
	if gw == nil && r.Peering != nil && r.Peering.Remote != nil && len(r.Peering.Remote.Gateways) > 0 {
		gw = r.Peering.Remote.Gateways[0]
	}
	if gw == nil {
		gw = transitGateway(s.VNet)
	}
	if gw == nil {
		w.step(StepRoute, Denied, routeHolder(s, r), routeName(r), "route %s sends the packet to a virtual network gateway, but %s has none", routeName(r), s.VNet.Name)
		w.end(Dropped, NextHopUnreachable)
		return
	}
	w.addHop(HopVNetGateway, gw.Name, gw.ID, first(gw.PrivateIPs))
	if !w.gatewayWorks(gw) || w.hairpin(gw) {
		return
	}
	w.exitGW = gw
	w.exitConn = exitConnection(gw, r, w.pkt.dst) // VPN NAT (vpnnat.go)
	if !w.natEgress(w.exitConn) {
		return
	}
	w.selectorsAssumed(w.exitConn)
	o, ok := w.p.Index.OnPremFor(w.pkt.dst)
	name := "on-premises"
	var id model.ID
	if ok {
		name, id = o.Local.Name, o.Local.ID
	}
	if c := w.exitConn; c != nil && c.Local != nil && len(c.IngressNAT)+len(c.EgressNAT) > 0 {
		name, id = c.Local.Name, c.Local.ID // the site behind the NAT rules (two may share a range)
	}
	w.step(StepRoute, Matched, gw.ID, "", "%s gateway %s sends the packet to %s", gw.GatewayType, gw.Name, name)
	w.addHop(HopOnPremises, name, id, w.pkt.dst)
	w.step(StepDeliver, Allowed, id, "", "leaves Azure to on-premises; what happens there is outside the snapshot")
	w.end(ExitedToOnPremises, "")
}

// gatewayWorks applies --assume gw-subnet-no-propagation when gw's GatewaySubnet route table
// disables gateway route propagation (azure-semantics.md §1.8 item 8): by default the gateway
// works; under "broken" the packet is dropped there. False means the leg has ended.
func (w *walker) gatewayWorks(gw *model.VNetGateway) bool {
	s := gatewaySubnet(gw)
	if s == nil || s.GatewayRoutesPropagate() {
		return true
	}
	if w.choice(assume.GwSubnetNoPropagation).Default(assume.GwSubnetNoPropagation) {
		return true
	}
	w.drop(PlatformBlocked, StepPlatform, s.RouteTable.ID, s.RouteTable.Name, "route table %s disables gateway route propagation on "+
		"GatewaySubnet: gateway %s stops working (--assume gw-subnet-no-propagation=broken; UDR overview)", s.RouteTable.Name, gw.Name)
	return false
}

// hairpin sends a packet for Azure back into Azure at gateway gw (azure-semantics.md §1.8 item 1:
// erjosito/azure-networking-lab lab 9, where mtr shows the gateway instance as a hop; the
// hub-and-spoke playground's "any to any via gateway"; azure-docs #86832). A destination in the
// gateway's VNet or a VNet peered with it is routed on by the GatewaySubnet's table, unchanged; one
// in a Vnet2Vnet peer's VNet, or a VNet peered with it, enters that VNet at the peer gateway and is
// routed by its GatewaySubnet table (lab 10). False when the destination is outside Azure: it exits to on-premises.
func (w *walker) hairpin(gw *model.VNetGateway) bool {
	dst := w.pkt.dst
	if gw.VNet == nil {
		return false
	}
	if gw.VNet.Contains(dst) || peeredHolds(gw.VNet, dst) {
		w.step(StepRoute, Matched, gw.ID, "", "%s is in %s or a VNet peered with it: gateway %s routes the packet back into Azure, unchanged (azure-semantics.md §1.8 item 1)",
			dst, gw.VNet.Name, gw.Name)
		w.leave(gw.Subnet, gw, false)
		return true
	}
	for _, c := range gw.Connections {
		peer := c.Peer
		if !strings.EqualFold(c.Type, "Vnet2Vnet") || peer == nil || peer.VNet == nil ||
			(!peer.VNet.Contains(dst) && !peeredHolds(peer.VNet, dst)) { // the peer's VNet or its spokes (§1.8 item 3)
			continue
		}
		w.step(StepRoute, Matched, c.ID, c.Name, "%s is in %s: connection %s carries the packet to gateway %s (azure-semantics.md §1.8 item 1)",
			dst, peer.VNet.Name, c.Name, peer.Name)
		w.addHop(HopVNetGateway, peer.Name, peer.ID, first(peer.PrivateIPs))
		if w.gatewayWorks(peer) {
			w.leave(peer.Subnet, peer, false)
		}
		return true
	}
	return false
}

// peeredHolds reports whether a VNet peered with v (link Active) holds dst.
func peeredHolds(v *model.VNet, dst netip.Addr) bool {
	for _, p := range v.Peerings {
		if p.Remote != nil && p.Active() && p.Remote.Contains(dst) {
			return true
		}
	}
	return false
}

// transitGateway is the gateway of the hub a VNet uses by gateway transit (model.VNet.TransitPeering,
// the link fib took the gateway routes from; spec §1.3 [PEER]): a UDR whose next hop is
// VirtualNetworkGateway in such a spoke leaves through it.
func transitGateway(v *model.VNet) *model.VNetGateway {
	if p := v.TransitPeering(); p != nil && len(p.Remote.Gateways) > 0 {
		return p.Remote.Gateways[0]
	}
	return nil
}
