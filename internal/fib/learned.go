package fib

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/gaissmai/bart"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// BGP-learned routes (docs/azure-semantics.md §1.8 "BGP-learned routes"). The snapshot may supply
// the BGP tables of gateways and Route Servers (model.LearnedRoutes). They reach exactly the
// subnets static gateway routes reach: every subnet of the
// VNet and of the VNets that use it by gateway transit, except subnets whose route table
// disables gateway route propagation (spec §1.3, §1.4 [UDR]; route-server-faq "Does Azure Route
// Server support virtual network peering?": spokes with Use Remote Gateway get the NVA routes).

// learnedSet is the learned routes a VNet's gateways and Route Servers program, built once and
// shared by every table that receives them: the VNet's subnets and those of the VNets using it by
// gateway transit. A hub's 10,000 on-premises prefixes would otherwise be copied into every spoke
// subnet's table (spokes x prefixes routes; see BenchmarkBuildLearned). As with private endpoints
// (endpoints.go), a table materialises only the learned routes whose prefix another of its routes
// has (rule 1 decides between them) and 0.0.0.0/0 (it changes the None routes, §1.2 DECISION);
// Lookup consults the rest through lpm. Learned routes carry no Peering, so a shared route and
// its listed copy are the same; what holds one is its Gateway or RouteServer.
type learnedSet struct {
	routes []Route // one per prefix, in listing order
	lpm    bart.Table[int32]
	// gw is what the VNet's own GatewaySubnet receives when it differs: the set without the
	// routes of Route Servers whose branch-to-branch is off (gatewayView); nil when the same.
	gw *learnedSet
}

func newLearnedSet(rs []Route) *learnedSet {
	l := &learnedSet{routes: rs}
	for i := range rs {
		l.lpm.Insert(rs[i].Prefix, int32(i))
	}
	return l
}

// learnedRoutes builds the learned routes of each VNet's gateways and Route Servers, and warns
// where an AzureFirewallSubnet takes a learned 0.0.0.0/0.
func (b *builder) learnedRoutes(vnets []*model.VNet) {
	servers := map[*model.VNet][]*model.RouteServer{}
	for _, rs := range b.n.RouteServers {
		if rs.VNet != nil {
			servers[rs.VNet] = append(servers[rs.VNet], rs)
		}
	}
	for _, v := range vnets {
		if rs := b.learnedFor(v, servers[v], true); len(rs) > 0 {
			if b.learned == nil {
				b.learned = map[*model.VNet]*learnedSet{}
			}
			l := newLearnedSet(rs)
			l.gw = b.gatewayView(v, servers[v], rs)
			b.learned[v] = l
			b.warnNVADefault(rs)
		}
		b.warnUnlearned(v, servers[v])
		b.warnCoexistTransit(v, servers[v])
	}
	if b.learned == nil {
		return
	}
	for _, v := range vnets {
		b.warnFirewallDefault(v)
	}
}

// learnedOf is the learned set subnet s receives: its VNet's own (a VNet with a gateway or a
// Route Server), else the hub's it uses by gateway transit; none when its route table disables
// gateway route propagation (spec §1.3, §1.4).
func (b *builder) learnedOf(s *model.Subnet) *learnedSet {
	if l := b.vwanLearned(s); l != nil { // a Virtual WAN hub's routes, shared per associated table (vwan.go)
		return l
	}
	if b.learned == nil || !s.GatewayRoutesPropagate() {
		return nil
	}
	v := s.VNet
	if l, own := b.learned[v]; own || len(v.Gateways) > 0 {
		if l != nil && l.gw != nil && s.Named(model.GatewaySubnetName) {
			return l.gw
		}
		return l
	}
	if p := v.TransitPeering(); p != nil {
		return b.learned[p.Remote]
	}
	return nil
}

