package azure

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

// VWAN is what a snapshot holds about Virtual WAN: the WANs, their hubs (a virtualHubs object
// with a virtualWan or an addressPrefix; a Route Server is read by routeserver.go), the hubs'
// children given as separate objects, and the branch resources (VPN sites, VPN and ExpressRoute
// gateways in hubs). Shapes: the REST API's VirtualWAN, VirtualHub, HubVirtualNetworkConnection,
// HubRouteTable, RoutingIntent, VpnSite, VpnGateway, VpnConnection and ExpressRouteGateway
// (learn.microsoft.com/rest/api/virtualwan/).
type VWAN struct {
	WANs           []*VirtualWAN
	Hubs           []*WANHub
	Connections    []*HubVNetConnection // separate virtualHubs/hubVirtualNetworkConnections objects
	RouteTables    []*HubRouteTable     // separate virtualHubs/hubRouteTables objects
	Intents        []*RoutingIntent     // separate virtualHubs/routingIntent objects
	VPNSites       []*VPNSite
	VPNGateways    []*VPNGateway
	VPNConnections []*VPNConnection // separate vpnGateways/vpnConnections objects
	ERGateways     []*ERGateway
}

func (v *VWAN) merge(o *VWAN) {
	v.WANs = append(v.WANs, o.WANs...)
	v.Hubs = append(v.Hubs, o.Hubs...)
	v.Connections = append(v.Connections, o.Connections...)
	v.RouteTables = append(v.RouteTables, o.RouteTables...)
	v.Intents = append(v.Intents, o.Intents...)
	v.VPNSites = append(v.VPNSites, o.VPNSites...)
	v.VPNGateways = append(v.VPNGateways, o.VPNGateways...)
	v.VPNConnections = append(v.VPNConnections, o.VPNConnections...)
	v.ERGateways = append(v.ERGateways, o.ERGateways...)
}

// VirtualWAN is Microsoft.Network/virtualWans: type Standard or Basic,
// allowBranchToBranchTraffic, allowVnetToVnetTraffic.
type VirtualWAN struct {
	Meta
	WANType        string
	BranchToBranch *bool
}

// WANHub is a Virtual WAN hub (Microsoft.Network/virtualHubs with a virtualWan).
type WANHub struct {
	Meta
	VirtualWAN     string
	AddressPrefix  netip.Prefix
	RouterIPs      []netip.Addr
	Firewall       string // azureFirewall.id
	VPNGateway     string // vpnGateway.id
	ERGateway      string // expressRouteGateway.id
	P2SGateway     string // p2SVpnGateway.id
	LegacyRoutes   int    // routeTable.routes (the v1 hub route table) and virtualHubRouteTableV2s: not modelled
	Connections    []*HubVNetConnection
	RouteTables    []*HubRouteTable
	Intents        []*RoutingIntent
	RoutingPref    string
	BranchToBranch bool
}

// HubRouting is a connection's routingConfiguration.
type HubRouting struct {
	Present         bool
	Associated      string   // associatedRouteTable.id
	PropagatedIDs   []string // propagatedRouteTables.ids[].id
	Labels          []string // propagatedRouteTables.labels
	StaticRoutes    []HubStaticRoute
	PropagateStatic *bool // vnetRoutes.staticRoutesConfig.propagateStaticRoutes
}

// HubStaticRoute is one vnetRoutes.staticRoutes item: prefixes behind an address in the VNet.
type HubStaticRoute struct {
	Src      Src
	Name     string
	Prefixes []netip.Prefix
	NextHop  netip.Addr
}

// HubVNetConnection is Microsoft.Network/virtualHubs/hubVirtualNetworkConnections.
type HubVNetConnection struct {
	Meta
	RemoteVNet       string
	InternetSecurity bool // enableInternetSecurity: the connection learns the hub's 0.0.0.0/0
	Routing          HubRouting
}

