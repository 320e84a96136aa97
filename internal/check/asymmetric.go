package check

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/assume"
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
// that reports AsymmetricReturn becomes a finding. Stage 1 (asympairs.go) compares routes per
// group of subnets, not per pair; traces run only for candidates.
func runAsymmetricReturn(pass *Pass) []Finding {
	p := pass.Plane
	srcs := subnetReps(p.Net)
	dsts := append(append([]rep(nil), srcs...), endpointReps(p.Net)...)
	sr := searchPairs(pass.Context, p, srcs, dsts, pass.Options.Assume)
	labels, rank := labelOrder(srcs)
	var out []Finding
	for _, g := range sr.groups() {
		slices.SortFunc(g, func(a, b int32) int { return cmp.Compare(rank[sr.cands[a].s], rank[sr.cands[b].s]) })
		c := sr.cands[g[0]]
		first := *sr.found[g[0]]
		first.src, first.dst = srcs[c.s], dsts[c.d]
		// The finding quotes the first source's own trace, not its class representative's.
		if h, ok := confirmAsymmetry(p, first.src, first.dst, pass.Options.Assume); ok {
			first = h
		}
		n := min(len(g), maxEvidenceList)
		sources, names := make([]*model.Subnet, n), make([]string, n)
		for i, ci := range g[:n] {
			sources[i], names[i] = srcs[sr.cands[ci].s].subnet, labels[sr.cands[ci].s]
		}
		out = append(out, asymmetryFinding(first, sources, names, len(g)))
	}
	return out
}

// labelOrder returns the sources' labels and each source's rank in label order.
func labelOrder(srcs []rep) ([]string, []int32) {
	labels := make([]string, len(srcs))
	order := make([]int32, len(srcs))
	for i, s := range srcs {
		labels[i], order[i] = subnetLabel(s.subnet), int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return strings.Compare(labels[a], labels[b]) })
	rank := make([]int32, len(srcs))
	for r, i := range order {
		rank[i] = int32(r)
	}
	return labels, rank
}

// searchResult is the candidates (in source then destination order), the hit confirming each
// (nil: not asymmetric; pairs of one class share their hit), and per destination its
// candidates' indexes with the destinations that have any.
type searchResult struct {
	cands []pairIdx
	found []*asymHit
	byDst [][]int32
	order []int
}

// groups returns the confirmed candidates' indexes per destination and device, in order of
// their first candidate: the fix lives at the destination or the device, and a destination
// reached asymmetrically from a thousand subnets is one finding, not a thousand.
func (sr *searchResult) groups() [][]int32 {
	var out [][]int32
	for _, di := range sr.order {
		var local [][]int32 // this destination's groups: one per device, rarely more
		for _, i := range sr.byDst[di] {
			h := sr.found[i]
			if h == nil {
				continue
			}
			k := slices.IndexFunc(local, func(g []int32) bool {
				o := sr.found[g[0]]
				return o.device == h.device && o.replyOnly == h.replyOnly
			})
			if k < 0 {
				local = append(local, nil)
				k = len(local) - 1
			}
			local[k] = append(local[k], i)
		}
		out = append(out, local...)
	}
	slices.SortFunc(out, func(a, b []int32) int { return cmp.Compare(a[0], b[0]) })
	return out
}

// pairs lists the confirmed pairs as (source, destination) indexes.
func (sr *searchResult) pairs() [][2]int {
	var out [][2]int
	for i, h := range sr.found {
		if h != nil {
			out = append(out, [2]int{int(sr.cands[i].s), int(sr.cands[i].d)})
		}
	}
	return out
}

// searchPairs finds the candidates (stage 1) and confirms them (stage 2): one trace per class of
// pairs (asymclass.go) of each class of destinations (asymdest.go). Destination classes are
// split among GOMAXPROCS workers (the data plane is safe for concurrent use). A cancelled ctx
// stops the confirmations (the result is then empty), and a worker's panic is raised again in
// the caller so that RunOne reports it as CheckFailed.
func searchPairs(ctx context.Context, p *dataplane.Plane, srcs, dsts []rep, as assume.Set) *searchResult {
	cands, cs := candidatePairs(p, srcs, dsts, as)
	byDst, order := candidatesByDestination(cands, len(dsts))
	class := destClasses(p, dsts, order)
	var classes [][]int // class → its destinations
	for _, di := range order {
		if c := class[di]; c < len(classes) {
			classes[c] = append(classes[c], di)
		} else {
			classes = append(classes, []int{di})
		}
	}
	ss := newSourceSide(p, as, cs, srcs, dsts, cands)
	workers := min(runtime.GOMAXPROCS(0), max(len(classes), 1))
	found := make([]*asymHit, len(cands))
	panics := make([]any, workers)
	var wg sync.WaitGroup
	for wk := 0; wk < workers; wk++ {
		wg.Add(1)
		go func(wk int) {
			defer wg.Done()
			defer func() { panics[wk] = recover() }() // re-raised below, where RunOne recovers it
			cf := newConfirmer(p, as, cs, ss, srcs, dsts, cands, byDst, found)
			for j := wk; j < len(classes) && ctx.Err() == nil; j += workers {
				cf.class(classes[j])
			}
		}(wk)
	}
	wg.Wait()
	for _, r := range panics {
		if r != nil {
			panic(r)
		}
	}
	if ctx.Err() != nil {
		return &searchResult{} // cancelled: Run reports ctx.Err()
	}
	return &searchResult{cands: cands, found: found, byDst: byDst, order: order}
}

