package check

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/forward"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// CodeRoutingLoop is the code of RoutingLoop findings (an addition to cli.md's list).
const CodeRoutingLoop Code = "RoutingLoop"

// An appliance forwards a packet as a new leg from its own subnet, by that subnet's routes (spec
// §1.6 VirtualAppliance): when those send the packet back to the appliance — an appliance subnet
// whose 0.0.0.0/0 UDR names the appliance itself is the classic case — it circles until its TTL
// runs out. The trace's disposition is Loop.
var routingLoop = Check{
	Name:     "routing-loop",
	Code:     CodeRoutingLoop,
	Evidence: []string{"subnet", "route", "prefix", "nextHopIp", "appliance"},
	Doc:      "UDRs that hand traffic to an appliance whose own subnet's routes send it back (to itself, or round a cycle of appliances): a routing loop.",
	Run:      runRoutingLoop,
}

// maxLoopChain bounds how many appliances a chain from one subnet may cross before the search
// gives up; a trace treats more than 32 forwarding points as a loop anyway.
const maxLoopChain = 8

// loopHop is one step of a chain: the subnet a packet leaves, the route it selects there and the
// appliance that route hands it to.
type loopHop struct {
	subnet    *model.Subnet
	route     *fib.Route
	appliance model.Owner
}

// loop is one cycle of appliance hops, with every destination prefix that enters it and every
// subnet whose traffic does.
type loop struct {
	cycle    []loopHop
	prefixes []netip.Prefix
	entries  map[*model.Subnet]netip.Addr // subnet → a destination that enters the cycle from it
}

