package fib

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/gaissmai/bart"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// builder holds what Build precomputes once per network so that each subnet's table is a
// cheap assembly: expanded UDRs per route table, gateway routes per VNet, service endpoint
// routes per subnet and the private endpoint routes of every VNet. All warnings come from here, so they are
// complete and in a deterministic order even though tables are built lazily.
type builder struct {
	n        *model.Network
	udrs     map[*model.RouteTable][]Route
	gwRoutes map[*model.VNet][]Route // routes of the VNet's own gateways (spec §1.3)
	seRoutes map[*model.Subnet][]Route
	pes      *endpoints // private endpoint routes, shared by the tables
	conns    map[*model.VNetGateway][]*model.Connection
	udrLPM   map[*model.RouteTable]*bart.Lite // UDR prefixes for spec §1.5 rule 2
	learned  map[*model.VNet]*learnedSet      // learned routes of each VNet's gateways and Route Servers (learned.go)
	vwan     *vwanState                       // Virtual WAN hub routing (vwan.go); nil without hubs
	warn     *[]model.Warning
}

// newBuilder precomputes for the given subnets. Route tables, VNets and private endpoints are
// taken from n's lists and also from the subnets' references, so a model whose lists miss a
// referenced resource still routes correctly.
func newBuilder(n *model.Network, subnets []*model.Subnet, warn *[]model.Warning) *builder {
	b := &builder{n: n, warn: warn,
		udrs:     map[*model.RouteTable][]Route{},
		gwRoutes: map[*model.VNet][]Route{},
		seRoutes: map[*model.Subnet][]Route{},
		udrLPM:   map[*model.RouteTable]*bart.Lite{},
	}
	tables := append([]*model.RouteTable(nil), n.RouteTables...)
	for _, s := range subnets {
		if s.RouteTable != nil {
			tables = append(tables, s.RouteTable)
		}
	}
	for _, rt := range tables {
		if _, done := b.udrs[rt]; !done {
			b.udrs[rt] = b.expandUDRs(rt)
			b.udrLPM[rt] = udrIndex(b.udrs[rt])
		}
	}
	conns := connectionsByGateway(n)
	b.conns = conns
	vnets := vnetsOf(n, subnets)
	for _, v := range vnets {
		if rs := b.gatewayRoutes(v, conns); len(rs) > 0 {
			b.gwRoutes[v] = rs
		}
		b.warnPeerings(v)
	}
	b.learnedRoutes(vnets) // supplied BGP tables (learned.go)
	b.vwan = newVWAN(n, b.addWarning)
	for _, s := range subnets {
		if rs := b.serviceEndpointRoutes(s); len(rs) > 0 {
			b.seRoutes[s] = rs
		}
	}
	b.pes = newEndpoints(n, vnets)
	return b
}

