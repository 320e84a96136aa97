package check

import (
	"fmt"
	"net/netip"
	"runtime"
	"sort"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// spec §5 DECISION [PEFW].
var asymmetricReturn = Check{
	Name:     "asymmetric-return",
	Code:     CodeAsymmetricReturn,
	Evidence: []string{"source", "destination", "statefulDevice"},
	Doc:      "Source subnet / destination pairs whose traffic crosses a firewall or appliance one way and bypasses it on the way back.",
	Run:      runAsymmetricReturn,
}

// rep is the representative endpoint of a subnet (or a private endpoint) in the pair search.
type rep struct {
	subnet *model.Subnet
	nic    *model.NIC             // source/destination VM NIC; nil for a private endpoint
	pe     *model.PrivateEndpoint // destination private endpoint
	addr   netip.Addr
}

func (r rep) name() string {
	if r.pe != nil {
		return r.pe.Name
	}
	return subnetLabel(r.subnet)
}

// runAsymmetricReturn checks every (source subnet, destination) pair in two stages. Stage 1
// follows routes only (no rules) from the source subnet's representative VM to the destination
// and back, collecting the appliances and firewalls each direction crosses; replies of a private
// endpoint ignore UDRs (spec §5), so they cross none. Pairs whose two sets differ are candidates.
// Stage 2 confirms each candidate with a full trace (rules, SNAT, disableSnatOnPL): only a trace
// that reports AsymmetricReturn becomes a finding. Route lookups are cheap and allocation-free,
// so stage 1 covers every pair even on a 10,000-NIC estate; traces run only for candidates.
func runAsymmetricReturn(pass *Pass) []Finding {
	p := pass.Plane
	srcs := subnetReps(p.Net)
	dsts := append(append([]rep(nil), srcs...), endpointReps(p.Net)...)
	hits := searchPairs(p, srcs, dsts)
	groups := map[asymKey][]asymHit{}
	var keys []asymKey
	for _, h := range hits {
		k := asymKey{h.dst.subnet, h.dst.pe, h.device, h.replyOnly}
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], h)
	}
	out := make([]Finding, 0, len(keys))
	for _, k := range keys {
		out = append(out, asymmetryFinding(groups[k]))
	}
	return out
}

// searchPairs runs both stages over every pair, sources split among GOMAXPROCS workers (the
// data plane is safe for concurrent use; each worker has its own caches). Hits come back in
// source order, whatever the scheduling.
func searchPairs(p *dataplane.Plane, srcs, dsts []rep) []asymHit {
	workers := min(runtime.GOMAXPROCS(0), max(len(srcs), 1))
	perSrc := make([][]asymHit, len(srcs))
	var wg sync.WaitGroup
	for wk := 0; wk < workers; wk++ {
		wg.Add(1)
		go func(wk int) {
			defer wg.Done()
			w := newChainWalker(p)
			for i := wk; i < len(srcs); i += workers {
				perSrc[i] = w.pairsFrom(srcs[i], dsts)
			}
		}(wk)
	}
	wg.Wait()
	var out []asymHit
	for _, hs := range perSrc {
		out = append(out, hs...)
	}
	return out
}

// pairsFrom checks one source against every destination.
func (w *chainWalker) pairsFrom(s rep, dsts []rep) []asymHit {
	var out []asymHit
	for _, d := range dsts {
		if d.subnet == s.subnet && d.pe == nil {
			continue // inside one subnet nothing is routed
		}
		if !w.asymmetric(s, d) {
			continue
		}
		if h, ok := confirmAsymmetry(w.p, s, d); ok {
			out = append(out, h)
		}
	}
	return out
}

// asymKey groups confirmed pairs per destination (a private endpoint, or a VM subnet) and
// device: the fix lives there, and a destination reached asymmetrically from a thousand
// subnets is one finding, not a thousand.
type asymKey struct {
	dst       *model.Subnet
	pe        *model.PrivateEndpoint
	device    string
	replyOnly bool
}

// asymHit is one confirmed pair: source, destination, the port traced and the trace's finding.
type asymHit struct {
	src, dst rep
	port     uint16
	device   string
	tf       trace.Finding
	// replyOnly: the request went direct and only the reply meets the device (no session there).
	replyOnly bool
}

// subnetReps picks, per subnet, the first VM NIC whose primary ip configuration is in it,
// preferring NICs that do not forward (an appliance is a poor stand-in for a workload).
func subnetReps(n *model.Network) []rep {
	best := map[*model.Subnet]*model.NIC{}
	for _, nic := range n.NICs {
		c := nic.Primary()
		if c == nil || c.Subnet == nil || !c.PrivateIP.IsValid() || nic.VMName == "" {
			continue
		}
		if cur, ok := best[c.Subnet]; !ok || (cur.IPForwarding && !nic.IPForwarding) {
			best[c.Subnet] = nic
		}
	}
	out := make([]rep, 0, len(best))
	for _, s := range n.Subnets {
		if nic, ok := best[s]; ok {
			out = append(out, rep{subnet: s, nic: nic, addr: nic.Primary().PrivateIP})
		}
	}
	return out
}

