package convert

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const (
	typeVirtualWAN    = "Microsoft.Network/virtualWans"
	typeHubConnection = typeVirtualHub + "/hubVirtualNetworkConnections"
	typeHubRouteTable = typeVirtualHub + "/hubRouteTables"
	typeRoutingIntent = typeVirtualHub + "/routingIntent"
	typeVPNSite       = "Microsoft.Network/vpnSites"
	typeVPNGateway    = "Microsoft.Network/vpnGateways"
	typeVPNConnection = typeVPNGateway + "/vpnConnections"
	typeERGateway     = "Microsoft.Network/expressRouteGateways"
	// policyRoutePrefix names the routes routing intent writes into defaultRouteTable
	// (_policy_PrivateTraffic, _policy_PublicTraffic; how-to-routing-policies, "Routing intent
	// … creates … routes"): they are the intent's, not the user's.
	policyRoutePrefix = "_policy_"
)

// buildVWAN builds Virtual WANs and their hubs (model/vwan.go; docs/azure-semantics.md §1.11):
// route tables, VNet connections, VPN site branches, the secured hub's firewall and routing
// intent. Nothing here guesses: what is not modelled is an Unsupported warning.
func (b *builder) buildVWAN() {
	s := &b.s.VWAN
	if len(s.Hubs) == 0 && len(s.WANs) == 0 && len(s.Connections) == 0 {
		b.warnHubFirewalls(nil)
		return
	}
	wans := map[string]*model.VirtualWAN{}
	for _, w := range dedup(b, s.WANs) {
		v := &model.VirtualWAN{ID: model.ID(w.ID), Name: w.Name, Basic: strings.EqualFold(w.WANType, "Basic"),
			NoBranchToBranch: w.BranchToBranch != nil && !*w.BranchToBranch}
		wans[b.key(w.ID)] = v
		b.n.VirtualWANs = append(b.n.VirtualWANs, v)
		b.n.Index(v.ID, v)
		b.count(typeVirtualWAN)
	}
	hubs := map[string]*model.VirtualHub{}
	hubWire := dedup(b, s.Hubs)
	var tables []child[*azure.HubRouteTable]
	var conns []child[*azure.HubVNetConnection]
	var intents []child[*azure.RoutingIntent]
	for _, w := range hubWire {
		h := b.hub(w, wans)
		hubs[b.key(w.ID)] = h
		tables = inlineChildren(tables, w.ID, "hubRouteTables", w.RouteTables)
		conns = inlineChildren(conns, w.ID, "hubVirtualNetworkConnections", w.Connections)
		intents = inlineChildren(intents, w.ID, "routingIntent", w.Intents)
	}
	wires, policyRoutes := b.hubTables(mergeChildren(b, tables, s.RouteTables), hubs)
	b.hubConnections(mergeChildren(b, conns, s.Connections), hubs)
	b.hubFirewalls(hubWire, hubs)
	b.hubTableRoutes(wires)
	b.hubIntents(mergeChildren(b, intents, s.Intents), hubs, policyRoutes)
	b.hubBranches(hubs)
	b.warnHubFirewalls(hubs)
	for _, v := range b.n.VirtualWANs {
		if v.Basic {
			b.n.Warn("Unsupported", v.ID, "virtual WAN "+v.Name+" is Basic; its restrictions (no transit between VNet connections) are not modelled")
		}
		if len(v.Hubs) > 1 {
			b.n.Warn("Unsupported", v.ID, "virtual WAN "+v.Name+" has several hubs; routing between hubs is not modelled, each hub routes only its own connections")
		}
	}
}

