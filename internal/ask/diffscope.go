package ask

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/diff"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// diffScope is the part of the estate a change may touch, which diff recomputes.
type diffScope struct {
	// global: a change to something flows cross on their way (a firewall, a gateway, a load
	// balancer, a public IP, service tags, a route, a peering): every flow may change, and diff
	// does not recompute them all (Reason says why).
	global  bool
	reason  string
	subnets map[string]bool // lower subnet IDs whose flows (to and from) are recomputed whole
	nics    map[string]bool // lower NIC IDs whose flows are recomputed
	// filters are the subnets and NICs (lower IDs) whose NSG, or a NIC's ASGs, alone changed:
	// their endpoints are recomputed over the packets whose filtering decision changed there
	// (filterRuns). A subnet or NIC also in subnets or nics is recomputed whole.
	filters map[string]bool
	// asgs are the ASGs (lower IDs) some ip configuration joined or left, members those ip
	// configurations' addresses, asgNICs their NICs, and asgNSGs the NSGs naming one of the ASGs
	// (touchASGs): their endpoints are recomputed over the packets from or to members.
	asgs, asgNICs, asgNSGs map[string]bool
	members                []netip.Addr
	// rules are the NSG rules changed when nothing else did; their NSGs' endpoints are recomputed
	// over the packets those rules match only.
	rules map[string][]ruleChange // lower NSG ID -> its changed rules
	// admin are the security admin rules changed, and adminVNets the VNets (lower IDs) they apply
	// to on either side: those VNets' endpoints are recomputed over the packets the rules match.
	admin      []ruleChange
	adminVNets map[string]bool
	// transit are the destinations whose route changed in a subnet that forwards others' flows:
	// only packets to (or replies to) these addresses can take another way there.
	transit []netip.Prefix
	// unlisted are the delegated subnets (lower IDs) whose filtering changed, and not their
	// delegation or prefixes: what their unlisted addresses get changes only as their rules decide,
	// so those addresses are asked about as destinations, one per class (unlistedRuns).
	unlisted map[string]bool
	// routed are the subnets (lower IDs) whose effective routes changed and that forward nothing,
	// with the changed routes' prefixes: only their endpoints' packets to (or replies to) those
	// addresses can change. A subnet also in subnets is recomputed whole.
	routed map[string][]netip.Prefix
	// firewall: firewall rules changed (rule collection groups, IP groups): the packets the
	// changed rules match are recomputed (difffirewall.go).
	firewall bool
	// lbs are the changed load balancers (lower IDs): their backends are recomputed whole and
	// their frontends are destinations (diffedge.go).
	lbs map[string]bool
	// resolvers are the changed DNS private resolvers (lower IDs): their inbound endpoints'
	// subnets are recomputed whole (touchListeners); netApp the changed NetApp accounts (lower
	// IDs), whose volumes' subnets are too.
	resolvers, netApp map[string]bool
	// hops are the next-hop addresses of changed appliances and internal load balancers: the
	// destinations of the routes to them are transit (hopTransit, in diffReach).
	hops map[netip.Addr]bool
	// gateways are the changed VNet gateways (lower IDs; their connections or local network
	// gateways changed too): what they reach is transit (gatewayTransit, in diffReach).
	gateways map[string]bool
	// unmodeled are the changed resources of types vnetdoctor does not read.
	unmodeled []string
	// crossings are the changed peerings between two VNets that forward others' flows (lower
	// VNet IDs): what crosses them is transit (crossingTransit, in diffReach).
	crossings [][2]string
}

// ruleChange is one rule as it was and is: an NSG rule (Before, After) or a security admin rule
// (AdminBefore, AdminAfter); a side that lacks it is nil.
type ruleChange struct {
	Before, After           *model.SecurityRule
	AdminBefore, AdminAfter *model.AdminRule
}

// ruleVersion is what ruleQuery reads of one version of a changed rule: its direction, the
// entries and ASGs of the side facing the other end, its protocol and destination ports.
type ruleVersion struct {
	absent bool
	dir    model.Direction
	other  []string
	asgs   []*model.ASG
	proto  model.Protocol
	ports  []model.PortRange
}

// versions are c's rule before and after, as ruleQuery reads them; the side facing the other
// end is the sources of an inbound rule and the destinations of an outbound one.
func (c ruleChange) versions() [2]ruleVersion {
	var out [2]ruleVersion
	for i, r := range []*model.SecurityRule{c.Before, c.After} {
		switch a := []*model.AdminRule{c.AdminBefore, c.AdminAfter}[i]; {
		case r != nil:
			v := ruleVersion{dir: r.Direction, other: r.Sources, asgs: r.SourceASGs, proto: r.Protocol, ports: r.DestPorts}
			if r.Direction == model.Outbound {
				v.other, v.asgs = r.Destinations, r.DestASGs
			}
			out[i] = v
		case a != nil:
			side := a.Sources
			if a.Direction == model.Outbound {
				side = a.Destinations
			}
			v := ruleVersion{dir: a.Direction, proto: a.Protocol, ports: a.DestPorts}
			for _, x := range side {
				v.other = append(v.other, x.Prefix)
			}
			out[i] = v
		default:
			out[i].absent = true
		}
	}
	return out
}

// changedRules reports whether a compiled rule is a version of one of the changed rules.
func changedRules(changes []ruleChange) func(*acl.Rule) bool {
	nsg, admin := map[*model.SecurityRule]bool{}, map[*model.AdminRule]bool{}
	for _, c := range changes {
		nsg[c.Before], nsg[c.After], admin[c.AdminBefore], admin[c.AdminAfter] = true, true, true, true
	}
	delete(nsg, nil)
	delete(admin, nil)
	return func(r *acl.Rule) bool {
		return r.Security != nil && nsg[r.Security] || r.Admin != nil && admin[r.Admin]
	}
}

