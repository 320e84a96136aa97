package fib

import (
	"net/netip"
	"sync"

	"github.com/gaissmai/bart"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// resolve sets each candidate's State and reports which candidates are removed (not listed).
// udrs indexes the subnet's UDR prefixes (see udrIndex).
func resolve(rs []Route, udrs *bart.Lite) []bool {
	removed := make([]bool, len(rs))
	resolveSamePrefix(rs, removed)
	invalidatePrivateEndpoints(rs, udrs)
	if forcedDefault(rs, removed) {
		// spec §1.2 DECISION [LAB]: an active 0/0 to an appliance or gateway removes every
		// default None route; the default 0/0 Internet stays, Invalid by rule 1.
		for i := range rs {
			if isDefaultNone(&rs[i]) {
				removed[i] = true
			}
		}
	}
	return removed
}

// rank orders routes with the same prefix (spec §1.5 rule 1): User > VirtualNetworkGateway >
// Default, and a Default None route below every other Default route so it always loses.
// Between equal ranks the first listed wins.
func rank(r *Route) int {
	switch {
	case r.Source == SourceUser:
		return 3
	case r.Source == SourceGateway:
		return 2
	case isDefaultNone(r):
		return 0
	}
	return 1
}

// isDefaultNone: a Default None route loses by removal, not Invalid (spec §1.5 rule 1 [LAB]).
func isDefaultNone(r *Route) bool { return r.Source == SourceDefault && r.NextHop == model.HopNone }

// winnerPool recycles resolveSamePrefix's maps: building every table of a large estate
// otherwise allocates one map per subnet.
var winnerPool = sync.Pool{New: func() any { return map[netip.Prefix]int32{} }}

// resolveSamePrefix keeps one Active route per prefix; losers become Invalid, except a
// Default None loser, which is removed (spec §1.5 rule 1 [LAB]).
func resolveSamePrefix(rs []Route, removed []bool) {
	winner := winnerPool.Get().(map[netip.Prefix]int32)
	defer func() { clear(winner); winnerPool.Put(winner) }()
	lose := func(i int) {
		rs[i].State = Invalid
		removed[i] = isDefaultNone(&rs[i])
	}
	for i := range rs {
		rs[i].State = Active
		j, seen := winner[rs[i].Prefix]
		switch {
		case !seen:
			winner[rs[i].Prefix] = int32(i)
		case rank(&rs[i]) > rank(&rs[j]):
			lose(int(j))
			winner[rs[i].Prefix] = int32(i)
		default:
			lose(i)
		}
	}
}

// invalidatePrivateEndpoints applies spec §1.5 rule 2 [PENP] to the Active endpoint routes of
// rs (see invalidatedByUDR).
func invalidatePrivateEndpoints(rs []Route, udrs *bart.Lite) {
	for i := range rs {
		if r := &rs[i]; r.State == Active && invalidatedByUDR(r, udrs) {
			r.State = Invalid
		}
	}
}

// invalidatedByUDR reports whether spec §1.5 rule 2 [PENP] makes endpoint route r Invalid: the
// endpoint's subnet has route table network policies, and a UDR of this subnet contains the
// endpoint IP and is at least as specific as the endpoint VNet's range holding the IP. A
// 0.0.0.0/0 UDR never does. udrs holds the subnet's UDR prefixes except 0/0 (nil: none); the
// longest one containing the IP decides. It does not allocate.
func invalidatedByUDR(r *Route, udrs *bart.Lite) bool {
	if udrs == nil || r.NextHop != model.HopInterfaceEndpoint || r.Source != SourceDefault {
		return false
	}
	pe := r.PrivateEndpoint
	if pe == nil || pe.Subnet == nil || pe.Subnet.VNet == nil || !pe.Subnet.PENetworkPoliciesRoutes() {
		return false
	}
	u, ok := udrs.LookupPrefixLPM(r.Prefix)
	return ok && u.Bits() >= rangeBits(pe.Subnet.VNet, r.Prefix.Addr())
}

// udrIndex holds the UDR prefixes of rs except 0/0, for rule 2; nil when there are none.
// spec §1.5 rule 2 [PENP].
func udrIndex(rs []Route) *bart.Lite {
	var l *bart.Lite
	for i := range rs {
		if rs[i].Prefix.Bits() > 0 {
			if l == nil {
				l = new(bart.Lite)
			}
			l.Insert(rs[i].Prefix)
		}
	}
	return l
}

// rangeBits is the prefix length of v's range that contains a; the address length when no
// range does (then only a host route can override the endpoint).
// spec §1.5 rule 2 [PENP].
func rangeBits(v *model.VNet, a netip.Addr) int {
	for _, p := range v.AddressSpace {
		if p.Contains(a) {
			return p.Bits()
		}
	}
	return a.BitLen()
}

// forcedDefault reports whether an Active 0.0.0.0/0 route goes to an appliance or a gateway.
// spec §1.2 DECISION [LAB].
func forcedDefault(rs []Route, removed []bool) bool {
	for i := range rs {
		r := &rs[i]
		if !removed[i] && r.State == Active && r.Prefix == defaultRoute &&
			(r.NextHop == model.HopVirtualAppliance || r.NextHop == model.HopVirtualNetworkGateway) {
			return true
		}
	}
	return false
}

// buildIndex fills the lookup structures from the Active routes (spec §1.5 rule 3). noGW and
// local are only needed when an Active gateway route overlaps a covering local route.
func (t *Table) buildIndex() {
	var gw []int
	local := new(bart.Lite)
	for i := range t.routes {
		r := &t.routes[i]
		if r.State != Active {
			continue
		}
		t.lpm.Insert(r.Prefix, int32(i))
		if r.Source == SourceGateway {
			gw = append(gw, i)
		} else if coversForGateway(r.NextHop) {
			local.Insert(r.Prefix)
		}
	}
	overlap := false
	for _, i := range gw {
		overlap = overlap || local.OverlapsPrefix(t.routes[i].Prefix)
	}
	if !overlap {
		return
	}
	t.noGW, t.local = new(bart.Table[int32]), local
	for i := range t.routes {
		if r := &t.routes[i]; r.State == Active && r.Source != SourceGateway {
			t.noGW.Insert(r.Prefix, int32(i))
		}
	}
}

// coversForGateway reports whether an Active route with this next hop makes gateway-source
// routes ignored for the destinations it covers (spec §1.5 rule 3).
func coversForGateway(h model.NextHopType) bool {
	switch h {
	case model.HopVnetLocal, model.HopVNetPeering, model.HopVNetGlobalPeering, model.HopServiceEndpoint:
		return true
	}
	return false
}
