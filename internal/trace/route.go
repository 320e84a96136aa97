package trace

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/forward"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// leave routes the packet out of subnet s (spec §1.5) and follows the next hop (spec §1.6).
// from is the sender (for loop detection); systemOnly ignores UDRs (private endpoint replies,
// spec §5 DECISION).
func (w *walker) leave(s *model.Subnet, from any, systemOnly bool) {
	if !w.enter(from) {
		return
	}
	if s == nil { // the sender's subnet reference dangles (the converter warned): no routes to follow
		w.drop(InsufficientInformation, StepRoute, "", "", "the sender's subnet is not in the snapshot, so its routes are unknown")
		return
	}
	if id := s.MissingRouteTable; id != "" {
		// Its UDRs could send the packet anywhere: the answer is unknown (cli.md "Every command").
		w.step(StepRoute, NoMatch, id, "", "route table %s of subnet %s is referenced but not in the snapshot: its routes are unknown", id.Name(), s.Name)
		w.assume("route table %s is referenced but not in the snapshot; the answer depends on its routes", id)
		w.end(UnknownD, InsufficientInformation)
		return
	}
	d := forward.Leave(w.p, s, w.pkt.dst, systemOnly)
	switch d.Kind {
	case forward.NoTable:
		w.drop(InsufficientInformation, StepRoute, s.ID, "", "subnet %s has no route table in the snapshot", s.Name)
		return
	case forward.NoRoute:
		w.drop(NextHopNone, StepRoute, s.ID, "", "no route in %s for %s", s.Name, w.pkt.dst)
		w.peeringFindings(s)
		return
	}
	if routeHook != nil {
		routeHook(s, w.pkt.dst, d.Route, systemOnly)
	}
	w.routeStep(s, d.Route, from, systemOnly)
	if w.routeServerHop(from, d) { // routeserver.go
		return
	}
	w.follow(s, d)
}

// follow carries out the route decision d taken in subnet s (spec §1.6).
func (w *walker) follow(s *model.Subnet, d forward.Decision) {
	r := d.Route
	if r != nil && r.Hub != nil { // a Virtual WAN hub's route (vwan.go)
		w.toHub(s, r)
		return
	}
	switch d.Kind {
	case forward.Local:
		w.arrive(s.VNet, nil)
	case forward.Peering:
		w.arrive(r.Peering.Remote, r.Peering)
	case forward.ConnectedGroup:
		w.arriveGroup(s)
	case forward.Endpoint:
		w.arrivePE(r.PrivateEndpoint, d.Via)
	case forward.Appliance, forward.Unresolved:
		w.toAppliance(s, d)
	case forward.Gateway:
		w.toGateway(s, r)
	case forward.Internet:
		w.toInternet(s)
	case forward.Service:
		w.toService(r)
	default:
		w.end(Dropped, NextHopNone)
		w.peeringFindings(s)
	}
}

// routeHook, when set (tests only), sees every route decision of every walk. It is the one
// mutable package variable of the engine, and safe only because production code never sets it
// and the single test that does (TestPropertyRandomEstates) sets it before its walks, runs them
// on its own goroutine, and is not parallel.
var routeHook func(s *model.Subnet, dst netip.Addr, r *fib.Route, systemOnly bool)

// routeStep records the selected route for what from sends; a None route is the denying step.
func (w *walker) routeStep(s *model.Subnet, r *fib.Route, from any, systemOnly bool) {
	res, id, name := Matched, routeHolder(s, r), r.Name
	if name == "" {
		name = "System Route"
	}
	if r.NextHop == model.HopNone {
		res = Denied
	}
	if w.ans.brief {
		w.step(StepRoute, res, id, name, "") // no wording to build
		return
	}
	hop := r.NextHop.String()
	if r.NextHopIP.IsValid() {
		hop += " " + r.NextHopIP.String()
	}
	note := ""
	if _, vol := from.(*model.NetAppVolume); vol && systemOnly {
		note = "; UDRs ignored: they do not apply to a NetApp volume with Basic network features " +
			"(learn.microsoft.com/azure/azure-netapp-files/azure-netapp-files-network-topologies)"
	} else if systemOnly {
		note = "; UDRs ignored: replies of a private endpoint follow system routes (spec §5 DECISION)"
	}
	w.step(StepRoute, res, id, name, "%s → %s → %s (%s route in %s)%s", w.pkt.dst, r.Prefix, hop, r.Source, s.Name, note)
}

// routeHolder is the resource that put the route in the table (cli.md deciding.resourceId).
func routeHolder(s *model.Subnet, r *fib.Route) model.ID {
	switch {
	case r.Table != nil:
		return r.Table.ID
	case r.PrivateEndpoint != nil:
		return r.PrivateEndpoint.ID
	case r.Peering != nil:
		return r.Peering.ID
	case r.Gateway != nil:
		return r.Gateway.ID
	case r.RouteServer != nil: // it programmed the route (azure-semantics.md §1.10)
		return r.RouteServer.ID
	case r.Hub != nil: // a Virtual WAN hub programmed it (vwan.go)
		return r.Hub.ID
	}
	return s.ID
}

// peeringFindings names half-built peerings between s's VNet and a VNet that holds the
// destination, whichever side holds the link (cli.md: PeeringNotConnected).
// A link that is not Connected adds no routes: spec §1.3 [UDR, PENP, FAQ].
func (w *walker) peeringFindings(s *model.Subnet) {
	for _, p := range s.VNet.Peerings {
		if !p.Active() && anyContains(p.RemotePrefixes(), w.pkt.dst) {
			w.peeringFinding(p)
		}
	}
	for _, p := range w.p.Index.HalfLinksTo[s.VNet] {
		if p.Local.Contains(w.pkt.dst) {
			w.peeringFinding(p)
		}
	}
}

func (w *walker) peeringFinding(p *model.Peering) {
	state := p.State
	if r := p.Reverse(); r == nil {
		state += ", no link back"
	} else {
		state += " / " + r.State
	}
	w.ans.finding(CodePeeringNotConnected, "Error", "peering "+p.Name+" of "+p.Local.Name+" would carry "+
		w.pkt.dst.String()+" but is not Connected on both sides ("+state+"): it adds no routes (spec §1.3)", p.ID)
}

func anyContains(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
