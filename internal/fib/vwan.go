package fib

import (
	"net/netip"
	"slices"

	"github.com/gaissmai/bart"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Virtual WAN hub routing (docs/azure-semantics.md §1.11). Sources, cited at each rule:
// [VWANR] learn.microsoft.com/azure/virtual-wan/about-virtual-hub-routing;
// [VWANRI] learn.microsoft.com/azure/virtual-wan/how-to-routing-policies;
// [VWANRP] learn.microsoft.com/azure/virtual-wan/about-virtual-hub-routing-preference;
// [VWANNVA] learn.microsoft.com/azure/virtual-wan/scenario-route-through-nva.

// HubEntry is one route of a hub route table as the hub router holds it: a static route of the
// table, or a prefix a connection propagated to it.
type HubEntry struct {
	Prefix netip.Prefix
	Route  *model.HubRoute // the table's static route; nil for a propagated prefix
	// The next hop: a VNet connection (NextHopIP set when it is an appliance in that VNet, a
	// static route [VWANR]), a branch, or the hub's firewall.
	Connection *model.HubConnection
	Branch     *model.HubBranch
	Firewall   *model.Firewall
	NextHopIP  netip.Addr
}

// Name is how a trace names the entry: the static route's name, or what propagated it.
func (e *HubEntry) Name() string {
	switch {
	case e.Route != nil:
		return e.Route.Name
	case e.Branch != nil:
		return "propagated by " + e.Branch.Name
	case e.Connection != nil && e.NextHopIP.IsValid():
		return "static route of " + e.Connection.Name
	case e.Connection != nil:
		return "propagated by " + e.Connection.Name
	}
	return ""
}

type hubTable struct {
	entries []HubEntry
	lpm     bart.Table[int32]
}

func (t *hubTable) add(e HubEntry) {
	if _, dup := t.lpm.Get(e.Prefix); dup {
		return // [VWANRP]: static hub routes first, then VNet connections, then branches (add order)
	}
	t.lpm.Insert(e.Prefix, int32(len(t.entries)))
	t.entries = append(t.entries, e)
}

func (t *hubTable) lookup(dst netip.Addr) *HubEntry {
	if t == nil {
		return nil
	}
	if i, ok := t.lpm.Lookup(dst); ok {
		return &t.entries[i]
	}
	return nil
}

// HubRouter is one hub's routing: each route table's entries, and the firewall's view.
type HubRouter struct {
	Hub    *model.VirtualHub
	tables map[*model.HubRouteTable]*hubTable
	// all holds every connection's and branch's prefixes: where the hub routes a packet its
	// firewall (or NVA) forwards after inspection. DECISION: [VWANRI] says the firewall
	// inspects "all branch and Virtual Network traffic" and forwards it on; the routes the hub
	// uses for that are not listed, so every connection's own prefixes are.
	all *hubTable
}

// vwanState is the Virtual WAN routing of a network, built once; nil without hubs, so estates
// without Virtual WAN pay nothing.
type vwanState struct {
	routers map[*model.VirtualHub]*HubRouter
	conns   map[*model.VNet]*model.HubConnection // the connection of each connected VNet
	// learned is what each connected VNet's subnets learn from the hub: one set per associated
	// table and enableInternetSecurity, shared by every VNet with the same (a hub's spokes learn
	// each other: copying the set into each table would be quadratic), consulted as the
	// VNet's learned routes (learned.go: Lookup, All, SystemLookup read them there).
	learned map[*model.VNet]*learnedSet
}

// setKey is what decides a connection's hub routes: its hub (a hub whose default table is
// missing from the snapshot leaves t nil for every one of its connections), the associated
// table and enableInternetSecurity.
type setKey struct {
	hub  *model.VirtualHub
	t    *model.HubRouteTable
	inet bool
}

func newVWAN(n *model.Network, warn func(code string, res model.ID, msg string)) *vwanState {
	if len(n.VirtualHubs) == 0 {
		return nil
	}
	st := &vwanState{routers: map[*model.VirtualHub]*HubRouter{}, conns: map[*model.VNet]*model.HubConnection{},
		learned: map[*model.VNet]*learnedSet{}}
	for _, h := range n.VirtualHubs {
		st.routers[h] = newHubRouter(h)
		for _, c := range h.Connections {
			if c.VNet == nil {
				continue
			}
			if prev := st.conns[c.VNet]; prev != nil {
				warn("InvalidValue", c.ID, "VNet "+c.VNet.Name+" is connected to hub "+h.Name+" and by "+prev.Name+
					"; a VNet connects to one hub, the first by ID is used")
				continue
			}
			st.conns[c.VNet] = c
		}
	}
	sets := map[setKey]*learnedSet{}
	for v, c := range st.conns {
		k := setKey{c.Hub, c.Associated(), c.InternetSecurity}
		l, ok := sets[k]
		if !ok {
			if rs := st.routers[c.Hub].spokeRoutes(c); len(rs) > 0 {
				l = newLearnedSet(rs)
			}
			sets[k] = l
		}
		if l != nil {
			st.learned[v] = l
		}
	}
	return st
}

func newHubRouter(h *model.VirtualHub) *HubRouter {
	r := &HubRouter{Hub: h, tables: map[*model.HubRouteTable]*hubTable{}, all: &hubTable{}}
	for _, t := range h.Tables {
		ht := &hubTable{}
		for _, sr := range t.Routes { // static routes of the table win ([VWANRP] step 2)
			for _, p := range sr.Destinations {
				ht.add(HubEntry{Prefix: p, Route: sr, Connection: sr.Connection, Firewall: sr.Firewall, NextHopIP: sr.NextHopIP})
			}
		}
		for _, c := range h.Connections { // propagation [VWANR "Propagation", "Labels"]
			if c.VNet != nil && c.Routing.PropagatesTo(t) {
				addConnection(ht, c, false)
			}
		}
		for _, b := range h.Branches {
			if b.Routing.PropagatesTo(t) {
				for _, p := range b.Prefixes {
					ht.add(HubEntry{Prefix: p, Branch: b})
				}
			}
		}
		r.tables[t] = ht
	}
	for _, c := range h.Connections {
		if c.VNet != nil {
			addConnection(r.all, c, true)
		}
	}
	for _, b := range h.Branches {
		for _, p := range b.Prefixes {
			r.all.add(HubEntry{Prefix: p, Branch: b})
		}
	}
	return r
}

// addConnection propagates a VNet connection's address space and, unless it turns them off,
// its static routes (staticRoutesConfig.propagateStaticRoutes, default true; [VWANR]).
// DECISION: the firewall's view (firewallView, HubRouter.all) holds the static routes whatever
// that setting says: the setting governs what a connection propagates to route tables, and the
// routes the hub forwards inspected traffic by are not documented (see HubRouter.all).
func addConnection(t *hubTable, c *model.HubConnection, firewallView bool) {
	for _, p := range c.VNet.AddressSpace {
		t.add(HubEntry{Prefix: p.Masked(), Connection: c})
	}
	if !c.PropagateStatic && !firewallView {
		return
	}
	for _, sr := range c.StaticRoutes {
		for _, p := range sr.Prefixes {
			t.add(HubEntry{Prefix: p.Masked(), Connection: c, NextHopIP: sr.NextHop})
		}
	}
}

// HubDecision is what the hub router does with a packet: the entry it selected (nil: no
// route), the table it was in, and the routing policy when routing intent decided.
type HubDecision struct {
	Entry  *HubEntry
	Table  *model.HubRouteTable
	Policy *model.RoutingPolicy
	// Internet is set when the firewall sends the packet to the internet (no hub route and an
	// Internet policy, or a destination outside every connection's range).
	Internet bool
}

// Decide routes dst arriving at the hub from a connection (VNet c or branch br) by routing
// intent, else by the source connection's associated route table, longest prefix first
// ([VWANR "Association": "Associating a connection to a route table allows the traffic (from
// that connection) to be sent to the destination indicated as routes in the route table"];
// [VWANRP] step 1).
func (r *HubRouter) Decide(c *model.HubConnection, br *model.HubBranch, dst netip.Addr) HubDecision {
	h := r.Hub
	t := associated(c, br)
	e := r.tables[t].lookup(dst)
	isDefault := e != nil && e.Prefix.Bits() == 0
	if in := h.Intent; in != nil {
		p := longestHolding(in.PrivatePrefixes, dst)
		switch {
		case in.Private != nil && p.IsValid(): // [VWANRI] Private Traffic Routing Policy
			return HubDecision{Policy: in.Private, Entry: &HubEntry{Prefix: p, Firewall: in.Private.Firewall}}
		case in.Internet != nil && !p.IsValid() && (br != nil || c != nil && c.InternetSecurity) && (e == nil || isDefault):
			// [VWANRI] Internet Traffic Routing Policy: 0.0.0.0/0 to the next hop, for the
			// connections that learn it (enableInternetSecurity)
			return HubDecision{Policy: in.Internet, Entry: &HubEntry{Prefix: defaultRoute, Firewall: in.Internet.Firewall}}
		}
	}
	if isDefault && c != nil && !c.InternetSecurity {
		e = nil // a connection learns 0/0 only with enableInternetSecurity [VWANR]
	}
	d := HubDecision{Table: t}
	if e != nil && !(br != nil && e.Branch != nil && h.WAN != nil && h.WAN.NoBranchToBranch) {
		d.Entry = viaStatic(e, dst) // a branch does not reach another branch when the WAN disallows it (model.VirtualWAN)
	}
	return d
}

// associated is the route table the source connection (VNet c or branch br) is associated with.
func associated(c *model.HubConnection, br *model.HubBranch) *model.HubRouteTable {
	switch {
	case c != nil:
		return c.Associated()
	case br != nil:
		return br.Associated()
	}
	return nil
}

// viaStatic resolves a hub route whose next hop is a VNet connection without an address: the
// connection's own static route for dst names the appliance ([VWANNVA]: the hub route's next hop
// is the NVA VNet's connection, whose static route points at the NVA); without one, the packet
// is delivered in the connection's VNet. The result is a copy when it changes.
func viaStatic(e *HubEntry, dst netip.Addr) *HubEntry {
	if e.Connection == nil || e.NextHopIP.IsValid() || e.Firewall != nil {
		return e
	}
	var best *model.HubStaticRoute
	bits := -1
	for i := range e.Connection.StaticRoutes {
		sr := &e.Connection.StaticRoutes[i]
		for _, p := range sr.Prefixes {
			if p.Contains(dst) && p.Bits() > bits {
				best, bits = sr, p.Bits()
			}
		}
	}
	if best == nil {
		return e
	}
	x := *e
	x.NextHopIP = best.NextHop
	return &x
}

// ForFirewall routes a packet the hub's firewall forwards: to the connection or branch that
// holds dst, else to the internet (the firewall's own egress, [VWANRI] Internet policy).
func (r *HubRouter) ForFirewall(dst netip.Addr) HubDecision {
	if e := r.all.lookup(dst); e != nil {
		return HubDecision{Entry: viaStatic(e, dst)}
	}
	return HubDecision{Internet: true}
}

// spokeRoutes are the routes the hub programs into the subnets of a VNet connected like c (same
// associated table and enableInternetSecurity): source and next hop type VirtualNetworkGateway,
// next hop address the hub router's (or, for a route to the firewall, the firewall's private
// IP). DECISION: Microsoft's articles show the hub's effective routes, not a spoke VM's; the
// router addresses follow the hub's virtualRouterIps. A VNet's own ranges among them are never
// programmed into it (learned.go shadowedIn, §1.8 item 10).
func (r *HubRouter) spokeRoutes(c *model.HubConnection) []Route {
	h := r.Hub
	var out []Route
	add := func(p netip.Prefix, fw *model.Firewall) {
		rt := Route{Source: SourceGateway, Prefix: p, NextHop: model.HopVirtualNetworkGateway, Hub: h}
		hops := h.RouterIPs
		if fw != nil && fw.PrivateIP.IsValid() {
			hops = []netip.Addr{fw.PrivateIP}
		}
		if len(hops) > 0 {
			rt.NextHopIP, rt.NextHopIPs = hops[0], hops
		}
		out = append(out, rt)
	}
	in := h.Intent
	if in != nil && in.Private != nil { // [VWANRI]: the private prefixes to the next hop, nothing more specific
		for _, p := range in.PrivatePrefixes {
			add(p, in.Private.Firewall)
		}
	}
	if t := r.tables[c.Associated()]; t != nil && (in == nil || in.Private == nil) {
		for i := range t.entries {
			e := &t.entries[i]
			if e.Prefix.Bits() == 0 {
				continue
			}
			add(e.Prefix, e.Firewall)
		}
	}
	if c.InternetSecurity {
		switch {
		case in != nil && in.Internet != nil:
			add(defaultRoute, in.Internet.Firewall)
		default:
			if e := r.tables[c.Associated()].lookupExact(defaultRoute); e != nil {
				add(defaultRoute, e.Firewall)
			}
		}
	}
	return out
}

func (t *hubTable) lookupExact(p netip.Prefix) *HubEntry {
	if t == nil {
		return nil
	}
	if i, ok := t.lpm.Get(p); ok {
		return &t.entries[i]
	}
	return nil
}

func longestHolding(ps []netip.Prefix, a netip.Addr) netip.Prefix {
	var best netip.Prefix
	for _, p := range ps {
		if p.Contains(a) && (!best.IsValid() || p.Bits() > best.Bits()) {
			best = p
		}
	}
	return best
}

// hubPrefixRoute is the hub's own range, which a connected VNet reaches over the peering Azure
// creates with the hub's managed VNet (VNetPeering, source Default). The snapshot usually holds
// that peering (its remote VNet lives in a Microsoft subscription); when it does not, the route
// is added here.
func (st *vwanState) hubPrefixRoute(rs []Route, v *model.VNet) []Route {
	c := st.conns[v]
	if c == nil || !c.Hub.Prefix.IsValid() {
		return rs
	}
	for _, p := range v.Peerings {
		if slices.ContainsFunc(p.RemotePrefixes(), func(x netip.Prefix) bool { return x.Overlaps(c.Hub.Prefix) }) && peeringActive(p) {
			return rs
		}
	}
	return append(rs, Route{Source: SourceDefault, Prefix: c.Hub.Prefix, NextHop: model.HopVNetPeering, Hub: c.Hub})
}

// vwanRoutes adds the hub's range to the candidates of s; the rest of the hub's routes are
// s's learned routes (vwanLearned).
func (b *builder) vwanRoutes(rs []Route, s *model.Subnet) []Route {
	if b.vwan == nil {
		return rs
	}
	return b.vwan.hubPrefixRoute(rs, s.VNet)
}

// vwanRouteCount bounds what vwanRoutes adds for v.
func (b *builder) vwanRouteCount(*model.VNet) int {
	if b.vwan == nil {
		return 0
	}
	return 1
}

// vwanLearned is the shared set of hub routes s learns, nil when none or when its route table
// turns gateway route propagation off ("Propagate gateway routes", [UDR]). A VNet connected to a
// hub has no gateway of its own (a hub connection requires it), so this never hides BGP routes.
func (b *builder) vwanLearned(s *model.Subnet) *learnedSet {
	if b.vwan == nil || !s.GatewayRoutesPropagate() {
		return nil
	}
	return b.vwan.learned[s.VNet]
}

// HubRouter returns the routing of hub h, or nil.
func (f *FIB) HubRouter(h *model.VirtualHub) *HubRouter {
	if f.b.vwan == nil {
		return nil
	}
	return f.b.vwan.routers[h]
}

// HubConnectionOf returns the hub connection of VNet v, or nil.
func (f *FIB) HubConnectionOf(v *model.VNet) *model.HubConnection {
	if f.b.vwan == nil {
		return nil
	}
	return f.b.vwan.conns[v]
}

// Entries lists the routes of hub route table t (static first, then propagated), for check and
// listings. Shared; callers must not modify it.
func (r *HubRouter) Entries(t *model.HubRouteTable) []HubEntry {
	if ht := r.tables[t]; ht != nil {
		return ht.entries
	}
	return nil
}
