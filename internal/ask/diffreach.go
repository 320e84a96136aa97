package ask

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// ReachChange is one row of diff's reachability (cli.md "diff"): the flows from one place to
// another, on one protocol and these ports, whose verdict went from Before to After, with one
// of them as a trace query and the step that decides it after.
type ReachChange struct {
	From     string          `json:"from"`
	To       string          `json:"to"`
	Protocol string          `json:"protocol"`
	Ports    string          `json:"ports"`
	Before   trace.Verdict   `json:"before"`
	After    trace.Verdict   `json:"after"`
	Example  trace.Query     `json:"example"`
	Deciding *trace.Deciding `json:"deciding"`
}

// ReachDiffStats says how much diff recomputed.
type ReachDiffStats struct {
	Scope     string `json:"scope"` // "none", "rules", "firewall", "routes", "endpoints", "transit" or "skipped"
	Reason    string `json:"reason,omitempty"`
	Endpoints int    `json:"endpoints"` // fixed endpoints traced (one per group of alike NICs)
	Traces    int    `json:"traces"`
	// Unmodeled are the changed resources of types vnetdoctor does not read (Bastion, application
	// gateways, ...): what they do to flows is in no row.
	Unmodeled []string `json:"unmodeled,omitempty"`
}

// diffRun is one reach query to compare: fixed endpoints, and the packets that matter.
type diffRun struct {
	q       reach.Query
	to      bool
	covered []netip.Addr // a To run's destinations, with the NICs its endpoints stand for
}

// diffReach compares the two snapshots' verdicts over the flows sc may touch.
func diffReach(ctx context.Context, before, after *Snapshot, sc diffScope, opts Options) ([]ReachChange, ReachDiffStats, error) {
	st := ReachDiffStats{Scope: "none", Unmodeled: sc.unmodeled}
	var pending []pendingRun
	if !sc.global {
		pending = ruleRuns(before.Plane, after.Plane, sc, opts)
	}
	if sc.firewall && !sc.global {
		fw, reason := firewallRuns(before.Plane, after.Plane, opts)
		if reason != "" {
			sc.global, sc.reason = true, reason
		}
		pending = append(pending, fw...)
	}
	sc.edgeTransit(before.Plane, after.Plane)
	if sc.global {
		// Every flow may change: all-pairs recomputation, which diff does not attempt (an
		// estate's worth of traces); the answer says so rather than list a part as the whole.
		st.Scope, st.Reason = "skipped", sc.reason
		return nil, st, nil
	}
	sc.transit = union(sc.transit)
	if size := spaceSize(sc.transit); size > transitBudget {
		st.Scope, st.Reason = "skipped", fmt.Sprintf("the change alters where others' flows cross (forwarding routes, an appliance, a firewall or a gateway), or what a delegated subnet's unlisted addresses answer, for %d addresses (%v): over diff's budget of %d", size, sc.transit, transitBudget)
		return nil, st, nil
	}
	switch {
	case len(sc.transit) > 0:
		st.Scope = "transit"
	case len(sc.subnets) > 0 || len(sc.nics) > 0:
		st.Scope = "endpoints"
	case len(sc.routed) > 0:
		st.Scope = "routes"
	case len(sc.rules) > 0 || len(sc.admin) > 0 || len(sc.filters) > 0 || len(sc.asgNSGs) > 0:
		st.Scope = "rules"
	case sc.firewall:
		st.Scope = "firewall"
	default:
		return []ReachChange{}, st, nil
	}
	if (st.Scope == "rules" || st.Scope == "firewall") && len(pending) == 0 {
		return []ReachChange{}, st, nil // no filtering decision changed: no model to build
	}
	// Only NSG rules changed: the after model is the before one refined by the edited rules
	// (Rebase); a firewall's rules cut the classes too, so their change builds both.
	mb, ma := models(before.Plane, after.Plane, sc, st.Scope == "rules" && !sc.firewall && len(sc.admin) == 0 && len(sc.filters) == 0 && len(sc.asgs) == 0)
	runs, reason := planRuns(before.Plane, after.Plane, mb, ma, sc, opts)
	if reason != "" {
		st.Scope, st.Reason = "skipped", reason
		return nil, st, nil
	}
	runs = append(runs, groupRuns(pending, mb, ma)...)
	var cells []reach.Cell
	inTo := map[netip.Addr]bool{} // destinations some To run owns: From runs leave them out
	for _, r := range runs {
		for _, a := range r.covered {
			inTo[a] = true
		}
	}
	byRun := make([][]reach.Cell, len(runs))
	for _, b := range batches(runs) {
		n, err := reach.CompareEach(ctx, mb, ma, b.q, func(i int, cs []reach.Cell) error {
			byRun[b.runs[i]] = append(byRun[b.runs[i]], cs...)
			return nil
		})
		st.Traces += n
		if err != nil {
			return nil, st, err
		}
	}
	for i, r := range runs {
		st.Endpoints += len(r.q.To) + len(r.q.From)
		for _, c := range byRun[i] {
			if !r.to && c.Span.Lo == c.Span.Hi && inTo[netip.AddrFrom4(spanAddr(c.Span.Lo))] {
				continue
			}
			cells = append(cells, c)
		}
	}
	return changeRows(cells), st, nil
}

