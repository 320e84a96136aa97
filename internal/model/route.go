package model

import "net/netip"

// RouteTable is a user route table (UDRs) attached to subnets.
type RouteTable struct {
	ID   ID
	Name string
	// DisableBGPPropagation removes every VirtualNetworkGateway-source route from the
	// subnets using the table (spec §1.4).
	DisableBGPPropagation bool
	Routes                []*Route
}

// Route is one user-defined route.
// spec §1.4 [UDR].
type Route struct {
	Name string
	// Prefix is the destination; zero when the input names a service tag (see Tag).
	Prefix netip.Prefix
	// Tag is the service tag used as addressPrefix, when the route uses one.
	Tag         string
	NextHopType NextHopType
	NextHopIP   netip.Addr // only for VirtualAppliance
}

// GatewayRoutesPropagate reports whether s receives VirtualNetworkGateway routes, static and
// learned: false when its route table disables gateway route propagation (spec §1.4 [UDR]).
func (s *Subnet) GatewayRoutesPropagate() bool {
	return s.RouteTable == nil || !s.RouteTable.DisableBGPPropagation
}

// DefaultUDR returns the subnet's user route for 0.0.0.0/0 (the first in its route table), or
// nil. spec §1.4 [UDR]; on the internet path it outranks every outbound method, spec §4.
func (s *Subnet) DefaultUDR() *Route {
	if s == nil || s.RouteTable == nil {
		return nil
	}
	for _, r := range s.RouteTable.Routes {
		if r.Prefix.IsValid() && r.Prefix.Bits() == 0 && r.Prefix.Addr().Is4() {
			return r
		}
	}
	return nil
}
