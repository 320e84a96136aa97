package ask

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// This file bounds the changes of what carries other endpoints' flows without being one of their
// ends: load balancers, public IPs, appliances (NICs with IP forwarding), firewalls, VNet gateways
// with their connections, and Virtual Network Manager connected groups. Most become hops (the
// routes to them are transit, hopTransit) or gateways (what they reach is transit,
// gatewayTransit); the rest recompute the endpoints that use them whole.

// edgeTransit adds to sc's transit what may cross its changed hops, peerings between forwarding
// VNets and gateways (hopTransit, crossingTransit, gatewayTransit), or makes sc global with the
// reason one gives.
func (sc *diffScope) edgeTransit(pb, pa *dataplane.Plane) {
	for _, find := range []func() ([]netip.Prefix, string){
		func() ([]netip.Prefix, string) { return hopTransit(sc.hops, pb, pa) },
		func() ([]netip.Prefix, string) { return crossingTransit(sc.crossings, pb, pa) },
		func() ([]netip.Prefix, string) { return gatewayTransit(sc.gateways, pb, pa) },
	} {
		if sc.global {
			return
		}
		ps, reason := find()
		if reason != "" {
			sc.global, sc.reason = true, reason
			return
		}
		sc.transit = append(sc.transit, ps...)
	}
}

// touchLBs recomputes, for each changed load balancer (sc.lbs) of either network, its backends
// and inbound NAT targets whole (their outbound rules, and their flows through the frontends,
// which addrsOf adds as destinations), and makes its internal frontends hops: a route may send
// others' flows to one (HA ports).
func (sc *diffScope) touchLBs(nets ...*model.Network) {
	sc.touchChained(nets...)
	for _, n := range nets {
		for _, lb := range n.LoadBalancers {
			if !sc.lbs[lb.ID.Key()] {
				continue
			}
			sc.frontendHops(lb)
			for _, p := range lb.BackendPools {
				for _, c := range p.IPConfigs {
					sc.touchIPConfig(c)
				}
				for _, a := range p.Addresses {
					for _, nw := range nets {
						for _, o := range nw.Owners(a) {
							sc.touchIPConfig(o.IPConfig)
						}
					}
				}
			}
			for _, r := range lb.InboundNATRules {
				sc.touchIPConfig(r.Target)
			}
		}
	}
}

// touchChained makes what is chained to a changed Gateway Load Balancer changed too: the load
// balancers whose frontends chain to it, and the NICs whose public IP configurations do. A
// Gateway Load Balancer sits only in the flows to and from those (spec §6 [GWLB]: traffic to a
// chained frontend or instance public IP is sent through it and back).
func (sc *diffScope) touchChained(nets ...*model.Network) {
	chained := func(fe *model.Frontend) bool {
		return fe != nil && fe.LB != nil && fe.LB.IsGateway() && sc.lbs[fe.LB.ID.Key()]
	}
	for _, n := range nets {
		for _, lb := range n.LoadBalancers {
			if slices.ContainsFunc(lb.Frontends, func(fe *model.Frontend) bool { return chained(fe.GatewayLB) }) {
				sc.lbs[lb.ID.Key()] = true
			}
		}
		for _, nic := range n.NICs {
			if slices.ContainsFunc(nic.IPConfigs, func(c *model.IPConfig) bool { return chained(c.GatewayLB) }) {
				sc.nics[nic.ID.Key()] = true
			}
		}
	}
}

func (sc *diffScope) touchIPConfig(c *model.IPConfig) {
	if c != nil && c.NIC != nil {
		sc.nics[c.NIC.ID.Key()] = true
	}
}