// batch is the runs asking the same packets the same way, as one query: reach.CompareEach cuts
// each side's varying addresses once for all their fixed endpoints. runs[i] is the run fixed
// endpoint i of q comes from; a run's endpoints keep their order, so its cells do.
type batch struct {
	q    reach.Query
	runs []int
}

func batches(runs []diffRun) []*batch {
	byKey := map[string]*batch{}
	var out []*batch
	for i, r := range runs {
		q := r.q
		key := fmt.Sprint(r.to, q.Protocols, q.Space, q.Ports, q.Assume, q.Via)
		b := byKey[key]
		if b == nil {
			b = &batch{q: q}
			b.q.To, b.q.From = nil, nil
			byKey[key] = b
			out = append(out, b)
		}
		fixed := q.From
		if r.to {
			fixed = q.To
		}
		for range fixed {
			b.runs = append(b.runs, i)
		}
		if r.to {
			b.q.To = append(b.q.To, fixed...)
		} else {
			b.q.From = append(b.q.From, fixed...)
		}
	}
	return out
}

// models are the two snapshots' reachability models. When only NSG rules changed, the after
// model is the before one rebased onto the after plane (reach.Model.Rebase): one Build, not two.
// The "rules" scope of NSG rules alone is what Rebase asks its caller to vouch for: nothing
// global changed (tags, firewalls, gateways, peerings, subnet prefixes: scopeOf), no subnet, NIC
// or private endpoint differs and no effective route moved; the rest Rebase checks itself.
// Changed admin rules build both models.
func models(pb, pa *dataplane.Plane, sc diffScope, rulesOnly bool) (*reach.Model, *reach.Model) {
	if rulesOnly {
		edited := map[*model.SecurityRule]bool{}
		for _, cs := range sc.rules {
			for _, c := range cs {
				if c.After != nil {
					edited[c.After] = true
				}
			}
		}
		mb := reach.Build(pb)
		if ma, ok := mb.Rebase(pa, func(r *acl.Rule) bool { return r.Security != nil && edited[r.Security] }); ok {
			return mb, ma
		}
		return mb, reach.Build(pa)
	}
	var mb, ma *reach.Model
	var wg sync.WaitGroup
	wg.Go(func() { mb = reach.Build(pb) })
	ma = reach.Build(pa)
	wg.Wait()
	return mb, ma
}

