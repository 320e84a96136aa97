// Package fib computes each subnet's effective routes (spec §1) and looks up next hops.
package fib

import (
	"iter"
	"net/netip"
	"sync"

	"github.com/gaissmai/bart"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Source is where a route comes from, spelled as Azure's effective route table does.
// Values and spelling: spec §1.1 [UDR].
type Source uint8

const (
	SourceDefault Source = iota // "Default": system and feature routes
	SourceUser                  // "User": a UDR
	SourceGateway               // "VirtualNetworkGateway": learned or static gateway routes
)

func (s Source) String() string { return [...]string{"Default", "User", "VirtualNetworkGateway"}[s] }

// State says whether a listed route is used.
// spec §1.1 [UDR].
type State uint8

const (
	Active  State = iota
	Invalid       // listed, but overridden by a route with the same prefix (spec §1.5 rule 1) or by rule 2
)

func (s State) String() string { return [...]string{"Active", "Invalid"}[s] }

// Route is one entry of an effective route table. The origin fields say which resource put
// the route there, so a trace can name it. Which ones are set, by kind of route:
//
//	Default VnetLocal / Internet / None (spec §1.2)  none (the subnet's own VNet is Table.Subnet.VNet)
//	Default VNetPeering / VNetGlobalPeering           Peering: the local VNet's link (Peering.Remote is the target)
//	Default VirtualNetworkServiceEndpoint              Service (e.g. "Microsoft.Storage") and Tag (e.g. "Storage.WestEurope")
//	Default InterfaceEndpoint                          PrivateEndpoint (the peering it comes across: Table.Via)
//	VirtualNetworkGateway (source Gateway)             Gateway and Connection; Peering too for gateway transit
//	                                                   (the spoke's link that has useRemoteGateways)
//	User (UDR)                                         Table and Name; Tag when the UDR's prefix is a service tag
//
// A UDR's name is also Name; every other route has an empty Name (rendered "System Route").
type Route struct {
	Source  Source
	State   State
	Prefix  netip.Prefix
	NextHop model.NextHopType
	// NextHopIP is the first of NextHopIPs, or the zero Addr when there is none.
	NextHopIP netip.Addr
	// NextHopIPs are all next hop addresses as Azure lists them: the appliance of a
	// VirtualAppliance UDR; the gateway's private IPs for gateway routes when the snapshot
	// has them (two for an active-active gateway). Shared with the model; do not modify.
	NextHopIPs []netip.Addr
	// Name is the UDR's name; empty for system routes (rendered "System Route" by traces).
	Name            string
	Table           *model.RouteTable      // UDRs
	Peering         *model.Peering         // peering routes; gateway transit routes
	Gateway         *model.VNetGateway     // VirtualNetworkGateway routes
	Connection      *model.Connection      // VirtualNetworkGateway routes: the connection that brought the prefix
	PrivateEndpoint *model.PrivateEndpoint // InterfaceEndpoint routes
	Service         string                 // VirtualNetworkServiceEndpoint: the service, e.g. Microsoft.Storage
	// Tag is the service tag the prefix was expanded from (service endpoint routes, tag UDRs).
	Tag string
	// Learned is the BGP table row a learned VirtualNetworkGateway route was programmed from, nil
	// for static gateway routes; RouteServer the Route Server that programmed it (its next hop is
	// the NVA the route was learned from). Learned routes are shared between tables and carry no
	// Peering, even by gateway transit (learned.go).
	Learned     *model.LearnedRoute
	RouteServer *model.RouteServer
	// Hub is set on the routes a Virtual WAN hub programs (vwan.go): the packet enters that hub
	// over the connection of the subnet's VNet (FIB.HubConnectionOf).
	Hub *model.VirtualHub
}

// Table is the effective route table of one subnet.
type Table struct {
	Subnet *model.Subnet
	// routes are the routes other than private endpoint /32s, in the order Azure lists them
	// (see All).
	routes []Route
	// removedNone are the default None routes the spec removes from the listing (§1.2
	// DECISION, §1.5 rule 1); SystemLookup still sees them.
	removedNone []Route
	// pes is the network's shared index of private endpoint routes (endpoints.go), nil when
	// none is installed in the subnet; b builds the full listing from it.
	pes  *endpoints
	b    *builder
	udrs *bart.Lite // the subnet's UDR prefixes for spec §1.5 rule 2
	// lg is the shared set of learned routes the subnet receives (learned.go), nil when none.
	lg *learnedSet
	index
	sys systemRoutes // SystemLookup's index, built on first use (table.go)
}

// systemRoutes is the index of a table's system routes by prefix (Table.systemIndex).
type systemRoutes struct {
	once     sync.Once
	byPrefix bart.Table[[]int32]
}

// DefaultRoute returns the table's Active 0.0.0.0/0 route (rule 1 of spec §1.5 leaves one per
// prefix; it is the one Lookup selects where no longer prefix matches), the route that decides
// how the subnet reaches the internet (spec §4). False when the table has none. It does not
// allocate.
func (t *Table) DefaultRoute() (*Route, bool) {
	i, ok := t.lpm.Get(defaultRoute)
	if !ok {
		return nil, false
	}
	return &t.routes[i], true
}

// All returns every route, Active and Invalid, in listing order. Callers must not modify the
// slice. When private endpoint routes are installed in the subnet, each call assembles a new
// listing (they are shared between tables, see endpoints.go); WithoutEndpoints does not.
// Listing order (Azure does not document one; this follows the spec's tables and the
// published example output, and is stable):
//  1. the VNet's ranges, VnetLocal, in address-space order;
//  2. 0.0.0.0/0 Internet;
//  3. the default None ranges in address order (10/8, 100.64/10, 127/8, 172.16/12, 192.168/16,
//     198.18/15), as NetworkInterfaceEffectiveRouteTableList.json lists them;
//  4. peering routes, per peering link in the VNet's order, remote ranges in order;
//  5. service endpoint routes, per endpoint and region in the subnet's order;
//  6. private endpoint /32s: the VNet's own endpoints, then those of each peered VNet, each by
//     endpoint ID (Network.PrivateEndpoints order);
//  7. gateway routes (own gateway, or the hub's by gateway transit), per connection;
//  8. UDRs by name, the route table's order in the model (a service tag UDR expands in the tag's
//     address order).
//
// Routes removed by the spec (Default None routes that lose rule 1, or all of them under an
// active 0/0 to an appliance or gateway) are not listed at all.
func (t *Table) All() []Route {
	if t.pes == nil && t.lg == nil {
		return t.routes
	}
	return t.b.listing(t.Subnet)
}

// WithoutEndpoints returns every route but the private endpoint /32s and the shared learned
// routes (Learned), in listing order. The slice is shared; callers must not modify it. It does
// not allocate.
func (t *Table) WithoutEndpoints() []Route { return t.routes }

// Routes yields, in place, every route of t a next hop can be read from: WithoutEndpoints, then
// the shared learned routes (Learned, with those the listing leaves out). With Endpoints, they
// hold every route of the listing (TestListingInItsParts), without building it.
func (t *Table) Routes() iter.Seq[*Route] {
	return func(yield func(*Route) bool) {
		for _, rs := range [][]Route{t.routes, t.Learned()} {
			for i := range rs {
				if !yield(&rs[i]) {
					return
				}
			}
		}
	}
}

// Unlisted returns the Default None routes the listing leaves out (§1.2 DECISION, §1.5 rule 1)
// that SystemLookup still reads: with WithoutEndpoints, Learned and Endpoints, every prefix a
// lookup of t can select. The slice is shared; callers must not modify it.
func (t *Table) Unlisted() []Route { return t.removedNone }

// Prefixes yields every prefix a lookup of t can select but the private endpoint /32s
// (EndpointAddrs lists those): its routes, the Default None routes only SystemLookup reads and,
// with learned, the shared learned routes. Two addresses that no yielded prefix's bounds (and no
// endpoint address) separate get the same route from every lookup of t.
func (t *Table) Prefixes(learned bool, yield func(netip.Prefix)) {
	for _, rs := range [][]Route{t.routes, t.removedNone} {
		for i := range rs {
			yield(rs[i].Prefix)
		}
	}
	if learned {
		for i, lr := 0, t.Learned(); i < len(lr); i++ {
			yield(lr[i].Prefix)
		}
	}
}

// FIB holds the effective route table of every subnet of a network. Tables are computed
// lazily, once, on first use; a FIB is safe for concurrent use.
type FIB struct {
	net      *model.Network
	b        *builder
	idx      map[*model.Subnet]int
	subnets  []*model.Subnet // the keys of idx in index order
	tables   []lazyTable
	warnings []model.Warning
}

type lazyTable struct {
	once sync.Once
	t    *Table
}

// Build computes effective routes for every subnet of n. It never fails: problems (a UDR
// to an address nothing owns is a trace-time drop, not an error) are returned as warnings.
// Everything that can produce a warning is computed here; the per-subnet tables themselves
// are computed on first use by Subnet.
func Build(n *model.Network) (*FIB, []model.Warning) {
	f := &FIB{net: n, idx: map[*model.Subnet]int{}}
	var subnets []*model.Subnet
	add := func(s *model.Subnet) {
		if _, dup := f.idx[s]; !dup && s != nil && s.VNet != nil {
			f.idx[s] = len(subnets)
			subnets = append(subnets, s)
		}
	}
	for _, s := range n.Subnets {
		add(s)
	}
	for _, v := range n.VNets {
		for _, s := range v.Subnets {
			add(s)
		}
	}
	f.b, f.subnets = newBuilder(n, subnets, &f.warnings), subnets
	f.tables = make([]lazyTable, len(f.idx))
	return f, f.warnings
}

// Subnets returns every subnet Subnet has a table for: n's subnets, then those of n's VNets,
// once each, skipping subnets without a VNet. Shared; callers must not modify it.
func (f *FIB) Subnets() []*model.Subnet { return f.subnets }

// Subnet returns the table of s (never nil for a subnet of the network; nil for a subnet
// the network does not hold).
func (f *FIB) Subnet(s *model.Subnet) *Table {
	i, ok := f.idx[s]
	if !ok {
		return nil
	}
	lt := &f.tables[i]
	lt.once.Do(func() { lt.t = f.b.table(s) })
	return lt.t
}

// Warnings returns the warnings Build returned.
func (f *FIB) Warnings() []model.Warning { return f.warnings }

// index holds the lookup structures of a table (spec §1.5 rule 3), each mapping a prefix to
// its route's position in routes.
type index struct {
	// lpm holds every Active route.
	lpm bart.Table[int32]
	// noGW and local are built only when the table has Active gateway-source routes: noGW
	// holds the Active routes that are not gateway-source, local the prefixes of Active
	// VnetLocal, VNetPeering, VNetGlobalPeering and VirtualNetworkServiceEndpoint routes.
	noGW  *bart.Table[int32]
	local *bart.Lite
}

// Lookup selects the route for dst following spec §1.5 rule 3: longest prefix match over
// Active routes, except that a VirtualNetworkGateway-source route is ignored when an Active
// VnetLocal, VNetPeering, VNetGlobalPeering or VirtualNetworkServiceEndpoint route covers dst
// (UDRs are never ignored). An Active private endpoint /32 is the longest match there is. It
// does not allocate.
func (t *Table) Lookup(dst netip.Addr) (*Route, bool) {
	dst = dst.Unmap()
	if r, ok := t.endpoint(dst); ok {
		return r, true
	}
	i, ok := t.lpm.Lookup(dst)
	if t.lg != nil { // a longer shared learned route (learned.go)
		if r, ok := t.learned(dst, i, ok); ok {
			return r, true
		}
	}
	if !ok {
		return nil, false
	}
	if t.routes[i].Source == SourceGateway && t.local != nil && t.local.Contains(dst) {
		// spec §1.5 rule 3 [UDR, RS]: the covering local route is in noGW, so this finds one.
		if i, ok = t.noGW.Lookup(dst); !ok {
			return nil, false
		}
	}
	return &t.routes[i], true
}
