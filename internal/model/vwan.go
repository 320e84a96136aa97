package model

import (
	"net/netip"
	"strings"
)

// Virtual WAN (docs/azure-semantics.md §1.11). Sources, cited at each rule:
//   - [VWANR] learn.microsoft.com/azure/virtual-wan/about-virtual-hub-routing (route tables,
//     association, propagation, labels, static routes);
//   - [VWANRI] learn.microsoft.com/azure/virtual-wan/how-to-routing-policies (routing intent);
//   - [VWANRP] learn.microsoft.com/azure/virtual-wan/about-virtual-hub-routing-preference (route selection).

// VirtualWAN is a Microsoft.Network/virtualWans resource.
type VirtualWAN struct {
	ID   ID
	Name string
	// Basic is a Basic virtual WAN: "Basic … supports only site-to-site VPN"; no VNet-to-VNet
	// transit through the hub (learn.microsoft.com/azure/virtual-wan/virtual-wan-about#basicstandard).
	Basic bool
	// NoBranchToBranch is allowBranchToBranchTraffic=false: traffic between branches through the
	// WAN's hubs is not allowed (learn.microsoft.com/azure/virtual-wan/virtual-wan-faq, branch-to-branch).
	NoBranchToBranch bool
	Hubs             []*VirtualHub
}

// VirtualHub is a Virtual WAN hub: a Microsoft-managed VNet (AddressPrefix) with a router
// (RouterIPs) that routes between its connections by its route tables [VWANR].
type VirtualHub struct {
	ID       ID
	Name     string
	Location string
	WAN      *VirtualWAN // nil when the snapshot lacks it
	Prefix   netip.Prefix
	// RouterIPs are virtualRouterIps, the hub router's two instances.
	RouterIPs []netip.Addr
	// Tables are the hub route tables by ID; DefaultTable is the one named defaultRouteTable.
	Tables       []*HubRouteTable
	DefaultTable *HubRouteTable
	Connections  []*HubConnection // VNet connections, by ID
	Branches     []*HubBranch     // VPN site connections of its VPN gateway, by ID
	// Firewall is the secured hub's Azure Firewall (azureFirewall or a firewall whose
	// virtualHub names this hub); nil when none.
	Firewall *Firewall
	Intent   *RoutingIntent // nil without routing intent
}

// HubRouteTable is a virtualHubs/hubRouteTables resource. Its routes are static [VWANR "Hub
// route table"]; what connections propagate to it is computed by fib.
type HubRouteTable struct {
	ID     ID
	Name   string
	Hub    *VirtualHub
	Labels []string
	Routes []*HubRoute
}

// IsNone reports whether t is the hub's noneRouteTable: "propagating to the None route table
// implies that no routes are required to be propagated from the connection" [VWANR].
func (t *HubRouteTable) IsNone() bool { return strings.EqualFold(t.Name, "noneRouteTable") }

// HasLabel reports whether t carries label l (labels compare case-insensitively).
func (t *HubRouteTable) HasLabel(l string) bool {
	for _, x := range t.Labels {
		if strings.EqualFold(x, l) {
			return true
		}
	}
	return false
}

// HubRoute is one static route of a hub route table: destinations and a next hop resource
// (a VNet connection, or the hub's Azure Firewall) [VWANR "Hub route table"].
type HubRoute struct {
	Name         string
	Destinations []netip.Prefix
	// Connection is the next hop when it is a hub virtual network connection; NextHopIP is set
	// when that connection's VNet holds the appliance the route names (an IPAddress next hop).
	Connection *HubConnection
	Firewall   *Firewall // the next hop when it is the hub's Azure Firewall
	NextHopIP  netip.Addr
	NextHop    ID // as written
}

// Routing is a connection's routingConfiguration [VWANR "Association", "Propagation", "Labels"].
type Routing struct {
	Associated *HubRouteTable // nil: defaultRouteTable when the hub has one
	Propagate  []*HubRouteTable
	Labels     []string
}