// local are the resource types whose change touches only the subnets they sit in or attach to.
// What others' flows cross (load balancers, public IPs, firewalls and policies, gateways, Virtual
// Network Manager) is bounded in diffedge.go (byType); any other network type the model reads
// (Virtual WAN, public IP prefixes, ...) makes the scope global. DNS only names addresses: diff
// compares flows by address.
var local = map[string]bool{ // top-level types: their children (subnets, peerings, rules, routes, ip configurations) too
	"microsoft.network/networksecuritygroups": true, "microsoft.network/virtualnetworks": true, "microsoft.network/networkinterfaces": true,
	"microsoft.network/privateendpoints": true, "microsoft.network/routetables": true,
	"microsoft.network/applicationsecuritygroups": true, "microsoft.compute/virtualmachines": true, "microsoft.network/natgateways": true,
}

// scopeOf works out what a change touches from the resources that changed, the effective routes
// that changed, and the two networks.
func scopeOf(res diff.Resources, routes []diff.SubnetRoutes, b, a *model.Network) diffScope {
	sc := diffScope{subnets: map[string]bool{}, nics: map[string]bool{}, filters: map[string]bool{}, asgs: map[string]bool{}, asgNICs: map[string]bool{},
		asgNSGs: map[string]bool{}, rules: map[string][]ruleChange{}, adminVNets: map[string]bool{}, routed: map[string][]netip.Prefix{},
		lbs: map[string]bool{}, hops: map[netip.Addr]bool{}, gateways: map[string]bool{}, resolvers: map[string]bool{}, netApp: map[string]bool{},
		unlisted: map[string]bool{}}
	pips, firewalls, gateways := sc.byType(allIDs(res))
	fwd := forwardingIn(b, a)
	sc.touchTags(b, a)
	sc.touchAdmin(b, a, fwd)
	both := map[string]int{} // subnets either side has: 2 when both have it
	for _, n := range []*model.Network{b, a} {
		for _, s := range n.Subnets {
			both[strings.ToLower(string(s.ID))]++
		}
	}
	for _, r := range routes {
		// A subnet's routes decide the packets leaving it: its own flows and their replies when
		// nothing in it forwards; a firewall's, an appliance's or a gateway's routes decide flows
		// that cross it from anywhere
		// (learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview, "Custom
		// routes": a route table applies to the traffic leaving the subnets associated with it).
		// Longest prefix match picks another route only for destinations inside a route added or
		// removed (virtual-networks-udr-overview, "How Azure selects a route"), and the
		// VirtualNetwork and Internet tags the subnet's NSGs read change only inside them too
		// (spec §2.4: they are unions of route prefixes, and the complement). A new (or removed)
		// subnet's routes are its own flows', recomputed with its NICs.
		k := strings.ToLower(r.Subnet)
		ps, ok := changedPrefixes(r)
		switch {
		case both[k] != 2:
		case fwd.subnets[k]:
			if !ok && !sc.global {
				sc.global, sc.reason = true, "the effective routes of "+r.Subnet+", which forwards others' flows, changed (a route prefix that is no address range)"
			}
			sc.transit = append(sc.transit, ps...)
		case !ok || translatedIn(ps, b, a):
			sc.subnets[k] = true
		default:
			sc.routed[k] = append(sc.routed[k], ps...)
		}
	}
	sc.touchSubnets(b, a, fwd)
	for _, n := range []*model.Network{b, a} {
		o := b
		if n == b {
			o = a
		}
		sc.touchPeerings(n, o, fwd)
	}
	sc.touchNICs(b, a)
	sc.touchASGs(fwd, b, a)
	sc.touchPublicIPs(pips, b, a)
	sc.touchLBs(b, a)
	sc.touchFirewalls(firewalls, b, a)
	sc.touchGateways(gateways, b, a)
	sc.touchGroups(b, a)
	sc.touchRules(b, a)
	sc.touchAppliances(b, a)
	sc.touchListeners(b, a)
	sc.touchDelegated(b, a)
	return sc
}

// touchDelegated keeps track of the delegated subnets where what an address no listed resource
// holds gets may change (trace's atDelegated: Unknown, or denied by the subnet's rules). When the
// delegation or the prefixes differ between the sides, the subnet's prefixes are transit: every
// endpoint is asked about them, as about a forwarding subnet's changed routes. When only the
// subnet's filtering changed (filters, a rule of its NSG or an ASG one names, admin rules of its
// VNet), or it is recomputed whole (its NSG changed with another setting), it is unlisted: its
// addresses are asked about as destinations over the packets the change may decide otherwise
// (unlistedRuns). A NetApp subnet's rules do not decide there.
func (sc *diffScope) touchDelegated(b, a *model.Network) {
	seen := map[string]bool{}
	for i, n := range []*model.Network{b, a} {
		other := [2]*model.Network{a, b}[i]
		for _, s := range n.Subnets {
			if s.UnlistedService() == "" {
				continue // most subnets: nothing to key
			}
			k := s.ID.Key()
			if seen[k] {
				continue
			}
			seen[k] = true
			r, _ := other.Lookup(s.ID)
			o, _ := r.(*model.Subnet)
			switch {
			case o == nil || o.UnlistedService() != s.UnlistedService() || !slices.Equal(o.Prefixes, s.Prefixes):
				sc.transit = append(sc.transit, s.Prefixes...)
				if o != nil {
					sc.transit = append(sc.transit, o.Prefixes...)
				}
			case s.FiltersUnlisted() && (sc.filtering(k, s) || sc.filtering(k, o) || sc.subnets[k]):
				if unlistedAsTransit {
					sc.transit = append(sc.transit, s.Prefixes...)
				} else {
					sc.unlisted[k] = true
				}
			}
		}
	}
}

