// Package reach answers who can reach an endpoint, or what an endpoint can reach, over every
// address, protocol and destination port: the header space is cut into classes that every route,
// rule and translation treats alike, and one packet per class, walked by trace, proves the class.
package reach

import (
	"context"
	"errors"
	"net/netip"
	"runtime"
	"slices"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/forward"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Endpoint is one address on the fixed side of a query.
type Endpoint struct {
	Ref string // as trace takes it: a name, an ID, an address, internet:<ip>
	// Trace, when set, names the same endpoint in a form trace resolves faster (a resource ID);
	// examples keep Ref.
	Trace string
	Addr  netip.Addr // the address the flow uses there (its rules are consulted); may be zero
	Label string     // how rows name it
}

// Query asks who reaches To (every source address) or what From reaches (every destination
// address). Exactly one of To and From is set; each endpoint is its own question.
type Query struct {
	To, From  []Endpoint
	Protocols []model.Protocol  // default TCP and UDP
	Ports     []model.PortRange // destination ports; default all
	// Space is the varying side's addresses; default all of IPv4 (tests narrow it).
	Space  []netip.Prefix
	Assume assume.Set
	// Via, when set, records in each class the resources its forward leg crosses (verify's
	// through:<resource>).
	Via bool
}

// Class is one equivalence class and its fate: every packet from (or to) an address in Addrs,
// with Protocol and a destination port in Ports, gets Verdict, as Example shows.
type Class struct {
	Fixed    int    // index of the fixed endpoint in Query.To or Query.From
	Label    string // the varying side: a subnet ID, Internet, OnPremises, or a resource ID
	Addrs    Span
	Protocol model.Protocol
	Ports    model.PortRange
	Verdict  trace.Verdict
	Deciding *trace.Deciding // the forward leg's deciding step
	Example  trace.Query
	Via      []string // with Query.Via: the resource IDs of the forward leg's hops, in order
}

// Result is every class of a query, sorted by fixed endpoint, address, protocol and port.
type Result struct {
	Classes []Class
	Traces  int // packets walked
	// Shared counts the (source, protocol, port class) cells proved by the trace of another
	// source with the same key (share.go) instead of their own.
	Shared int
	// Skipped lists addresses the engine could not express as a trace endpoint; the answer is
	// complete when it is empty.
	Skipped []string
}

// Complete reports whether every class was evaluated.
func (r *Result) Complete() bool { return len(r.Skipped) == 0 }

// Run evaluates q on m: every class of the varying side, for every fixed endpoint.
func Run(ctx context.Context, m *Model, q Query) (*Result, error) {
	pr, err := prepare(ctx, m, q)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	for i := range pr.e.fixed {
		r, err := pr.run(ctx, i)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			res = r // the first endpoint's classes as they are: a copy of an estate's costs a tenth of the run
			continue
		}
		res.Classes, res.Skipped, res.Traces, res.Shared = append(res.Classes, r.Classes...), append(res.Skipped, r.Skipped...), res.Traces+r.Traces, res.Shared+r.Shared
	}
	slices.Sort(res.Skipped)
	return res, nil
}

// RunMany answers q for each fixed endpoint on its own, sharing the work that does not depend
// on it: emit receives, endpoint by endpoint in order, the Result Run would return for a query
// with only q.To[i] (or q.From[i]), Fixed 0 in its classes. Asking about many endpoints
// (all-pairs questions) this way holds one endpoint's classes at a time: the Result is emit's
// until it returns, and its classes are then written over by the next endpoint's (allocating
// them anew for each endpoint cost a third of an all-pairs run, in the collector). An error
// from emit stops the run and is returned.
func RunMany(ctx context.Context, m *Model, q Query, emit func(i int, r *Result) error) error {
	pr, err := prepare(ctx, m, q)
	if err != nil {
		return err
	}
	pr.e.one = true
	for i := range pr.e.fixed {
		r, err := pr.run(ctx, i)
		if err != nil {
			return err
		}
		slices.Sort(r.Skipped)
		if err := emit(i, r); err != nil {
			return err
		}
		pr.spare = r.Classes
	}
	return nil
}