// HubRouteTable is Microsoft.Network/virtualHubs/hubRouteTables.
type HubRouteTable struct {
	Meta
	Labels []string
	Routes []*HubRoute
}

// HubRoute is one route of a hub route table.
type HubRoute struct {
	Src             Src
	Name            string
	DestinationType string // CIDR, ResourceId, Service
	Destinations    []string
	NextHopType     string // ResourceId, IPAddress
	NextHop         string
}

// RoutingIntent is Microsoft.Network/virtualHubs/routingIntent.
type RoutingIntent struct {
	Meta
	Policies []RoutingPolicy
}

// RoutingPolicy is one routingPolicies item: destinations Internet or PrivateTraffic.
type RoutingPolicy struct {
	Src          Src
	Name         string
	Destinations []string
	NextHop      string
}

// VPNSite is Microsoft.Network/vpnSites: a branch and its address space.
type VPNSite struct {
	Meta
	Prefixes []netip.Prefix // addressSpace.addressPrefixes
	BGP      bool           // bgpProperties on the site or a link: its prefixes also come by BGP
}

// VPNGateway is Microsoft.Network/vpnGateways (a hub's site-to-site gateway).
type VPNGateway struct {
	Meta
	Hub         string
	Connections []*VPNConnection
}

// VPNConnection is Microsoft.Network/vpnGateways/vpnConnections.
type VPNConnection struct {
	Meta
	Site    string // remoteVpnSite.id
	Routing HubRouting
}

// ERGateway is Microsoft.Network/expressRouteGateways (a hub's ExpressRoute gateway).
type ERGateway struct {
	Meta
	Hub         string
	Connections int
}

func init() {
	const n = "Microsoft.Network/"
	add(n+"virtualWans", func(s *Snapshot) *[]*VirtualWAN { return &s.VWAN.WANs }, (*dec).virtualWAN)
	reg(n+"virtualHubs", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		if !isWANHub(v) { // neither a Route Server (learned.go) nor a Virtual WAN hub: unknown
			if s.Unknown == nil {
				s.Unknown = map[string]int{}
			}
			s.Unknown[typeOr(v, n+"virtualHubs")]++
			return
		}
		s.VWAN.Hubs = append(s.VWAN.Hubs, d.wanHub(v, p))
	})
	add(n+"virtualHubs/hubVirtualNetworkConnections", func(s *Snapshot) *[]*HubVNetConnection { return &s.VWAN.Connections }, (*dec).hubConnection)
	add(n+"virtualHubs/hubRouteTables", func(s *Snapshot) *[]*HubRouteTable { return &s.VWAN.RouteTables }, (*dec).hubRouteTable)
	add(n+"virtualHubs/routingIntent", func(s *Snapshot) *[]*RoutingIntent { return &s.VWAN.Intents }, (*dec).routingIntent)
	add(n+"vpnSites", func(s *Snapshot) *[]*VPNSite { return &s.VWAN.VPNSites }, (*dec).vpnSite)
	add(n+"vpnGateways", func(s *Snapshot) *[]*VPNGateway { return &s.VWAN.VPNGateways }, (*dec).vpnGateway)
	add(n+"vpnGateways/vpnConnections", func(s *Snapshot) *[]*VPNConnection { return &s.VWAN.VPNConnections }, (*dec).vpnConnection)
	add(n+"expressRouteGateways", func(s *Snapshot) *[]*ERGateway { return &s.VWAN.ERGateways }, (*dec).erGateway)
}

// isWANHub reports whether v, a virtualHubs object, is a Virtual WAN hub: it names its
// virtualWan or has an addressPrefix (a Route Server has neither; routeserver.go).
func isWANHub(v *jsondoc.Value) bool {
	props := v.Get("properties")
	for _, k := range []string{"virtualwan", "addressprefix"} {
		if x := v.Get(k); x != nil && x.Kind != jsondoc.Null {
			return true
		}
		if props != nil && props.Kind == jsondoc.Object {
			if x := props.Get(k); x != nil && x.Kind != jsondoc.Null {
				return true
			}
		}
	}
	return false
}