// unlistedAsTransit, set by a test, asks about a delegated subnet whose filtering alone changed
// as transit, every endpoint about its prefixes: the slower way, which the test holds the rows of
// unlistedRuns against.
var unlistedAsTransit bool

// filtering reports whether subnet s (lower ID k; nil: absent on that side) has filtering that
// changed: its filters, a rule of its NSG or an ASG one names, or admin rules of its VNet.
func (sc *diffScope) filtering(k string, s *model.Subnet) bool {
	if s == nil {
		return false
	}
	if sc.filters[k] || s.VNet != nil && sc.adminVNets[s.VNet.ID.Key()] {
		return true
	}
	return s.NSG != nil && (len(sc.rules[s.NSG.ID.Key()]) > 0 || sc.asgNSGs[s.NSG.ID.Key()])
}

// touchListeners recomputes, whole, the subnets of the changed DNS private resolvers' inbound
// endpoints, and of the changed NetApp accounts' volumes, on either side: trace delivers flows
// to their addresses (atResolver, atNetApp), so one added, removed or moved changes the flows to
// its address, and a volume's network features whether its subnet's NSG and UDRs apply.
func (sc *diffScope) touchListeners(nets ...*model.Network) {
	for _, n := range nets {
		for _, in := range n.ResolverInbounds {
			if in.Subnet != nil && sc.resolvers[strings.ToLower(rootID(string(in.ID)))] {
				sc.subnets[in.Subnet.ID.Key()] = true
			}
		}
		for _, vol := range n.NetAppVolumes {
			if vol.Subnet != nil && sc.netApp[strings.ToLower(rootID(string(vol.ID)))] {
				sc.subnets[vol.Subnet.ID.Key()] = true
			}
		}
	}
}

// byType sorts the changed resources (IDs) by what bounds their change: the firewall rules
// (sc.firewall) and load balancers (sc.lbs) it marks, the public IPs, firewalls and policies,
// and gateways it returns (lower IDs) for touchPublicIPs, touchFirewalls and touchGateways; the
// types the model does not read (sc.unmodeled). Any other network type than local ones, and
// those compared in the model, makes the scope global.
func (sc *diffScope) byType(ids []string) (pips, firewalls, gateways map[string]bool) {
	pips, firewalls, gateways = map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, id := range ids {
		// A child (a NIC's ip configuration, a gateway's NAT rule, a firewall's ip configuration)
		// changes its top-level resource: it is classed, and named, by that resource.
		t := strings.ToLower(azure.TypeFromID(id))
		top, root := topType(t), strings.ToLower(rootID(id))
		switch {
		case top == "microsoft.network/dnsresolvers":
			sc.resolvers[root] = true // its inbound endpoints take flows (touchListeners)
		case top == "microsoft.netapp/netappaccounts":
			sc.netApp[root] = true // its volumes' mount targets take flows (touchListeners)
		case strings.HasPrefix(t, "microsoft.network/privatednszones") || strings.HasPrefix(t, "microsoft.network/dns"):
		case firewallRuleTypes[t]:
			sc.firewall = true
		case top == "microsoft.network/loadbalancers":
			sc.lbs[root] = true
		case top == "microsoft.network/publicipaddresses":
			pips[root] = true
		case gatewayEdgeTypes[top]:
			gateways[root] = true
		case firewallTypes[top]:
			firewalls[root] = true
		case top == "microsoft.network/applicationgateways":
			// Its listeners, rules and backends are not modelled: what they do to flows is in no row.
			// The subnet it runs in is compared in the model (touchDelegated).
			sc.unmodeled = append(sc.unmodeled, id)
		case strings.HasPrefix(t, managerTypes): // compared in the model: touchPeerings, touchGroups, touchAdmin
		case t != "" && !azure.Reads(t):
			sc.unmodeled = append(sc.unmodeled, id) // the model reads nothing of it (a scale set, a storage account's firewall): no answer moves
		case strings.HasPrefix(t, "microsoft.network/") && !local[top]:
			sc.global, sc.reason = true, id
		}
	}
	return pips, firewalls, gateways
}

// topType is the top-level type of resource type t: its provider namespace and first type.
func topType(t string) string {
	if i := strings.IndexByte(t, '/'); i >= 0 {
		if j := strings.IndexByte(t[i+1:], '/'); j >= 0 {
			return t[:i+1+j]
		}
	}
	return t
}

// rootID is the ID of the top-level resource id names or is a child of (as written).
func rootID(id string) string {
	i := strings.Index(strings.ToLower(id), "/providers/")
	if i < 0 {
		return id
	}
	rest := id[i+len("/providers/"):]
	segs := strings.SplitN(rest, "/", 4) // namespace, type, name, children
	if len(segs) < 3 {
		return id
	}
	return id[:i+len("/providers/")] + strings.Join(segs[:3], "/")
}

// changedPrefixes is the IPv4 prefixes of the routes r adds and removes; false when one is not a
// prefix (diff cannot bound the change by address). An IPv6 route moves only IPv6 packets, which
// no row holds (reach answers IPv4): it bounds nothing.
func changedPrefixes(r diff.SubnetRoutes) ([]netip.Prefix, bool) {
	var out []netip.Prefix
	for _, x := range append(slices.Clone(r.Added), r.Removed...) {
		for _, ap := range x.AddressPrefix {
			p, err := netip.ParsePrefix(ap)
			switch {
			case err != nil || p.Addr().Is4In6():
				return nil, false
			case p.Addr().Is4():
				out = append(out, p.Masked())
			}
		}
	}
	return out, true
}