// touchPublicIPs bounds the changed public IPs (lower IDs) by what uses them in either network:
// a NIC's (recomputed whole), a load balancer frontend's (its load balancer, touchLBs), a NAT
// gateway's (the subnets it serves, whole), a firewall's or a VNet gateway's (as a changed
// firewall or gateway). One nothing uses carries no flow.
func (sc *diffScope) touchPublicIPs(pips map[string]bool, nets ...*model.Network) {
	if len(pips) == 0 {
		return
	}
	used := func(p *model.PublicIP) bool { return p != nil && pips[p.ID.Key()] }
	for _, n := range nets {
		for _, nic := range n.NICs {
			for _, c := range nic.IPConfigs {
				if used(c.PublicIP) {
					sc.nics[nic.ID.Key()] = true
				}
			}
		}
		for _, lb := range n.LoadBalancers {
			for _, fe := range lb.Frontends {
				if used(fe.PublicIP) {
					sc.lbs[lb.ID.Key()] = true
				}
			}
		}
		for _, ng := range n.NATGateways {
			if slices.ContainsFunc(ng.PublicIPs, used) {
				for _, s := range ng.Subnets {
					sc.subnets[s.ID.Key()] = true
				}
			}
		}
		for _, fw := range n.Firewalls {
			if slices.ContainsFunc(fw.PublicIPs, used) {
				sc.touchFirewalls(map[string]bool{fw.ID.Key(): true}, nets...)
			}
		}
		for _, g := range n.VNetGateways {
			if slices.ContainsFunc(g.PublicIPs, used) {
				sc.touchGateways(map[string]bool{g.ID.Key(): true}, nets...)
			}
		}
		for _, p := range n.PublicIPs {
			if used(p) && p.AttachedTo != "" && !attachedKnown(p.AttachedTo) && !sc.global {
				sc.global, sc.reason = true, "a public IP of "+string(p.AttachedTo)+" changed"
			}
		}
	}
}

// attachedKnown reports whether a public IP's ipConfiguration belongs to a NIC, a load balancer,
// a firewall or a VNet gateway, whose use touchPublicIPs bounds; anything else (Bastion, an
// application gateway, ...) is not bounded.
func attachedKnown(id model.ID) bool {
	switch topType(strings.ToLower(azure.TypeFromID(string(id)))) {
	case "microsoft.network/networkinterfaces", "microsoft.network/loadbalancers", "microsoft.network/azurefirewalls", "microsoft.network/virtualnetworkgateways":
		return true
	}
	return false
}

// touchAppliances makes the addresses of the changed NICs that forward (IP forwarding in either
// network) hops: a packet reaches an appliance that is not its destination only because a
// route's next hop is the appliance or a load balancer in front of it
// (learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview, "Next hop types
// across Azure tools": VirtualAppliance; spec §1.4 [UDR]), and its flags decide whether it
// forwards (trace: IpForwardingDisabled). A NIC in a subnet recomputed whole (its route table or
// NAT gateway changed), or whose NSG changed, or under an NSG whose rules changed counts as
// changed: those settings filter and route the flows it forwards. The internal frontends of a load balancer
// with a changed backend are hops too: which backend it picks (health probes come from
// 168.63.129.16 through the backend's NSG: learn.microsoft.com/azure/load-balancer/load-balancer-custom-probe-overview,
// "Probe source IP address") and what that backend does with a packet may have changed.
func (sc *diffScope) touchAppliances(nets ...*model.Network) {
	changed := func(nic *model.NIC) bool {
		return sc.nics[nic.ID.Key()] || sc.filters[nic.ID.Key()] || sc.underChangedNSG(nic) ||
			slices.ContainsFunc(nic.IPConfigs, func(c *model.IPConfig) bool {
				return c.Subnet != nil && (sc.subnets[c.Subnet.ID.Key()] || sc.filters[c.Subnet.ID.Key()])
			})
	}
	for _, n := range nets {
		for _, nic := range n.NICs {
			if !nic.IPForwarding || !changed(nic) {
				continue
			}
			sc.nics[nic.ID.Key()] = true
			for _, c := range nic.IPConfigs {
				sc.hops[c.PrivateIP] = true
			}
		}
	}
	backend := func(c *model.IPConfig) bool { return c != nil && c.NIC != nil && changed(c.NIC) }
	for _, n := range nets {
		for _, lb := range n.LoadBalancers {
			if slices.ContainsFunc(lb.BackendPools, func(p *model.BackendPool) bool { return slices.ContainsFunc(p.IPConfigs, backend) }) {
				sc.frontendHops(lb)
			}
		}
	}
}