func (b *builder) hub(w *azure.WANHub, wans map[string]*model.VirtualWAN) *model.VirtualHub {
	h := &model.VirtualHub{ID: model.ID(w.ID), Name: w.Name, Location: location(w.Location),
		Prefix: w.AddressPrefix, RouterIPs: w.RouterIPs}
	if w.VirtualWAN != "" {
		if h.WAN = wans[b.key(w.VirtualWAN)]; h.WAN == nil {
			b.dangling(h.ID, "virtual WAN", w.VirtualWAN)
		} else {
			h.WAN.Hubs = append(h.WAN.Hubs, h)
		}
	}
	if !h.Prefix.IsValid() {
		b.n.Warn("InvalidValue", h.ID, "virtual hub "+h.Name+" has no addressPrefix; its own range is not routed")
	}
	if w.LegacyRoutes > 0 {
		b.n.Warn("Unsupported", h.ID, "virtual hub "+h.Name+" has routes in its legacy routeTable/virtualHubRouteTableV2s;"+
			" only hubRouteTables are modelled")
	}
	if w.P2SGateway != "" {
		b.n.Warn("Unsupported", h.ID, "virtual hub "+h.Name+" has a point-to-site gateway; user VPN clients and their routes are not modelled")
	}
	// The hub routing preference picks between ExpressRoute, VPN and SD-WAN branches that
	// advertise the same prefix (virtual-wan/about-virtual-hub-routing-preference); the model
	// does not rank branch routes, so a preference other than the default is said, not guessed.
	if p := w.RoutingPref; p != "" && !strings.EqualFold(p, "ExpressRoute") {
		b.n.Warn("Unsupported", h.ID, "virtual hub "+h.Name+" has hubRoutingPreference "+p+
			"; where branches advertise the same prefix, which one wins is not modelled")
	}
	b.n.VirtualHubs = append(b.n.VirtualHubs, h)
	b.n.Index(h.ID, h)
	b.count(typeVirtualHub)
	return h
}

// hubTables builds the hub route tables; the routes routing intent writes (_policy_*) are kept
// apart, by hub, for hubIntents.
func (b *builder) hubTables(cs []child[*azure.HubRouteTable], hubs map[string]*model.VirtualHub) ([]tableWire, map[*model.VirtualHub][]*azure.HubRoute) {
	policy := map[*model.VirtualHub][]*azure.HubRoute{}
	var wires []tableWire
	for _, c := range cs {
		h := hubs[b.key(c.parent)]
		if h == nil {
			b.dangling(model.ID(c.w.ID), "its virtual hub", c.parent)
			continue
		}
		t := &model.HubRouteTable{ID: model.ID(c.w.ID), Name: c.w.Name, Hub: h, Labels: c.w.Labels}
		if strings.EqualFold(t.Name, "defaultRouteTable") {
			h.DefaultTable = t
		}
		for _, r := range c.w.Routes {
			if strings.HasPrefix(r.Name, policyRoutePrefix) {
				policy[h] = append(policy[h], r)
			}
		}
		h.Tables = append(h.Tables, t)
		wires = append(wires, tableWire{t, c.w})
		b.n.Index(t.ID, t)
		b.count(typeHubRouteTable)
	}
	return wires, policy
}

// tableWire pairs a hub route table with its wire object, whose routes are resolved later.
type tableWire struct {
	t *model.HubRouteTable
	w *azure.HubRouteTable
}

// hubTableRoutes resolves each table's static routes once connections and firewalls exist. A
// route's next hop is a VNet connection (optionally with an appliance address) or the hub's
// Azure Firewall [VWANR "Hub route table"]; anything else is warned and left out.
func (b *builder) hubTableRoutes(wires []tableWire) {
	for _, tw := range wires {
		t := tw.t
		for _, r := range tw.w.Routes {
			if strings.HasPrefix(r.Name, policyRoutePrefix) {
				continue
			}
			if hr := b.hubRoute(t, r); hr != nil {
				t.Routes = append(t.Routes, hr)
			}
		}
	}
}

func (b *builder) hubRoute(t *model.HubRouteTable, w *azure.HubRoute) *model.HubRoute {
	r := &model.HubRoute{Name: w.Name, NextHop: model.ID(w.NextHop)}
	if !strings.EqualFold(w.DestinationType, "CIDR") && w.DestinationType != "" {
		b.n.Warn("Unsupported", t.ID, "hub route "+w.Name+" has destination type "+w.DestinationType+"; only CIDR destinations are modelled")
		return nil
	}
	for _, d := range w.Destinations {
		p, err := netip.ParsePrefix(strings.TrimSpace(d))
		if err != nil {
			b.n.Warn("InvalidValue", t.ID, "hub route "+w.Name+" destination "+d+" is not a CIDR prefix; it is ignored")
			continue
		}
		r.Destinations = append(r.Destinations, p.Masked())
	}
	x, _ := b.n.Lookup(r.NextHop)
	switch v := x.(type) {
	case *model.HubConnection:
		r.Connection = v
	case *model.Firewall:
		r.Firewall = v
	default:
		if a, err := netip.ParseAddr(w.NextHop); err == nil { // nextHopType IPAddress (an NVA in a spoke)
			r.NextHopIP = a
			if r.Connection = connectionHolding(t.Hub, a); r.Connection == nil {
				b.n.Warn("InsufficientInformation", t.ID, "hub route "+w.Name+" next hop "+w.NextHop+" is in no connected VNet of the snapshot; the route is ignored")
				return nil
			}
			return r
		}
		b.dangling(t.ID, "hub route next hop", w.NextHop)
		return nil
	}
	return r
}