// appendLearned appends the learned routes s receives that its listing shows (all when all is
// set, else those sharing a prefix with another route of s, or 0.0.0.0/0), except those equal
// to or inside s's VNet or a VNet peered with it (§1.8 item 10).
func (b *builder) appendLearned(rs []Route, s *model.Subnet, all bool) []Route {
	l := b.learnedOf(s)
	if l == nil {
		return rs
	}
	add := func(r *Route) {
		if !shadowedIn(s.VNet, r) {
			rs = append(rs, *r)
		}
	}
	if all {
		for i := range l.routes {
			add(&l.routes[i])
		}
		return rs
	}
	var idx []int32
	check := func(p netip.Prefix) {
		if j, ok := l.lpm.Get(p); ok && !slices.Contains(idx, j) {
			idx = append(idx, j)
		}
	}
	check(defaultRoute)
	for i := range rs {
		check(rs[i].Prefix)
	}
	for i := range b.udrs[s.RouteTable] {
		check(b.udrs[s.RouteTable][i].Prefix)
	}
	for r := range b.pes.installed(s) {
		check(r.Prefix)
	}
	slices.Sort(idx)
	for _, j := range idx {
		add(&l.routes[j])
	}
	return rs
}

// attachLearned gives t the learned set its subnet receives. Lookup then needs rule 3's index of
// local routes even when t's own gateway routes overlap none.
func (b *builder) attachLearned(t *Table) {
	l := b.learnedOf(t.Subnet)
	if l == nil {
		return
	}
	t.lg, t.b = l, b
	if t.local != nil {
		return
	}
	t.local, t.noGW = new(bart.Lite), new(bart.Table[int32])
	for i := range t.routes {
		r := &t.routes[i]
		if r.State != Active {
			continue
		}
		if r.Source != SourceGateway {
			t.noGW.Insert(r.Prefix, int32(i))
		}
		if coversForGateway(r.NextHop) {
			t.local.Insert(r.Prefix)
		}
	}
}

// learned returns the shared learned route Lookup selects for dst when it beats t's own best
// match i (ok false: none): it is longer, no route of t has its prefix (those are materialised in
// t and resolved there), and no Active local route covers dst (rule 3). It does not allocate.
func (t *Table) learned(dst netip.Addr, i int32, ok bool) (*Route, bool) {
	j, found := t.lg.lpm.Lookup(dst)
	if !found {
		return nil, false
	}
	r := &t.lg.routes[j]
	if ok && t.routes[i].Prefix.Bits() >= r.Prefix.Bits() {
		return nil, false
	}
	if _, taken := t.lpm.Get(r.Prefix); taken || t.local.Contains(dst) {
		return nil, false
	}
	return r, true
}

// sharedLearned is the shared learned route SystemLookup considers for dst beside the table's
// own routes: the longest match whose prefix no route of t has (those are in t.routes).
func (t *Table) sharedLearned(dst netip.Addr) (*Route, bool) {
	if t.lg == nil {
		return nil, false
	}
	j, found := t.lg.lpm.Lookup(dst)
	if !found {
		return nil, false
	}
	r := &t.lg.routes[j]
	if _, taken := t.lpm.Get(r.Prefix); taken {
		return nil, false
	}
	return r, true
}

// Learned returns the learned routes shared with other tables (learned.go) that t receives, Active
// as built: those that WithoutEndpoints does not hold. A route whose prefix a route of t has is
// also in WithoutEndpoints (resolved there) and is listed here too; one equal to or inside the
// subnet's VNet or a peered VNet is here but never selected (§1.8 item 10). All is the listing.
// The slice is shared; callers must not modify it. It does not allocate.
func (t *Table) Learned() []Route {
	if t.lg == nil {
		return nil
	}
	return t.lg.routes
}

// candidate is one learned route competing for its prefix (§1.8 item 11).
type candidate struct {
	r     Route
	class int // 0 preferred, 1 not, by the routing preference
	asLen int
	order int // gateways by position, then Route Servers: first wins a full tie
}