// HubConnection is a hubVirtualNetworkConnection: a VNet attached to the hub.
type HubConnection struct {
	ID   ID
	Name string
	Hub  *VirtualHub
	VNet *VNet // nil when the snapshot lacks it (RemoteVNet says which)
	// RemoteVNet is remoteVirtualNetwork as written.
	RemoteVNet ID
	// InternetSecurity is enableInternetSecurity: the connection learns the hub's 0.0.0.0/0
	// ("Propagate Default Route", [VWANR]; [VWANRI] "Internet Traffic Routing Policy").
	InternetSecurity bool
	Routing          Routing
	// StaticRoutes are vnetRoutes.staticRoutes: prefixes behind an appliance in the VNet
	// (learn.microsoft.com/azure/virtual-wan/scenario-route-through-nva).
	StaticRoutes []HubStaticRoute
	// PropagateStatic is staticRoutesConfig.propagateStaticRoutes (default true): the static
	// routes are propagated to the tables the connection propagates to.
	PropagateStatic bool
}

// HubStaticRoute is one static route of a VNet connection.
type HubStaticRoute struct {
	Name     string
	Prefixes []netip.Prefix
	NextHop  netip.Addr
}

// HubBranch is a branch connection of a hub: a VPN site through the hub's VPN gateway. Its
// prefixes are the site's address space (static); BGP-learned branch prefixes are not in a
// snapshot (warned).
type HubBranch struct {
	ID       ID
	Name     string
	Hub      *VirtualHub
	Site     ID
	SiteName string
	Prefixes []netip.Prefix
	Routing  Routing
}

// RoutingIntent is a hub's routing intent: at most one Private and one Internet policy, each
// with one next hop [VWANRI].
type RoutingIntent struct {
	ID       ID
	Name     string
	Private  *RoutingPolicy
	Internet *RoutingPolicy
	// PrivatePrefixes are the prefixes the private policy sends to its next hop: RFC 1918 and
	// the additional prefixes configured ([VWANRI]: "Virtual WAN … advertises the RFC1918
	// aggregate prefixes … as well as any additional prefixes").
	PrivatePrefixes []netip.Prefix
}

// RoutingPolicy is one routing policy: its name and next hop (the hub firewall, or an NVA in
// the hub that the snapshot does not model: Firewall nil, NextHop set).
type RoutingPolicy struct {
	Name     string
	NextHop  ID
	Firewall *Firewall
}

// RFC1918 are the private aggregates routing intent always covers [VWANRI].
var RFC1918 = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// HubOfFirewall returns the hub whose Azure Firewall fw is, or nil.
func (n *Network) HubOfFirewall(fw *Firewall) *VirtualHub {
	for _, h := range n.VirtualHubs {
		if h.Firewall == fw && fw != nil {
			return h
		}
	}
	return nil
}

// Associated returns the table c is associated with: its routing configuration's, else the
// hub's defaultRouteTable ("by default, all connections associate … to the Default route
// table" [VWANR]). nil when neither is in the snapshot.
func (c *HubConnection) Associated() *HubRouteTable {
	if c.Routing.Associated != nil {
		return c.Routing.Associated
	}
	return c.Hub.DefaultTable
}

// Associated is HubConnection.Associated for a branch.
func (b *HubBranch) Associated() *HubRouteTable {
	if b.Routing.Associated != nil {
		return b.Routing.Associated
	}
	return b.Hub.DefaultTable
}

// PropagatesTo reports whether a connection with routing r propagates to table t: t is listed,
// or carries one of r's labels [VWANR "Labels": "propagate to a set of route tables by label"].
// A routing configuration that lists nothing propagates to the default table (the default).
func (r Routing) PropagatesTo(t *HubRouteTable) bool {
	if len(r.Propagate) == 0 && len(r.Labels) == 0 {
		return t == t.Hub.DefaultTable
	}
	for _, x := range r.Propagate {
		if x == t {
			return !t.IsNone()
		}
	}
	for _, l := range r.Labels {
		if t.HasLabel(l) && !t.IsNone() {
			return true
		}
	}
	return false
}
