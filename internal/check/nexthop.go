package check

import (
	"fmt"
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/forward"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// spec §1.4 [UDR].
var nextHopUnreachable = Check{
	Name: "next-hop-unreachable",
	Code: CodeNextHopUnreachable,
	Doc:  "UDRs whose VirtualAppliance next hop is an IP nothing owns in the subnet's VNet or a directly peered VNet.",
	Run:  runNextHopUnreachable,
}

// applianceRoute is one VirtualAppliance UDR with the subnets that use it.
type applianceRoute struct {
	table   *model.RouteTable
	route   *model.Route
	subnets []*model.Subnet
}

// applianceRoutes lists the VirtualAppliance UDRs of route tables attached to subnets.
func applianceRoutes(n *model.Network) []applianceRoute {
	bt := map[*model.RouteTable][]*model.Subnet{}
	for _, s := range n.Subnets {
		if s.RouteTable != nil {
			bt[s.RouteTable] = append(bt[s.RouteTable], s)
		}
	}
	var out []applianceRoute
	for _, rt := range n.RouteTables {
		for _, r := range rt.Routes {
			if r.NextHopType == model.HopVirtualAppliance && len(bt[rt]) > 0 {
				out = append(out, applianceRoute{rt, r, bt[rt]})
			}
		}
	}
	return out
}

// nextHopOwner finds what owns ip from subnet s's point of view (forward.NextHopOwner, spec
// §1.4) when it is something that forwards (forward.Forwards).
func nextHopOwner(n *model.Network, s *model.Subnet, ip netip.Addr) (model.Owner, bool) {
	if s.VNet == nil {
		return model.Owner{}, false
	}
	o, _, ok := forward.NextHopOwner(n, s.VNet, ip)
	return o, ok && forward.Forwards(o)
}

// runNextHopUnreachable reports, per route, the subnets from which the next hop is not an
// appliance: packets selecting the route are dropped (spec §1.4, cause NextHopUnreachable).
func runNextHopUnreachable(pass *Pass) []Finding {
	p := pass.Plane
	var out []Finding
	for _, ar := range applianceRoutes(p.Net) {
		var bad []*model.Subnet
		for _, s := range ar.subnets {
			if _, ok := nextHopOwner(p.Net, s, ar.route.NextHopIP); !ok {
				bad = append(bad, s)
			}
		}
		if len(bad) == 0 {
			continue
		}
		out = append(out, Finding{Code: CodeNextHopUnreachable, Severity: Error,
			Title: fmt.Sprintf("Route %s/%s: next hop %s is not an appliance", ar.table.Name, ar.route.Name, ar.route.NextHopIP),
			Message: fmt.Sprintf("Route %s (%s → VirtualAppliance %s) in %s: no NIC, internal load balancer or firewall owns %s "+
				"in the VNet of %d subnet(s) using it or in a directly peered VNet, so packets selecting it are dropped.",
				ar.route.Name, routeDest(ar.route), ar.route.NextHopIP, ar.table.Name, ar.route.NextHopIP, len(bad)),
			Resources: append(ids(ar.table.ID), ids(subnetIDs(bad)...)...),
			Evidence: map[string]any{"routeTable": ar.table.Name, "route": ar.route.Name, "prefix": routeDest(ar.route),
				"nextHopIp": ar.route.NextHopIP.String(), "subnets": capList(subnetNames(bad)), "subnetCount": len(bad)},
			Fix: "Point the route at the appliance's current private IP (or its internal load balancer frontend), " +
				"or peer the appliance's VNet directly with these subnets' VNet.",
		})
	}
	return out
}

// routeDest is a UDR's destination as written: the prefix, or the service tag.
func routeDest(r *model.Route) string {
	if r.Prefix.IsValid() {
		return r.Prefix.String()
	}
	return r.Tag
}