// translatedIn reports whether a prefix holds an address sources are translated to
// (translatedSources), where a reply to a packet that came from anywhere heads. Bounding an
// endpoint's flows by such a prefix would miss some.
func translatedIn(ps []netip.Prefix, b, a *model.Network) bool {
	return ipset.Of(ps...).Overlaps(translatedSources(b, a))
}

// translatedSources are the addresses sources are translated to, in either network: a
// firewall's instance addresses (learn.microsoft.com/azure/firewall/snat-private-range), or its
// frontend where the snapshot does not tell them (a secured hub's; trace stands it in, spec
// §3.3), and the external mappings of a VPN gateway's IngressSnat rules [VPNNAT].
func translatedSources(nets ...*model.Network) ipset.Set {
	var to ipset.Builder
	for _, n := range nets {
		for _, gw := range n.VNetGateways {
			for _, r := range gw.NATRules {
				if !r.Egress {
					for _, x := range r.External {
						to.AddPrefix(x)
					}
				}
			}
		}
		for _, fw := range n.Firewalls {
			to.AddSet(firewall.InstanceAddresses(fw))
			if fw.PrivateIP.IsValid() {
				to.AddAddr(fw.PrivateIP)
			}
		}
	}
	return to.Set()
}

// allIDs is every resource the diff names: added, removed and changed.
func allIDs(r diff.Resources) []string {
	out := append(slices.Clone(r.Added), r.Removed...)
	for _, c := range r.Changed {
		out = append(out, c.ID)
	}
	return out
}

// touchSubnets marks the subnets whose own settings differ (or that one side lacks). A subnet's
// prefixes decide only which addresses are its own (its endpoints', recomputed whole on both
// sides): routes and the VirtualNetwork tag are made of VNet ranges (spec §1.2, §2.4). In a
// subnet that forwards others' flows they also decide a firewall's instance addresses, which
// its translated flows come from: global.
func (sc *diffScope) touchSubnets(b, a *model.Network, fwd forwarding) {
	after := make(map[string]*model.Subnet, len(a.Subnets))
	for _, s := range a.Subnets {
		after[s.ID.Key()] = s
	}
	for _, s := range b.Subnets {
		k := s.ID.Key()
		as, ok := after[k]
		if !ok {
			sc.subnets[k] = true
			continue
		}
		delete(after, k)
		if !slices.Equal(as.Prefixes, s.Prefixes) && fwd.subnets[k] && !sc.global {
			sc.global, sc.reason = true, "the prefixes of "+string(s.ID)+", which forwards others' flows, changed"
		}
		switch {
		case !sameSettings(s, as):
			sc.subnets[k] = true
		case sameNSG(s.NSG, as.NSG):
		case fwd.subnets[k]:
			sc.subnets[k] = true // its NSG filters others' flows too
		default:
			sc.filters[k] = true // its NSG alone changed: filterRuns
		}
	}
	for k := range after {
		sc.subnets[k] = true
	}
}

// sameSettings reports whether subnets x and y decide their flows alike, which NSG they have
// aside (IDs and names compared as Azure compares them, ignoring case). An NSG or route table
// the snapshot lacks counts: trace answers Unknown under it.
func sameSettings(x, y *model.Subnet) bool {
	return slices.Equal(x.Prefixes, y.Prefixes) && x.MissingNSG.Equal(y.MissingNSG) && x.MissingRouteTable.Equal(y.MissingRouteTable) &&
		sameRouteTable(x.RouteTable, y.RouteTable) &&
		sameNATGateway(x.NATGateway, y.NATGateway) &&
		slices.EqualFunc(x.ServiceEndpoints, y.ServiceEndpoints, func(p, q model.ServiceEndpoint) bool {
			return strings.EqualFold(p.Service, q.Service) && slices.EqualFunc(p.Locations, q.Locations, strings.EqualFold)
		}) &&
		strings.EqualFold(x.PrivateEndpointNetworkPolicies, y.PrivateEndpointNetworkPolicies) &&
		x.DefaultOutboundAccess == y.DefaultOutboundAccess && slices.EqualFunc(x.Delegations, y.Delegations, strings.EqualFold)
}

func sameRouteTable(x, y *model.RouteTable) bool {
	if x == nil || y == nil {
		return x == y
	}
	return x.ID.Equal(y.ID)
}

// sameNATGateway compares NAT gateways with their public addresses: one without any drops what
// it would translate (spec §4, trace natGateway).
func sameNATGateway(x, y *model.NATGateway) bool {
	if x == nil || y == nil {
		return x == y
	}
	return x.ID.Equal(y.ID) && slices.Equal(natAddrs(x), natAddrs(y)) &&
		slices.Equal(x.PublicIPPrefixes, y.PublicIPPrefixes)
}

func natAddrs(g *model.NATGateway) []netip.Addr {
	var out []netip.Addr
	for _, p := range g.PublicIPs {
		if p != nil {
			out = append(out, p.Address)
		}
	}
	return out
}