// frontendHops makes lb's internal frontends hops: a route may send others' flows to one (HA
// ports), and what lb does with them changed.
func (sc *diffScope) frontendHops(lb *model.LoadBalancer) {
	for _, fe := range lb.Frontends {
		if fe.PublicIP == nil && fe.PrivateIP.IsValid() {
			sc.hops[fe.PrivateIP] = true
		}
	}
}

func (sc *diffScope) underChangedNSG(nic *model.NIC) bool {
	if nic.NSG != nil && sc.rules[nic.NSG.ID.Key()] != nil {
		return true
	}
	return slices.ContainsFunc(nic.IPConfigs, func(c *model.IPConfig) bool {
		return c.Subnet != nil && c.Subnet.NSG != nil && sc.rules[c.Subnet.NSG.ID.Key()] != nil
	})
}

// hopTransit is the destinations of every route, in any subnet of either plane, whose next hop
// is one of hops: the packets a changed appliance or load balancer may forward. A non-empty
// reason says one is not an IPv4 prefix (diff cannot bound it by address).
func hopTransit(hops map[netip.Addr]bool, planes ...*dataplane.Plane) ([]netip.Prefix, string) {
	if len(hops) == 0 {
		return nil, ""
	}
	seen := map[netip.Prefix]bool{}
	var out []netip.Prefix
	for _, p := range planes {
		for _, s := range p.Net.Subnets {
			t := p.FIB.Subnet(s)
			if t == nil {
				continue
			}
			for r := range t.Routes() {
				if !slices.ContainsFunc(r.NextHopIPs, func(a netip.Addr) bool { return hops[a] }) || seen[r.Prefix] {
					continue
				}
				if !r.Prefix.Addr().Is4() {
					return nil, "route " + r.Prefix.String() + " in " + string(s.ID) + " sends flows to a changed appliance or load balancer (not an IPv4 prefix)"
				}
				seen[r.Prefix] = true
				out = append(out, r.Prefix)
			}
		}
	}
	return out, ""
}

// gatewayEdgeTypes are the resources whose change alters only what VNet gateways reach beyond
// the VNets, and the gateways' own flows: connections, local network gateways, the gateways.
var gatewayEdgeTypes = map[string]bool{"microsoft.network/connections": true, "microsoft.network/localnetworkgateways": true,
	"microsoft.network/virtualnetworkgateways": true}

// touchGateways resolves the changed gateways, connections and local network gateways (lower
// IDs) to the VNet gateways they change in either network (sc.gateways: true for a gateway that
// changed itself; false for a connection's gateway and Vnet2Vnet peer, and the gateways connected
// to a local network gateway), and recomputes those gateways' subnets whole: their own
// addresses' flows (BGP peering addresses).
func (sc *diffScope) touchGateways(ids map[string]bool, nets ...*model.Network) {
	if len(ids) == 0 {
		return
	}
	mark := func(g *model.VNetGateway, self bool) {
		if g != nil {
			sc.gateways[g.ID.Key()] = sc.gateways[g.ID.Key()] || self
		}
	}
	for _, n := range nets {
		for _, g := range n.VNetGateways {
			if ids[g.ID.Key()] {
				mark(g, true)
			}
		}
		for _, c := range n.Connections {
			if ids[c.ID.Key()] || (c.Local != nil && ids[c.Local.ID.Key()]) {
				mark(c.Gateway, false)
				mark(c.Peer, false)
			}
		}
	}
	for _, n := range nets {
		for _, g := range n.VNetGateways {
			if sc.gateways[g.ID.Key()] && g.Subnet != nil {
				sc.subnets[g.Subnet.ID.Key()] = true
			}
		}
	}
}