func typeOr(v *jsondoc.Value, canon string) string {
	if t := v.Get("type").Text(); t != "" {
		return t
	}
	return canon
}

func (d *dec) virtualWAN(v *jsondoc.Value, p *jsondoc.Path) *VirtualWAN {
	w := &VirtualWAN{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "type":
			if m.Val.Kind == jsondoc.String && m.Val.Str() != "" && at != p { // properties.type, not the resource type
				w.WANType = m.Val.Str()
			}
		case "allowbranchtobranchtraffic":
			w.BranchToBranch = d.optBool(m, at)
		}
	})
	return w
}

func (d *dec) wanHub(v *jsondoc.Value, p *jsondoc.Path) *WANHub {
	w := &WANHub{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "virtualwan":
			w.VirtualWAN = d.ref(m, at)
		case "addressprefix":
			w.AddressPrefix = d.prefix(m, at)
		case "virtualrouterips":
			w.RouterIPs = d.addrs(m, at)
		case "azurefirewall":
			w.Firewall = d.ref(m, at)
		case "vpngateway":
			w.VPNGateway = d.ref(m, at)
		case "expressroutegateway":
			w.ERGateway = d.ref(m, at)
		case "p2svpngateway":
			w.P2SGateway = d.ref(m, at)
		case "hubroutingpreference":
			w.RoutingPref = d.str(m, at)
		case "allowbranchtobranchtraffic":
			w.BranchToBranch = d.boolean(m, at)
		case "routetable": // the v1 hub route table: {"routes": [...]}
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "routes" && m.Val.Kind == jsondoc.Array {
					w.LegacyRoutes += len(m.Val.Kids())
				}
			})
		case "virtualhubroutetablev2s":
			if m.Val.Kind == jsondoc.Array {
				w.LegacyRoutes += len(m.Val.Kids())
			}
		case "hubvirtualnetworkconnections", "virtualnetworkconnections":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Connections = append(w.Connections, d.hubConnection(v, p)) })
		case "hubroutetables":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.RouteTables = append(w.RouteTables, d.hubRouteTable(v, p)) })
		case "routingintent":
			d.oneOrMany(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Intents = append(w.Intents, d.routingIntent(v, p)) })
		}
	})
	return w
}

// oneOrMany calls fn for the object held by m, or for each object of the array it holds.
func (d *dec) oneOrMany(m *jsondoc.Member, at *jsondoc.Path, fn func(v *jsondoc.Value, p *jsondoc.Path)) {
	if m.Val.Kind == jsondoc.Object {
		fn(&m.Val, at.Key(m.Raw))
		return
	}
	d.items(m, at, fn)
}

func (d *dec) hubConnection(v *jsondoc.Value, p *jsondoc.Path) *HubVNetConnection {
	w := &HubVNetConnection{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "remotevirtualnetwork":
			w.RemoteVNet = d.ref(m, at)
		case "enableinternetsecurity":
			w.InternetSecurity = d.boolean(m, at)
		case "routingconfiguration":
			w.Routing = d.hubRouting(m, at)
		}
	})
	return w
}

// hubRouting reads a routingConfiguration (HubVirtualNetworkConnection, VpnConnection).
func (d *dec) hubRouting(m *jsondoc.Member, at *jsondoc.Path) HubRouting {
	r := HubRouting{Present: m.Val.Kind == jsondoc.Object}
	d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "associatedroutetable":
			r.Associated = d.ref(m, at)
		case "propagatedroutetables":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				switch k {
				case "ids":
					r.PropagatedIDs = d.refs(m, at)
				case "labels":
					r.Labels = d.strs(m, at)
				}
			})
		case "vnetroutes":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				switch k {
				case "staticroutes":
					d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
						r.StaticRoutes = append(r.StaticRoutes, d.hubStaticRoute(v, p))
					})
				case "staticroutesconfig":
					d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
						if k == "propagatestaticroutes" {
							r.PropagateStatic = d.optBool(m, at)
						}
					})
				}
			})
		}
	})
	return r
}