// touchNICs marks the NICs that differ (or one side lacks), and the subnets of such private
// endpoints.
func (sc *diffScope) touchNICs(b, a *model.Network) {
	pair, left := pairNICs(b.NICs, a.NICs)
	for i, nic := range a.NICs {
		switch o := pair[i]; {
		case o != nil && sameNIC(o, nic, true):
		case o != nil && !nic.IPForwarding && sameNIC(o, nic, false):
			sc.filters[nic.ID.Key()] = true // its NSG or ASGs alone changed: filterRuns
			sc.asgChanges(o, nic)
		default:
			sc.nics[nic.ID.Key()] = true
		}
	}
	for _, o := range left {
		sc.nics[o.ID.Key()] = true
	}
	type side struct {
		pes   []string
		peIDs map[string]string
	}
	sides := [2]side{}
	for i, n := range []*model.Network{b, a} {
		s := side{peIDs: map[string]string{}}
		for _, pe := range n.PrivateEndpoints {
			k := fmt.Sprint(pe.IPs, pe.Subnet != nil, pe.Connections)
			s.pes = append(s.pes, k)
			s.peIDs[pe.ID.Key()] = k
		}
		sides[i] = s
	}
	for i, n := range []*model.Network{b, a} {
		mine, other := sides[i], sides[1-i]
		for j, pe := range n.PrivateEndpoints {
			if k, ok := other.peIDs[pe.ID.Key()]; (!ok || k != mine.pes[j]) && pe.Subnet != nil {
				sc.subnets[pe.Subnet.ID.Key()] = true
			}
		}
	}
}

// pairNICs matches each NIC of a with b's NIC of the same ID (nil when b has none) and returns
// b's NICs left unmatched. IDs are matched as written first (the usual case), then case aside:
// an estate's 20,000 NIC IDs are not all lower-cased.
func pairNICs(b, a []*model.NIC) (pair, left []*model.NIC) {
	exact := make(map[model.ID]*model.NIC, len(b))
	for _, o := range b {
		exact[o.ID] = o
	}
	used := make(map[*model.NIC]bool, len(b))
	var folded map[string]*model.NIC
	pair = make([]*model.NIC, len(a))
	for i, nic := range a {
		o := exact[nic.ID]
		if o == nil || used[o] {
			if folded == nil {
				folded = make(map[string]*model.NIC, len(b))
				for _, x := range b {
					folded[x.ID.Key()] = x
				}
			}
			if o = folded[nic.ID.Key()]; used[o] {
				o = nil
			}
		}
		if o != nil {
			used[o] = true
		}
		pair[i] = o
	}
	for _, o := range b {
		if !used[o] {
			left = append(left, o)
		}
	}
	return pair, left
}

// sameNIC reports whether two versions of a NIC forward and filter alike: what decides its flows
// (forwarding and the disableSnatOnPL tag, VM, each ip configuration's address, subnet, public
// IP and pools; with filters, its NSG and ASGs too), IDs and names case aside. An NSG the
// snapshot lacks counts either way: trace answers Unknown under it.
func sameNIC(x, y *model.NIC, filters bool) bool {
	if x.IPForwarding != y.IPForwarding || x.DisableSnatOnPL() != y.DisableSnatOnPL() || !strings.EqualFold(x.VMName, y.VMName) ||
		(filters && !sameNSG(x.NSG, y.NSG)) ||
		!x.MissingNSG.Equal(y.MissingNSG) || len(x.IPConfigs) != len(y.IPConfigs) {
		return false
	}
	for i, c := range x.IPConfigs {
		d := y.IPConfigs[i]
		if c.PrivateIP != d.PrivateIP || c.Primary != d.Primary || len(c.BackendPools) != len(d.BackendPools) ||
			(c.GatewayLB == nil) != (d.GatewayLB == nil) || !sameSubnet(c.Subnet, d.Subnet) ||
			(c.PublicIP == nil) != (d.PublicIP == nil) || c.PublicIP != nil && c.PublicIP.Address != d.PublicIP.Address ||
			(filters && !slices.EqualFunc(c.ASGs, d.ASGs, sameASG)) {
			return false
		}
	}
	return true
}

// asgChanges records the ASGs one of NIC x's ip configurations joined or left in y (its other
// version: sameNIC without filters) and the addresses of those ip configurations, on either side.
func (sc *diffScope) asgChanges(x, y *model.NIC) {
	for i, c := range x.IPConfigs {
		d := y.IPConfigs[i]
		ids := map[string]int{}
		for side, gs := range [][]*model.ASG{c.ASGs, d.ASGs} {
			for _, g := range gs {
				if g != nil {
					ids[g.ID.Key()] |= 1 << side
				}
			}
		}
		moved := false
		for id, sides := range ids {
			if sides != 3 {
				sc.asgs[id], moved = true, true
			}
		}
		if moved {
			sc.members = append(sc.members, c.PrivateIP)
			sc.asgNICs[x.ID.Key()] = true
		}
	}
}

// touchASGs bounds a change of ASG membership: an NSG rule naming an ASG matches the private
// addresses of its member ip configurations (spec §2.2 [ASG]), so at an endpoint whose NSGs name
// one that changed, only packets from or to the members that joined or left can be decided
// otherwise (sc.asgNSGs, membersChanged). Unless such an NSG filters where others' flows cross (an
// appliance's, a platform subnet's): those NICs are recomputed whole, which asks every packet
// from or to their addresses.
func (sc *diffScope) touchASGs(fwd forwarding, nets ...*model.Network) {
	if len(sc.asgs) == 0 {
		return
	}
	named := func(g *model.NSG) bool {
		return g != nil && slices.ContainsFunc(g.Rules, func(r *model.SecurityRule) bool {
			return slices.ContainsFunc(append(slices.Clone(r.SourceASGs), r.DestASGs...), func(x *model.ASG) bool { return x != nil && sc.asgs[x.ID.Key()] })
		})
	}
	crossing := false
	for _, n := range nets {
		for _, g := range n.NSGs {
			if named(g) {
				sc.asgNSGs[g.ID.Key()] = true
			}
		}
		for _, s := range n.Subnets {
			crossing = crossing || fwd.subnets[s.ID.Key()] && named(s.NSG)
		}
		for _, nic := range n.NICs {
			crossing = crossing || slices.ContainsFunc(nic.IPConfigs, func(c *model.IPConfig) bool {
				return c.Subnet != nil && fwd.subnets[c.Subnet.ID.Key()] && named(nic.NSG)
			})
		}
	}
	if crossing {
		for k := range sc.asgNICs {
			delete(sc.filters, k)
			sc.nics[k] = true
		}
		sc.asgs, sc.asgNSGs, sc.members = map[string]bool{}, map[string]bool{}, nil
	}
}