// gatewayTransit is what the changed VNet gateways (lower IDs, sc.gateways) reach beyond the
// VNets, in either plane: the on-premises prefixes of their local network gateways, the
// destination of every route they programmed from a connection or by BGP, in any subnet, and,
// for a gateway that changed itself, of every user route to a gateway in the VNets using it (a
// forced tunnel's 0.0.0.0/0 goes wherever the gateway sends it, or nowhere without one). A
// changed gateway or connection changes only flows to and from those addresses, beyond the
// routes compared already (and the gateway's own, touchGateways): a gateway carries a packet
// over a connection only towards that connection's remote prefixes
// (learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings, "Local network
// gateways"; spec §1.6). A non-empty reason says diff cannot bound the change: a connection or
// gateway translates addresses (VPN NAT, spec §1.8), or a prefix is not IPv4.
func gatewayTransit(changed map[string]bool, planes ...*dataplane.Plane) ([]netip.Prefix, string) {
	if len(changed) == 0 {
		return nil, ""
	}
	seen := map[netip.Prefix]bool{}
	var out []netip.Prefix
	add := func(p netip.Prefix) string {
		if seen[p] {
			return ""
		}
		if !p.Addr().Is4() {
			return "a changed gateway reaches " + p.String() + " (not an IPv4 prefix)"
		}
		seen[p] = true
		out = append(out, p)
		return ""
	}
	of := func(g *model.VNetGateway) bool { // changed itself or its connections
		if g == nil {
			return false
		}
		_, ok := changed[g.ID.Key()]
		return ok
	}
	users := gatewayUsers(changed, planes...)
	for _, p := range planes {
		for _, c := range p.Net.Connections {
			if (of(c.Gateway) || of(c.Peer)) && len(c.IngressNAT)+len(c.EgressNAT) > 0 {
				return nil, "connection " + string(c.ID) + " translates addresses (VPN NAT)"
			}
		}
		for _, g := range p.Net.VNetGateways {
			if of(g) && len(g.NATRules) > 0 {
				return nil, "gateway " + string(g.ID) + " translates addresses (VPN NAT)"
			}
		}
		for _, o := range p.Index.OnPrem {
			if of(o.Gateway) {
				if r := add(o.Prefix); r != "" {
					return nil, r
				}
			}
		}
		for _, s := range p.Net.Subnets {
			t := p.FIB.Subnet(s)
			if t == nil {
				continue
			}
			for r := range t.Routes() {
				programmed := r.Connection != nil || r.Learned != nil
				if r.NextHop != model.HopVirtualNetworkGateway || (programmed && !of(r.Gateway)) || (!programmed && !users[s.VNet]) {
					continue
				}
				if reason := add(r.Prefix); reason != "" {
					return nil, reason
				}
			}
		}
	}
	return out, ""
}

// firewallTypes are the firewall resources whose change (beyond rule collection groups and IP
// groups, difffirewall.go) may alter every flow a firewall handles: its settings and policy
// settings (threat intelligence, SNAT ranges, DNS proxy), its addresses, its classic rules.
var firewallTypes = map[string]bool{"microsoft.network/azurefirewalls": true, "microsoft.network/firewallpolicies": true}

// touchFirewalls bounds the changed firewalls and policies (lower IDs) by the firewalls they
// configure in either network (a policy configures the firewalls of the policies based on it,
// spec §3.2): each firewall's subnet is recomputed whole (its own flows, and its DNAT
// addresses) and its private IP is a hop, so the destinations of the routes to it are transit. A
// firewall in a Virtual WAN hub is routed by the hub's tables, not by subnets': global.
func (sc *diffScope) touchFirewalls(ids map[string]bool, nets ...*model.Network) {
	if len(ids) == 0 {
		return
	}
	configures := func(fw *model.Firewall) bool {
		if ids[fw.ID.Key()] || ids[fw.MissingPolicy.Key()] {
			return true
		}
		for p, depth := fw.Policy, 0; p != nil && depth < 64; p, depth = p.Base, depth+1 {
			if ids[p.ID.Key()] {
				return true
			}
		}
		return false
	}
	for _, n := range nets {
		for _, fw := range n.Firewalls {
			if !configures(fw) {
				continue
			}
			if fw.Subnet == nil {
				if !sc.global {
					sc.global, sc.reason = true, "firewall "+string(fw.ID)+" in a Virtual WAN hub changed"
				}
				continue
			}
			sc.subnets[fw.Subnet.ID.Key()] = true
			if fw.PrivateIP.IsValid() {
				sc.hops[fw.PrivateIP] = true
			}
		}
	}
}