// learnedFor builds the learned routes v's own gateways and Route Servers program: for each
// prefix the best by §1.8 item 11, none that equals or falls inside v's ranges or a peered
// VNet's ranges (item 10), none a static route of the same gateway already lists.
func (b *builder) learnedFor(v *model.VNet, servers []*model.RouteServer, withServers bool) []Route {
	if !anyLearned(v, servers) {
		return nil
	}
	pref := "ExpressRoute" // the default routing preference (route-server/hub-routing-preference)
	if len(servers) > 0 {
		pref = servers[0].RoutingPreference
	}
	static := map[staticKey]bool{}
	for _, r := range b.gwRoutes[v] {
		static[staticKey{r.Gateway, r.Prefix}] = true
	}
	local := localRanges(v)
	best := map[netip.Prefix][]candidate{}
	var order []netip.Prefix
	add := func(c candidate) {
		p := c.r.Prefix
		if (local != nil && covered(local, p)) || static[staticKey{c.r.Gateway, p}] {
			return
		}
		if _, seen := best[p]; !seen {
			order = append(order, p)
		}
		best[p] = keepBest(best[p], c)
	}
	k := 0
	for _, gw := range v.Gateways {
		if gw.Learned == nil {
			continue
		}
		base := Route{Source: SourceGateway, NextHop: model.HopVirtualNetworkGateway, Gateway: gw}
		if hops := gatewayNextHops(gw); len(hops) > 0 {
			base.NextHopIP, base.NextHopIPs = hops[0], hops
		}
		for i := range gw.Learned.Routes {
			lr := &gw.Learned.Routes[i]
			if lr.FromRouteServer(servers) { // programmed by the Route Server itself, with the NVA as next hop
				continue
			}
			r := base
			r.Prefix, r.Learned, r.Connection = lr.Prefix.Masked(), lr, b.connectionTo(gw, lr.SourcePeer)
			add(candidate{r: r, class: preferenceClass(pref, lr.ExpressRoute), asLen: lr.ASPathLen, order: k})
		}
		k++
	}
	for _, rs := range servers {
		if rs.Learned == nil || !withServers {
			continue
		}
		for i := range rs.Learned.Routes {
			lr := &rs.Learned.Routes[i]
			if !lr.NextHop.IsValid() || gatewayAddress(v, lr.SourcePeer) {
				continue // the gateway's own routes, which the gateway programs
			}
			r := Route{Source: SourceGateway, NextHop: model.HopVirtualNetworkGateway, RouteServer: rs, Learned: lr,
				Prefix: lr.Prefix.Masked(), NextHopIP: lr.NextHop, NextHopIPs: []netip.Addr{lr.NextHop}}
			add(candidate{r: r, class: preferenceClass(pref, lr.ExpressRoute), asLen: lr.ASPathLen, order: k})
		}
		k++
	}
	out := make([]Route, 0, len(order))
	for _, p := range order {
		out = append(out, merged(best[p]))
	}
	return out
}

// anyLearned reports whether a gateway or Route Server of v has supplied learned routes.
func anyLearned(v *model.VNet, servers []*model.RouteServer) bool {
	for _, gw := range v.Gateways {
		if gw.Learned != nil {
			return true
		}
	}
	for _, rs := range servers {
		if rs.Learned != nil {
			return true
		}
	}
	return false
}

type staticKey struct {
	gw *model.VNetGateway
	p  netip.Prefix
}

// keepBest adds c to the best candidates so far for one prefix: a better one replaces them, an
// equal one (same class and AS-path length) joins them.
func keepBest(cs []candidate, c candidate) []candidate {
	if len(cs) == 0 {
		return []candidate{c}
	}
	switch b := cs[0]; {
	case c.class < b.class || (c.class == b.class && c.asLen < b.asLen):
		return []candidate{c}
	case c.class == b.class && c.asLen == b.asLen:
		return append(cs, c)
	}
	return cs
}