func sameNSG(x, y *model.NSG) bool {
	if x == nil || y == nil {
		return x == y
	}
	return x.ID.Equal(y.ID)
}

func sameSubnet(x, y *model.Subnet) bool {
	if x == nil || y == nil {
		return x == y
	}
	return x.ID.Equal(y.ID)
}

// touchPeerings bounds the peerings that differ (bound): their flags decide the verdicts of
// flows between (and through) both VNets without changing a route. One between two VNets that
// forward others' flows is a crossing (crossingTransit).
func (sc *diffScope) touchPeerings(n, o *model.Network, fwd forwarding) {
	other := map[string]string{}
	for _, v := range o.VNets {
		for _, p := range v.Peerings {
			other[strings.ToLower(string(p.ID))] = peeringKey(p)
		}
	}
	for _, v := range n.VNets {
		for _, p := range v.Peerings {
			if k, ok := other[strings.ToLower(string(p.ID))]; ok && k == peeringKey(p) {
				continue
			}
			switch {
			case sc.bound(p, n, o, fwd):
			case p.Local != nil && (vnetOf(n, p.RemoteID) != nil || vnetOf(o, p.RemoteID) != nil):
				sc.crossings = append(sc.crossings, [2]string{p.Local.ID.Key(), p.RemoteID.Key()})
			case !sc.global:
				sc.global, sc.reason = true, "peering "+string(p.ID)+" changed towards a VNet the snapshots lack, from one that forwards others' flows"
			}
		}
	}
}

// bound recomputes whole the subnets of one VNet peering p joins that forwards nothing (fwd),
// the one with fewer subnets; false when both forward. A packet crosses a
// peering into a VNet towards its next hop there, which in a VNet without appliances, gateways
// or firewalls is its destination; and it leaves such a VNet only from where it started there.
// So every packet crossing p, and every reply to one, starts or ends in that VNet. Peering is
// nontransitive: traffic reaches past a peered VNet only through an appliance or a gateway
// there (learn.microsoft.com/training/modules/configure-vnet-peering/5-determine-service-chaining-uses;
// learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview, "Service
// chaining" and "Gateways and on-premises connectivity").
func (sc *diffScope) bound(p *model.Peering, n, o *model.Network, fwd forwarding) bool {
	var ends []string
	if p.Local != nil {
		ends = append(ends, p.Local.ID.Key())
	}
	if p.RemoteID != "" {
		ends = append(ends, p.RemoteID.Key())
	}
	best, size := "", 0
	for _, v := range ends {
		k := len(subnetsOf(n, v)) + len(subnetsOf(o, v))
		if k == 0 || fwd.vnets[v] {
			continue // a VNet neither snapshot holds has no endpoints diff can ask about
		}
		if best == "" || k < size {
			best, size = v, k
		}
	}
	if best == "" {
		return false
	}
	for _, nw := range []*model.Network{n, o} {
		for _, s := range subnetsOf(nw, best) {
			sc.subnets[s.ID.Key()] = true
		}
	}
	return true
}

// vnetOf is the VNet of n with ID id, or nil.
func vnetOf(n *model.Network, id model.ID) *model.VNet {
	r, _ := n.Lookup(id)
	v, _ := r.(*model.VNet)
	return v
}

// subnetsOf is the subnets of the VNet with lower ID vnet.
func subnetsOf(n *model.Network, vnet string) []*model.Subnet {
	if v := vnetOf(n, model.ID(vnet)); v != nil {
		return v.Subnets
	}
	return nil
}

func peeringKey(p *model.Peering) string {
	return strings.ToLower(fmt.Sprint(p.RemoteID, p.State, p.AllowVirtualNetworkAccess, p.AllowForwardedTraffic, p.AllowGatewayTransit, p.UseRemoteGateways,
		p.PeerCompleteVNets, p.LocalSubnetNames, p.RemoteSubnetNames, p.RemoteAddressSpace))
}

// touchRules collects the NSG rules that differ, by NSG and name.
func (sc *diffScope) touchRules(b, a *model.Network) {
	before := map[string]*model.NSG{}
	for _, g := range b.NSGs {
		before[g.ID.Key()] = g
	}
	for _, g := range a.NSGs {
		id := g.ID.Key()
		o := before[id]
		delete(before, id)
		if o == nil || !sameRules(o.Rules, g.Rules) {
			sc.addRules(id, ruleChanges(o, g))
		}
	}
	for id, o := range before { // NSGs the after snapshot lacks
		sc.addRules(id, ruleChanges(o, nil))
	}
}

func (sc *diffScope) addRules(id string, cs []ruleChange) {
	if len(cs) > 0 {
		sc.rules[id] = append(sc.rules[id], cs...)
	}
}