// managerTypes are the Virtual Network Manager resources: what they do reaches the model as
// peerings (hub and spoke, touchPeerings), connected groups (their routes; touchGroups) and
// security admin rules (touchAdmin), each compared there.
const managerTypes = "microsoft.network/networkmanagers/"

// touchGroups makes the address spaces of the VNets whose connected groups differ (joined, left,
// or their groups' members or members' subnets changed) transit: a packet is delivered by a
// connected group to the member holding its destination, and dropped where two members'
// subnets overlap (trace/connected.go), so beyond the routes, which are compared already, only
// flows to and from those ranges can change.
func (sc *diffScope) touchGroups(b, a *model.Network) {
	keys := func(n *model.Network) map[string]string {
		out := map[string]string{}
		for _, v := range n.VNets {
			var ks []string
			for _, g := range v.ConnectedGroups {
				k := g.ID.Key() + "/" + g.Name
				for _, m := range g.Members {
					k += "|" + m.ID.Key() + fmt.Sprint(m.AddressSpace)
					for _, sub := range m.Subnets { // a destination in two members' subnets is dropped
						k += fmt.Sprint(sub.Prefixes)
					}
				}
				ks = append(ks, k)
			}
			slices.Sort(ks)
			out[v.ID.Key()] = strings.Join(ks, ";")
		}
		return out
	}
	kb, ka := keys(b), keys(a)
	for _, n := range []*model.Network{b, a} {
		for _, v := range n.VNets {
			if k := v.ID.Key(); kb[k] != ka[k] {
				sc.transit = append(sc.transit, v.AddressSpace...)
			}
		}
	}
}

// gatewayUsers are the VNets, in either plane, whose user routes to a gateway reach one that
// changed itself (changed[id] true): its own VNet's, and those using it by gateway transit.
func gatewayUsers(changed map[string]bool, planes ...*dataplane.Plane) map[*model.VNet]bool {
	self := map[string]bool{} // lower VNet IDs holding such a gateway
	for _, p := range planes {
		for _, g := range p.Net.VNetGateways {
			if changed[g.ID.Key()] && g.VNet != nil {
				self[g.VNet.ID.Key()] = true
			}
		}
	}
	out := map[*model.VNet]bool{}
	for _, p := range planes {
		for _, v := range p.Net.VNets {
			if self[v.ID.Key()] || slices.ContainsFunc(v.Peerings, func(pr *model.Peering) bool { return pr.UseRemoteGateways && self[pr.RemoteID.Key()] }) {
				out[v] = true
			}
		}
	}
	return out
}

// crossingTransit is what may cross the changed peerings between two forwarding VNets, in either
// plane: both VNets' ranges, and the destinations of the routes in one whose next hop lies in
// the other (an appliance, a firewall, an internal load balancer there) or is the other's
// gateway (gateway transit). A packet crosses a peering only towards the remote VNet's ranges,
// by a peering route, or towards a next hop there: peering is nontransitive
// (learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview, "Service
// chaining", "Gateways and on-premises connectivity"). A non-empty reason says a prefix is not
// IPv4.
func crossingTransit(crossings [][2]string, planes ...*dataplane.Plane) ([]netip.Prefix, string) {
	var out []netip.Prefix
	for _, pair := range crossings {
		for _, p := range planes {
			for i, id := range pair {
				a, b := vnetOf(p.Net, model.ID(id)), vnetOf(p.Net, model.ID(pair[1-i]))
				if a == nil || b == nil {
					continue
				}
				out = append(out, a.AddressSpace...)
				for _, s := range a.Subnets {
					t := p.FIB.Subnet(s)
					if t == nil {
						continue
					}
					for r := range t.Routes() {
						if slices.ContainsFunc(r.NextHopIPs, b.Contains) || (r.Gateway != nil && r.Gateway.VNet == b) {
							out = append(out, r.Prefix)
						}
					}
				}
			}
		}
	}
	for _, x := range out {
		if !x.Addr().Is4() {
			return nil, "a changed peering between forwarding VNets carries " + x.String() + " (not an IPv4 prefix)"
		}
	}
	return out, ""
}
