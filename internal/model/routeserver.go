package model

import "net/netip"

// RouteServer is an Azure Route Server: a Microsoft.Network/virtualHubs resource deployed in a
// VNet's RouteServerSubnet (no virtualWan), exchanging routes over BGP with NVAs (its
// bgpConnections) and the VNet's gateways. It forwards no data: the routes it learns from an NVA
// are programmed into the VMs with the NVA as next hop, in its VNet and in the VNets that peer
// with it using remote gateways (learn.microsoft.com/azure/route-server/overview, route-server-faq
// "Does Azure Route Server support virtual network peering?", "Does Azure Route Server route data
// traffic between my NVA and my VMs?").
type RouteServer struct {
	ID     ID
	Name   string
	VNet   *VNet
	Subnet *Subnet // the RouteServerSubnet, when the snapshot shows it
	// IPs are virtualRouterIps: the two instances' addresses, the localAddress of their BGP rows.
	IPs []netip.Addr
	ASN uint32 // virtualRouterAsn, 65515
	// BranchToBranch is allowBranchToBranchTraffic: the Route Server exchanges routes between
	// NVAs and the VNet's VPN/ExpressRoute gateways (route-server/expressroute-vpn-support).
	BranchToBranch bool
	// RoutingPreference is hubRoutingPreference: ExpressRoute (default), VpnGateway or ASPath
	// (route-server/hub-routing-preference).
	RoutingPreference string
	Peers             []*BGPPeer
	// Learned is the supplied `routeserver peering list-learned-routes` output of its peers;
	// nil when none was given.
	Learned *LearnedRoutes
}

// BGPPeer is one bgpConnection of a Route Server: an NVA it peers with.
type BGPPeer struct {
	ID    ID
	Name  string
	IP    netip.Addr // peerIp
	ASN   uint32     // peerAsn
	State string     // connectionState, when present
}

// PeerAt returns the peer whose address is a, or nil.
func (rs *RouteServer) PeerAt(a netip.Addr) *BGPPeer {
	for _, p := range rs.Peers {
		if p.IP == a {
			return p
		}
	}
	return nil
}

// HasIP reports whether a is one of the Route Server's instance addresses.
func (rs *RouteServer) HasIP(a netip.Addr) bool {
	for _, x := range rs.IPs {
		if x == a {
			return true
		}
	}
	return false
}
