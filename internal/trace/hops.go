package trace

import (
	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// crossPeering applies the receiving VNet's allowForwardedTraffic flag (spec §1.3 [PEER]):
// traffic an appliance or firewall forwarded, not originating in the sending VNet, is dropped
// unless the receiving VNet's link allows it. False means the leg has ended.
func (w *walker) crossPeering(via *model.Peering) bool {
	if via == nil {
		return true
	}
	if via.Remote == nil {
		w.drop(InsufficientInformation, StepPlatform, via.ID, via.Name, "peering %s leads to %s, which is not in the snapshot", via.Name, via.RemoteID)
		return false
	}
	back := via.Reverse()
	if !w.forwarded || back == nil || back.AllowForwardedTraffic || via.Local.Contains(w.pkt.src) {
		return true
	}
	if w.reply && via.Remote.Contains(w.pkt.dst) && w.choice(assume.ForwardedReply).Default(assume.ForwardedReply) {
		// azure-semantics.md §1.8 item 5 (AZ-720 lab "troubleshoot connectivity"): the flag drops
		// what the remote side forwards in, not the replies to a flow this VNet's VM started.
		w.step(StepPlatform, Allowed, back.ID, back.Name, "%s's peering link %s has allowForwardedTraffic=false, "+
			"but this is the reply to a flow %s started: not dropped (--assume forwarded-reply=allowed)",
			back.Local.Name, back.Name, w.pkt.dst)
		return true
	}
	w.drop(ForwardedTrafficBlocked, StepPlatform, back.ID, back.Name,
		"%s's peering link %s has allowForwardedTraffic=false: traffic forwarded by an appliance in %s (source %s) is dropped",
		back.Local.Name, back.Name, via.Local.Name, w.pkt.src)
	return false
}

// arrive delivers the packet to whatever owns its destination in VNet v (spec §1.6).
func (w *walker) arrive(v *model.VNet, via *model.Peering) {
	if v == nil {
		w.end(Dropped, NoListener)
		return
	}
	if !w.crossPeering(via) {
		return
	}
	dst := w.pkt.dst
	if o, ok := w.p.Net.OwnerIn(v, dst); ok {
		w.arriveOwner(o)
		return
	}
	s := v.SubnetOf(dst)
	if s != nil {
		if fw, ok := w.p.Index.FirewallInstance(s, dst); ok {
			w.atFirewallInstance(fw)
			return
		}
		if in := w.p.Net.ResolverInbound(v, dst); in != nil {
			w.atResolver(in)
			return
		}
		if vol := w.p.Net.NetAppVolumeAt(v, dst); vol != nil {
			w.atNetApp(vol, via)
			return
		}
		if s.Reserved(dst) {
			w.dropReserved(s)
			return
		}
		if svc := s.UnlistedService(); svc != "" {
			w.atDelegated(s, svc)
			return
		}
	}
	w.addHop(HopNIC, "", "", dst)
	if vm, nic, ok := w.p.Net.VMMissingNIC(); ok {
		w.drop(InsufficientInformation, StepDeliver, v.ID, "", "nothing in %s owns %s, but NIC %s of VM %s is not in the snapshot and may", v.Name, dst, nic.Name(), vm.Name)
		w.assume("VM %s references NIC %s, which is not in the snapshot; the answer depends on which address it holds", vm.Name, nic)
		return
	}
	w.drop(NoListener, StepDeliver, v.ID, "", "nothing in %s owns %s", v.Name, dst)
}

// atResolver delivers to a DNS private resolver's inbound endpoint, which answers DNS queries
// (TCP and UDP 53) sent to its address from its VNet and connected networks (spec §8 [DNSPR]):
// its subnet's admin rules and NSG filter what arrives (spec §2.1).
func (w *walker) atResolver(in *model.DNSResolverInbound) {
	w.addHop(HopAzureService, in.Name, in.ID, w.pkt.dst)
	if w.reply {
		w.drop(NoSession, StepPlatform, in.ID, "", "a DNS private resolver inbound endpoint only answers; it never receives replies")
		return
	}
	if !w.filter(in, w.p.ACL.ForSubnet(in.Subnet), model.Inbound) {
		return
	}
	if p := w.pkt.proto; (p != model.ProtoTCP && p != model.ProtoUDP) || w.pkt.dport != model.DNSPort {
		w.drop(NoListener, StepDeliver, in.ID, "", "DNS private resolver inbound endpoint %s answers DNS queries (TCP and UDP %d) only", in.Name, model.DNSPort)
		return
	}
	w.step(StepDeliver, Allowed, in.ID, "", "delivered to DNS private resolver inbound endpoint %s (%s)", in.Name, w.pkt.dst)
	w.final = in
	w.end(Delivered, "")
}

// atNetApp delivers to a NetApp volume's mount target, which no NIC in the snapshot holds, the
// packet arriving over peering via (nil: from its own VNet). With Standard network features its
// delegated subnet's admin rules and NSG filter what arrives; with Basic they do not apply
// (model.NetAppVolume.Basic), and a client in another region (over global peering or a
// connected group) or behind an appliance is one Microsoft lists as not supported: the answer is
// Unknown.
func (w *walker) atNetApp(vol *model.NetAppVolume, via *model.Peering) {
	w.addHop(HopAzureService, vol.Name, vol.ID, w.pkt.dst)
	if w.reply {
		w.drop(NoSession, StepPlatform, vol.ID, "", "trace starts no flow at a NetApp volume, so no reply comes back to one")
		return
	}
	if vol.Basic() {
		if vol.Subnet.NSG != nil || vol.Subnet.MissingNSG != "" {
			w.step(StepNsgInbound, Allowed, vol.ID, "", "NetApp volume %s has Basic network features: the NSG of its subnet %s does not apply", vol.Name, vol.Subnet.Name)
		}
	} else if !w.filter(vol, w.p.ACL.ForSubnet(vol.Subnet), model.Inbound) {
		return
	}
	if !model.NetAppListens(w.pkt.proto, w.pkt.dport) {
		w.drop(NoListener, StepDeliver, vol.ID, "", "NetApp volume %s answers NFS (TCP and UDP 111, 635, 2049, 4045, 4046, 4049) and SMB (TCP 445) only", vol.Name)
		return
	}
	if vol.Basic() && (via != nil && via.Global() || w.crossRegion || w.forwarded) {
		w.drop(InsufficientInformation, StepDeliver, vol.ID, "", "NetApp volume %s has Basic network features, which do not support clients "+
			"in another region or behind an appliance (learn.microsoft.com/azure/azure-netapp-files/azure-netapp-files-network-topologies, "+
			"supported network topologies)", vol.Name)
		w.assume("NetApp volume %s: Microsoft does not support this path with Basic network features; whether it works is unknown", vol.Name)
		return
	}
	w.step(StepDeliver, Allowed, vol.ID, "", "delivered to NetApp volume %s (mount target %s)", vol.Name, w.pkt.dst)
	w.final = vol
	w.end(Delivered, "")
}

// atDelegated is a packet for an address nothing in the snapshot holds, in subnet s, which is
// delegated to service svc: an instance of the service may hold it, and the snapshot does not
// list them (model.Subnet.UnlistedService). The subnet's admin rules and NSG decide first, as
// for anything in the subnet (spec §2.1); what they let through is Unknown, naming the service.
// In a NetApp subnet they do not: an unlisted volume with Basic network features escapes them.
func (w *walker) atDelegated(s *model.Subnet, svc string) {
	var g *model.AppGateway
	name, id := svc, model.ID("")
	if svc == model.AppGatewayService && len(s.AppGateways) > 0 {
		g = s.AppGateways[0] // not a delegation: application gateways run in the subnet
		name, id = g.Name, g.ID
	}
	w.addHop(HopAzureService, name, id, w.pkt.dst)
	if !w.reply && s.FiltersUnlisted() && !w.filter(s, w.p.ACL.ForSubnet(s), model.Inbound) {
		return
	}
	if g != nil {
		// Its instances and private frontend hold the subnet's addresses, and its listeners,
		// rules and backends, which the model does not read, decide what answers.
		w.drop(InsufficientInformation, StepDeliver, g.ID, "", "nothing the snapshot lists owns %s, but subnet %s runs application gateway %s, "+
			"whose instances and private frontend hold addresses there; its listeners and rules decide what answers, and vnetdoctor does not model them", w.pkt.dst, s.Name, g.Name)
		w.assume("subnet %s runs application gateway %s, whose listeners and rules are not modelled; what answers at %s is unknown", s.Name, g.Name, w.pkt.dst)
		return
	}
	w.drop(InsufficientInformation, StepDeliver, s.ID, "", "nothing the snapshot holds owns %s, but subnet %s is delegated to %s, "+
		"whose instances hold addresses there that the snapshot does not list", w.pkt.dst, s.Name, svc)
	w.assume("subnet %s is delegated to %s; the snapshot does not list its instances, so what holds %s is unknown", s.Name, svc, w.pkt.dst)
}

// atAppGatewayFrontend is a packet from the internet for a public frontend of application
// gateway g: its listeners, rules and backends decide what answers (and what its subnet's NSG
// sees of the packet), none of which the model reads, so the answer is Unknown.
func (w *walker) atAppGatewayFrontend(g *model.AppGateway) {
	w.addHop(HopAzureService, g.Name, g.ID, w.pkt.dst)
	w.drop(InsufficientInformation, StepDeliver, g.ID, "", "public IP %s is a frontend of application gateway %s: its listeners, rules and backends "+
		"decide what answers, and vnetdoctor does not model them", w.pkt.dst, g.Name)
	w.assume("application gateway %s's listeners and rules are not modelled; what answers at %s is unknown", g.Name, w.pkt.dst)
}

func (w *walker) dropReserved(s *model.Subnet) {
	w.addHop(HopNIC, "", "", w.pkt.dst)
	w.drop(PlatformBlocked, StepPlatform, s.ID, "", "%s is one of the five addresses Azure reserves in subnet %s (broadcast or platform): nothing can own it (spec §2.6)", w.pkt.dst, s.Name)
}

func (w *walker) arriveOwner(o model.Owner) {
	switch o.Kind {
	case model.OwnerNIC:
		w.atNIC(o.IPConfig)
	case model.OwnerPrivateEndpoint:
		w.arrivePE(o.PrivateEndpoint, nil)
	case model.OwnerFirewall:
		w.atFirewallFrontend(o.Firewall)
	case model.OwnerLBFrontend:
		w.atInternalLB(o.Frontend, false)
	case model.OwnerGateway:
		w.addHop(HopVNetGateway, o.Gateway.Name, o.Gateway.ID, o.Addr)
		w.step(StepDeliver, Allowed, o.Gateway.ID, "", "delivered to the gateway's own address")
		w.final = o.Gateway
		w.end(Delivered, "")
	default:
		w.end(Dropped, NoListener)
	}
}

// arriveGroup delivers over a Virtual Network Manager connected group: the owner in another
// member VNet.
// Next hop ConnectedGroup delivers to the owner in the target VNet: spec §1.6, §1.3 [UDR].
func (w *walker) arriveGroup(s *model.Subnet) {
	if g := s.VNet.GroupOf(w.pkt.dst); g != nil {
		w.arriveMember(s.VNet, g)
		return
	}
	for _, o := range w.p.Net.Owners(w.pkt.dst) {
		if o.VNet != s.VNet {
			w.arriveOwner(o)
			return
		}
	}
	w.addHop(HopNIC, "", "", w.pkt.dst)
	w.drop(NoListener, StepDeliver, "", "", "nothing in the connected group owns %s", w.pkt.dst)
}

// atNIC is a packet arriving at a NIC ip configuration that owns its destination.
func (w *walker) atNIC(c *model.IPConfig) {
	w.nicHop(c, HopNIC)
	if !w.filter(c, w.p.ACL.ForIPConfig(c), model.Inbound) {
		return
	}
	w.deliverNIC(c)
}

// deliverNIC hands the packet to the VM, unless the host keeps it (spec §2.6).
func (w *walker) deliverNIC(c *model.IPConfig) {
	if w.pkt.proto == model.ProtoUDP && w.pkt.dport == model.HostReservedUDPPort {
		w.drop(PlatformBlocked, StepPlatform, c.NIC.ID, "", "UDP port %d is reserved for the Azure host: it drops UDP packets to that port before the VM sees them (spec §2.6)", model.HostReservedUDPPort)
		return
	}
	w.step(StepDeliver, Allowed, c.NIC.ID, "", "delivered to %s (%s)", nicLabel(c), c.PrivateIP)
	w.final = c
	w.end(Delivered, "")
}

func nicLabel(c *model.IPConfig) string {
	if c.NIC == nil {
		return "ip configuration " + c.Name
	}
	if c.NIC.VMName != "" {
		return "VM " + c.NIC.VMName
	}
	return "NIC " + c.NIC.Name
}

// arrivePE delivers to a private endpoint: approved connection, then its subnet NSG only when
// network policies enable NSGs (spec §5 [PENP]).
func (w *walker) arrivePE(pe *model.PrivateEndpoint, via *model.Peering) {
	if !w.crossPeering(via) {
		return
	}
	w.addHop(HopPrivateEndpoint, pe.Name, pe.ID, w.pkt.dst)
	if w.reply {
		w.drop(NoSession, StepPlatform, pe.ID, "", "a private endpoint only answers; it never receives replies")
		return
	}
	if !pe.Approved() {
		w.drop(PrivateEndpointNotApproved, StepPlatform, pe.ID, "", "private endpoint %s has no Approved connection (%s): it carries no traffic (spec §5)", pe.Name, peStatus(pe))
		return
	}
	if pe.Subnet != nil && pe.Subnet.PENetworkPoliciesNSG() {
		if !w.filter(pe, w.p.ACL.ForPrivateEndpoint(pe), model.Inbound) {
			return
		}
	} else if pe.Subnet != nil && pe.Subnet.NSG != nil {
		w.step(StepNsgInbound, Allowed, pe.Subnet.NSG.ID, "", "privateEndpointNetworkPolicies is %q: the subnet NSG does not filter traffic to private endpoints (spec §5)", policyName(pe.Subnet))
	}
	w.step(StepDeliver, Allowed, pe.ID, "", "delivered to private endpoint %s (%s)", pe.Name, peTarget(pe))
	w.final = pe
	w.end(Delivered, "")
}

// policyName: privateEndpointNetworkPolicies defaults to Disabled (spec §5 [PENP]).
func policyName(s *model.Subnet) string {
	if s.PrivateEndpointNetworkPolicies == "" {
		return "Disabled"
	}
	return s.PrivateEndpointNetworkPolicies
}

// peStatus: only an Approved connection carries traffic (spec §5 [PEOV]).
func peStatus(pe *model.PrivateEndpoint) string {
	if len(pe.Connections) == 0 {
		return "no connection"
	}
	return pe.Connections[0].Status
}

func peTarget(pe *model.PrivateEndpoint) string {
	if len(pe.Connections) == 0 {
		return "no target"
	}
	c := pe.Connections[0]
	t := c.Target.Name()
	if len(c.GroupIDs) > 0 {
		t += "/" + c.GroupIDs[0]
	}
	return t
}

// toService leaves through a service endpoint (spec §1.6): the source stays private.
func (w *walker) toService(r *fib.Route) {
	name := r.Service
	if name == "" {
		name = r.Tag
	}
	w.addHop(HopAzureService, name, "", w.pkt.dst)
	w.step(StepDeliver, Allowed, "", "", "reaches %s over its service endpoint; the source stays %s", name, w.pkt.src)
	w.end(ExitedToAzureService, "")
}
