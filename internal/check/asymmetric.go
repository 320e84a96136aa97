package check

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

var asymmetricReturn = Check{
	Name: "asymmetric-return",
	Code: "AsymmetricReturn",
	Doc:  "Source subnet / destination pairs whose traffic crosses a firewall or appliance one way and bypasses it on the way back.",
	Run:  runAsymmetricReturn,
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
func runAsymmetricReturn(p *dataplane.Plane) []Finding {
	srcs := subnetReps(p.Net)
	dsts := append(append([]rep(nil), srcs...), endpointReps(p.Net)...)
	w := &chainWalker{p: p}
	groups := map[asymKey]*asymGroup{}
	var order []asymKey
	for _, s := range srcs {
		for _, d := range dsts {
			if d.subnet == s.subnet && d.pe == nil {
				continue // inside one subnet nothing is routed
			}
			if !w.asymmetric(s, d) {
				continue
			}
			c, ok := confirmAsymmetry(p, s, d)
			if !ok {
				continue
			}
			k := asymKey{s.subnet, d.subnet, c.device}
			if groups[k] == nil {
				groups[k] = &asymGroup{src: s}
				order = append(order, k)
			}
			groups[k].hits = append(groups[k].hits, c)
		}
	}
	out := make([]Finding, 0, len(order))
	for _, k := range order {
		out = append(out, asymmetryFinding(groups[k]))
	}
	return out
}

// asymKey groups confirmed pairs: one finding per source subnet, destination subnet and device,
// so a dozen endpoints behind one misrouted firewall make one finding, not a dozen.
type asymKey struct {
	src, dst *model.Subnet
	device   string
}

type asymGroup struct {
	src  rep
	hits []asymHit
}

// asymHit is one confirmed pair: the destination, the port traced and the trace's finding.
type asymHit struct {
	dst    rep
	port   uint16
	device string
	tf     trace.Finding
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

// chainWalker follows routes through appliances without allocating.
type chainWalker struct {
	p        *dataplane.Plane
	fwd, rev [maxChain]any
}

// asymmetric reports whether s→d and its reply cross different stateful devices by routes alone.
func (w *chainWalker) asymmetric(s, d rep) bool {
	nf := w.chain(s.subnet, d.addr, &w.fwd)
	nr := 0
	if d.pe == nil {
		nr = w.chain(d.subnet, s.addr, &w.rev)
	} else if nf == 0 {
		return false // direct to an endpoint and direct back
	}
	return !sameSet(w.fwd[:nf], w.rev[:nr])
}

// chain fills devs with the appliances and firewalls a packet from subnet s to dst crosses,
// following VirtualAppliance next hops (spec §1.4, §1.6), and returns how many.
func (w *chainWalker) chain(s *model.Subnet, dst netip.Addr, devs *[maxChain]any) int {
	n := 0
	for n < maxChain {
		r, ok := w.p.FIB.Subnet(s).Lookup(dst)
		if !ok || r.NextHop != model.HopVirtualAppliance {
			return n
		}
		dev, next := w.applianceAt(s, r.NextHopIP)
		if dev == nil || contains(devs[:n], dev) {
			return n
		}
		devs[n] = dev
		n++
		if s = next; s == nil {
			return n
		}
	}
	return n
}

// applianceAt resolves a next hop seen from s (same or directly peered VNet) to its device and
// the subnet the device forwards from.
func (w *chainWalker) applianceAt(s *model.Subnet, ip netip.Addr) (any, *model.Subnet) {
	o, ok := w.p.Net.OwnerIn(s.VNet, ip)
	for i := 0; !ok && i < len(s.VNet.Peerings); i++ {
		if pr := s.VNet.Peerings[i]; pr.Remote != nil && pr.Active() {
			o, ok = w.p.Net.OwnerIn(pr.Remote, ip)
		}
	}
	if !ok {
		return nil, nil
	}
	switch o.Kind {
	case model.OwnerNIC:
		return o.IPConfig.NIC, o.IPConfig.Subnet
	case model.OwnerFirewall:
		return o.Firewall, o.Firewall.Subnet
	case model.OwnerLBFrontend:
		return o.Frontend.LB, o.Frontend.Subnet
	}
	return nil, nil
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
				h := asymHit{dst: d, port: port, tf: f}
				if len(f.Resources) > 0 {
					h.device = model.ID(f.Resources[0]).Name()
				}
				return h, true
			}
		}
		return asymHit{}, false
	}
	return asymHit{}, false
}

func asymmetryFinding(g *asymGroup) Finding {
	sort.Slice(g.hits, func(i, j int) bool { return g.hits[i].dst.name() < g.hits[j].dst.name() })
	s, first := g.src, g.hits[0]
	d := first.dst
	res := []model.ID{s.subnet.ID}
	names := make([]string, len(g.hits))
	for i, h := range g.hits {
		names[i] = h.dst.name()
		if h.dst.pe != nil {
			res = append(res, h.dst.pe.ID)
		}
	}
	res = append(res, d.subnet.ID)
	for _, id := range first.tf.Resources {
		res = append(res, model.ID(id))
	}
	what := d.name()
	if len(g.hits) > 1 {
		what = fmt.Sprintf("%s and %d more in %s", d.name(), len(g.hits)-1, subnetLabel(d.subnet))
	}
	fix := "Add the return route: a UDR on the destination subnet sending the source range to the same firewall " +
		"or appliance, or SNAT the flow at the device."
	if d.pe != nil {
		fix = "SNAT traffic to private endpoints at the firewall: use an application rule (always SNATs) or set the " +
			"SNAT private ranges to always SNAT; for a third-party appliance tag its NIC disableSnatOnPL=true."
	}
	return Finding{Code: "AsymmetricReturn", Severity: Error,
		Title: fmt.Sprintf("%s → %s: the reply bypasses %s", subnetLabel(s.subnet), what, first.device),
		Message: fmt.Sprintf("Traffic from %s (traced from %s) to %s (%s, TCP %d) crosses %s, but %s.",
			subnetLabel(s.subnet), s.nic.VMName, d.name(), d.addr, first.port, first.device, first.tf.Message),
		Resources: ids(res...),
		Evidence: map[string]any{"source": subnetLabel(s.subnet), "destination": d.name(), "statefulDevice": first.device,
			"sourceVm": s.nic.VMName, "destinationAddress": d.addr.String(), "port": first.port,
			"destinations": names, "count": len(names)},
		Fix: fix,
	}
}