// run evaluates every job against fixed endpoint i, on every CPU. Each job's classes (one per
// varying reference, protocol and port class) are written by its worker straight to their place
// in the answer, once per span, and sorted there: the classes come sorted as compareClasses
// orders them.
func (pr *prepared) run(ctx context.Context, i int) (*Result, error) {
	res := &Result{}
	at, total := pr.layout(i)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Every class up to total is written below (closeGaps clears what is left after those
	// made), so a spare buffer needs no clearing.
	if res.Classes = pr.spare[:0]; cap(res.Classes) >= total {
		res.Classes = res.Classes[:total]
	} else {
		res.Classes = make([]Class, total)
	}
	pr.spare = nil
	made := make([]int, len(pr.jobs)) // how many classes each job made (at most its room)
	var mu sync.Mutex
	var wg sync.WaitGroup
	workers := max(1, runtime.GOMAXPROCS(0))
	// Jobs go out in batches (one send per job would cost more than many a job), few at a time:
	// a cancelled run stops within a batch.
	next := make(chan [2]int, workers)
	sharers := make([]*sharer, workers)
	for len(pr.workers) < workers {
		pr.workers = append(pr.workers, &worker{ids: newIDCache(), memo: forward.NewMemo(pr.e.m.p), terms: map[terminal]outcome{},
			tracer: trace.NewTracer(pr.e.m.p)})
	}
	for w := range workers {
		wg.Go(func() {
			var skipped []string
			traces, keyed := 0, 0
			sh := newSharer(pr.e.m, &pr.e.q, pr.e.fixed[i], pr.e.toFixed, pr.term, pr.ids, pr.workers[w])
			sharers[w] = sh
			for batch := range next {
				if ctx.Err() != nil {
					continue // the dispatcher stops too
				}
				for k := batch[0]; k < batch[1]; k++ {
					if j := &pr.jobs[k]; j.live == 0 && len(j.skipped) == 0 {
						continue // nothing left to ask
					}
					spans := pr.spansOf[k]
					first := spans[0]
					cs, sk, n, kn := pr.e.class(i, &pr.jobs[k], sh, res.Classes[at[first]:at[first]:at[first+1]])
					if len(cs) > at[first+1]-at[first] {
						panic("reach: a job made more classes than layout made room for")
					}
					slices.SortFunc(cs, compareClasses)
					for _, o := range spans {
						place := res.Classes[at[o] : at[o]+len(cs)] // cs fits its room (layout)
						if o != first {
							copy(place, cs)
						}
						for c := range place {
							place[c].Addrs = pr.order[o].span
						}
					}
					made[k], skipped, traces, keyed = len(cs), append(skipped, sk...), traces+n, keyed+kn
				}
			}
			mu.Lock()
			res.Skipped, res.Traces, res.Shared = append(res.Skipped, skipped...), res.Traces+traces, res.Shared+keyed
			mu.Unlock()
		})
	}
	var err error
	for k := 0; k < len(pr.jobs); k += jobBatch {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- [2]int{k, min(k+jobBatch, len(pr.jobs))}
	}
	close(next)
	wg.Wait()
	if err == nil {
		err = ctx.Err() // cancelled after the last batch went out: workers skipped what was left
	}
	if err != nil {
		return nil, err
	}
	// Workers may each trace a key the first time they meet it; the figures count each key's
	// trace once, so that they do not depend on how the jobs fell to the workers.
	keys := tracedKeys(sharers)
	res.Traces, res.Shared = res.Traces+keys, res.Shared-keys
	res.Classes = pr.closeGaps(res.Classes, at, made)
	return res, nil
}

// jobBatch is how many jobs a worker takes at a time.
const jobBatch = 32

// layout is where each span's classes start in the answer for fixed endpoint i (at[k] for
// pr.order[k]; at[len(pr.order)] is the end): every job has room for one class per live
// reference, protocol and port class (portsOf), the most it makes.
func (pr *prepared) layout(i int) (at []int, total int) {
	e := pr.e
	room := make([]int, len(pr.jobs))
	for k := range pr.jobs {
		j := &pr.jobs[k]
		if k%64 == 0 && e.ctx.Err() != nil {
			break // run gives up on a cancelled context before using the layout
		}
		if j.live == 0 {
			continue
		}
		portCls := j.portClasses(e, e.fixedPorts[i])
		for _, p := range e.q.Protocols {
			room[k] += j.live * len(portsOf(p, portCls))
		}
	}
	at = make([]int, len(pr.order)+1)
	for k, o := range pr.order {
		at[k] = total
		total += room[o.job]
	}
	at[len(pr.order)] = total
	return at, total
}

// closeGaps moves the classes together where a job made fewer than its room (a reference that
// trace rejected on the way).
func (pr *prepared) closeGaps(cs []Class, at, made []int) []Class {
	n := 0
	for k, o := range pr.order {
		m := made[o.job]
		if at[k] != n {
			copy(cs[n:], cs[at[k]:at[k]+m])
		}
		n += m
	}
	clear(cs[n:])
	return cs[:n]
}

func compareClasses(a, b Class) int {
	switch {
	case a.Fixed != b.Fixed:
		return a.Fixed - b.Fixed
	case a.Addrs.Lo != b.Addrs.Lo:
		return cmpU32(a.Addrs.Lo, b.Addrs.Lo)
	case a.Label != b.Label:
		if a.Label < b.Label {
			return -1
		}
		return 1
	case a.Protocol != b.Protocol:
		return int(a.Protocol) - int(b.Protocol)
	}
	return int(a.Ports.Lo) - int(b.Ports.Lo)
}

func cmpU32(a, b uint32) int {
	if a < b {
		return -1
	}
	return 1
}

type evaluator struct {
	ctx        context.Context // the run's: class stops between traces once it ends
	m          *Model
	q          Query
	fixed      []Endpoint
	fixedPorts [][]uint64
	toFixed    bool // the fixed side is the destination
	one        bool // each fixed endpoint is answered on its own (RunMany): classes say Fixed 0
}

// varying is one trace endpoint for an address class.
type varying struct {
	ref, label string
}

// class evaluates one address class against fixed endpoint fixed: every protocol and port class,
// one Class each with Addrs unset (the job's spans share it). A pair whose key sh has seen
// takes the verdict and deciding step that key's trace proved (share.go). traces counts the
// pairs traced without a key, keyedCells the classes with one (sh records the keys it traced).
func (e *evaluator) class(fixed int, j *job, sh *sharer, out []Class) (_ []Class, skipped []string, traces, keyedCells int) {
	skipped = slices.Clone(j.skipped)
	if j.live == 0 {
		return nil, skipped, 0, 0
	}
	portCls := j.portClasses(e, e.fixedPorts[fixed])
	f := e.fixed[fixed]
	fixedRef := f.Ref
	if f.Trace != "" {
		fixedRef = f.Trace
	}
endpoints:
	for k, v := range j.vs {
		if j.dead[k] {
			continue
		}
		nic := sh.varying(j)
		var fws []*model.Firewall
		base, keyed := 0, false
		if nic != nil {
			if j.eff == nil {
				j.eff = e.m.p.ACL.ForIPConfig(nic)
			}
			sh.pair(nic, j.eff)
			fws, keyed = sh.routes(nic)
			base = len(sh.buf)
			sh.pickRuleMemos(j)
			sh.pickFirewallMemos(fws)
		}
		peTerm, fromPE := sh.endpointSource(j)
		for _, proto := range e.q.Protocols {
			for _, pc := range portsOf(proto, portCls) {
				if e.ctx.Err() != nil {
					return out, skipped, traces, keyedCells // the run reports ctx's error and drops these
				}
				q := trace.Query{From: v.ref, To: fixedRef, Protocol: proto, DestinationPort: repPort(pc), Assume: e.q.Assume}
				if !e.toFixed {
					q.From, q.To = fixedRef, v.ref
				}
				if proto == model.ProtoTCP || proto == model.ProtoUDP {
					q.SourcePort = trace.DefaultSourcePort
				}
				c := Class{Fixed: fixed, Label: v.label, Protocol: proto, Ports: model.PortRange{Lo: uint16(pc[0]), Hi: uint16(pc[1])}, Example: q}
				if e.one {
					c.Fixed = 0
				}
				if e.toFixed {
					c.Example.To = f.Ref
				} else {
					c.Example.From = f.Ref
				}
				key := (keyed || fromPE) && q.SourcePort != 0
				term, isTerm := peTerm, fromPE
				if key && !fromPE {
					if term, isTerm = sh.terminal(proto, q.DestinationPort); !isTerm {
						sh.buf = sh.buf[:base]
						key = sh.rules(fws, proto, q.DestinationPort)
					}
				}
				if o, seen := sh.lookup(key, isTerm, term); seen {
					c.Verdict, c.Deciding = o.verdict, o.deciding
					out, keyedCells = append(out, c), keyedCells+1
					continue
				}
				a, err := sh.tracer.Run(q)
				if key && err == nil {
					keyedCells++ // its trace is counted once per key (tracedKeys)
				} else {
					traces++
				}
				if err != nil {
					var nf *model.NotFoundError
					if !errors.As(err, &nf) {
						skipped = append(skipped, j.rep.String()+": "+err.Error())
					} else {
						j.dead[k], j.live = true, j.live-1
					}
					continue endpoints // not an endpoint trace can start (or end) at
				}
				if key {
					sh.store(isTerm, term, outcome{a.Verdict, a.Forward.Deciding})
				}
				if e.q.Via {
					for _, h := range a.Forward.Hops {
						c.Via = append(c.Via, h.ResourceID)
					}
				}
				c.Verdict, c.Deciding = a.Verdict, a.Forward.Deciding
				out = append(out, c)
			}
		}
	}
	return out, skipped, traces, keyedCells
}

// portsOf is the port classes proto is asked on: the query's for TCP and UDP; a protocol without
// ports has one class, 0. (layout makes room by it.)
func portsOf(proto model.Protocol, portCls [][2]uint64) [][2]uint64 {
	if proto == model.ProtoTCP || proto == model.ProtoUDP {
		return portCls
	}
	return noPorts
}

var noPorts = [][2]uint64{{0, 0}}

// repPort is the port a class is traced with: a well-known one when the class holds it, else
// its first port (port 0 only when alone): every port of the class behaves alike.
func repPort(pc [2]uint64) uint16 {
	for _, p := range []uint64{443, 80, 22, 3389, 53, 1433} {
		if pc[0] <= p && p <= pc[1] {
			return uint16(p)
		}
	}
	if pc[0] == 0 && pc[1] > 0 {
		return 1
	}
	return uint16(pc[0])
}

// cutsPorts reports whether the query asks about a range of ports (which boundaries cut).
func (e *evaluator) cutsPorts() bool {
	return slices.ContainsFunc(e.q.Ports, func(r model.PortRange) bool { return r.Lo < r.Hi })
}

// portClasses cuts the query's ports by the starts of two sorted lists (a job's boundaries and
// the fixed endpoint's): classesWithin over the union of the starts inside each range.
func (e *evaluator) portClasses(a, b []uint64) [][2]uint64 {
	var out [][2]uint64
	for _, r := range e.q.Ports {
		lo, hi := uint64(r.Lo), uint64(r.Hi)
		if lo == hi { // one port: nothing to cut
			out = append(out, [2]uint64{lo, hi})
			continue
		}
		out = append(out, classesWithin(mergeStarts(startsIn(a, lo, hi), startsIn(b, lo, hi)), lo, hi)...)
	}
	return out
}

// portClasses is e.portClasses of j's boundaries and fixed's, kept for the next fixed endpoint
// with the same boundaries (most of them: j is asked about every one).
func (j *job) portClasses(e *evaluator, fixed []uint64) [][2]uint64 {
	if j.portCls == nil || !slices.Equal(j.portFixed, fixed) {
		if !j.portsKnown && e.cutsPorts() {
			j.ports, j.portsKnown = mergeStarts(e.m.shared, e.m.endpointPorts(j.rep)), true
		}
		j.portFixed, j.portCls = fixed, e.portClasses(j.ports, fixed)
	}
	return j.portCls
}

// startsIn are the starts s of a sorted list with lo < s <= hi: the cuts inside [lo, hi].
func startsIn(starts []uint64, lo, hi uint64) []uint64 {
	i, _ := slices.BinarySearch(starts, lo+1)
	j, _ := slices.BinarySearch(starts, hi+1)
	return starts[i:j]
}

// endpointsAt is how trace names the varying side at address a. A destination is the address
// itself (the walk decides who answers). A source owned by several resources (overlapping VNets)
// is each owner by ID.
func (e *evaluator) endpointsAt(a netip.Addr) ([]varying, []string) {
	owners := e.m.p.Net.Owners(a)
	if !e.toFixed {
		return []varying{{a.String(), e.m.Label(a)}}, nil
	}
	if !e.m.originates(a, owners) {
		return nil, nil
	}
	if len(owners) <= 1 {
		return []varying{{a.String(), e.m.Label(a)}}, nil
	}
	var out []varying
	var skipped []string
	for _, o := range owners {
		switch o.Kind {
		case model.OwnerNIC:
			if o.IPConfig.NIC.Primary() != o.IPConfig {
				skipped = append(skipped, a.String()+": a secondary ip configuration of "+string(o.IPConfig.NIC.ID)+" in an overlapping range")
				continue
			}
		case model.OwnerPublicIP, model.OwnerLBFrontend, model.OwnerGateway:
			continue // not a source
		}
		out = append(out, varying{string(o.ResourceID()), ownerLabel(o)})
	}
	return out, skipped
}

// Originates reports whether trace starts a flow from address a (owned or not).
func (m *Model) Originates(a netip.Addr) bool { return m.originates(a, m.p.Net.Owners(a)) }

// originates reports whether what holds address a can start a flow: load balancer frontends
// and virtual network gateways (and their public IPs) only pass traffic on.
func (m *Model) originates(a netip.Addr, owners []model.Owner) bool {
	if len(owners) == 1 && (owners[0].Kind == model.OwnerLBFrontend || owners[0].Kind == model.OwnerGateway) {
		return false
	}
	if len(owners) == 0 {
		if _, ok := m.p.Index.FrontendByPublicIP[a]; ok {
			return false
		}
		if _, ok := m.p.Index.GatewayByPublicIP[a]; ok {
			return false
		}
	}
	return true
}

// Label names the place of address a: the subnet holding it (or what owns it), OnPremises,
// AzurePlatform, Internet, or Unrouted for a private address outside every VNet and on-premises range.
func (m *Model) Label(a netip.Addr) string {
	n, x := m.p.Net, m.p.Index
	if os := n.Owners(a); len(os) > 0 && os[0].Kind != model.OwnerPublicIP {
		return ownerLabel(os[0])
	}
	if pip, ok := n.PublicIPByAddr(a); ok {
		switch {
		case x.IPConfigByPublicIP[pip.Address] != nil:
			return subnetLabel(x.IPConfigByPublicIP[pip.Address].Subnet, pip.ID)
		case x.FirewallByPublicIP[pip.Address] != nil:
			fw := x.FirewallByPublicIP[pip.Address]
			return subnetLabel(fw.Subnet, fw.ID)
		}
		return string(pip.ID)
	}
	if ss := m.subnets[m.classStart(u32(a.Unmap()))]; len(ss) > 0 {
		return string(ss[0].ID)
	}
	if _, ok := x.OnPremFor(a); ok {
		return OnPremises
	}
	if a == model.AzurePlatformIP {
		return Platform // public, but never the internet's: the platform answers it (spec §2.6)
	}
	if isPublic(a) {
		return Internet
	}
	return Unrouted
}

// Labels of places that are not subnets.
const (
	Internet   = "Internet"
	OnPremises = "OnPremises"
	Unrouted   = "Unrouted"
	Platform   = "AzurePlatform" // 168.63.129.16
)

func ownerLabel(o model.Owner) string {
	return subnetLabel(o.Subnet(), o.ResourceID())
}

func subnetLabel(s *model.Subnet, fallback model.ID) string {
	if s != nil {
		return string(s.ID)
	}
	return string(fallback)
}

// isPublic is trace's notion of an internet address.
func isPublic(a netip.Addr) bool {
	if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	return !netip.MustParsePrefix("100.64.0.0/10").Contains(a) && !netip.MustParsePrefix("198.18.0.0/15").Contains(a)
}