// candidatesByDestination lists, per destination index, its candidates' indexes (in one backing
// array: there are as many candidates as pairs), and the destinations that have any, in order
// of first appearance.
func candidatesByDestination(cands []pairIdx, nDst int) ([][]int32, []int) {
	count := make([]int32, nDst)
	var order []int
	for _, c := range cands {
		if count[c.d] == 0 {
			order = append(order, int(c.d))
		}
		count[c.d]++
	}
	all := make([]int32, len(cands))
	byDst := make([][]int32, nDst)
	next := 0
	for _, di := range order {
		byDst[di] = all[next : next : next+int(count[di])]
		next += int(count[di])
	}
	for i, c := range cands {
		byDst[c.d] = append(byDst[c.d], int32(i))
	}
	return byDst, order
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

// rules is the rep's effective security rules: its NIC's, or the private endpoint's.
func (r rep) rules(p *dataplane.Plane) *acl.Effective {
	if r.pe != nil {
		return p.ACL.ForPrivateEndpoint(r.pe)
	}
	return p.ACL.ForIPConfig(r.nic.Primary())
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

// probePorts are tried in order until the forward flow is allowed (a denied flow has no reply).
var probePorts = []uint16{443, 22, 3389, 80}

// confirmPorts are the ports a confirmation tries for destination d.
func confirmPorts(d rep) []uint16 {
	if d.pe != nil {
		return []uint16{endpointPort(d.pe)}
	}
	return probePorts
}

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
func confirmAsymmetry(p *dataplane.Plane, s, d rep, as assume.Set) (asymHit, bool) {
	to := d.addr.String()
	if d.pe != nil {
		to = string(d.pe.ID)
	}
	for _, port := range confirmPorts(d) {
		a, err := trace.RunBrief(p, trace.Query{From: string(s.nic.ID), To: to, Protocol: model.ProtoTCP, DestinationPort: port,
			Assume: as})
		if err != nil || a.Return == nil {
			continue // not delivered on this port: nothing comes back to compare
		}
		for _, f := range a.Findings {
			if f.Code == trace.CodeAsymmetricReturn {
				h := asymHit{src: s, dst: d, port: port, tf: f}
				if f.Device != "" {
					h.device = f.Device.Name()
					h.replyOnly = !crosses(a.Forward, f.Device)
				}
				return h, true
			}
		}
		return asymHit{}, false
	}
	return asymHit{}, false
}

// asymmetryFinding reports one group of confirmed pairs: first is the trace of the first
// source (sources are sorted by label); sources and labels are the first few of count.
func asymmetryFinding(first asymHit, sources []*model.Subnet, labels []string, count int) Finding {
	s, d := first.src, first.dst
	res := []model.ID{}
	if d.pe != nil {
		res = append(res, d.pe.ID)
	}
	res = append(res, d.subnet.ID)
	for _, id := range first.tf.Resources {
		res = append(res, model.ID(id))
	}
	for _, src := range sources {
		res = append(res, src.ID)
	}
	from := labels[0]
	if count > 1 {
		from = fmt.Sprintf("%s and %d more subnets", labels[0], count-1)
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
		Evidence: map[string]any{"source": labels[0], "destination": d.name(), "statefulDevice": first.device,
			"sourceVm": s.nic.VMName, "destinationAddress": d.addr.String(), "port": first.port,
			"sources": capList(labels), "count": count},
		Fix: fix,
	}
}

// crosses reports whether a leg has a hop on the resource id.
func crosses(l *trace.Leg, id model.ID) bool {
	if l == nil {
		return false
	}
	for _, h := range l.Hops {
		if model.ID(h.ResourceID).Equal(id) {
			return true
		}
	}
	return false
}