// merged is the route programmed for the best candidates of one prefix. The first source wins a
// tie (gateways before Route Servers, in the VNet's order: DECISION, Microsoft documents no
// order). NVAs that a Route Server heard the prefix from with equal AS paths are all next hops
// (route-server-faq: "Azure Route Server will program multiple copies of the route, each with a
// different next hop ... ECMP"); one route lists them, so one route per prefix stays Active.
func merged(cs []candidate) Route {
	slices.SortStableFunc(cs, func(x, y candidate) int { return x.order - y.order })
	r := cs[0].r
	if r.RouteServer == nil {
		return r
	}
	hops := []netip.Addr{r.NextHopIP}
	for _, c := range cs[1:] {
		if c.r.RouteServer == r.RouteServer && !slices.Contains(hops, c.r.NextHopIP) {
			hops = append(hops, c.r.NextHopIP)
		}
	}
	slices.SortFunc(hops, netip.Addr.Compare)
	r.NextHopIP, r.NextHopIPs = hops[0], hops
	return r
}

// preferenceClass ranks a learned route's origin by the routing preference (§1.8 item 11;
// route-server/hub-routing-preference: ExpressRoute, the default, prefers ExpressRoute over
// VPN/SD-WAN; VpnGateway prefers VPN and NVA routes; ASPath compares AS paths only; routes from
// VPN and from NVAs always compare by AS path). 0 is preferred.
func preferenceClass(pref string, expressRoute bool) int {
	switch {
	case strings.EqualFold(pref, "ASPath"):
		return 0
	case strings.EqualFold(pref, "VpnGateway"):
		if expressRoute {
			return 1
		}
		return 0
	}
	if expressRoute {
		return 0
	}
	return 1
}

// gatewayAddress reports whether a is an address of one of v's gateways.
func gatewayAddress(v *model.VNet, a netip.Addr) bool {
	for _, gw := range v.Gateways {
		if gw.HasIP(a) {
			return true
		}
	}
	return false
}

// connectionTo is gw's connection whose far end is the BGP peer at a: a local network gateway's
// bgpPeeringAddress or a Vnet2Vnet peer gateway's address; nil when none is.
func (b *builder) connectionTo(gw *model.VNetGateway, a netip.Addr) *model.Connection {
	if !a.IsValid() {
		return nil
	}
	for _, c := range b.conns[gw] {
		if (c.Local != nil && c.Local.BGPPeer == a) || (c.Peer != nil && c.Peer.HasIP(a)) {
			return c
		}
	}
	return nil
}

// localRanges indexes v's own ranges and those of its active peerings: learned routes equal to
// or inside them are never programmed (§1.8 item 10: route-server/route-injection-in-spokes,
// route-server-faq "System routes for traffic related to virtual network, virtual network
// peerings, or virtual network service endpoints, are preferred routes, even if BGP routes are
// more specific"). nil when v has none.
func localRanges(v *model.VNet) *bart.Lite {
	var l *bart.Lite
	add := func(p netip.Prefix) {
		if l == nil {
			l = new(bart.Lite)
		}
		l.Insert(p.Masked())
	}
	for _, p := range v.AddressSpace {
		add(p)
	}
	for _, pr := range v.Peerings {
		if peeringActive(pr) {
			for _, p := range pr.RemotePrefixes() {
				add(p)
			}
		}
	}
	return l
}

// covered reports whether a range of l equals or contains p.
func covered(l *bart.Lite, p netip.Prefix) bool {
	_, ok := l.LookupPrefixLPM(p)
	return ok
}