// runRoutingLoop follows, from every subnet, each active VirtualAppliance UDR and Route Server route
// the way a packet would (forward.Leave from the appliance's subnet, for one address the route
// covers) and reports each cycle once. The work is linear in the routes of the estate times a
// short chain; a loop is reported only when a trace from a NIC whose traffic enters it ends in
// Loop.
func runRoutingLoop(pass *Pass) []Finding {
	p := pass.Plane
	loops := map[string]*loop{}
	sets := map[*fib.Route]bool{} // learned sets already followed (shared between tables)
	for _, s := range p.Net.Subnets {
		if s.VNet == nil {
			continue
		}
		t := p.FIB.Subnet(s)
		if t == nil {
			continue
		}
		for _, r := range loopStarts(t, sets) {
			dst := probeAddr(r.Prefix)
			cycle, ok := findCycle(p, s, dst)
			if !ok {
				continue
			}
			k := cycleKey(cycle)
			l := loops[k]
			if l == nil {
				l = &loop{cycle: cycle, entries: map[*model.Subnet]netip.Addr{}}
				loops[k] = l
			}
			if !slices.Contains(l.prefixes, r.Prefix) {
				l.prefixes = append(l.prefixes, r.Prefix)
			}
			if old, ok := l.entries[s]; !ok || dst.Less(old) {
				l.entries[s] = dst
			}
		}
		if pass.Context != nil && pass.Context.Err() != nil {
			return nil
		}
	}
	keys := make([]string, 0, len(loops))
	for k := range loops {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []Finding
	var nics map[*model.Subnet][]*model.IPConfig
	for _, k := range keys {
		if nics == nil {
			nics = nicsBySubnet(p.Net)
		}
		l := loops[k]
		if src, dst, ok := proveLoop(p, l, nics); ok {
			out = append(out, loopFinding(l, src, dst))
		}
	}
	return out
}

// loopStarts are the routes of t that hand traffic to an appliance: active VirtualAppliance UDRs,
// and the routes a Route Server programmed with an NVA as next hop (an NVA that advertises
// 0.0.0.0/0 receives it on its own subnet too and circles, troubleshoot-route-server). A learned
// set shared by many tables is followed from the first of them only: the cycle is the same.
func loopStarts(t *fib.Table, sets map[*fib.Route]bool) []*fib.Route {
	var out []*fib.Route
	routes := t.WithoutEndpoints()
	for i := range routes {
		r := &routes[i]
		if r.State == fib.Active && (r.Source == fib.SourceUser && r.NextHop == model.HopVirtualAppliance || r.RouteServer != nil) {
			out = append(out, r)
		}
	}
	learned := t.Learned()
	if len(learned) == 0 || sets[&learned[0]] {
		return out
	}
	sets[&learned[0]] = true
	for i := range learned {
		if r := &learned[i]; r.RouteServer != nil && r.State == fib.Active {
			out = append(out, r)
		}
	}
	return out
}

// probeAddr is an address that route prefix pr covers, to follow it with: 1.1.1.1 for a default
// route (a public address, as the internet traffic such a route carries), else the prefix's
// first address after the network address.
func probeAddr(pr netip.Prefix) netip.Addr {
	pr = pr.Masked()
	if pub := netip.AddrFrom4([4]byte{1, 1, 1, 1}); pr.Bits() < 8 && pr.Contains(pub) {
		return pub
	}
	if a := pr.Addr().Next(); pr.Bits() < pr.Addr().BitLen()-1 && pr.Contains(a) {
		return a
	}
	return pr.Addr()
}

// findCycle follows a packet to dst out of subnet s through appliances and returns the hops of
// the cycle it enters, if it enters one: a subnet it leaves twice selects the same route again.
func findCycle(p *dataplane.Plane, s *model.Subnet, dst netip.Addr) ([]loopHop, bool) {
	var hops []loopHop
	at := s
	for range maxLoopChain {
		d := forward.Leave(p, at, dst, false)
		if d.Kind != forward.Appliance {
			return nil, false
		}
		from, ok := forwardsFrom(d.Owner)
		if !ok {
			return nil, false
		}
		hops = append(hops, loopHop{subnet: at, route: d.Route, appliance: d.Owner})
		for i, h := range hops {
			if h.subnet == from {
				return hops[i:], true
			}
		}
		at = from
	}
	return nil, false
}

// forwardsFrom is the subnet whose routes a device applies to the packets it forwards: an
// appliance NIC's (when IP forwarding is on; off, the NIC drops them, spec §1.4), the firewall's
// AzureFirewallSubnet, or for an internal load balancer the subnet of the backend a trace follows
// (the first of the pool of its HA ports rule on that frontend, by ID).
func forwardsFrom(o model.Owner) (*model.Subnet, bool) {
	switch o.Kind {
	case model.OwnerNIC:
		return o.IPConfig.Subnet, o.IPConfig.NIC.IPForwarding && o.IPConfig.Subnet != nil
	case model.OwnerFirewall:
		return o.Firewall.Subnet, o.Firewall.Subnet != nil
	case model.OwnerLBFrontend:
		for _, r := range o.Frontend.LB.Rules {
			if r.Frontend == o.Frontend && r.Pool != nil && r.HAPorts() && len(r.Pool.IPConfigs) > 0 {
				c := r.Pool.IPConfigs[0]
				return c.Subnet, c.NIC.IPForwarding && c.Subnet != nil
			}
		}
	}
	return nil, false
}

// cycleKey names a cycle whatever hop it was entered at: its hops' subnets and routes, sorted.
func cycleKey(c []loopHop) string {
	parts := make([]string, len(c))
	for i, h := range c {
		parts[i] = h.subnet.ID.Key() + "|" + routeLabel(h.route)
	}
	slices.Sort(parts)
	return strings.Join(parts, ";")
}

func routeLabel(r *fib.Route) string {
	if r.Table != nil {
		return r.Table.Name + "/" + r.Name
	}
	return r.Name
}

// nicsBySubnet lists the NIC ip configurations of every subnet, in NIC order (by ID).
func nicsBySubnet(n *model.Network) map[*model.Subnet][]*model.IPConfig {
	out := map[*model.Subnet][]*model.IPConfig{}
	for _, nic := range n.NICs {
		for _, c := range nic.IPConfigs {
			if c.Subnet != nil && c.PrivateIP.IsValid() {
				out[c.Subnet] = append(out[c.Subnet], c)
			}
		}
	}
	return out
}

// proveLoop traces, from a NIC of each entry subnet (the cycle's own subnets first, by ID) or else
// from a firewall in the cycle, to the destination that enters the cycle from there, and returns
// the first source and destination whose trace ends in Loop. At most maxLoopProofs traces are run
// per cycle.
func proveLoop(p *dataplane.Plane, l *loop, nics map[*model.Subnet][]*model.IPConfig) (model.ID, netip.Addr, bool) {
	subnets := make([]*model.Subnet, 0, len(l.entries))
	for s := range l.entries {
		subnets = append(subnets, s)
	}
	inCycle := func(s *model.Subnet) bool {
		return slices.ContainsFunc(l.cycle, func(h loopHop) bool { return h.subnet == s })
	}
	slices.SortFunc(subnets, func(a, b *model.Subnet) int {
		if ca, cb := inCycle(a), inCycle(b); ca != cb {
			if ca {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID.Key(), b.ID.Key())
	})
	var froms []string
	var dsts []netip.Addr
	for _, s := range subnets {
		if cs := nics[s]; len(cs) > 0 { // one NIC per subnet: the others leave by the same routes
			froms, dsts = append(froms, string(cs[0].NIC.ID)), append(dsts, l.entries[s])
		}
	}
	// A firewall in the cycle sends traffic of its own too (spec §3.1): a loop of firewalls alone
	// has no NIC to trace from.
	for _, h := range l.cycle {
		if h.appliance.Kind == model.OwnerFirewall {
			if dst, ok := l.entries[h.subnet]; ok {
				froms, dsts = append(froms, string(h.appliance.Firewall.ID)), append(dsts, dst)
			}
		}
	}
	for i := range min(len(froms), maxLoopProofs) {
		a, err := trace.RunBrief(p, trace.Query{From: froms[i], To: dsts[i].String(), Protocol: model.ProtoTCP, DestinationPort: 443})
		if err == nil && a.Forward != nil && a.Forward.Disposition == trace.Loop {
			return model.ID(froms[i]), dsts[i], true
		}
	}
	return "", netip.Addr{}, false
}

const maxLoopProofs = 4

func loopFinding(l *loop, src model.ID, dst netip.Addr) Finding {
	slices.SortFunc(l.prefixes, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	// The hop whose subnet has the lowest ID names the loop, so that the finding is the same
	// whichever subnet the search entered the cycle from.
	first := slices.MinFunc(l.cycle, func(a, b loopHop) int { return strings.Compare(a.subnet.ID.Key(), b.subnet.ID.Key()) })
	var res []model.ID
	cycle := make([]string, len(l.cycle))
	for i, h := range l.cycle {
		cycle[i] = fmt.Sprintf("%s → %s (%s)", subnetLabel(h.subnet), h.route.NextHopIP, routeLabel(h.route))
		res = append(res, h.subnet.ID, h.appliance.ResourceID())
		if h.route.Table != nil {
			res = append(res, h.route.Table.ID)
		}
	}
	slices.Sort(cycle)
	entries := make([]*model.Subnet, 0, len(l.entries))
	for s := range l.entries {
		entries = append(entries, s)
	}
	slices.SortFunc(entries, func(a, b *model.Subnet) int { return strings.Compare(a.ID.Key(), b.ID.Key()) })
	prefixes := make([]string, len(l.prefixes))
	for i, pr := range l.prefixes {
		prefixes[i] = pr.String()
	}
	what := "itself"
	if len(l.cycle) > 1 {
		what = fmt.Sprintf("the next of %d appliances, and round again", len(l.cycle))
	}
	return Finding{Code: CodeRoutingLoop, Severity: Error,
		Title: fmt.Sprintf("Routing loop: %s sends %s back to appliance %s", subnetLabel(first.subnet), l.prefixes[0], first.route.NextHopIP),
		Message: fmt.Sprintf("Appliance %s forwards traffic to %s out of %s, whose route %s (%s → VirtualAppliance %s) hands it to %s: "+
			"the packet circles until it expires. A trace from %s to %s ends in Loop. %d subnet(s) send traffic into it.",
			first.appliance.ResourceID().Name(), l.prefixes[0], subnetLabel(first.subnet), routeLabel(first.route), first.route.Prefix,
			first.route.NextHopIP, what, src.Name(), dst, len(entries)),
		Resources: ids(res...),
		Evidence: map[string]any{"subnet": subnetLabel(first.subnet), "route": routeLabel(first.route),
			"prefix": first.route.Prefix.String(), "nextHopIp": first.route.NextHopIP.String(),
			"appliance": string(first.appliance.ResourceID()), "cycle": cycle, "prefixes": capList(prefixes),
			"subnets": capList(subnetNames(entries)), "subnetCount": len(entries),
			"trace": map[string]any{"from": string(src), "to": dst.String(), "protocol": "Tcp", "destinationPort": 443}},
		Fix: fmt.Sprintf("Give %s a route table without the route that points at its own appliance (an appliance subnet "+
			"needs its own table: 0.0.0.0/0 → Internet, or the next hop beyond the appliance), or point %s elsewhere.",
			subnetLabel(first.subnet), routeLabel(first.route)),
	}
}
