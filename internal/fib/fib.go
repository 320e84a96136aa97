// Package fib computes each subnet's effective routes (spec §1) and looks up next hops.
package fib

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Source is where a route comes from, spelled as Azure's effective route table does.
type Source uint8

const (
	SourceDefault Source = iota // "Default": system and feature routes
	SourceUser                  // "User": a UDR
	SourceGateway               // "VirtualNetworkGateway": learned or static gateway routes
)

func (s Source) String() string { return [...]string{"Default", "User", "VirtualNetworkGateway"}[s] }

// State says whether a listed route is used.
type State uint8

const (
	Active  State = iota
	Invalid       // listed, but overridden by a route with the same prefix (spec §1.5 rule 1) or by rule 2
)

func (s State) String() string { return [...]string{"Active", "Invalid"}[s] }

// Route is one entry of an effective route table. Exactly the origin pointer that fits
// the route is set, so a trace can say which resource put the route there.
type Route struct {
	Source    Source
	State     State
	Prefix    netip.Prefix
	NextHop   model.NextHopType
	NextHopIP netip.Addr // VirtualAppliance: the appliance; gateway routes: the gateway when known
	// Name is the UDR's name; empty for system routes (rendered "System Route" by traces).
	Name            string
	Table           *model.RouteTable      // UDRs
	Peering         *model.Peering         // VNetPeering / VNetGlobalPeering routes
	Gateway         *model.VNetGateway     // VirtualNetworkGateway routes
	PrivateEndpoint *model.PrivateEndpoint // InterfaceEndpoint routes
	Service         string                 // VirtualNetworkServiceEndpoint: the service, e.g. Microsoft.Storage
}

// Table is the effective route table of one subnet.
type Table struct {
	Subnet *model.Subnet
	// Routes in the order Azure lists them (see All).
	routes []Route
}

// All returns every route, Active and Invalid, in Azure's listing order.
// The slice is shared; callers must not modify it.
func (t *Table) All() []Route { return t.routes }

// Lookup selects the route for dst following spec §1.5 rule 3. It does not allocate.
func (t *Table) Lookup(dst netip.Addr) (*Route, bool) {
	panic("fib: Lookup not implemented")
}

// FIB holds the effective route table of every subnet of a network.
type FIB struct {
	net *model.Network
}

// Build computes effective routes for every subnet of n. It never fails: problems (a UDR
// to an address nothing owns is a trace-time drop, not an error) are returned as warnings.
func Build(n *model.Network) (*FIB, []model.Warning) {
	panic("fib: Build not implemented")
}

// Subnet returns the table of s (never nil for a subnet of the network).
func (f *FIB) Subnet(s *model.Subnet) *Table {
	panic("fib: Subnet not implemented")
}