func connectionHolding(h *model.VirtualHub, a netip.Addr) *model.HubConnection {
	for _, c := range h.Connections {
		if c.VNet != nil && c.VNet.Contains(a) {
			return c
		}
	}
	return nil
}

func (b *builder) hubConnections(cs []child[*azure.HubVNetConnection], hubs map[string]*model.VirtualHub) {
	for _, c := range cs {
		h := hubs[b.key(c.parent)]
		if h == nil {
			b.dangling(model.ID(c.w.ID), "its virtual hub", c.parent)
			continue
		}
		w := c.w
		hc := &model.HubConnection{ID: model.ID(w.ID), Name: w.Name, Hub: h, RemoteVNet: model.ID(w.RemoteVNet),
			InternetSecurity: w.InternetSecurity, PropagateStatic: w.Routing.PropagateStatic == nil || *w.Routing.PropagateStatic}
		if hc.VNet = b.vnets[b.key(w.RemoteVNet)]; hc.VNet == nil && w.RemoteVNet != "" {
			b.dangling(hc.ID, "virtual network", w.RemoteVNet)
		}
		hc.Routing = b.hubRouting(hc.ID, h, w.Routing)
		for _, sr := range w.Routing.StaticRoutes {
			hc.StaticRoutes = append(hc.StaticRoutes, model.HubStaticRoute{Name: sr.Name, Prefixes: sr.Prefixes, NextHop: sr.NextHop})
		}
		h.Connections = append(h.Connections, hc)
		b.n.Index(hc.ID, hc)
		b.count(typeHubConnection)
	}
}

// hubRouting resolves a routing configuration's table references within hub h.
func (b *builder) hubRouting(from model.ID, h *model.VirtualHub, w azure.HubRouting) model.Routing {
	r := model.Routing{Labels: w.Labels}
	table := func(id string) *model.HubRouteTable {
		x, _ := b.n.Lookup(model.ID(id))
		t, _ := x.(*model.HubRouteTable)
		if t == nil {
			b.dangling(from, "hub route table", id)
		}
		return t
	}
	if w.Associated != "" {
		r.Associated = table(w.Associated)
	}
	for _, id := range w.PropagatedIDs {
		if t := table(id); t != nil {
			r.Propagate = append(r.Propagate, t)
		}
	}
	return r
}

// hubFirewalls links each secured hub with its Azure Firewall: the hub's azureFirewall, or a
// firewall whose virtualHub names it (AzureFirewallPutInHub).
func (b *builder) hubFirewalls(hubWire []*azure.WANHub, hubs map[string]*model.VirtualHub) {
	for _, w := range hubWire {
		if w.Firewall == "" {
			continue
		}
		h := hubs[b.key(w.ID)]
		x, _ := b.n.Lookup(model.ID(w.Firewall))
		if fw, ok := x.(*model.Firewall); ok {
			h.Firewall = fw
		} else {
			b.dangling(h.ID, "Azure Firewall", w.Firewall)
		}
	}
	for _, w := range b.s.Firewalls {
		if h := hubs[b.key(w.Hub)]; h != nil && h.Firewall == nil && w.Hub != "" {
			x, _ := b.n.Lookup(model.ID(w.ID))
			h.Firewall, _ = x.(*model.Firewall)
		}
	}
}

// warnHubFirewalls reports hub firewalls whose hub the snapshot lacks: their routing is unknown.
func (b *builder) warnHubFirewalls(hubs map[string]*model.VirtualHub) {
	for _, w := range b.s.Firewalls {
		if w.Hub != "" && hubs[b.key(w.Hub)] == nil {
			b.n.Warn("Unsupported", model.ID(w.ID), "firewall "+w.Name+" is in Virtual WAN hub "+model.ID(w.Hub).Name()+
				", which is not in the snapshot; its routing is not modelled")
		}
	}
}