// shadowedIn reports whether learned route r, reaching VNet v by gateway transit, equals or
// falls inside v's ranges or those of its active peerings (§1.8 item 10 in the spoke; the
// same ranges as localRanges).
func shadowedIn(v *model.VNet, r *Route) bool {
	if r.Learned == nil && r.Hub == nil { // a Virtual WAN hub's routes are shadowed alike (vwan.go)
		return false
	}
	inside := func(ps []netip.Prefix) bool {
		for _, p := range ps {
			if p.Bits() <= r.Prefix.Bits() && p.Contains(r.Prefix.Addr()) {
				return true
			}
		}
		return false
	}
	if inside(v.AddressSpace) {
		return true
	}
	for _, pr := range v.Peerings {
		if peeringActive(pr) && inside(pr.RemotePrefixes()) {
			return true
		}
	}
	return false
}

// warnUnlearned says, for a BGP-enabled gateway or a Route Server with peers, that the routes it
// learns are not in the snapshot when no learned-routes output was supplied for it (the
// connection warnings of connectionPrefixes name the BGP connections).
func (b *builder) warnUnlearned(v *model.VNet, servers []*model.RouteServer) {
	for _, rs := range servers {
		if rs.Learned == nil && len(rs.Peers) > 0 {
			b.addWarning("Unsupported", rs.ID, "routes Route Server "+rs.Name+" learns from its BGP peers are not in the snapshot"+
				" (export az network routeserver peering list-learned-routes for each peer, docs/cli.md); none are modelled")
		}
	}
}

// warnCoexistTransit says, for a VNet with both an ExpressRoute and a VPN gateway and no Route
// Server with branch-to-branch on, that transit between the two is not modelled: "If you want to
// use transit routing between ExpressRoute and VPN, the ASN of Azure VPN Gateway must be set to
// 65515, and Azure Route Server should be used" (expressroute/expressroute-howto-coexist-resource-manager;
// route-server-faq: transit "between ExpressRoute and a Site-to-Site (S2S) VPN gateway connections,
// if the Branch-to-Branch setting is enabled"). A packet entering one gateway is routed by
// GatewaySubnet's table, which can hand it to the other.
func (b *builder) warnCoexistTransit(v *model.VNet, servers []*model.RouteServer) {
	er, vpn := false, false
	for _, gw := range v.Gateways {
		er = er || strings.EqualFold(gw.GatewayType, "ExpressRoute")
		vpn = vpn || strings.EqualFold(gw.GatewayType, "Vpn")
	}
	if !er || !vpn || slices.ContainsFunc(servers, func(rs *model.RouteServer) bool { return rs.BranchToBranch }) {
		return
	}
	b.addWarning("Assumption", v.ID, v.Name+" has an ExpressRoute and a VPN gateway and no Route Server with branch-to-branch: "+
		"Azure does not route between them (expressroute-howto-coexist-resource-manager), but a trace that enters one gateway "+
		"follows GatewaySubnet's table, which may send the packet out through the other")
}

// warnFirewallDefault warns when an AzureFirewallSubnet's table takes a 0.0.0.0/0 learned over
// BGP: Azure Firewall needs direct internet connectivity, and a learned default route must be
// overridden by a 0.0.0.0/0 UDR with next hop Internet (learn.microsoft.com/azure/firewall/forced-tunneling;
// firewall FAQ "If your AzureFirewallSubnet learns a default route to your on-premises network
// via BGP, you must override this with a 0.0.0.0/0 UDR with the NextHopType value set as Internet").
func (b *builder) warnFirewallDefault(v *model.VNet) {
	s := v.SubnetNamed(model.FirewallSubnetName)
	if s == nil || s.DefaultUDR() != nil {
		return
	}
	l := b.learnedOf(s) // nil too when the table disables gateway route propagation
	if l == nil {
		return
	}
	if j, ok := l.lpm.Get(defaultRoute); ok {
		b.addWarning("Assumption", s.ID, "AzureFirewallSubnet of "+v.Name+" learns 0.0.0.0/0 over BGP ("+learnedBy(&l.routes[j])+
			"); Azure Firewall needs direct internet access there (a 0.0.0.0/0 UDR with next hop Internet): "+
			"the route is listed as Azure programs it, and the firewall's internet traffic follows it")
	}
}