func spanAddr(v uint32) [4]byte { return [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

// transitBudget is the most destination addresses (a /8) whose routes may change in a forwarding
// subnet that diff recomputes: each endpoint is asked about them, both ways.
const transitBudget = 1 << 24

// transitBudgetWork is the most traces diff spends asking every endpoint about transit
// destinations, estimated as every endpoint asked about every job of the transit addresses its
// whole endpoints do not own, on everyPort port classes: about 40 s on two cores. The whole
// endpoints inside them are traced besides, as the endpoints scope traces them, whatever the
// budget (the bundled estate's spoke peering removed: 24,640 estimated, 0.1 million traced in
// all; a spoke of the 10,000-NIC estate disconnected: 5.7 million estimated, 22.7 million
// traced in all, in 64 s and 4.5 GB). A var: tests lower it.
var transitBudgetWork = 1 << 23

// everyPort is how many port classes the budgets count for a query over every port.
const everyPort = 64

func spaceSize(ps []netip.Prefix) uint64 {
	var n uint64
	for _, p := range ps {
		n += 1 << (32 - p.Bits())
	}
	return n
}

var allProtocols = []model.Protocol{model.ProtoTCP, model.ProtoUDP, model.ProtoICMP}

// planRuns turns the scope's changed subnets and NICs into reach queries: their endpoints both
// ways over every packet. With transit destinations, the endpoints inside them count as
// changed too, and every endpoint is asked about those destinations both ways (to them, and
// from them: a reply crosses the forwarding subnet towards them); a non-empty reason says that
// is over transitBudgetWork.
func planRuns(pb, pa *dataplane.Plane, mb, ma *reach.Model, sc diffScope, opts Options) ([]diffRun, string) {
	inTransit := func(s *model.Subnet) bool {
		return slices.ContainsFunc(s.Prefixes, func(p netip.Prefix) bool {
			return slices.ContainsFunc(sc.transit, p.Overlaps)
		})
	}
	whole := endpointsOf(pb, pa, mb, ma, func(s *model.Subnet) bool { return sc.subnets[strings.ToLower(string(s.ID))] || inTransit(s) },
		func(nic *model.NIC) bool { return sc.nics[strings.ToLower(string(nic.ID))] })
	var runs []diffRun
	if len(whole.to) > 0 {
		runs = append(runs, diffRun{reach.Query{To: whole.to, Protocols: allProtocols, Assume: opts.Assume}, true, whole.covered},
			diffRun{reach.Query{From: whole.from, Protocols: allProtocols, Assume: opts.Assume}, false, nil})
	}
	if len(sc.transit) > 0 {
		every := endpointsOf(pb, pa, mb, ma, func(*model.Subnet) bool { return true }, nil)
		space := union(sc.transit)
		// The endpoints inside those addresses are asked about every packet above, to and
		// from every address: every endpoint is asked only about the rest (addresses nothing
		// owns, on-premises), whose flows no other run holds. As sources, that is the addresses
		// the whole runs do not start from: a NAT gateway's public IP or a DNAT address is a
		// destination there, yet trace starts a flow from it too (an internet client, the
		// firewall).
		dsts, srcs := minus(space, whole.covered), minus(space, whole.sources)
		w := (len(every.to)*max(mb.JobsIn(srcs), ma.JobsIn(srcs)) + len(every.from)*max(mb.JobsIn(dsts), ma.JobsIn(dsts))) * everyPort
		if w > transitBudgetWork {
			return nil, fmt.Sprintf("the change alters where others' flows cross (forwarding routes, an appliance, a firewall or a gateway), or what a delegated subnet's unlisted addresses answer, for %v: every endpoint asked about those addresses is worth about %d traces, over diff's budget of %d", space, w, transitBudgetWork)
		}
		if len(srcs) > 0 {
			runs = append(runs, diffRun{reach.Query{To: every.to, Protocols: allProtocols, Space: srcs, Assume: opts.Assume}, true, nil})
		}
		if len(dsts) > 0 {
			runs = append(runs, diffRun{reach.Query{From: every.from, Protocols: allProtocols, Space: dsts, Assume: opts.Assume}, false, nil})
		}
	}
	// Subnets whose routes alone changed: their endpoints both ways, over the changed routes'
	// addresses only.
	var routed []netip.Prefix
	for k, ps := range sc.routed {
		if !sc.subnets[k] {
			routed = append(routed, ps...)
		}
	}
	if len(routed) > 0 {
		ends := endpointsOf(pb, pa, mb, ma, func(s *model.Subnet) bool {
			k := s.ID.Key()
			return sc.routed[k] != nil && !sc.subnets[k]
		}, nil)
		space := union(routed)
		runs = append(runs, diffRun{reach.Query{To: ends.to, Protocols: allProtocols, Space: space, Assume: opts.Assume}, true, nil},
			diffRun{reach.Query{From: ends.from, Protocols: allProtocols, Space: space, Assume: opts.Assume}, false, nil})
	}
	return runs, ""
}

// minus is the IPv4 prefixes of space without the addresses as.
func minus(space []netip.Prefix, as []netip.Addr) []netip.Prefix {
	return ipset.Of(space...).Difference(ipset.OfAddrs(as...)).Only4().Prefixes()
}

// union is the prefixes covering ps once each (a query's space must not repeat an address).
func union(ps []netip.Prefix) []netip.Prefix { return ipset.Of(ps...).Only4().Prefixes() }

// pendingRun is one endpoint's query for changed NSG rules, before the models exist.
type pendingRun struct {
	addr netip.Addr
	to   bool
	q    reach.Query // without the endpoint
	// unlisted, when set, stands for the addresses of that delegated subnet no listed resource
	// holds (addr is unset): groupRuns asks about one of each class as a destination.
	unlisted *model.Subnet
}

// ruleRuns are the queries the changed NSG rules need, for the endpoints their NSGs filter (but
// not those recomputed whole): inbound as destinations, outbound as sources, each over the
// packets whose decision changed there (endpointDelta), or over every packet the changed
// rules match when that cannot be worked out. An appliance under those NSGs is recomputed
// whole instead, with the flows it forwards (touchAppliances).
func ruleRuns(pb, pa *dataplane.Plane, sc diffScope, opts Options) []pendingRun {
	var out []pendingRun
	tr := translatedSources(pb.Net, pa.Net)
	// The endpoints of the subnets inSubnet accepts and of the NICs inNIC accepts, but those
	// recomputed whole, and the unlisted addresses of those subnets, whose filtering decisions dc
	// changed.
	changedAt := func(inSubnet func(*model.Subnet) bool, inNIC func(*model.NIC) bool, dc decisionChange) {
		addrs := addrsOf(pb, pa, func(s *model.Subnet) bool { return inSubnet(s) && !sc.subnets[s.ID.Key()] },
			func(nic *model.NIC) bool { return inNIC != nil && inNIC(nic) && !sc.nics[nic.ID.Key()] })
		out = append(out, bothWays(pb, pa, addrs, dc, tr, opts)...)
		out = append(out, unlistedRuns(pb, pa, sc, inSubnet, dc, opts)...)
	}
	underNSG := func(nsgs func(string) bool, dc decisionChange) {
		changedAt(func(s *model.Subnet) bool { return s.NSG != nil && nsgs(s.NSG.ID.Key()) },
			func(nic *model.NIC) bool { return nic.NSG != nil && nsgs(nic.NSG.ID.Key()) }, dc)
	}
	for _, nsg := range slices.Sorted(maps.Keys(sc.rules)) {
		underNSG(func(k string) bool { return k == nsg }, rulesChanged(pb.Net, pa.Net, sc.rules[nsg]))
	}
	if len(sc.admin) > 0 {
		changedAt(func(s *model.Subnet) bool { return s.VNet != nil && sc.adminVNets[s.VNet.ID.Key()] }, nil, rulesChanged(pb.Net, pa.Net, sc.admin))
	}
	if len(sc.asgNSGs) > 0 {
		underNSG(func(k string) bool { return sc.asgNSGs[k] }, membersChanged(sc))
	}
	// A delegated subnet recomputed whole (its NSG changed with another setting, say): its
	// unlisted addresses about every packet, as its endpoints are.
	out = append(out, unlistedRuns(pb, pa, sc, func(s *model.Subnet) bool { return sc.subnets[s.ID.Key()] }, decisionChange{fallback: everyPacket}, opts)...)
	return append(out, filterRuns(pb, pa, sc, tr, opts)...)
}

// unlistedRuns stand for the addresses no listed resource holds in the delegated subnets of
// sc.unlisted that inSubnet accepts, on either side: asked as destinations (trace starts no flow
// there) about the packets the change may decide otherwise, from any source (one the rules see
// may be translated on its way). Their rules are the subnet's alone (trace's atDelegated), so
// dc's fallback query, the packets the changed rules match, covers what changed.
func unlistedRuns(pb, pa *dataplane.Plane, sc diffScope, inSubnet func(*model.Subnet) bool, dc decisionChange, opts Options) []pendingRun {
	if len(sc.unlisted) == 0 {
		return nil
	}
	var out []pendingRun
	seen := map[string]bool{}
	for _, p := range []*dataplane.Plane{pa, pb} {
		for _, s := range p.Net.Subnets {
			k := s.ID.Key()
			if !sc.unlisted[k] || seen[k] || !inSubnet(s) {
				continue
			}
			seen[k] = true
			if q, any := dc.fallback(model.Inbound); any {
				q.Space, q.Assume = nil, opts.Assume
				out = append(out, pendingRun{to: true, q: q, unlisted: s})
			}
			// What hands flows to its addresses under another destination (a firewall's DNAT
			// addresses translating there, a load balancer's frontends with backends there, and
			// DNAT to those) is asked about every packet, as for a filtered endpoint
			// (filterRuns): the subnet's rules see the translated packet.
			for _, e := range addrsOf(pb, pa, func(x *model.Subnet) bool { return x.ID.Key() == k }, nil) {
				if filteredAt(pb, e.addr) || filteredAt(pa, e.addr) {
					continue // the subnet's own endpoints: the caller asks about them
				}
				out = append(out, pendingRun{addr: e.addr, to: true, q: reach.Query{Protocols: allProtocols, Assume: opts.Assume}})
				out = append(out, frontendRuns(pb, pa, e.addr, allProtocols, opts)...)
			}
		}
	}
	return out
}

// decisionChange is what moved the filtering decisions at a set of endpoints: the rules whose
// matches may differ (a delta works out the packets decided otherwise, endpointDelta), and the
// packets to ask about in one direction when the delta cannot be worked out (false: none).
type decisionChange struct {
	rules    func(*acl.Rule) bool
	fallback func(dir model.Direction) (reach.Query, bool)
}

// rulesChanged is a change of NSG or security admin rules: the packets their old or new versions
// match.
func rulesChanged(nb, na *model.Network, changes []ruleChange) decisionChange {
	return decisionChange{changedRules(changes), func(dir model.Direction) (reach.Query, bool) { return ruleQuery(nb, na, changes, dir) }}
}

// membersChanged is a change of ASG membership at endpoints whose NSGs name a changed ASG: a rule
// naming it matches the members' addresses (touchASGs), so only packets from or to the members
// that joined or left can be decided otherwise.
func membersChanged(sc diffScope) decisionChange {
	space := make([]netip.Prefix, 0, len(sc.members))
	for _, a := range sc.members {
		space = append(space, netip.PrefixFrom(a, a.BitLen()))
	}
	names := func(gs []*model.ASG) bool {
		return slices.ContainsFunc(gs, func(g *model.ASG) bool { return g != nil && sc.asgs[g.ID.Key()] })
	}
	return decisionChange{
		func(r *acl.Rule) bool {
			return r.Security != nil && (names(r.Security.SourceASGs) || names(r.Security.DestASGs))
		},
		func(model.Direction) (reach.Query, bool) {
			return reach.Query{Protocols: allProtocols, Space: union(space)}, true
		},
	}
}

// filterRuns are the queries for the endpoints of the subnets and NICs whose NSG or ASGs alone
// changed (sc.filters): every rule there may now decide otherwise, so each endpoint is asked
// about the packets whose decision differs between its effective rules before and after, or
// about every packet when that cannot be worked out. The frontends handing flows to them (a load
// balancer's, whose floating IP rules keep the frontend as the destination the rules see, and a
// firewall's DNAT addresses, to them or to such a frontend) are asked about every packet. An ip
// configuration that gains its first NSG or loses its last one also opens or closes its
// Standard public IP to the internet (trace closedByDefault): it is asked about every packet.
func filterRuns(pb, pa *dataplane.Plane, sc diffScope, tr ipset.Set, opts Options) []pendingRun {
	if len(sc.filters) == 0 {
		return nil
	}
	addrs := addrsOf(pb, pa, func(s *model.Subnet) bool { return sc.filters[s.ID.Key()] && !sc.subnets[s.ID.Key()] },
		func(nic *model.NIC) bool { return sc.filters[nic.ID.Key()] && !sc.nics[nic.ID.Key()] })
	// What else the subnets hold is not filtered there: a load balancer frontend whose backends
	// are elsewhere, a NAT gateway's public IPs, which stop what is sent to them.
	addrs = slices.DeleteFunc(addrs, func(e addrEnd) bool { return !filteredAt(pb, e.addr) && !filteredAt(pa, e.addr) })
	out := unlistedRuns(pb, pa, sc, func(s *model.Subnet) bool { return sc.filters[s.ID.Key()] }, decisionChange{fallback: everyPacket}, opts)
	for _, e := range addrs {
		for _, fe := range append(frontendsOf(pb, e.addr), frontendsOf(pa, e.addr)...) {
			out = append(out, pendingRun{addr: fe, to: true, q: reach.Query{Protocols: allProtocols, Assume: opts.Assume}})
			out = append(out, frontendRuns(pb, pa, fe, allProtocols, opts)...) // DNAT to a load balancer frontend
		}
		if _, public := pa.Index.IPConfigByPublicIP[e.addr]; public && hasNSG(pb, e.addr) != hasNSG(pa, e.addr) {
			out = append(out, pendingRun{addr: e.addr, to: true, q: reach.Query{Protocols: allProtocols, Assume: opts.Assume}})
		}
	}
	return append(out, bothWays(pb, pa, addrs, decisionChange{func(*acl.Rule) bool { return true }, everyPacket}, tr, opts)...)
}

// everyPacket is a decisionChange's fallback when any packet may be decided otherwise.
func everyPacket(model.Direction) (reach.Query, bool) {
	return reach.Query{Protocols: allProtocols}, true
}

// filteredAt reports whether address a in p is a NIC's (private or public), a private
// endpoint's, a DNS resolver inbound endpoint's or the mount target of a NetApp volume with
// Standard network features: what NSGs filter.
func filteredAt(p *dataplane.Plane, a netip.Addr) bool {
	if _, ok := p.Index.IPConfigByPublicIP[a]; ok {
		return true
	}
	return resolverAt(p.Net, a) || netAppAt(p.Net, a) || slices.ContainsFunc(p.Net.Owners(a), func(o model.Owner) bool {
		return o.Kind == model.OwnerNIC || o.Kind == model.OwnerPrivateEndpoint
	})
}

// netAppAt reports whether a NetApp volume whose subnet's NSG filters its traffic (Standard
// network features, trace's atNetApp) has a mount target at address a in some VNet. As a
// resolver's, its packets have no effective rules here (effectiveAt): diff asks about every one.
func netAppAt(n *model.Network, a netip.Addr) bool {
	return slices.ContainsFunc(n.NetAppVolumes, func(v *model.NetAppVolume) bool {
		return v.Subnet != nil && !v.Basic() && slices.Contains(v.MountTargets, a)
	})
}

// resolverAt reports whether a DNS private resolver inbound endpoint, which no resource owns
// (trace delivers to it, atResolver), is at address a in some VNet. Its packets have no
// effective rules here (effectiveAt), so diff asks about every one.
func resolverAt(n *model.Network, a netip.Addr) bool {
	return slices.ContainsFunc(n.ResolverInbounds, func(in *model.DNSResolverInbound) bool { return in.Addr == a && in.Subnet != nil })
}

// hasNSG reports whether an NSG sits on the NIC or subnet of the ip configuration holding
// public address a in p.
func hasNSG(p *dataplane.Plane, a netip.Addr) bool {
	c, ok := p.Index.IPConfigByPublicIP[a]
	return ok && c.HasNSG()
}

// bothWays are the endpoints' queries for a change of their filtering decisions: inbound, and
// outbound where flows start.
func bothWays(pb, pa *dataplane.Plane, addrs []addrEnd, dc decisionChange, tr ipset.Set, opts Options) []pendingRun {
	var out []pendingRun
	for _, e := range addrs {
		for _, dir := range []model.Direction{model.Inbound, model.Outbound} {
			if dir == model.Outbound && !e.src {
				continue
			}
			out = append(out, endpointRuns(pb, pa, e.addr, dir, dc, tr, opts)...)
		}
	}
	return out
}

// endpointRuns are one endpoint's queries for one direction of a change of its filtering decisions.
func endpointRuns(pb, pa *dataplane.Plane, a netip.Addr, dir model.Direction, dc decisionChange, tr ipset.Set, opts Options) []pendingRun {
	to := dir == model.Inbound
	var d delta
	ok := false
	if opts.Assume.Default(assume.InternetTag) { // the delta reads the Internet tag's default reading (spec §2.4)
		d, ok = endpointDelta(pb, pa, a, dir, dc.rules)
	}
	if !ok {
		q, any := dc.fallback(dir)
		if !any {
			return nil
		}
		q.Assume = opts.Assume
		var out []pendingRun
		if to {
			// A translated source may fall in the rules' addresses; a flow to a frontend meets the
			// rules at a under another address and port: the frontends are asked about every
			// port, as with a delta.
			q.Space = nil
			out = frontendRuns(pb, pa, a, q.Protocols, opts)
		}
		return append(out, pendingRun{addr: a, to: to, q: q})
	}
	var out []pendingRun
	if to && len(d) > 0 {
		// every protocol: a health probe's decision changed with it decides a pool's flows of any
		// protocol (learn.microsoft.com/azure/load-balancer/load-balancer-custom-probe-overview)
		out = frontendRuns(pb, pa, a, allProtocols, opts)
	}
	for _, proto := range allProtocols {
		ds := d[proto]
		if ds == nil {
			continue
		}
		q := reach.Query{Protocols: []model.Protocol{proto}, Space: prefixes(ds.spans), Ports: ds.ports, Assume: opts.Assume}
		if to {
			q.Space = widen(ds, tr)
		}
		if proto == model.ProtoICMP {
			q.Ports = nil
		}
		out = append(out, pendingRun{addr: a, to: to, q: q})
	}
	return out
}

// frontendRuns ask the addresses that hand flows to a (frontendsOf, either side) about every
// port of protos: their flows meet a's rules under another address and port.
func frontendRuns(pb, pa *dataplane.Plane, a netip.Addr, protos []model.Protocol, opts Options) []pendingRun {
	var out []pendingRun
	for _, fe := range append(frontendsOf(pb, a), frontendsOf(pa, a)...) {
		out = append(out, pendingRun{addr: fe, to: true, q: reach.Query{Protocols: protos, Assume: opts.Assume}})
	}
	return out
}

// groupRuns makes the pending runs reach queries, one per group of alike endpoints (FixedKey)
// asking the same packets.
func groupRuns(pending []pendingRun, mb, ma *reach.Model) []diffRun {
	seen := map[string]bool{}
	var out []diffRun
	for _, p := range withUnlisted(pending, mb, ma) {
		key := p.addr.String()
		if kb, ka := mb.FixedKey(p.addr), ma.FixedKey(p.addr); kb != "" && ka != "" {
			key = kb + "#" + ka
		}
		key += fmt.Sprint(p.to, p.q.Protocols, p.q.Space, p.q.Ports)
		if seen[key] {
			continue
		}
		seen[key] = true
		e := endpointOf(p.addr, mb, ma, !p.to)
		q := p.q
		if p.to {
			q.To = []reach.Endpoint{e}
		} else {
			q.From = []reach.Endpoint{e}
		}
		out = append(out, diffRun{q, p.to, nil}) // its domain is not every packet: From runs keep theirs
	}
	return out
}

// withUnlisted is pending with each run standing for a delegated subnet's unlisted addresses
// (unlistedRuns) made one run per class of them, at an address neither side's resources hold
// and Azure does not reserve (trace answers those otherwise).
func withUnlisted(pending []pendingRun, mb, ma *reach.Model) []pendingRun {
	var out []pendingRun
	for _, p := range pending {
		s := p.unlisted
		if s == nil {
			out = append(out, p)
			continue
		}
		for _, a := range reach.Unowned(s.Prefixes, func(a netip.Addr) bool { return !s.Reserved(a) }, mb, ma) {
			out = append(out, pendingRun{addr: a, to: true, q: p.q})
		}
		// The addresses the models own there are classes of their own, which trace may still
		// answer as unlisted (an IP-based load balancer backend): asked alike.
		for _, a := range reach.OwnedIn(s.Prefixes, mb, ma) {
			out = append(out, pendingRun{addr: a, to: true, q: p.q})
		}
	}
	return out
}

// endpointOf names a fixed endpoint as the cells name a varying one: by its place after the
// change, before's when the after snapshot routes it nowhere or, for a source, when only the
// before one starts flows there. A public IP moved away is the internet after, as a flow from
// the address's new holder would read.
func endpointOf(a netip.Addr, mb, ma *reach.Model, src bool) reach.Endpoint {
	m := ma
	if ma.Label(a) == reach.Unrouted || (src && !ma.Originates(a) && mb.Originates(a)) {
		m = mb
	}
	return reach.Endpoint{Ref: a.String(), Addr: a, Label: m.Label(a)}
}

// ruleQuery is the packets the changed rules of one direction match, before or after: the
// other side's addresses (all, when a side is not a fixed set), their protocols and ports.
func ruleQuery(nb, na *model.Network, changes []ruleChange, dir model.Direction) (reach.Query, bool) {
	var q reach.Query
	any, all := false, false
	protos := map[model.Protocol]bool{}
	for _, c := range changes {
		for i, r := range c.versions() {
			if r.absent || r.dir != dir {
				continue
			}
			any = true
			n := []*model.Network{nb, na}[i]
			if ps, ok := ruleSide(n, r.other, r.asgs); ok && !all {
				q.Space = append(q.Space, ps...)
			} else {
				all = true
			}
			switch r.proto {
			case model.ProtoTCP, model.ProtoUDP, model.ProtoICMP:
				protos[r.proto] = true
			default:
				for _, p := range allProtocols {
					protos[p] = true
				}
			}
			q.Ports = append(q.Ports, r.ports...)
		}
	}
	if all {
		q.Space = nil
	}
	for _, p := range allProtocols {
		if protos[p] {
			q.Protocols = append(q.Protocols, p)
		}
	}
	q.Ports = reach.MergePorts(q.Ports)
	return q, any
}

// fixedSide are the fixed endpoints of a set of subnets (and NICs), one per group of NICs
// that behave alike in both snapshots.
type fixedSide struct {
	to, from []reach.Endpoint
	covered  []netip.Addr // every address listed, represented or not
	sources  []netip.Addr // those of covered that are sources (from stands for them)
}

// endpointsOf is the addresses of addrsOf as fixed endpoints, one per group of alike NICs.
func endpointsOf(pb, pa *dataplane.Plane, mb, ma *reach.Model, inSubnet func(*model.Subnet) bool, inNIC func(*model.NIC) bool) fixedSide {
	groups := map[string]bool{}
	var out fixedSide
	for _, x := range addrsOf(pb, pa, inSubnet, inNIC) {
		out.covered = append(out.covered, x.addr)
		if x.src {
			out.sources = append(out.sources, x.addr)
		}
		kb, ka := mb.FixedKey(x.addr), ma.FixedKey(x.addr)
		if kb != "" && ka != "" {
			if groups[kb+"#"+ka] {
				continue // another NIC of the group stands for this one
			}
			groups[kb+"#"+ka] = true
		}
		out.to = append(out.to, endpointOf(x.addr, mb, ma, false))
		if x.src {
			out.from = append(out.from, endpointOf(x.addr, mb, ma, true))
		}
	}
	return out
}

// addrEnd is an owned address and whether flows start there.
type addrEnd struct {
	addr netip.Addr
	src  bool
}

// addrsOf lists, from both networks, the addresses owned in the subnets inSubnet accepts and
// by the NICs inNIC accepts: as destinations (with NICs' and firewalls' public IPs, private
// endpoints, load balancer frontends there or serving from there, gateways' private and public
// IPs, NAT gateways' public IPs) and as sources (NICs and their public IPs, firewalls, gateways'
// public IPs); each once, in the order found.
func addrsOf(pb, pa *dataplane.Plane, inSubnet func(*model.Subnet) bool, inNIC func(*model.NIC) bool) []addrEnd {
	at := map[netip.Addr]int{} // index in out
	var out []addrEnd
	add := func(a netip.Addr, src bool) {
		if !a.IsValid() {
			return
		}
		if i, ok := at[a]; ok {
			out[i].src = out[i].src || src // a source on either side (a public IP moved to a NIC)
			return
		}
		at[a] = len(out)
		out = append(out, addrEnd{a, src})
	}
	for _, p := range []*dataplane.Plane{pb, pa} {
		n := p.Net
		for _, nic := range n.NICs {
			for _, c := range nic.IPConfigs {
				if (c.Subnet != nil && inSubnet(c.Subnet)) || (inNIC != nil && inNIC(nic)) {
					add(c.PrivateIP, true)
					if c.PublicIP != nil {
						add(c.PublicIP.Address, true) // a source too: it names the VM (trace resolves it)
					}
				}
			}
		}
		for _, fw := range n.Firewalls {
			in := fw.Subnet != nil && inSubnet(fw.Subnet)
			if in {
				add(fw.PrivateIP, true)
			}
			if in || dnatsInto(p, fw, func(r *model.FirewallRule) bool {
				// an FQDN may resolve there
				return r.TranslatedFQDN != "" || (r.TranslatedAddress.IsValid() && inScope(n, r.TranslatedAddress, inSubnet, inNIC))
			}) {
				for _, a := range firewall.DNATAddrs(fw) {
					add(a, false) // its DNAT rules' destinations
				}
			}
		}
		for _, g := range n.VNetGateways {
			if g.Subnet != nil && inSubnet(g.Subnet) {
				for _, a := range g.PrivateIPs {
					add(a, false) // its BGP peering addresses answer
				}
				for _, pip := range g.PublicIPs {
					if pip != nil {
						add(pip.Address, true) // a source too: trace starts nothing there (Unknown), the internet elsewhere
					}
				}
			}
		}
		for _, ng := range n.NATGateways {
			if slices.ContainsFunc(ng.Subnets, func(s *model.Subnet) bool { return s != nil && inSubnet(s) }) {
				for _, a := range natAddrs(ng) {
					add(a, false) // what it translates to: packets to it stop there
				}
			}
		}
		for _, pe := range n.PrivateEndpoints {
			if pe.Subnet != nil && inSubnet(pe.Subnet) {
				for _, a := range pe.IPs {
					add(a, false)
				}
			}
		}
		for _, in := range n.ResolverInbounds {
			if in.Subnet != nil && inSubnet(in.Subnet) {
				add(in.Addr, false) // a DNS resolver inbound endpoint only answers (trace's atResolver)
			}
		}
		for _, vol := range n.NetAppVolumes {
			if vol.Subnet != nil && inSubnet(vol.Subnet) {
				for _, a := range vol.MountTargets {
					add(a, false) // a NetApp volume only answers (trace's atNetApp)
				}
			}
		}
		for _, lb := range n.LoadBalancers {
			served := servesFrom(n, lb, inSubnet, inNIC)
			for _, fe := range lb.Frontends {
				if served || (fe.Subnet != nil && inSubnet(fe.Subnet)) {
					add(fe.PrivateIP, false)
					if fe.PublicIP != nil {
						add(fe.PublicIP.Address, false)
					}
				}
			}
		}
	}
	return out
}

// servesFrom reports whether a member of one of lb's backend pools, or an inbound NAT rule's
// target, is in a subnet inSubnet accepts or a NIC inNIC accepts: a flow to a frontend then
// leaves, on its reply, by that member's subnet (its routes and NSGs decide it too).
func servesFrom(n *model.Network, lb *model.LoadBalancer, inSubnet func(*model.Subnet) bool, inNIC func(*model.NIC) bool) bool {
	for _, r := range lb.InboundNATRules {
		if c := r.Target; c != nil && ((c.Subnet != nil && inSubnet(c.Subnet)) || (inNIC != nil && c.NIC != nil && inNIC(c.NIC))) {
			return true
		}
	}
	for _, p := range lb.BackendPools {
		for _, c := range p.IPConfigs {
			if (c.Subnet != nil && inSubnet(c.Subnet)) || (inNIC != nil && c.NIC != nil && inNIC(c.NIC)) {
				return true
			}
		}
		for _, a := range p.Addresses {
			for _, s := range n.Subnets {
				if inSubnet(s) && slices.ContainsFunc(s.Prefixes, func(x netip.Prefix) bool { return x.Contains(a) }) {
					return true
				}
			}
		}
	}
	return false
}

// dnatsInto reports whether one of fw's DNAT rules, as its engine compiled them (its own
// collections, or its policy's and the base policies', spec §3.2), translates where to says:
// flows to the firewall's DNAT addresses then continue there, and that place's routes and NSGs
// decide them.
func dnatsInto(p *dataplane.Plane, fw *model.Firewall, to func(*model.FirewallRule) bool) bool {
	e := trace.FirewallEngineAll(p, fw) // every rule, under either dnat-inherited choice
	if e == nil {
		return false
	}
	return slices.ContainsFunc(e.Rules(model.NATRules), func(ri *firewall.RuleInfo) bool { return ri.Rule != nil && to(ri.Rule) })
}

// inScope reports whether a is in a subnet inSubnet accepts or is an address of a NIC inNIC
// accepts.
func inScope(n *model.Network, a netip.Addr, inSubnet func(*model.Subnet) bool, inNIC func(*model.NIC) bool) bool {
	for _, s := range n.Subnets {
		if inSubnet(s) && slices.ContainsFunc(s.Prefixes, func(p netip.Prefix) bool { return p.Contains(a) }) {
			return true
		}
	}
	if inNIC == nil {
		return false
	}
	for _, o := range n.Owners(a) {
		if o.Kind == model.OwnerNIC && o.IPConfig != nil && inNIC(o.IPConfig.NIC) {
			return true
		}
	}
	return false
}

// changeRows groups cells by places, protocol and verdicts; a row's ports are its cells'. Its
// example is its first cell's, unless that sends from an endpoint to itself and another cell
// does not (cellExample).
func changeRows(cells []reach.Cell) []ReachChange {
	type key struct {
		from, to      string
		proto         model.Protocol
		before, after trace.Verdict
	}
	rows := map[key]*ReachChange{}
	ports := map[key][]model.PortRange{}
	selfOnly := map[key]bool{} // the row's example sends from an endpoint to itself
	var order []key
	for _, c := range cells {
		from, to := c.Label, c.Fixed.Label
		if !c.ToFixed {
			from, to = to, from
		}
		k := key{from, to, c.Protocol, c.Before, c.After}
		ex, self := cellExample(c)
		switch r := rows[k]; {
		case r == nil:
			order = append(order, k)
			rows[k] = &ReachChange{From: from, To: to, Protocol: c.Protocol.String(), Before: c.Before, After: c.After, Example: ex, Deciding: c.Deciding}
			selfOnly[k] = self
		case selfOnly[k] && !self:
			r.Example, r.Deciding, selfOnly[k] = ex, c.Deciding, false
		}
		ports[k] = append(ports[k], c.Ports)
	}
	out := make([]ReachChange, 0, len(order))
	for _, k := range order {
		r := rows[k]
		if k.proto == model.ProtoTCP || k.proto == model.ProtoUDP {
			r.Ports = reach.PortsString(reach.MergePorts(ports[k]))
		}
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b ReachChange) int {
		return cmp.Or(strings.Compare(a.From, b.From), strings.Compare(a.To, b.To), strings.Compare(a.Protocol, b.Protocol),
			strings.Compare(string(a.Before), string(b.Before)), strings.Compare(string(a.After), string(b.After)))
	})
	return out
}

// cellExample is c's example, with the varying end moved to another address of c's span when it
// sent from the fixed endpoint to itself (every address of a cell behaves alike): a packet a VM
// sends to its own address never leaves it, which reads badly as an example. self reports that
// no other address was there to take.
func cellExample(c reach.Cell) (q trace.Query, self bool) {
	q = c.Example
	varying := &q.From
	if !c.ToFixed {
		varying = &q.To
	}
	a, err := netip.ParseAddr(*varying)
	if err != nil || a != c.Fixed.Addr {
		return q, false
	}
	for _, v := range []uint32{c.Span.Lo, c.Span.Hi} {
		if o := netip.AddrFrom4(spanAddr(v)); o != a {
			*varying = o.String()
			return q, false
		}
	}
	return q, true
}