// endpointReps lists approved private endpoints with an address (others carry no traffic).
// Only an Approved connection carries traffic: spec §5 [PEOV].
func endpointReps(n *model.Network) []rep {
	var out []rep
	for _, pe := range n.PrivateEndpoints {
		if pe.Subnet != nil && len(pe.IPs) > 0 && pe.Approved() {
			out = append(out, rep{subnet: pe.Subnet, pe: pe, addr: pe.IPs[0]})
		}
	}
	return out
}

// maxChain bounds a route-only walk; longer chains are loops and the trace reports them.
const maxChain = 6

// chainWalker follows routes through appliances. Per pair it does one route lookup and two map
// lookups: appliance resolutions and the walk onward from an appliance (the same for every
// source) are cached.
type chainWalker struct {
	p          *dataplane.Plane
	fwd, rev   chainBuf
	appliances map[applianceKey]appliance
	tails      map[tailKey]chainBuf
}

type chainBuf struct {
	devs [maxChain]any
	n    int
}

type applianceKey struct {
	vnet *model.VNet
	ip   netip.Addr
}

// appliance is a resolved next hop: the device and the subnet it forwards from.
type appliance struct {
	dev  any
	next *model.Subnet
}

type tailKey struct {
	from *model.Subnet
	dst  netip.Addr
}

func newChainWalker(p *dataplane.Plane) *chainWalker {
	return &chainWalker{p: p, appliances: map[applianceKey]appliance{}, tails: map[tailKey]chainBuf{}}
}

// asymmetric reports whether s→d and its reply cross different stateful devices by routes alone.
func (w *chainWalker) asymmetric(s, d rep) bool {
	w.chain(s.subnet, d.addr, &w.fwd)
	w.rev.n = 0
	if d.pe == nil {
		w.chain(d.subnet, s.addr, &w.rev)
	} else if w.fwd.n == 0 {
		return false // direct to an endpoint and direct back
	}
	return !sameSet(w.fwd.devs[:w.fwd.n], w.rev.devs[:w.rev.n])
}

// chain fills c with the appliances and firewalls a packet from subnet s to dst crosses,
// following VirtualAppliance next hops (spec §1.4, §1.6). The walk after the first appliance
// comes from the cache.
func (w *chainWalker) chain(s *model.Subnet, dst netip.Addr, c *chainBuf) {
	c.n = 0
	r, ok := w.p.FIB.Subnet(s).Lookup(dst)
	if !ok || r.NextHop != model.HopVirtualAppliance {
		return
	}
	a := w.applianceAt(s.VNet, r.NextHopIP)
	if a.dev == nil {
		return
	}
	c.devs[0], c.n = a.dev, 1
	if a.next == nil {
		return
	}
	k := tailKey{a.next, dst}
	t, ok := w.tails[k]
	if !ok {
		w.walk(a.next, dst, &t)
		w.tails[k] = t
	}
	for _, d := range t.devs[:t.n] {
		if c.n == maxChain || contains(c.devs[:c.n], d) {
			return // a loop: the trace reports it
		}
		c.devs[c.n] = d
		c.n++
	}
}

// walk follows routes from subnet s (an appliance's) towards dst without the cache.
func (w *chainWalker) walk(s *model.Subnet, dst netip.Addr, c *chainBuf) {
	c.n = 0
	for c.n < maxChain {
		r, ok := w.p.FIB.Subnet(s).Lookup(dst)
		if !ok || r.NextHop != model.HopVirtualAppliance {
			return
		}
		a := w.applianceAt(s.VNet, r.NextHopIP)
		if a.dev == nil || contains(c.devs[:c.n], a.dev) {
			return
		}
		c.devs[c.n] = a.dev
		c.n++
		if s = a.next; s == nil {
			return
		}
	}
}

// applianceAt resolves a next hop seen from VNet v (same or directly peered VNet) to its device
// and the subnet the device forwards from; unresolvable next hops have a nil device.
// Next hop owners in the same or a directly peered VNet: spec §1.4 [UDR].
func (w *chainWalker) applianceAt(v *model.VNet, ip netip.Addr) appliance {
	k := applianceKey{v, ip}
	if a, ok := w.appliances[k]; ok {
		return a
	}
	var a appliance
	o, ok := w.p.Net.OwnerIn(v, ip)
	for i := 0; !ok && i < len(v.Peerings); i++ {
		if pr := v.Peerings[i]; pr.Remote != nil && pr.Active() {
			o, ok = w.p.Net.OwnerIn(pr.Remote, ip)
		}
	}
	switch {
	case !ok:
	case o.Kind == model.OwnerNIC:
		a = appliance{o.IPConfig.NIC, o.IPConfig.Subnet}
	case o.Kind == model.OwnerFirewall:
		a = appliance{o.Firewall, o.Firewall.Subnet}
	case o.Kind == model.OwnerLBFrontend:
		a = appliance{o.Frontend.LB, o.Frontend.Subnet}
	}
	w.appliances[k] = a
	return a
}