// sameRules reports whether two NSGs list the same rules in the same order (the usual case: an
// estate's NSGs are compared one by one, and only the changed ones are matched by name).
func sameRules(b, a []*model.SecurityRule) bool {
	return slices.EqualFunc(b, a, func(x, y *model.SecurityRule) bool {
		return x != nil && y != nil && strings.EqualFold(x.Name, y.Name) && sameRule(x, y)
	})
}

// ruleChanges is the rules of one NSG that differ between before and after (either may be nil),
// matched by name.
func ruleChanges(before, after *model.NSG) []ruleChange {
	byName := func(g *model.NSG) map[string]*model.SecurityRule {
		m := map[string]*model.SecurityRule{}
		if g != nil {
			for _, r := range g.Rules {
				m[strings.ToLower(r.Name)] = r
			}
		}
		return m
	}
	rb, ra := byName(before), byName(after)
	var out []ruleChange
	for name, r := range ra {
		if o := rb[name]; o == nil || !sameRule(o, r) {
			out = append(out, ruleChange{Before: o, After: r})
		}
	}
	for name, o := range rb {
		if ra[name] == nil {
			out = append(out, ruleChange{Before: o})
		}
	}
	return out
}

// sameRule reports whether two versions of a rule filter alike: every field but the name, with
// addresses, tags and ASG IDs compared as Azure reads them, case aside.
func sameRule(a, b *model.SecurityRule) bool {
	return a.Priority == b.Priority && a.Direction == b.Direction && a.Access == b.Access && a.Protocol == b.Protocol &&
		slices.EqualFunc(a.Sources, b.Sources, strings.EqualFold) && slices.EqualFunc(a.Destinations, b.Destinations, strings.EqualFold) &&
		slices.EqualFunc(a.SourceASGs, b.SourceASGs, sameASG) && slices.EqualFunc(a.DestASGs, b.DestASGs, sameASG) &&
		slices.Equal(a.SourcePorts, b.SourcePorts) && slices.Equal(a.DestPorts, b.DestPorts)
}

func sameASG(a, b *model.ASG) bool {
	if a == nil || b == nil {
		return a == b
	}
	return strings.EqualFold(string(a.ID), string(b.ID))
}

// touchTags bounds a change of the service tags (a newer service tags file): a tag means its
// prefixes wherever it is read (NSG, admin and firewall rules, UDRs, service endpoint routes,
// and the VirtualNetwork tag through UDRs; spec §1.3, §2.4), so only packets with an end in an
// address some tag gained or lost can change: every endpoint is asked about those addresses,
// as about a transit range. Unless a translation uses one of them (a flow could then meet it
// with neither end in it). The IPv6 prefixes a tag gained or lost (almost every published
// update has some) match only IPv6 packets, which no row holds: reach answers IPv4.
func (sc *diffScope) touchTags(b, a *model.Network) {
	if sameTags(b, a) {
		return
	}
	delta := tagDelta(b, a).Only4()
	if translatedIn(delta.Prefixes(), b, a) {
		sc.global, sc.reason = true, "service tags changed for addresses a translation uses ("+delta.String()+")"
		return
	}
	sc.transit = append(sc.transit, delta.Prefixes()...)
}

// tagDelta is the addresses some service tag holds on one side only, each tag by name (a tag
// one side lacks never matches there: spec §2.4).
func tagDelta(b, a *model.Network) ipset.Set {
	var out ipset.Set
	for _, n := range []*model.Network{b, a} {
		o := a
		if n == a {
			o = b
		}
		for name, t := range n.ServiceTags {
			mine := ipset.Of(t.Prefixes...)
			var theirs ipset.Set
			if ot := o.ServiceTags[name]; ot != nil {
				theirs = ipset.Of(ot.Prefixes...)
			}
			out = out.Union(mine.Difference(theirs))
		}
	}
	return out
}

// sameTags reports whether both networks hold the same service tags with the same prefixes, in
// the same order (a file read again gives the same order).
func sameTags(b, a *model.Network) bool {
	return maps.EqualFunc(b.ServiceTags, a.ServiceTags, func(x, y *model.ServiceTag) bool {
		return x == y || x != nil && y != nil && slices.Equal(x.Prefixes, y.Prefixes)
	})
}

// adminRules is each security admin rule's key (all it is), by lower-case ID.
func adminRules(n *model.Network) map[string]string {
	out := map[string]string{}
	for _, r := range n.AdminRules {
		if r == nil {
			continue
		}
		k := fmt.Sprint(r.ID, r.Priority, r.Direction, r.Access, r.Protocol, r.Sources, r.Destinations, r.SourcePorts, r.DestPorts)
		for _, v := range r.AppliesTo {
			if v != nil {
				k += string(v.ID)
			}
		}
		out[r.ID.Key()] = strings.ToLower(k)
	}
	return out
}

