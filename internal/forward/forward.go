// Package forward decides where a packet goes next when it leaves a subnet: the one home of
// "given this packet at this hop, what happens" for routing, shared by trace, check and reach.
// Its functions are pure: they read the data plane and return typed decisions, recording nothing.
package forward

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Kind says what a route decision does with the packet.
type Kind uint8

const (
	// NoTable: the subnet's reference dangles or it has no table; its routes are unknown.
	NoTable Kind = iota
	// NoRoute: no route matches the destination (NextHopNone).
	NoRoute
	Drop           // the selected route's next hop is None
	Local          // VnetLocal: on to an address in the subnet's own VNet
	Peering        // VNetPeering / VNetGlobalPeering: across Route.Peering to its remote VNet
	ConnectedGroup // a Virtual Network Manager connected group
	Endpoint       // InterfaceEndpoint: a private endpoint's /32
	Appliance      // VirtualAppliance whose next hop IP has an owner (Decision.Owner)
	Unresolved     // VirtualAppliance whose next hop IP nothing owns in reach (NextHopUnreachable)
	Gateway        // VirtualNetworkGateway
	Internet       // Internet
	Service        // VirtualNetworkServiceEndpoint
)

var kindNames = [...]string{"NoTable", "NoRoute", "Drop", "Local", "Peering", "ConnectedGroup", "Endpoint",
	"Appliance", "Unresolved", "Gateway", "Internet", "Service"}

func (k Kind) String() string { return kindNames[k] }

// Decision is what leaving a subnet towards one destination does: the route selected and, for
// an appliance route, what owns its next hop and the peering crossed to reach it.
type Decision struct {
	Kind  Kind
	Route *fib.Route // nil for NoTable and NoRoute
	Owner model.Owner
	// Via is the peering crossed to reach an appliance's owner (Appliance) or a private endpoint
	// (Endpoint); nil inside the VNet.
	Via *model.Peering
}

// Leave selects the route a packet to dst takes out of subnet s (spec §1.5) and resolves an
// appliance next hop (spec §1.4). systemOnly ignores UDRs, as the replies of a private endpoint
// do (spec §5 DECISION).
func Leave(p *dataplane.Plane, s *model.Subnet, dst netip.Addr, systemOnly bool) Decision {
	r, d, ok := selectRoute(p, s, dst, systemOnly)
	if !ok {
		return d
	}
	return Follow(p, s, r)
}

// selectRoute is the route Leave follows, or (false) the NoTable or NoRoute decision.
func selectRoute(p *dataplane.Plane, s *model.Subnet, dst netip.Addr, systemOnly bool) (*fib.Route, Decision, bool) {
	if s == nil {
		return nil, Decision{Kind: NoTable}, false
	}
	t := p.FIB.Subnet(s)
	if t == nil {
		return nil, Decision{Kind: NoTable}, false
	}
	var r *fib.Route
	var ok bool
	if systemOnly {
		r, ok = t.SystemLookup(dst)
	} else {
		r, ok = t.Lookup(dst)
	}
	if !ok {
		return nil, Decision{Kind: NoRoute}, false
	}
	return r, Decision{}, true
}

// Follow is the decision of route r selected in subnet s.
func Follow(p *dataplane.Plane, s *model.Subnet, r *fib.Route) Decision {
	d := Decision{Route: r}
	if r.Hub != nil { // a Virtual WAN hub's route (fib/vwan.go): the hub decides
		d.Kind = Gateway
		return d
	}
	switch r.NextHop {
	case model.HopVnetLocal:
		d.Kind = Local
	case model.HopVNetPeering, model.HopVNetGlobalPeering:
		d.Kind = Peering
	case model.HopConnectedGroup:
		d.Kind = ConnectedGroup
	case model.HopInterfaceEndpoint:
		d.Kind = Endpoint
		if t := p.FIB.Subnet(s); t != nil {
			d.Via = t.Via(r)
		}
	case model.HopVirtualAppliance:
		d = applianceHop(p, s, r)
	case model.HopVirtualNetworkGateway:
		d.Kind = Gateway
		if r.RouteServer != nil { // a Route Server's route goes to its NVA (routeServerHops)
			d = applianceHop(p, s, r)
		}
	case model.HopInternet:
		d.Kind = Internet
	case model.HopServiceEndpoint:
		d.Kind = Service
	default:
		d.Kind = Drop
	}
	return d
}

