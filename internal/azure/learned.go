package azure

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

// BGP is what a snapshot holds about BGP routing: Route Servers (routeserver.go) and the rows of
// the BGP tables that Azure reports for gateways and Route Servers, which are not resources.
type BGP struct {
	Learned     []*LearnedRoute
	Hubs        []*VirtualHub
	HubPeers    []*HubBGPConnection // separate virtualHubs/bgpConnections objects
	HubIPConfig []*HubIPConfig      // separate virtualHubs/ipConfigurations objects
}

func (b *BGP) merge(o *BGP) {
	b.Learned = append(b.Learned, o.Learned...)
	b.Hubs = append(b.Hubs, o.Hubs...)
	b.HubPeers = append(b.HubPeers, o.HubPeers...)
	b.HubIPConfig = append(b.HubIPConfig, o.HubIPConfig...)
}

// LearnedRoute is one row of a BGP table, in any of the shapes Azure prints one:
//   - GatewayRoute, the rows of `az network vnet-gateway list-learned-routes -o json` and
//     `list-advertised-routes` ({"value": [...]}, REST Virtual Network Gateways - Get Learned
//     Routes / Get Advertised Routes): localAddress, network, nextHop, sourcePeer, origin, asPath,
//     weight (learn.microsoft.com/rest/api/network-gateway/virtual-network-gateways/get-learned-routes);
//   - the same row under "RouteServiceRole_IN_0" / "RouteServiceRole_IN_1" for `az network
//     routeserver peering list-learned-routes` (Azure/azure-rest-api-specs
//     examples/VirtualRouterPeerListLearnedRoute.json; Get-AzRouteServerPeerLearnedRoute reads both keys);
//   - ExpressRouteCircuitRoutesTable, the rows of `az network express-route list-route-tables`
//     ({"value": [...]}): network, nextHop, locPrf, weight, path
//     (learn.microsoft.com/javascript/api/@azure/arm-network/expressroutecircuitroutestable).
//
// None of them names the gateway or Route Server it belongs to: the converter finds it from
// localAddress (or, for a circuit, from the gateway addresses among its next hops).
type LearnedRoute struct {
	Src          Src
	Instance     string // RouteServiceRole_IN_0 … for Route Server rows
	Network      netip.Prefix
	NextHop      netip.Addr
	SourcePeer   netip.Addr
	LocalAddress netip.Addr
	Origin       string
	ASPath       string
	Weight       int
	// Circuit is set for an ExpressRoute circuit route table row (it has locPrf or path and no
	// localAddress).
	Circuit bool
}

// bgp reads v, of resource type typ ("" for none), when it is a Route Server, a BGP table or
// one of its rows, and reports whether it was. A Virtual WAN hub is left to the resource walk
// (vwan.go), as is every other resource.
func (w *walker) bgp(typ string, v *jsondoc.Value, p *jsondoc.Path) bool {
	if typ != "" {
		if !strings.EqualFold(typ, "Microsoft.Network/virtualHubs") || !isRouteServer(v) {
			return false
		}
		w.s.BGP.Hubs = append(w.s.BGP.Hubs, w.d.virtualHub(v, p))
		w.resources++
		return true
	}
	if isLearnedRow(v) {
		w.s.BGP.Learned = append(w.s.BGP.Learned, w.d.learnedRow(v, p, ""))
		w.resources++
		return true
	}
	found := false
	for i := range v.Kids() {
		m := &v.Kids()[i]
		if !strings.HasPrefix(m.Key, "routeservicerole_") || (m.Val.Kind != jsondoc.Array && m.Val.Kind != jsondoc.Null) {
			continue
		}
		if !found {
			found = true
			w.resources++ // an empty table is still a Route Server's table, not an unknown file
		}
		w.d.items(m, p, func(it *jsondoc.Value, ip *jsondoc.Path) {
			w.s.BGP.Learned = append(w.s.BGP.Learned, w.d.learnedRow(it, ip, m.Raw))
		})
	}
	return found
}

// isLearnedRow reports whether v looks like a BGP table row: a network and BGP attributes,
// and neither an id nor a type (it is not a resource).
func isLearnedRow(v *jsondoc.Value) bool {
	if v.Kind != jsondoc.Object || v.Get("id") != nil || v.Get("type") != nil || v.Get("network") == nil {
		return false
	}
	if v.Get("network").Kind != jsondoc.String {
		return false
	}
	for _, k := range []string{"localaddress", "sourcepeer", "aspath", "origin", "locprf", "path"} {
		if v.Get(k) != nil {
			return true
		}
	}
	return false
}

// learnedRow decodes one row; instance is the Route Server instance key it was listed under.
func (d *dec) learnedRow(v *jsondoc.Value, p *jsondoc.Path, instance string) *LearnedRoute {
	r := &LearnedRoute{Src: d.src(p), Instance: instance}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "network":
			r.Network = d.prefix(m, at)
		case "nexthop":
			r.NextHop = d.optAddr(m, at)
		case "sourcepeer":
			r.SourcePeer = d.optAddr(m, at)
		case "localaddress":
			r.LocalAddress = d.optAddr(m, at)
		case "origin":
			r.Origin = d.str(m, at)
		case "aspath", "path":
			r.ASPath = d.str(m, at)
		case "weight":
			r.Weight = d.integer(m, at, 0, 1<<31-1)
		case "locprf":
			r.Circuit = true
		}
	})
	if r.ASPath != "" && v.Get("path") != nil {
		r.Circuit = true
	}
	if r.LocalAddress.IsValid() {
		r.Circuit = false
	}
	if !r.Network.IsValid() {
		d.failAt(p.Key("network"), "a BGP route without a network prefix")
	}
	return r
}

// optAddr reads an address that Azure may leave empty or null ("nextHop": "" for the gateway's
// own networks).
func (d *dec) optAddr(m *jsondoc.Member, at *jsondoc.Path) netip.Addr {
	if m.Val.Kind == jsondoc.String && strings.TrimSpace(m.Val.Str()) == "" {
		return netip.Addr{}
	}
	return d.addr(m, at)
}
