package fib

import (
	"iter"
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Private endpoint routes are shared, not copied. A private endpoint's /32 reaches every subnet of
// its VNet and of every directly peered VNet (spec §1.3 [UDR, PENP]), so a hub's endpoints would
// otherwise be copied into every spoke's table: memory and build time grow as spokes × endpoints.
// Instead each VNet's endpoint routes are built once, and a table consults them by address at
// lookup, applying the rules that decide their state there (spec §1.5 rules 1 and 2). All
// materialises them for the listing; Lookup, SystemLookup and All agree, which a twin test checks.

// endpoints indexes the private endpoint routes of a network. Read-only once built.
type endpoints struct {
	// own is each VNet's endpoint routes in listing order (Network.PrivateEndpoints order, then
	// the endpoint's IPs): Source Default, NextHop InterfaceEndpoint, State Active, no Peering.
	own map[*model.VNet][]Route
	// at lists, per address, where its routes are: the VNet and the position in own[VNet].
	at map[netip.Addr][]endpointAt
	// links lists, per VNet and remote VNet, the positions in VNet.Peerings of its active links
	// to that VNet (a snapshot may hold two).
	links map[*model.VNet]map[*model.VNet][]int
	// reach holds the remote prefixes of subnet peering links: only endpoints inside them are
	// routed across (spec §1.3).
	reach map[*model.Peering][]netip.Prefix
	// sorted is each VNet's endpoint addresses in ascending order (EndpointAddrs).
	sorted map[*model.VNet][]netip.Addr
}

type endpointAt struct {
	v *model.VNet
	i int32
}

func newEndpoints(n *model.Network, vnets []*model.VNet) *endpoints {
	e := &endpoints{own: map[*model.VNet][]Route{}, at: map[netip.Addr][]endpointAt{},
		links: map[*model.VNet]map[*model.VNet][]int{}, reach: map[*model.Peering][]netip.Prefix{}}
	for _, pe := range n.PrivateEndpoints {
		if pe == nil || pe.Subnet == nil || pe.Subnet.VNet == nil {
			continue
		}
		v := pe.Subnet.VNet
		for _, a := range pe.IPs {
			if !a.IsValid() {
				continue
			}
			a = a.Unmap()
			e.at[a] = append(e.at[a], endpointAt{v, int32(len(e.own[v]))})
			e.own[v] = append(e.own[v], Route{Source: SourceDefault, Prefix: netip.PrefixFrom(a, a.BitLen()),
				NextHop: model.HopInterfaceEndpoint, PrivateEndpoint: pe})
		}
	}
	e.sorted = make(map[*model.VNet][]netip.Addr, len(e.own))
	for v, rs := range e.own {
		as := make([]netip.Addr, len(rs))
		for i := range rs {
			as[i] = rs[i].Prefix.Addr()
		}
		slices.SortFunc(as, netip.Addr.Compare)
		e.sorted[v] = slices.Compact(as)
	}
	for _, v := range vnets {
		for k, p := range v.Peerings {
			if p.Remote == nil || !p.Active() || len(e.own[p.Remote]) == 0 {
				continue
			}
			if e.links[v] == nil {
				e.links[v] = map[*model.VNet][]int{}
			}
			e.links[v][p.Remote] = append(e.links[v][p.Remote], k)
			if !p.PeerCompleteVNets && len(p.RemoteSubnetNames) > 0 {
				e.reach[p] = p.RemotePrefixes()
			}
		}
	}
	return e
}

// link returns the first of s's VNet's links to v that installs v's endpoint route r in s, and
// its position in VNet.Peerings; ok is false when none does.
func (e *endpoints) link(s *model.Subnet, v *model.VNet, r *Route) (*model.Peering, int, bool) {
	for _, k := range e.links[s.VNet][v] {
		if p := s.VNet.Peerings[k]; e.installs(p, s, r) {
			return p, k, true
		}
	}
	return nil, 0, false
}

// installs reports whether active link p (in e.links) installs endpoint route r in subnet s:
// the link applies to s, and a subnet peering reaches r's address (spec §1.3).
func (e *endpoints) installs(p *model.Peering, s *model.Subnet, r *Route) bool {
	if !p.AppliesToLocalSubnet(s) {
		return false
	}
	only, ok := e.reach[p]
	return !ok || anyContains(only, r.Prefix.Addr())
}

// first returns the endpoint route for dst listed first in s's table, and the peering it
// comes across (nil for the VNet's own endpoints). By spec §1.5 rule 1 it is the only one of
// them that can be Active: equal prefixes, equal rank, the first listed wins.
func (e *endpoints) first(s *model.Subnet, dst netip.Addr) (*Route, *model.Peering, bool) {
	var best *Route
	var via *model.Peering
	bestPos, bestI := 0, int32(0)
	for _, at := range e.at[dst] {
		r := &e.own[at.v][at.i]
		pos, p := 0, (*model.Peering)(nil) // listing order: own endpoints, then per link
		if at.v != s.VNet {
			var k int
			var ok bool
			if p, k, ok = e.link(s, at.v, r); !ok {
				continue
			}
			pos = k + 1
		}
		if best == nil || pos < bestPos || (pos == bestPos && at.i < bestI) {
			best, via, bestPos, bestI = r, p, pos, at.i
		}
	}
	return best, via, best != nil
}

// endpoint returns the Active endpoint route of t for dst, if any. The first listed one is
// Active unless a route of the table has the same prefix (spec §1.5 rule 1: a UDR or gateway
// route outranks it, a Default route listed before it wins the tie) or a UDR invalidates it
// (rule 2). It does not allocate.
func (t *Table) endpoint(dst netip.Addr) (*Route, bool) {
	if t.pes == nil {
		return nil, false
	}
	r, _, ok := t.pes.first(t.Subnet, dst)
	if !ok {
		return nil, false
	}
	if _, taken := t.lpm.Get(r.Prefix); taken || invalidatedByUDR(r, t.udrs) {
		return nil, false
	}
	return r, true
}

// Via returns the peering a route of t crosses: for an endpoint route of a peered VNet, the
// subnet's VNet's link it is installed by (endpoint routes are shared and carry no Peering);
// otherwise Route.Peering.
func (t *Table) Via(r *Route) *model.Peering {
	if r.NextHop != model.HopInterfaceEndpoint || r.PrivateEndpoint == nil || t.pes == nil {
		return r.Peering
	}
	v := r.PrivateEndpoint.Subnet.VNet
	if v == t.Subnet.VNet {
		return nil
	}
	p, _, _ := t.pes.link(t.Subnet, v, r)
	return p
}

// appendEndpoints appends, in listing order, the endpoint routes installed in s: its VNet's
// own, then those of each peered VNet per link (spec §1.3).
func (e *endpoints) appendEndpoints(rs []Route, s *model.Subnet) []Route {
	for r := range e.installed(s) {
		rs = append(rs, *r)
	}
	return rs
}

// installed yields the endpoint routes installed in s, in listing order.
func (e *endpoints) installed(s *model.Subnet) iter.Seq[*Route] {
	return func(yield func(*Route) bool) {
		for i := range e.own[s.VNet] {
			if !yield(&e.own[s.VNet][i]) {
				return
			}
		}
		for _, p := range s.VNet.Peerings {
			if p.Remote == nil || !p.Active() {
				continue
			}
			for i := range e.own[p.Remote] {
				if r := &e.own[p.Remote][i]; e.installs(p, s, r) && !yield(r) {
					return
				}
			}
		}
	}
}

// Endpoints yields the private endpoint routes installed in t, in listing order and before
// resolution (some may be Invalid in All), without assembling the listing: for callers that
// need only their prefixes. The routes are shared; do not modify them.
func (t *Table) Endpoints() iter.Seq[*Route] {
	if t.pes == nil {
		return func(func(*Route) bool) {}
	}
	return t.pes.installed(t.Subnet)
}

// EndpointAddrs yields lists of addresses, each in ascending order, that hold the address of
// every private endpoint route t can select: its VNet's endpoints and those of each VNet an
// active peering links it to (more than a subnet peering installs). For callers that cut address
// space where t's lookups change without listing its routes. The lists are shared; callers must
// not modify them.
func (t *Table) EndpointAddrs(yield func([]netip.Addr) bool) {
	if t.pes == nil {
		return
	}
	v := t.Subnet.VNet
	if own := t.pes.sorted[v]; len(own) > 0 && !yield(own) {
		return
	}
	for remote := range t.pes.links[v] {
		if as := t.pes.sorted[remote]; len(as) > 0 && !yield(as) {
			return
		}
	}
}

// count is the number of endpoint routes installed in s, at most.
func (e *endpoints) count(s *model.Subnet) int {
	k := len(e.own[s.VNet])
	for _, p := range s.VNet.Peerings {
		if p.Remote != nil {
			k += len(e.own[p.Remote])
		}
	}
	return k
}

func anyContains(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