// vnetsOf lists n's VNets, then those of the subnets and the remote ends of their peerings
// that n's list lacks, once each.
func vnetsOf(n *model.Network, subnets []*model.Subnet) []*model.VNet {
	seen := map[*model.VNet]bool{}
	var out []*model.VNet
	add := func(v *model.VNet) {
		if v != nil && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, v := range n.VNets {
		add(v)
	}
	for _, s := range subnets {
		add(s.VNet)
	}
	for i := 0; i < len(out); i++ { // out grows: remote VNets of remote VNets are reached too
		for _, p := range out[i].Peerings {
			add(p.Remote)
		}
	}
	return out
}

func (b *builder) addWarning(code string, res model.ID, msg string) {
	*b.warn = append(*b.warn, model.Warning{Code: code, Resource: res, Message: msg})
}

// expandUDRs turns a route table's routes into User routes; a service tag prefix expands to
// the tag's IPv4 prefixes (spec §2.4: an unknown tag never matches, and is reported).
func (b *builder) expandUDRs(rt *model.RouteTable) []Route {
	size := 0
	for _, r := range rt.Routes {
		size++
		if tag, ok := b.n.Tag(r.Tag); ok && r.Tag != "" {
			size += len(tag.Prefixes)
		}
	}
	out := make([]Route, 0, size)
	for _, r := range rt.Routes {
		u := Route{Source: SourceUser, NextHop: r.NextHopType, Name: r.Name, Table: rt, Tag: r.Tag}
		if r.NextHopIP.IsValid() {
			u.NextHopIP, u.NextHopIPs = r.NextHopIP, []netip.Addr{r.NextHopIP}
		}
		if r.Tag == "" {
			if r.Prefix.IsValid() {
				u.Prefix = r.Prefix.Masked()
				out = append(out, u)
			}
			continue
		}
		tag, ok := b.n.Tag(r.Tag)
		if !ok {
			b.addWarning("UnknownServiceTag", rt.ID, "route "+r.Name+" uses service tag "+r.Tag+
				", which the snapshot's service tags do not define; the route is ignored")
			continue
		}
		for _, p := range tag.Prefixes {
			if p.Addr().Is4() {
				u.Prefix = p.Masked()
				out = append(out, u)
			}
		}
	}
	return out
}

// connectionsByGateway indexes connections by their VNet gateway, from both the network's
// list and each gateway's own list, without duplicates, in a stable order.
func connectionsByGateway(n *model.Network) map[*model.VNetGateway][]*model.Connection {
	out := map[*model.VNetGateway][]*model.Connection{}
	seen := map[*model.Connection]bool{}
	add := func(c *model.Connection) {
		if c != nil && c.Gateway != nil && !seen[c] {
			seen[c] = true
			out[c.Gateway] = append(out[c.Gateway], c)
		}
	}
	for _, gw := range n.VNetGateways {
		for _, c := range gw.Connections {
			add(c)
		}
	}
	for _, c := range n.Connections {
		add(c)
	}
	return out
}

// gatewayRoutes are the routes a VNet's own gateways install (spec §1.3): the local network
// gateway's prefixes for IPsec connections, the remote VNet's ranges for Vnet2Vnet. What a
// gateway learns by BGP or from ExpressRoute is not in a snapshot: warned, not guessed.
// Static prefixes are installed whatever the connection's status, as Azure programs them.
func (b *builder) gatewayRoutes(v *model.VNet, conns map[*model.VNetGateway][]*model.Connection) []Route {
	var out []Route
	for _, gw := range v.Gateways {
		base := Route{Source: SourceGateway, NextHop: model.HopVirtualNetworkGateway, Gateway: gw}
		if hops := gatewayNextHops(gw); len(hops) > 0 {
			base.NextHopIP, base.NextHopIPs = hops[0], hops
		}
		for _, c := range conns[gw] {
			r := base
			r.Connection = c
			for _, p := range b.connectionPrefixes(c) {
				r.Prefix = p.Masked()
				out = append(out, r)
			}
		}
	}
	return out
}

// bgpBothWays: a Vnet2Vnet connection exchanges BGP routes when the connection and both
// gateways enable BGP (azure-semantics.md §1.8 item 3).
func bgpBothWays(c *model.Connection) bool {
	return c.EnableBGP && c.Gateway != nil && c.Gateway.BGPEnabled && c.Peer != nil && c.Peer.BGPEnabled
}

// learnedOverVnet2Vnet derives what a gateway learns by BGP from its Vnet2Vnet peer gateway peer
// when no learned-routes output is supplied (azure-semantics.md §1.8 items 3 and 12; lab 10's
// real tables: the peer's BGP peering address as a /32, then the ranges of the VNets that use the
// peer gateway by gateway transit; the BGP overview: on-premises prefixes the peer learns from its
// own BGP connections transit too).
func (b *builder) learnedOverVnet2Vnet(peer *model.VNetGateway) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range peer.BGPAddrs {
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	for _, p := range peer.VNet.Peerings {
		if rev := p.Reverse(); rev != nil && rev.GatewayTransit() { // the spoke uses peer's gateway (spec §1.3)
			out = append(out, p.Remote.AddressSpace...)
		}
	}
	for _, c := range b.conns[peer] {
		if strings.EqualFold(c.Type, "IPsec") && c.EnableBGP && c.Local != nil {
			out = append(out, c.TranslatedPrefixes(c.Local.Prefixes)...) // advertised post-NAT (model/vpnnat.go)
		}
	}
	return out
}

// gatewayNextHops is the nextHopIpAddress Azure lists on a gateway's routes (azure-semantics.md
// §1.8 item 2: the UDR overview's example route ID8, azure-docs PR #126395, lab 10's real tables):
// an active-standby gateway's public IP; an active-active gateway's instance private IPs. None
// when the snapshot has no such address.
func gatewayNextHops(gw *model.VNetGateway) []netip.Addr {
	if gw.ActiveActive {
		return gw.PrivateIPs
	}
	for _, p := range gw.PublicIPs {
		if p != nil && p.Address.IsValid() {
			return []netip.Addr{p.Address}
		}
	}
	return nil
}

// connectionPrefixes: a VPN connection brings its local network gateway's prefixes (spec §1.3 [UDR]);
// Vnet2Vnet, beyond the spec, the peer VNet's space (learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-vnet-vnet-resource-manager-portal).
func (b *builder) connectionPrefixes(c *model.Connection) []netip.Prefix {
	switch {
	case strings.EqualFold(c.Type, "IPsec"):
		if c.Local == nil {
			return nil // the converter warned about the dangling reference
		}
		if c.EnableBGP && c.Gateway.Learned == nil {
			b.addWarning("Unsupported", c.ID, "BGP-learned routes of connection "+c.Name+
				" are not in the snapshot; only the local network gateway's address prefixes are modelled")
		}
		return c.TranslatedPrefixes(c.Local.Prefixes) // VPN NAT (model/vpnnat.go)
	case strings.EqualFold(c.Type, "Vnet2Vnet"):
		if c.Peer == nil || c.Peer.VNet == nil {
			return nil
		}
		if bgpBothWays(c) && c.Gateway.Learned == nil { // supplied learned routes are authoritative (§1.8 item 3)
			return append(slices.Clone(c.Peer.VNet.AddressSpace), b.learnedOverVnet2Vnet(c.Peer)...)
		}
		return c.Peer.VNet.AddressSpace
	case strings.EqualFold(c.Type, "ExpressRoute") && c.Gateway.Learned == nil:
		b.addWarning("Unsupported", c.ID, "ExpressRoute connection "+c.Name+
			": learned routes not in snapshot; its on-premises prefixes are not modelled")
	case strings.EqualFold(c.Type, "ExpressRoute"): // its prefixes come from the supplied learned routes
	default:
		b.addWarning("Unsupported", c.ID, "connection "+c.Name+" of type "+c.Type+" adds no modelled routes")
	}
	return nil
}

// serviceEndpointRoutes are the routes of a subnet's service endpoints (spec §1.3): the
// prefixes of tag <Service>.<Region> for each of the endpoint's locations, the VNet's own
// region when the locations are empty or "*".
func (b *builder) serviceEndpointRoutes(s *model.Subnet) []Route {
	var out []Route
	for _, se := range s.ServiceEndpoints {
		base := serviceTagBase(se.Service)
		for _, region := range endpointRegions(se, s.VNet) {
			name := base + "." + region
			tag, ok := b.n.Tag(name)
			if !ok {
				b.addWarning("UnknownServiceTag", s.ID, "service endpoint "+se.Service+" needs service tag "+name+
					", which the snapshot's service tags do not define; its routes are not modelled")
				continue
			}
			for _, p := range tag.Prefixes {
				if p.Addr().Is4() {
					out = append(out, Route{Source: SourceDefault, Prefix: p.Masked(),
						NextHop: model.HopServiceEndpoint, Service: se.Service, Tag: tag.Name})
				}
			}
		}
	}
	return out
}

// serviceTagBase maps a service endpoint's service to its service tag's name: "Microsoft."
// stripped, except for the services whose tag is spelled differently (service tags overview).
// Tag names: learn.microsoft.com/azure/virtual-network/service-tags-overview [TAG].
func serviceTagBase(service string) string {
	switch strings.ToLower(service) {
	case "microsoft.keyvault":
		return "AzureKeyVault"
	case "microsoft.web":
		return "AppService"
	case "microsoft.containerregistry":
		return "AzureContainerRegistry"
	}
	if len(service) > len("Microsoft.") && strings.EqualFold(service[:len("Microsoft.")], "Microsoft.") {
		return service[len("Microsoft."):]
	}
	return service
}

// endpointRegions: a service endpoint routes its service's regional prefixes, tag Service.Region (spec §1.3 [UDR]).
func endpointRegions(se model.ServiceEndpoint, v *model.VNet) []string {
	var out []string
	for _, l := range se.Locations {
		if l != "*" && l != "" {
			out = append(out, strings.ReplaceAll(strings.ToLower(l), " ", ""))
		}
	}
	if len(out) == 0 && v.Location != "" {
		out = append(out, strings.ReplaceAll(strings.ToLower(v.Location), " ", ""))
	}
	return out
}

// warnPeerings reports peering links whose remote VNet is missing from the snapshot. Such a
// link's own peeringState is the only evidence: Azure reports Connected only when both links
// exist, so a Connected link is used with the ranges recorded on it (see peeringActive).
// Own gateway excludes useRemoteGateways: spec §1.3 peering link flags [PEER].
func (b *builder) warnPeerings(v *model.VNet) {
	for _, p := range v.Peerings {
		if p.Remote == nil && p.Connected() {
			b.addWarning("Assumption", p.ID, "peering "+p.Name+" of "+v.Name+" leads to a VNet not in the snapshot;"+
				" its recorded remote address space is routed as VNetPeering (region unknown), and no gateway"+
				" transit or private endpoint routes come from it")
		}
		if p.UseRemoteGateways && len(v.Gateways) > 0 {
			b.addWarning("InvalidValue", p.ID, "peering "+p.Name+" uses remote gateways although "+v.Name+
				" has its own gateway; Azure does not allow this, the VNet's own gateway routes are used")
		}
	}
}

// peeringActive reports whether a link's routes are installed: both links Connected (spec
// §1.3), or a Connected link to a VNet outside the snapshot (warned in warnPeerings).
func peeringActive(p *model.Peering) bool {
	if p.Remote == nil {
		return p.Connected()
	}
	return p.Active()
}
