package fib

import (
	"net/netip"

	"github.com/gaissmai/bart"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// noneDefaults are the default None routes (spec §1.2), in the listing order of All.
// Microsoft's own ranges that real output also lists (25.x, 40.108/17, ...) are not modelled.
var noneDefaults = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
}

var defaultRoute = netip.MustParsePrefix("0.0.0.0/0")

// table assembles, resolves and indexes the effective route table of s. Its private endpoint
// routes stay in the network's shared index (endpoints.go).
func (b *builder) table(s *model.Subnet) *Table {
	t := newTable(s, b.candidates(s, false), b.udrLPM[s.RouteTable])
	if b.pes.count(s) > 0 {
		t.pes, t.b = b.pes, b
	}
	b.attachLearned(t) // learned.go
	return t
}

// newTable resolves and indexes the candidate routes rs (taking ownership of them); udrs
// indexes the subnet's UDRs (udrIndex).
func newTable(s *model.Subnet, rs []Route, udrs *bart.Lite) *Table {
	out, gone := resolveListing(rs, udrs)
	t := &Table{Subnet: s, routes: out, removedNone: gone, udrs: udrs}
	t.buildIndex()
	return t
}

// listing is the full effective route table of s, endpoint routes included, as All lists it.
func (b *builder) listing(s *model.Subnet) []Route {
	out, _ := resolveListing(b.candidates(s, true), b.udrLPM[s.RouteTable])
	return out
}

// resolveListing resolves the candidate routes (spec §1.5 rules 1 and 2, §1.2 DECISION): it
// returns the listed routes and the default None routes removed from the listing. It takes
// ownership of rs. udrs indexes the subnet's UDRs (udrIndex).
func resolveListing(rs []Route, udrs *bart.Lite) (out, gone []Route) {
	removed := resolve(rs, udrs)
	out = rs[:0]
	for i := range rs {
		switch {
		case !removed[i]:
			out = append(out, rs[i])
		case isDefaultNone(&rs[i]):
			gone = append(gone, rs[i])
		}
	}
	if learnedDefault(out) {
		gone = nil // removed by a learned 0/0 (forced tunnelling), not by a UDR: gone for SystemLookup too
	}
	return out[:len(out):len(out)], gone
}

// candidates lists every route of s before resolution, in listing order (see All); endpoint
// routes only when withEndpoints (they change no other route's state).
func (b *builder) candidates(s *model.Subnet, withEndpoints bool) []Route {
	v := s.VNet
	n := b.countCandidates(s)
	if withEndpoints {
		n += b.pes.count(s)
	}
	rs := make([]Route, 0, n)
	for _, p := range v.AddressSpace { // spec §1.2
		rs = append(rs, Route{Source: SourceDefault, Prefix: p.Masked(), NextHop: model.HopVnetLocal})
	}
	rs = append(rs, Route{Source: SourceDefault, Prefix: defaultRoute, NextHop: model.HopInternet})
	for _, p := range noneDefaults {
		if !ownRangeCovers(v, p) {
			rs = append(rs, Route{Source: SourceDefault, Prefix: p, NextHop: model.HopNone})
		}
	}
	rs = b.peeringRoutes(rs, s)
	rs = groupRoutes(rs, s) // Virtual Network Manager connected groups (connected.go)
	rs = append(rs, b.seRoutes[s]...)
	if withEndpoints {
		rs = b.pes.appendEndpoints(rs, s)
	}
	if s.GatewayRoutesPropagate() {
		rs = b.gatewayRoutesFor(rs, s)
		rs = b.appendLearned(rs, s, withEndpoints) // learned.go: all for the listing, else those sharing a prefix
	}
	rs = b.vwanRoutes(rs, s) // Virtual WAN hub routes (vwan.go)
	if s.RouteTable != nil {
		rs = append(rs, b.udrs[s.RouteTable]...)
	}
	return rs
}

// countCandidates bounds the number of candidates of s other than endpoint routes, so
// candidates allocates once.
func (b *builder) countCandidates(s *model.Subnet) int {
	v := s.VNet
	k := len(v.AddressSpace) + 1 + len(noneDefaults) + len(b.seRoutes[s])
	for _, p := range v.Peerings {
		k += len(p.RemoteAddressSpace) + 1
		if p.Remote != nil {
			k += len(p.Remote.AddressSpace) + len(b.gwRoutes[p.Remote])
		}
	}
	k += len(b.gwRoutes[v]) + len(b.udrs[s.RouteTable])
	k += groupRouteCount(v)
	k += b.vwanRouteCount(v)
	return k
}

