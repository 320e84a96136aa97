package check

import (
	"fmt"
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// spec §1.3 peering link flags [PEER].
var forwardedTrafficBlocked = Check{
	Name:     "forwarded-traffic-blocked",
	Code:     CodeForwardedTrafficBlocked,
	Evidence: []string{"peering", "localVnet", "remoteVnet", "appliance", "route"},
	Doc:      "Peering links without allowForwardedTraffic that the routing sends appliance-forwarded traffic over.",
	Run:      runForwardedTrafficBlocked,
}

// applianceUse is a UDR whose next hop is an appliance (NIC, firewall, internal LB frontend) in
// the remote VNet of a link, and whose traffic (or its replies) reaches the local VNet over it.
type applianceUse struct {
	appliance string
	table     *model.RouteTable
	route     *model.Route
	why       string
}

// runForwardedTrafficBlocked reports a link (in VNet V, to R) with allowForwardedTraffic=false
// when a UDR sends V's ranges to an appliance in R, or V's own subnets send traffic to one (its
// replies come back forwarded): that traffic is dropped on arrival in V (spec §1.3 [PEER]).
// Gateway-transit traffic needs no flag, so only appliance next hops count.
func runForwardedTrafficBlocked(pass *Pass) []Finding {
	p := pass.Plane
	var out []Finding
	for _, v := range p.Net.VNets {
		for _, l := range v.Peerings {
			if l.AllowForwardedTraffic || l.Remote == nil || !l.Active() {
				continue
			}
			if u, ok := forwardingInto(p, l, pass.Options.Assume); ok {
				out = append(out, forwardedFinding(l, u))
			}
		}
	}
	return out
}

// forwardingInto finds the first UDR (in subnet order) that makes an appliance in l.Remote
// forward traffic into l.Local. Replies to l.Local's own flows count only under
// --assume forwarded-reply=dropped: by default they pass (azure-semantics.md §1.8 item 5).
func forwardingInto(p *dataplane.Plane, l *model.Peering, as assume.Set) (applianceUse, bool) {
	replies := !as.Default(assume.ForwardedReply)
	n := p.Net
	for _, s := range n.Subnets {
		if s.RouteTable == nil || s.VNet == nil {
			continue
		}
		for _, r := range s.RouteTable.Routes {
			if r.NextHopType != model.HopVirtualAppliance {
				continue
			}
			o, ok := n.OwnerIn(l.Remote, r.NextHopIP)
			if !ok || !forwards(o) {
				continue
			}
			u := applianceUse{appliance: ownerName(o), table: s.RouteTable, route: r}
			switch {
			case replies && s.VNet == l.Local && selects(p, s, r, r.Prefix.Masked().Addr()):
				u.why = fmt.Sprintf("%s sends %s to it, so replies come back forwarded", subnetLabel(s), r.Prefix)
			case carriesInto(p, s, r, l.Local.AddressSpace):
				u.why = fmt.Sprintf("%s sends %s (in %s) to it", subnetLabel(s), r.Prefix, l.Local.Name)
			default:
				continue
			}
			return u, true
		}
	}
	return applianceUse{}, false
}

// forwards reports whether the owner forwards traffic not addressed to it: an appliance NIC,
// an Azure Firewall or an internal load balancer frontend (spec §1.4).
func forwards(o model.Owner) bool {
	return o.Kind == model.OwnerNIC || o.Kind == model.OwnerFirewall || o.Kind == model.OwnerLBFrontend
}

func ownerName(o model.Owner) string {
	switch o.Kind {
	case model.OwnerNIC:
		return o.IPConfig.NIC.Name
	case model.OwnerFirewall:
		return o.Firewall.Name
	case model.OwnerLBFrontend:
		return o.Frontend.LB.Name
	}
	return o.Addr.String()
}

// carriesInto reports whether the UDR carries traffic for some range of space: it overlaps the
// range and the subnet's effective routes select it for the first address they share (a probe,
// so a UDR shadowed by more specific routes there — the §1.7 worked example's None UDRs — is not
// counted; one shadowed only in part may be missed).
func carriesInto(p *dataplane.Plane, s *model.Subnet, r *model.Route, space []netip.Prefix) bool {
	for _, q := range space {
		if !r.Prefix.IsValid() || !r.Prefix.Overlaps(q) {
			continue
		}
		probe := q.Masked().Addr()
		if !r.Prefix.Contains(probe) {
			probe = r.Prefix.Masked().Addr()
		}
		if selects(p, s, r, probe) {
			return true
		}
	}
	return false
}

// selects reports whether the subnet's lookup of dst picks the UDR r (no data plane: assume so).
// Route selection: spec §1.5 rule 3 [UDR, RS].
func selects(p *dataplane.Plane, s *model.Subnet, r *model.Route, dst netip.Addr) bool {
	if p.FIB == nil {
		return true
	}
	got, ok := p.FIB.Subnet(s).Lookup(dst)
	return ok && got.Table == s.RouteTable && got.Name == r.Name
}

func forwardedFinding(l *model.Peering, u applianceUse) Finding {
	return Finding{Code: CodeForwardedTrafficBlocked, Severity: Error,
		Title: fmt.Sprintf("Peering %s in %s blocks traffic forwarded by %s", l.Name, l.Local.Name, u.appliance),
		Message: fmt.Sprintf("%s's link %s to %s has allowForwardedTraffic=false, but traffic forwarded by %s in %s "+
			"arrives over it: %s (route %s/%s). Azure drops forwarded traffic on arrival over such a link (spec §1.3 [PEER]).",
			l.Local.Name, l.Name, l.Remote.Name, u.appliance, l.Remote.Name, u.why, u.table.Name, u.route.Name),
		Resources: ids(l.ID, l.Local.ID, l.Remote.ID, u.table.ID),
		Evidence: map[string]any{"peering": l.Name, "localVnet": l.Local.Name, "remoteVnet": l.Remote.Name,
			"appliance": u.appliance, "route": u.table.Name + "/" + u.route.Name},
		Fix: fmt.Sprintf("Set allowForwardedTraffic=true on %s's link %s (and check the appliance's rules).", l.Local.Name, l.Name),
	}
}
