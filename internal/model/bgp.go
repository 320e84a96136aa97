package model

import (
	"net/netip"
	"strings"
)

// LearnedRoute is one row of a BGP table that Azure reports for a gateway or a Route Server:
// `az network vnet-gateway list-learned-routes` (GatewayRoute: localAddress, network, nextHop,
// sourcePeer, origin, asPath, weight; learn.microsoft.com/rest/api/network-gateway/virtual-network-gateways/get-learned-routes),
// `az network routeserver peering list-learned-routes` (the same row under RouteServiceRole_IN_0/1,
// VirtualRouterPeerListLearnedRoute.json in Azure/azure-rest-api-specs) or an ExpressRoute
// circuit's route table (ExpressRouteCircuitRoutesTable: network, nextHop, locPrf, weight, path).
// These tables come from outside the snapshot's resources; docs/azure-semantics.md §1.8 says
// how they become effective routes.
type LearnedRoute struct {
	Prefix netip.Prefix
	// NextHop is the BGP next hop: the on-premises peer, the NVA, the peer gateway. Zero when the
	// row has none (the gateway's own networks, origin Network).
	NextHop netip.Addr
	// SourcePeer is the BGP peer the row was learned from; LocalAddress the gateway or Route
	// Server instance address that holds it. Zero for ExpressRoute circuit rows.
	SourcePeer, LocalAddress netip.Addr
	// Origin is EBgp, IBgp, Network or Igp as Azure spells it; "" for circuit rows.
	Origin string
	// ASPath is the AS path as written ("65002-65001", "65001 12076"); ASPathLen its length.
	ASPath    string
	ASPathLen int
	// ExpressRoute is set for rows of an ExpressRoute circuit's route table and of an
	// ExpressRoute gateway: Route Server and gateways prefer them over VPN (§1.8 item 11).
	ExpressRoute bool
	// File is the input file the row came from (the provenance a trace or warning names).
	File string
}

// LearnedRoutes is what the snapshot supplies about one gateway's or Route Server's BGP
// table: nil on the resource when no learned-routes output was given for it.
type LearnedRoutes struct {
	Routes []LearnedRoute
	// Files are the input files the rows came from, in input order, once each.
	Files []string
}

// Add appends r, recording its file once.
func (l *LearnedRoutes) Add(r LearnedRoute) {
	l.Routes = append(l.Routes, r)
	for _, f := range l.Files {
		if f == r.File {
			return
		}
	}
	l.Files = append(l.Files, r.File)
}

// ASPathLength counts the AS numbers of an AS path as Azure prints it: separated by "-",
// spaces or commas ("65002-65001" is 2, "" is 0). An AS set in braces counts as one, as BGP
// path selection counts it (RFC 4271 §9.1.2.2).
func ASPathLength(path string) int {
	n, inSet := 0, false
	for _, f := range strings.FieldsFunc(path, func(r rune) bool { return r == '-' || r == ' ' || r == ',' }) {
		switch {
		case strings.HasPrefix(f, "{"):
			n++
			inSet = !strings.HasSuffix(f, "}")
		case inSet:
			inSet = !strings.HasSuffix(f, "}")
		default:
			n++
		}
	}
	return n
}

// FromRouteServer reports whether a gateway's row came from one of servers: with
// branch-to-branch on, the gateway hears the NVAs' routes from the Route Server over iBGP
// (expressroute-vpn-support), so the row's source peer is a Route Server address and the NVA,
// not the gateway's BGP peer, is the way to the prefix.
func (lr *LearnedRoute) FromRouteServer(servers []*RouteServer) bool {
	for _, rs := range servers {
		if rs.HasIP(lr.SourcePeer) {
			return true
		}
	}
	return false
}