// gatewayView is what v's GatewaySubnet receives of the learned routes rs when a Route Server of
// v has branch-to-branch off: the routes without that Route Server's, nil when nothing differs.
// The VPN and ExpressRoute gateways route what they carry by that table (trace: gateway ingress
// and hairpin), and "by default Azure Route Server doesn't propagate the routes it receives from
// the NVA and ExpressRoute gateway between each other. Once you enable the route exchange,
// ExpressRoute and the NVA will learn each other's routes" (route-server/expressroute-vpn-support;
// allowBranchToBranchTraffic is that switch, Update-AzRouteServer -AllowBranchToBranchTraffic).
// DECISION: the VMs of v still get the Route Server's routes (they are programmed into the VNet
// either way); only the gateways do not learn them, so on-premises traffic that enters a gateway
// for an NVA's prefix finds no route there (a gateway row of the same prefix, if any, is kept).
func (b *builder) gatewayView(v *model.VNet, servers []*model.RouteServer, rs []Route) *learnedSet {
	if len(v.Gateways) == 0 || v.SubnetNamed(model.GatewaySubnetName) == nil {
		return nil
	}
	off := false
	for _, s := range servers {
		off = off || !s.BranchToBranch
	}
	if !off || !slices.ContainsFunc(rs, func(r Route) bool { return r.RouteServer != nil }) {
		return nil
	}
	for _, s := range servers {
		if !s.BranchToBranch {
			b.addWarning("Assumption", s.ID, "Route Server "+s.Name+" has allowBranchToBranchTraffic off: the gateways of "+v.Name+
				" do not learn the NVAs' routes (route-server/expressroute-vpn-support), so what enters from on-premises is routed "+
				"by GatewaySubnet's table without them")
		}
	}
	return newLearnedSet(b.learnedFor(v, servers, false))
}

// warnNVADefault warns, once per NVA, when an NVA's subnet takes a 0.0.0.0/0 the NVA itself
// advertised to a Route Server and has no 0.0.0.0/0 UDR: the NVA's own internet-bound traffic is
// sent back to an NVA (troubleshoot-route-server, "Why does my network virtual appliance (NVA) lose
// internet connectivity after it advertises the default route (0.0.0.0/0) to the Route Server?":
// "configure a user-defined route (UDR) to override this default route from the NVA and attach the
// UDR to the subnet where the NVA is hosted"). A trace of such traffic ends in Loop.
func (b *builder) warnNVADefault(rs []Route) {
	for i := range rs {
		r := &rs[i]
		if r.RouteServer == nil || r.Prefix.Bits() != 0 {
			continue
		}
		for _, a := range r.NextHopIPs {
			o, ok := b.n.OwnerIn(r.RouteServer.VNet, a)
			if !ok || o.Kind != model.OwnerNIC || o.IPConfig.Subnet == nil || o.IPConfig.Subnet.DefaultUDR() != nil {
				continue
			}
			if !o.IPConfig.Subnet.GatewayRoutesPropagate() {
				continue
			}
			b.addWarning("Assumption", o.IPConfig.NIC.ID, "NVA "+o.IPConfig.NIC.Name+" advertises 0.0.0.0/0 to Route Server "+
				r.RouteServer.Name+", which programs it for the NVA's own subnet "+o.IPConfig.Subnet.Name+" too: without a 0.0.0.0/0 UDR "+
				"with next hop Internet there, the NVA's internet-bound traffic returns to an NVA (troubleshoot-route-server)")
		}
	}
}

// learnedBy names what programmed a learned route.
func learnedBy(r *Route) string {
	if r.RouteServer != nil {
		return "Route Server " + r.RouteServer.Name
	}
	if r.Gateway != nil {
		return "gateway " + r.Gateway.Name
	}
	return "BGP"
}