// ownRangeCovers reports whether one of v's ranges equals or contains the None prefix p: an
// equal range replaces the None route by its VnetLocal route, a containing one removes it; a
// range inside p leaves both listed (spec §1.2 [UDR]).
func ownRangeCovers(v *model.VNet, p netip.Prefix) bool {
	for _, r := range v.AddressSpace {
		if r.Addr().Is4() && r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// peeringRoutes adds the remote ranges of each active peering that applies to s (spec §1.3).
func (b *builder) peeringRoutes(rs []Route, s *model.Subnet) []Route {
	for _, p := range s.VNet.Peerings {
		if !peeringActive(p) || !p.AppliesToLocalSubnet(s) {
			continue
		}
		hop := model.HopVNetPeering
		if p.Global() {
			hop = model.HopVNetGlobalPeering // [LAB]
		}
		for _, pfx := range p.RemotePrefixes() {
			rs = append(rs, Route{Source: SourceDefault, Prefix: pfx.Masked(), NextHop: hop, Peering: p})
		}
	}
	return rs
}

// gatewayRoutesFor adds the VNet's own gateway routes, or else the routes of the hub's
// gateway reached by gateway transit: the spoke's link has useRemoteGateways, the hub's
// link allowGatewayTransit, both Connected (spec §1.3).
func (b *builder) gatewayRoutesFor(rs []Route, s *model.Subnet) []Route {
	v := s.VNet
	if len(v.Gateways) > 0 {
		return append(rs, b.gwRoutes[v]...)
	}
	if p := v.TransitPeering(); p != nil { // only one link of a VNet may use remote gateways [PEER]
		for _, r := range b.gwRoutes[p.Remote] {
			r.Peering = p
			rs = append(rs, r)
		}
	}
	return rs
}

// learnedDefault reports whether a gateway-source 0.0.0.0/0 (to an appliance or gateway) is
// listed, Active or not: without UDRs it would be the active 0/0 of the §1.2 DECISION.
func learnedDefault(rs []Route) bool {
	for i := range rs {
		r := &rs[i]
		if r.Source == SourceGateway && r.Prefix == defaultRoute &&
			(r.NextHop == model.HopVirtualNetworkGateway || r.NextHop == model.HopVirtualAppliance) {
			return true
		}
	}
	return false
}

// SystemLookup selects the route for dst among the system routes only, ignoring every UDR,
// as the replies of a private endpoint do (spec §5 DECISION). Without UDRs the §1.2 DECISION
// does not apply, so the default None routes it removed take part again: a reply to an
// unpeered private range is dropped by 10.0.0.0/8 → None, not sent to the internet. Rules 1
// and 3 of §1.5 still hold (a None route loses to any other system route of the same prefix;
// gateway routes lose to a covering local route). A private endpoint route comes from the shared
// index with State Active, whatever its state in the listing: only UDRs invalidate one, and they
// are ignored here. It reads only the routes whose prefix contains dst (systemIndex).
func (t *Table) SystemLookup(dst netip.Addr) (*Route, bool) {
	dst = dst.Unmap()
	better := func(r, best *Route) bool {
		if best == nil || r.Prefix.Bits() != best.Prefix.Bits() {
			return best == nil || r.Prefix.Bits() > best.Prefix.Bits()
		}
		return rank(r) > rank(best)
	}
	var best *Route
	local := false
	// The endpoint route listed first for dst is listed after every Default route: it wins
	// against none of the same prefix (rule 1), nor against a gateway route.
	var pe *Route
	hasPE := false
	if t.pes != nil {
		pe, _, hasPE = t.pes.first(t.Subnet, dst)
	}
	considerAll := func(skipGW bool) {
		for _, list := range t.systemIndex().Supernets(netip.PrefixFrom(dst, dst.BitLen())) {
			for _, i := range list {
				r := t.systemRoute(i)
				if skipGW && r.Source == SourceGateway {
					continue
				}
				local = local || coversForGateway(r.NextHop)
				if better(r, best) {
					best = r
				}
			}
		}
		if hasPE && better(pe, best) {
			best = pe
		}
		if lr, ok := t.sharedLearned(dst); ok && !skipGW && better(lr, best) { // learned.go
			best = lr
		}
	}
	considerAll(false)
	if best != nil && best.Source == SourceGateway && local { // spec §1.5 rule 3
		best = nil
		considerAll(true)
	}
	return best, best != nil
}

// systemIndex maps each prefix of the table's system routes to their positions (systemRoute),
// in the order SystemLookup must weigh routes of one prefix: the removed None routes first,
// then the listing. Built on first use: most tables never answer for a private endpoint.
func (t *Table) systemIndex() *bart.Table[[]int32] {
	t.sys.once.Do(func() {
		add := func(base int, rs []Route) {
			for i := range rs {
				if rs[i].Source == SourceUser {
					continue
				}
				pos := int32(base + i)
				t.sys.byPrefix.Modify(rs[i].Prefix, func(old []int32, _ bool) ([]int32, bool) {
					return append(old, pos), false
				})
			}
		}
		add(0, t.removedNone)
		add(len(t.removedNone), t.routes)
	})
	return &t.sys.byPrefix
}

// systemRoute is the route at position i of systemIndex.
func (t *Table) systemRoute(i int32) *Route {
	if n := int32(len(t.removedNone)); i < n {
		return &t.removedNone[i]
	}
	return &t.routes[i-int32(len(t.removedNone))]
}