func (d *dec) hubStaticRoute(v *jsondoc.Value, p *jsondoc.Path) HubStaticRoute {
	r := HubStaticRoute{Src: d.src(p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "name":
			r.Name = d.str(m, at)
		case "addressprefixes":
			r.Prefixes = d.prefixes(m, at)
		case "nexthopipaddress":
			r.NextHop = d.addr(m, at)
		}
	})
	if !r.NextHop.IsValid() {
		d.failAt(p, "static route %q has no nextHopIpAddress", r.Name)
	}
	return r
}

func (d *dec) hubRouteTable(v *jsondoc.Value, p *jsondoc.Path) *HubRouteTable {
	w := &HubRouteTable{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "labels":
			w.Labels = d.strs(m, at)
		case "routes":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Routes = append(w.Routes, d.hubRoute(v, p)) })
		}
	})
	return w
}

func (d *dec) hubRoute(v *jsondoc.Value, p *jsondoc.Path) *HubRoute {
	r := &HubRoute{Src: d.src(p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "name":
			r.Name = d.str(m, at)
		case "destinationtype":
			r.DestinationType = d.str(m, at)
		case "destinations":
			r.Destinations = d.strs(m, at)
		case "nexthoptype":
			r.NextHopType = d.str(m, at)
		case "nexthop":
			r.NextHop = d.str(m, at)
		}
	})
	if r.NextHop == "" {
		d.failAt(p, "hub route %q has no nextHop", r.Name)
	}
	return r
}

func (d *dec) routingIntent(v *jsondoc.Value, p *jsondoc.Path) *RoutingIntent {
	w := &RoutingIntent{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		if k != "routingpolicies" {
			return
		}
		d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
			pol := RoutingPolicy{Src: d.src(p)}
			each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				switch k {
				case "name":
					pol.Name = d.str(m, at)
				case "destinations":
					pol.Destinations = d.strs(m, at)
				case "nexthop":
					pol.NextHop = d.ref(m, at)
				}
			})
			if pol.NextHop == "" {
				d.failAt(p, "routing policy %q has no nextHop", pol.Name)
			}
			w.Policies = append(w.Policies, pol)
		})
	})
	return w
}

func (d *dec) vpnSite(v *jsondoc.Value, p *jsondoc.Path) *VPNSite {
	w := &VPNSite{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "addressspace":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "addressprefixes" {
					w.Prefixes = d.prefixes(m, at)
				}
			})
		case "bgpproperties":
			w.BGP = w.BGP || m.Val.Kind == jsondoc.Object
		case "vpnsitelinks":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
				each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
					if k == "bgpproperties" && m.Val.Kind == jsondoc.Object {
						w.BGP = true
					}
				})
			})
		}
	})
	return w
}

func (d *dec) vpnGateway(v *jsondoc.Value, p *jsondoc.Path) *VPNGateway {
	w := &VPNGateway{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "virtualhub":
			w.Hub = d.ref(m, at)
		case "connections":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Connections = append(w.Connections, d.vpnConnection(v, p)) })
		}
	})
	return w
}

func (d *dec) vpnConnection(v *jsondoc.Value, p *jsondoc.Path) *VPNConnection {
	w := &VPNConnection{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "remotevpnsite":
			w.Site = d.ref(m, at)
		case "routingconfiguration":
			w.Routing = d.hubRouting(m, at)
		}
	})
	return w
}

func (d *dec) erGateway(v *jsondoc.Value, p *jsondoc.Path) *ERGateway {
	w := &ERGateway{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "virtualhub":
			w.Hub = d.ref(m, at)
		case "expressrouteconnections":
			if m.Val.Kind == jsondoc.Array {
				w.Connections = len(m.Val.Kids())
			}
		}
	})
	return w
}