func contains(xs []any, x any) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func sameSet(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}

// probePorts are tried in order until the forward flow is allowed (a denied flow has no reply).
var probePorts = []uint16{443, 22, 3389, 80}

// endpointPort is the usual port of a private endpoint's sub-resource.
func endpointPort(pe *model.PrivateEndpoint) uint16 {
	for _, c := range pe.Connections {
		for _, g := range c.GroupIDs {
			switch {
			case equalFold(g, "sqlServer"):
				return 1433
			case equalFold(g, "postgresqlServer"):
				return 5432
			case equalFold(g, "mysqlServer"):
				return 3306
			case equalFold(g, "redisCache"):
				return 6380
			case equalFold(g, "file"):
				return 445
			}
		}
	}
	return 443
}

// confirmAsymmetry traces the candidate pair and returns the trace's AsymmetricReturn, if any.
func confirmAsymmetry(p *dataplane.Plane, s, d rep) (asymHit, bool) {
	ports, to := probePorts, d.addr.String()
	if d.pe != nil {
		ports, to = []uint16{endpointPort(d.pe)}, string(d.pe.ID)
	}
	for _, port := range ports {
		a, err := trace.Run(p, trace.Query{From: string(s.nic.ID), To: to, Protocol: model.ProtoTCP, DestinationPort: port})
		if err != nil || a.Return == nil {
			continue // not delivered on this port: nothing comes back to compare
		}
		for _, f := range a.Findings {
			if f.Code == "AsymmetricReturn" {
				h := asymHit{src: s, dst: d, port: port, tf: f}
				if len(f.Resources) > 0 {
					h.device = model.ID(f.Resources[0]).Name()
					h.replyOnly = !crosses(a.Forward, f.Resources[0])
				}
				return h, true
			}
		}
		return asymHit{}, false
	}
	return asymHit{}, false
}

func asymmetryFinding(hits []asymHit) Finding {
	sort.Slice(hits, func(i, j int) bool { return subnetLabel(hits[i].src.subnet) < subnetLabel(hits[j].src.subnet) })
	first := hits[0]
	s, d := first.src, first.dst
	sources := make([]string, len(hits))
	res := []model.ID{}
	if d.pe != nil {
		res = append(res, d.pe.ID)
	}
	res = append(res, d.subnet.ID)
	for _, id := range first.tf.Resources {
		res = append(res, model.ID(id))
	}
	for i, h := range hits {
		sources[i] = subnetLabel(h.src.subnet)
		if i < maxEvidenceList {
			res = append(res, h.src.subnet.ID)
		}
	}
	from := sources[0]
	if len(hits) > 1 {
		from = fmt.Sprintf("%s and %d more subnets", sources[0], len(hits)-1)
	}
	fix := "Add the return route: a UDR on the destination subnet sending the source range to the same firewall " +
		"or appliance, or SNAT the flow at the device."
	if d.pe != nil {
		fix = "SNAT traffic to private endpoints at the firewall: use an application rule (always SNATs) or set the " +
			"SNAT private ranges to always SNAT; for a third-party appliance tag its NIC disableSnatOnPL=true."
	}
	title := fmt.Sprintf("%s → %s: the reply bypasses %s", from, d.name(), first.device)
	how := "crosses " + first.device
	if first.replyOnly {
		title = fmt.Sprintf("%s → %s: the reply meets %s, which the request did not cross", from, d.name(), first.device)
		how = "goes direct, not through " + first.device
	}
	return Finding{Code: CodeAsymmetricReturn, Severity: Error, Title: title,
		Message: fmt.Sprintf("Traffic from %s (traced from %s) to %s (%s, TCP %d) %s, but %s.",
			from, s.nic.VMName, d.name(), d.addr, first.port, how, first.tf.Message),
		Resources: ids(res...),
		Evidence: map[string]any{"source": sources[0], "destination": d.name(), "statefulDevice": first.device,
			"sourceVm": s.nic.VMName, "destinationAddress": d.addr.String(), "port": first.port,
			"sources": capList(sources), "count": len(sources)},
		Fix: fix,
	}
}

// crosses reports whether a leg has a hop on the resource id.
func crosses(l *trace.Leg, id string) bool {
	if l == nil {
		return false
	}
	for _, h := range l.Hops {
		if model.ID(h.ResourceID).Equal(model.ID(id)) {
			return true
		}
	}
	return false
}