// hubIntents reads routing intent [VWANRI]: a PrivateTraffic and an Internet policy, each with
// one next hop. The private prefixes are RFC 1918 plus the additional prefixes, which Azure
// keeps as the destinations of the _policy_PrivateTraffic route in defaultRouteTable.
func (b *builder) hubIntents(cs []child[*azure.RoutingIntent], hubs map[string]*model.VirtualHub, policy map[*model.VirtualHub][]*azure.HubRoute) {
	for _, c := range cs {
		h := hubs[b.key(c.parent)]
		if h == nil {
			b.dangling(model.ID(c.w.ID), "its virtual hub", c.parent)
			continue
		}
		in := &model.RoutingIntent{ID: model.ID(c.w.ID), Name: c.w.Name}
		for _, p := range c.w.Policies {
			pol := &model.RoutingPolicy{Name: p.Name, NextHop: model.ID(p.NextHop)}
			x, _ := b.n.Lookup(pol.NextHop)
			if pol.Firewall, _ = x.(*model.Firewall); pol.Firewall == nil {
				b.n.Warn("Unsupported", in.ID, "routing policy "+p.Name+" sends traffic to "+pol.NextHop.Name()+
					", which is not an Azure Firewall of the snapshot (an NVA or SaaS in the hub is not modelled); traces through it are Unknown")
			}
			for _, d := range p.Destinations {
				switch {
				case strings.EqualFold(d, "PrivateTraffic"):
					in.Private = pol
				case strings.EqualFold(d, "Internet"):
					in.Internet = pol
				default:
					b.n.Warn("InvalidValue", in.ID, "routing policy "+p.Name+" has destination "+d+"; Azure knows Internet and PrivateTraffic")
				}
			}
		}
		if in.Private != nil {
			in.PrivatePrefixes = privatePrefixes(policy[h])
		}
		h.Intent = in
		b.n.Index(in.ID, in)
		b.count(typeRoutingIntent)
	}
}

// privatePrefixes is RFC 1918 plus the other destinations of the _policy_PrivateTraffic routes.
func privatePrefixes(rs []*azure.HubRoute) []netip.Prefix {
	out := slices.Clone(model.RFC1918)
	for _, r := range rs {
		if !strings.EqualFold(r.Name, policyRoutePrefix+"PrivateTraffic") {
			continue
		}
		for _, d := range r.Destinations {
			if p, err := netip.ParsePrefix(strings.TrimSpace(d)); err == nil && !slices.Contains(out, p.Masked()) {
				out = append(out, p.Masked())
			}
		}
	}
	return out
}

// hubBranches builds the VPN site connections of each hub's VPN gateway. A site's static
// address space is its branch prefixes; BGP-learned ones and ExpressRoute branches come from
// BGP, which a snapshot does not hold: warned.
func (b *builder) hubBranches(hubs map[string]*model.VirtualHub) {
	s := &b.s.VWAN
	sites := map[string]*azure.VPNSite{}
	for _, w := range dedup(b, s.VPNSites) {
		sites[b.key(w.ID)] = w
		b.count(typeVPNSite)
		if w.BGP {
			b.n.Warn("Unsupported", model.ID(w.ID), "VPN site "+w.Name+" uses BGP; only its addressSpace prefixes are modelled")
		}
	}
	var conns []child[*azure.VPNConnection]
	gwHub := map[string]*model.VirtualHub{}
	for _, g := range dedup(b, s.VPNGateways) {
		b.count(typeVPNGateway)
		if gwHub[b.key(g.ID)] = hubs[b.key(g.Hub)]; gwHub[b.key(g.ID)] == nil {
			b.dangling(model.ID(g.ID), "virtual hub", g.Hub)
		}
		conns = inlineChildren(conns, g.ID, "vpnConnections", g.Connections)
	}
	for _, c := range mergeChildren(b, conns, s.VPNConnections) {
		h := gwHub[b.key(c.parent)]
		if h == nil {
			continue
		}
		br := &model.HubBranch{ID: model.ID(c.w.ID), Name: c.w.Name, Hub: h, Site: model.ID(c.w.Site), SiteName: model.ID(c.w.Site).Name()}
		if site := sites[b.key(c.w.Site)]; site != nil {
			br.Prefixes = site.Prefixes
		} else {
			b.dangling(br.ID, "VPN site", c.w.Site)
		}
		br.Routing = b.hubRouting(br.ID, h, c.w.Routing)
		h.Branches = append(h.Branches, br)
		b.n.Index(br.ID, br)
		b.count(typeVPNConnection)
	}
	for _, g := range dedup(b, s.ERGateways) {
		b.count(typeERGateway)
		if g.Connections > 0 {
			b.n.Warn("Unsupported", model.ID(g.ID), "ExpressRoute gateway "+g.Name+" of a virtual hub: its branch prefixes are learned by BGP"+
				" and not in the snapshot; ExpressRoute branches are not routed")
		}
	}
}
