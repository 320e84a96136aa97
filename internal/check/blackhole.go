package check

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Next hop None drops: spec §1.6 [UDR].
var routeBlackhole = Check{
	Name: "route-blackhole",
	Code: CodeRouteBlackhole,
	Doc:  "Subnets whose traffic to a peered VNet or an on-premises range ends at next hop None.",
	Run:  runRouteBlackhole,
}

// target is a range a subnet is expected to reach: a peered VNet's or an on-premises one.
type target struct {
	prefix netip.Prefix
	kind   string // "peering" or "onPremises"
	via    string // the peered VNet, or the local network gateway
}

// hole groups the subnets whose traffic to one target ends at one None route.
type hole struct {
	t       target
	route   fib.Route
	subnets []*model.Subnet
}

// runRouteBlackhole looks up, in each subnet's effective routes, the first address of every
// peered and on-premises range — and of each part of it a None route covers — and reports
// ranges that end at None (spec §1.6: drop NextHopNone). The classic cause is a route table
// with gateway propagation disabled and no 0/0 to the firewall: on-premises ranges inside
// 10.0.0.0/8 fall to the default None route. A default None route is an Error; a user None route
// is a Warning (it may be a deliberate block).
func runRouteBlackhole(pass *Pass) []Finding {
	p := pass.Plane
	holes := map[string]*hole{}
	for _, s := range p.Net.Subnets {
		if s.VNet == nil {
			continue
		}
		tbl := p.FIB.Subnet(s)
		for _, t := range targetsOf(p.Net, s) {
			r, ok := blackholeRoute(tbl, t.prefix)
			if !ok {
				continue
			}
			k := fmt.Sprintf("%s|%s|%s|%s", t.prefix, r.Prefix, r.Name, tableKey(r))
			h := holes[k]
			if h == nil {
				h = &hole{t: t, route: *r}
				holes[k] = h
			}
			h.subnets = append(h.subnets, s)
		}
	}
	keys := make([]string, 0, len(holes))
	for k := range holes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Finding, 0, len(keys))
	for _, k := range keys {
		out = append(out, blackholeFinding(holes[k]))
	}
	return out
}

func tableKey(r *fib.Route) string {
	if r.Table != nil {
		return r.Table.ID.Key()
	}
	return "system"
}

// blackholeRoute returns the None route that some part of pr ends at, if any.
func blackholeRoute(tbl *fib.Table, pr netip.Prefix) (*fib.Route, bool) {
	probes := []netip.Addr{pr.Addr()}
	for i := range tbl.WithoutEndpoints() {
		r := &tbl.WithoutEndpoints()[i]
		if r.State == fib.Active && r.NextHop == model.HopNone {
			if x, ok := overlap(r.Prefix, pr); ok {
				probes = append(probes, x.Addr())
			}
		}
	}
	for _, a := range probes {
		if r, ok := tbl.Lookup(a); ok && r.NextHop == model.HopNone {
			return r, true
		}
	}
	return nil, false
}

// targetsOf lists the peered ranges installed for s and the on-premises ranges its VNet reaches
// through its own gateway or by gateway transit (spec §1.3).
func targetsOf(n *model.Network, s *model.Subnet) []target {
	var out []target
	v := s.VNet
	for _, pr := range v.Peerings {
		if pr.Remote == nil || !pr.Active() || !pr.AppliesToLocalSubnet(s) {
			continue
		}
		for _, x := range pr.RemotePrefixes() {
			out = append(out, target{x, "peering", pr.Remote.Name})
		}
	}
	for _, gw := range gatewaysFor(v) {
		for _, c := range gw.Connections {
			if c.Local == nil {
				continue
			}
			for _, x := range c.Local.Prefixes {
				out = append(out, target{x, "onPremises", c.Local.Name})
			}
		}
	}
	return out
}

// gatewaysFor returns v's own gateways, or those of the hub it uses by gateway transit.
// Gateway transit: spec §1.3 [PEER].
func gatewaysFor(v *model.VNet) []*model.VNetGateway {
	if len(v.Gateways) > 0 {
		return v.Gateways
	}
	if pr := v.TransitPeering(); pr != nil {
		return pr.Remote.Gateways
	}
	return nil
}

func blackholeFinding(h *hole) Finding {
	sev, src, routeName := Error, "default", "System Route"
	res := []model.ID{}
	if h.route.Source == fib.SourceUser {
		sev, src, routeName = Warning, "user", h.route.Name
		if h.route.Table != nil {
			res = append(res, h.route.Table.ID)
		}
	}
	res = append(res, subnetIDs(h.subnets)...)
	what := "peered VNet " + h.t.via
	fix := "Check the peering's routes are not overridden by a None UDR; remove or narrow the None route."
	if h.t.kind == "onPremises" {
		what = "on-premises network " + h.t.via
		fix = "Enable gateway route propagation on the subnets' route table, or add a UDR for the on-premises " +
			"range (or 0.0.0.0/0) to the hub firewall."
	}
	return Finding{Code: CodeRouteBlackhole, Severity: sev,
		Title: fmt.Sprintf("Traffic from %d subnet(s) to %s (%s) is dropped at next hop None", len(h.subnets), h.t.prefix, what),
		Message: fmt.Sprintf("From %v, traffic to %s (%s) selects the %s route %s %s → None and is dropped.",
			subnetNames(h.subnets), h.t.prefix, what, src, routeName, h.route.Prefix),
		Resources: ids(res...),
		Evidence: map[string]any{"prefix": h.t.prefix.String(), "targetKind": h.t.kind, "target": h.t.via,
			"route": routeName, "routePrefix": h.route.Prefix.String(), "routeSource": h.route.Source.String(),
			"subnets": capList(subnetNames(h.subnets)), "subnetCount": len(h.subnets)},
		Fix: fix,
	}
}