// ToAppliance reports whether Follow may decide Appliance for r (a VirtualAppliance route, or a
// Route Server's): callers that want only the devices a route leads to skip the others.
func ToAppliance(r *fib.Route) bool {
	if r.Hub != nil {
		return false
	}
	return r.NextHop == model.HopVirtualAppliance || r.NextHop == model.HopVirtualNetworkGateway && r.RouteServer != nil
}

// applianceHop is the decision of a route whose next hop is an appliance's address: a
// VirtualAppliance route (spec §1.4), or a route a Route Server programmed (routeServerHops).
// A next hop nothing owns in the VNet or a directly peered one is Unresolved.
//
// routeServerHops: listed as VirtualNetworkGateway, a Route Server route's next hop is the NVA
// that advertised the prefix, and the VM's host sends the packet straight to that NVA like a
// VirtualAppliance next hop (route-server-faq "Does Azure Route Server route data traffic between
// my NVA and my VMs?": "No ... The data traffic goes directly from the NVA to the destination VM
// and directly from the VM to the NVA"). Equal NVAs are all next hops and the host spreads flows
// over them by ECMP (route-server-faq "If Azure Route Server receives the same route from more
// than one NVA"); like a load balancer's backends, the decision follows one, the first by address
// (Route.NextHopIP), and the trace says which others a flow may take. An NVA missing from the
// snapshot leaves the route Unresolved: Route Server peers with NVAs in its VNet or a peered one.
func applianceHop(p *dataplane.Plane, s *model.Subnet, r *fib.Route) Decision {
	d := Decision{Kind: Unresolved, Route: r}
	if o, via, ok := NextHopOwner(p.Net, s.VNet, r.NextHopIP); ok {
		d.Kind, d.Owner, d.Via = Appliance, o, via
	}
	return d
}

// NextHopOwner finds what owns a route's next hop IP in v, or else in a VNet peered with v
// (both links Connected); via is the peering crossed, nil inside v. The next hop of a
// VirtualAppliance route must be in the subnet's VNet or a directly peered one: spec §1.4 [UDR].
func NextHopOwner(n *model.Network, v *model.VNet, ip netip.Addr) (model.Owner, *model.Peering, bool) {
	if o, ok := n.OwnerIn(v, ip); ok {
		return o, nil, true
	}
	for _, pr := range v.Peerings {
		if pr.Remote == nil || !pr.Active() {
			continue
		}
		if o, ok := n.OwnerIn(pr.Remote, ip); ok {
			return o, pr, true
		}
	}
	return model.Owner{}, nil, false
}

// Device is the stateful device an appliance decision hands the packet to and the subnet the
// device forwards from: a NIC with its ip configuration's subnet, an Azure Firewall with
// AzureFirewallSubnet, or an internal load balancer with its frontend's subnet. ok is false for
// owners that do not forward (private endpoints, gateways, public IPs).
// Next hops that forward: spec §1.4, §1.6.
func (d Decision) Device() (dev any, from *model.Subnet, ok bool) {
	if d.Kind != Appliance {
		return nil, nil, false
	}
	switch o := d.Owner; o.Kind {
	case model.OwnerNIC:
		return o.IPConfig.NIC, o.IPConfig.Subnet, true
	case model.OwnerFirewall:
		return o.Firewall, o.Firewall.Subnet, true
	case model.OwnerLBFrontend:
		return o.Frontend.LB, o.Frontend.Subnet, true
	}
	return nil, nil, false
}

// Forwards reports whether an owner of a VirtualAppliance next hop passes packets on: a NIC (if
// IP forwarding is enabled, which the hop checks), an Azure Firewall, an internal load balancer
// frontend or a virtual network gateway. Private endpoints and public IPs do not (spec §1.4).
func Forwards(o model.Owner) bool {
	switch o.Kind {
	case model.OwnerNIC, model.OwnerFirewall, model.OwnerLBFrontend, model.OwnerGateway:
		return true
	}
	return false
}