// touchAdmin bounds a change of security admin rules as touchRules bounds NSG rules': a rule is
// evaluated at the NICs of the VNets it applies to, before their NSGs, for the flows they start
// and receive (spec §2.5), so those VNets' endpoints (of either side) are asked about the
// packets the changed rules match (ruleRuns). Unless one of the VNets forwards others' flows:
// its rules filter those too.
func (sc *diffScope) touchAdmin(b, a *model.Network, fwd forwarding) {
	rb, ra := adminRules(b), adminRules(a)
	if maps.Equal(rb, ra) {
		return
	}
	byID := map[string]*ruleChange{}
	for i, n := range []*model.Network{b, a} {
		for _, r := range n.AdminRules {
			if r == nil || rb[r.ID.Key()] == ra[r.ID.Key()] {
				continue
			}
			c := byID[r.ID.Key()]
			if c == nil {
				c = &ruleChange{}
				byID[r.ID.Key()] = c
			}
			if i == 0 {
				c.AdminBefore = r
			} else {
				c.AdminAfter = r
			}
			for _, v := range r.AppliesTo {
				if v == nil {
					continue
				}
				if fwd.vnets[v.ID.Key()] {
					sc.global, sc.reason = true, "security admin rules changed for "+string(v.ID)+", which forwards others' flows"
					return
				}
				sc.adminVNets[v.ID.Key()] = true
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(byID)) {
		sc.admin = append(sc.admin, *byID[k])
	}
}

// addrs are the IPv4 prefixes of one side of a rule, or nil when the side is not a fixed set
// (any, a service tag whose meaning depends on the NIC, an application security group).
func ruleSide(n *model.Network, entries []string, asgs []*model.ASG) ([]netip.Prefix, bool) {
	if len(asgs) > 0 {
		return nil, false
	}
	var out []netip.Prefix
	for _, e := range entries {
		if p, err := netip.ParsePrefix(e); err == nil {
			out = append(out, p.Masked())
			continue
		}
		if a, err := netip.ParseAddr(e); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		if t, ok := n.Tag(e); ok && !strings.EqualFold(e, "VirtualNetwork") && !strings.EqualFold(e, "Internet") {
			out = append(out, t.Prefixes...)
			continue
		}
		return nil, false
	}
	return out, true
}

// routeNeutral are the types whose change cannot change an effective route: security rules and
// groups filter, DNS names, a VM only owns NICs ("How Azure selects a route" reads routes, BGP and
// system routes only: learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview).
var routeNeutral = map[string]bool{
	"microsoft.network/networksecuritygroups": true, "microsoft.network/networksecuritygroups/securityrules": true,
	"microsoft.network/applicationsecuritygroups": true, "microsoft.compute/virtualmachines": true,
	"microsoft.network/firewallpolicies/rulecollectiongroups": true, "microsoft.network/ipgroups": true,
}

// routeSubnets are the subnets (lower IDs) whose effective routes a change may touch, or nil
// for all (also when the supplied BGP tables or the service tags differ): none for
// route-neutral changes; a route table's routes apply to the subnets associated with it and no
// others (virtual-networks-udr-overview, "Custom routes"), on either side; any other change may
// move routes anywhere.
func routeSubnets(res diff.Resources, b, a *model.Network) map[string]bool {
	if learnedKey(b) != learnedKey(a) || !sameTags(b, a) {
		// BGP tables and service tags are no resources: a learned route may move anywhere, and
		// a tag's prefixes make UDRs and service endpoint routes (spec §1.3, §2.4)
		return nil
	}
	tables := map[string]bool{}
	for _, id := range allIDs(res) {
		t := strings.ToLower(azure.TypeFromID(id))
		switch {
		case routeNeutral[t] || strings.HasPrefix(t, "microsoft.network/privatednszones"):
		case t == "microsoft.network/routetables":
			tables[strings.ToLower(id)] = true
		case t == "microsoft.network/routetables/routes":
			tables[strings.ToLower(azure.ParentID(id))] = true
		default:
			return nil
		}
	}
	out := map[string]bool{}
	for _, n := range []*model.Network{b, a} {
		for _, s := range n.Subnets {
			if s.RouteTable != nil && tables[s.RouteTable.ID.Key()] {
				out[s.ID.Key()] = true
			}
		}
	}
	return out
}

// forwarding is what forwards flows that neither start nor end there, in either network:
// platform subnets (gateway, firewall, Bastion, Route Server) and subnets holding a firewall or
// a NIC with IP forwarding (lower subnet IDs), and the VNets holding one of them or a gateway,
// whose subnet the snapshot may lack (lower VNet IDs).
type forwarding struct{ subnets, vnets map[string]bool }

// forwardingIn works out forwarding once for the networks.
func forwardingIn(nets ...*model.Network) forwarding {
	f := forwarding{subnets: map[string]bool{}, vnets: map[string]bool{}}
	mark := func(s *model.Subnet) {
		if s == nil {
			return
		}
		f.subnets[s.ID.Key()] = true
		if s.VNet != nil {
			f.vnets[s.VNet.ID.Key()] = true
		}
	}
	for _, n := range nets {
		for _, s := range n.Subnets {
			if s.IsSpecial() {
				mark(s)
			}
		}
		for _, fw := range n.Firewalls {
			mark(fw.Subnet)
		}
		for _, nic := range n.NICs {
			for _, c := range nic.IPConfigs {
				if nic.IPForwarding {
					mark(c.Subnet)
				}
			}
		}
		for _, g := range n.VNetGateways {
			if g.VNet != nil {
				f.vnets[g.VNet.ID.Key()] = true
			}
		}
	}
	return f
}

// learnedKey is the BGP tables the snapshot supplies (gateways' and Route Servers' learned
// routes, ExpressRoute circuits' tables), without the files they came from.
func learnedKey(n *model.Network) string {
	var b strings.Builder
	add := func(id model.ID, l *model.LearnedRoutes) {
		if l == nil {
			return
		}
		b.WriteString(id.Key())
		for _, r := range l.Routes {
			fmt.Fprint(&b, "|", r.Prefix, r.NextHop, r.SourcePeer, r.LocalAddress, r.Origin, r.ASPath, r.ExpressRoute)
		}
		b.WriteByte(';')
	}
	for _, g := range n.VNetGateways {
		add(g.ID, g.Learned)
	}
	for _, rs := range n.RouteServers {
		add(rs.ID, rs.Learned)
	}
	return b.String()
}
