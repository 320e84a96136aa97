package check

import (
	"context"
	"fmt"
	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"net/netip"
	"runtime"
	"sort"
	"sync"

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
	hits := searchPairs(pass.Context, p, srcs, dsts, pass.Options.Assume)
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
		g := groups[k]
		sortBySource(g)
		// The finding quotes the first source's own trace, not its class representative's.
		if h, ok := confirmAsymmetry(p, g[0].src, g[0].dst, pass.Options.Assume); ok {
			g[0] = h
		}
		out = append(out, asymmetryFinding(g))
	}
	return out
}

// searchPairs finds the candidates (stage 1) and confirms them (stage 2): one trace per class of
// sources (asymclass.go) of each class of destinations (asymdest.go). Destination classes are
// split among GOMAXPROCS workers (the data plane is safe for concurrent use); hits come back in
// source then destination order, whatever the scheduling. A cancelled ctx stops the
// confirmations, and a worker's panic is raised again in the caller so that RunOne reports it
// as CheckFailed.
func searchPairs(ctx context.Context, p *dataplane.Plane, srcs, dsts []rep, as assume.Set) []asymHit {
	cands, cs := candidatePairs(p, srcs, dsts, as)
	byDst := make([][]int, len(dsts)) // destination → candidate indexes
	var order []int                   // destinations with candidates
	for i, c := range cands {
		if byDst[c.d] == nil {
			order = append(order, c.d)
		}
		byDst[c.d] = append(byDst[c.d], i)
	}
	class := destClasses(p, srcs, dsts, order, cs)
	var classes [][]int // class → its destinations
	for _, di := range order {
		if c := class[di]; c < len(classes) {
			classes[c] = append(classes[c], di)
		} else {
			classes = append(classes, []int{di})
		}
	}
	workers := min(runtime.GOMAXPROCS(0), max(len(classes), 1))
	found := make([]*asymHit, len(cands))
	panics := make([]any, workers)
	var wg sync.WaitGroup
	for wk := 0; wk < workers; wk++ {
		wg.Add(1)
		go func(wk int) {
			defer wg.Done()
			defer func() { panics[wk] = recover() }() // re-raised below, where RunOne recovers it
			cf := confirmer{k: newSourceClass(p, as, cs), srcs: srcs, dsts: dsts, cands: cands, byDst: byDst, found: found}
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
		return nil // cancelled: Run reports ctx.Err()
	}
	var out []asymHit
	for _, h := range found {
		if h != nil {
			out = append(out, *h)
		}
	}
	return out
}

// confirmer confirms the candidates of destination classes; one per worker.
type confirmer struct {
	k          *sourceClass
	srcs, dsts []rep
	cands      []pairIdx
	byDst      [][]int
	found      []*asymHit
}

// class confirms the candidates of the destinations of one class: per source, the first
// destination's outcome stands for all (asymdest.go); per class of sources, one trace.
func (cf *confirmer) class(members []int) {
	type outcome struct {
		hit asymHit
		ok  bool
	}
	bySource := map[int]outcome{}
	byKey := map[string]outcome{}
	for _, di := range members {
		d := cf.dsts[di]
		ports := confirmPorts(d)
		for _, i := range cf.byDst[di] {
			si := cf.cands[i].s
			o, done := bySource[si]
			if !done {
				key, ok := cf.k.key(cf.srcs[si], d, cf.cands[i], ports)
				seen := false
				if ok {
					o, seen = byKey[string(key)]
				}
				if !seen {
					o.hit, o.ok = confirmAsymmetry(cf.k.p, cf.srcs[si], d, cf.k.as)
					if ok {
						byKey[string(key)] = o
					}
				}
				bySource[si] = o
			}
			if o.ok {
				h := o.hit
				h.src, h.dst = cf.srcs[si], d
				cf.found[i] = &h
			}
		}
	}
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

func sortBySource(hits []asymHit) {
	sort.SliceStable(hits, func(i, j int) bool { return subnetLabel(hits[i].src.subnet) < subnetLabel(hits[j].src.subnet) })
}

// asymmetryFinding reports one group of confirmed pairs, sorted by sortBySource.
func asymmetryFinding(hits []asymHit) Finding {
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
