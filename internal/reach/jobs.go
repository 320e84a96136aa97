package reach

import (
	"context"
	"errors"
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/forward"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// The varying side of a query, cut into jobs once and shared by every fixed endpoint.

// job is one varying address class: an owned address, or the addresses of a class nothing owns
// (spans, first to last). Everything about it that does not depend on the fixed endpoint is
// worked out once (prepare) and shared by every fixed endpoint.
type job struct {
	spans   []Span
	rep     netip.Addr // the address traced
	vs      []varying  // how trace names the varying side at rep
	skipped []string
	// ports are the port boundaries at rep and of the devices any flow may cross, worked out
	// when a port range is first cut (portClasses): a query of single ports never needs them,
	// and they compile the rules of every NIC asked about.
	ports      []uint64
	portsKnown bool
	// dead marks the varying references trace rejects (model.NotFoundError), found by
	// trace.Resolves (job) or by a trace: trace resolves the varying side on its own, so what
	// it rejects for one fixed endpoint it rejects for all.
	dead []bool
	live int // the references not dead
	// nic and pe are what owns rep when it alone is the varying reference and pairs with it may
	// share traces (share.go).
	nic *model.IPConfig
	pe  *model.PrivateEndpoint
	// decided remembers nic's decisions in its direction (outbound as the source, inbound as
	// the destination) with every fixed endpoint, by the fixed endpoint's place among cuts
	// (rulememo.go).
	eff     *acl.Effective // nic's rules, once a fixed endpoint shares with it
	decided decisions
	cuts    *effCuts
	// portFixed and portCls are the port classes last cut for a fixed endpoint's boundaries.
	portFixed []uint64
	portCls   [][2]uint64
}

// prepared is a query with its defaults, its fixed endpoints checked and its varying side cut
// into jobs.
type prepared struct {
	e    *evaluator
	jobs []job
	// order is every job's spans in address order: classes are laid out along it; spansOf[k]
	// are the indices in order of job k's spans.
	order   []spanOf
	spansOf [][]int
	term    *terminals // outcomes shared by every fixed endpoint (share.go)
	ids     *interner  // the numbers keys hold, for every fixed endpoint (share.go)
	// workers are what each worker keeps from one fixed endpoint to the next.
	workers []*worker
	spare   []Class // the last endpoint's classes, done with (RunMany)
}

// worker is what one worker keeps from one fixed endpoint to the next: the numbers it has read
// from the run's interner, its route decisions and the terminal outcomes it has seen (share.go).
type worker struct {
	ids    *idCache
	memo   *forward.Memo
	terms  map[terminal]outcome
	tracer *trace.Tracer // its answers live until its next trace: class keeps a verdict and a deciding step
}

// spanOf is one span of job job.
type spanOf struct {
	span Span
	job  int
}

// prepare fills q's defaults, checks that trace starts (or ends) at every fixed endpoint and
// cuts the varying side into jobs.
func prepare(ctx context.Context, m *Model, q Query) (*prepared, error) {
	fixed, toFixed := q.To, true
	if len(fixed) == 0 {
		fixed, toFixed = q.From, false
	}
	if len(q.Protocols) == 0 {
		q.Protocols = []model.Protocol{model.ProtoTCP, model.ProtoUDP}
	}
	if len(q.Ports) == 0 {
		q.Ports = []model.PortRange{model.AllPorts}
	}
	space := q.Space
	if len(space) == 0 {
		space = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	}
	// The fixed side must be something trace starts (or ends) at: asked against an internet
	// address, which always resolves, any error is the fixed endpoint's.
	for _, f := range fixed {
		q := trace.Query{From: "internet:203.0.113.1", To: f.Ref, Protocol: model.ProtoTCP, DestinationPort: 443, Assume: q.Assume}
		if !toFixed {
			q.From, q.To = f.Ref, "203.0.113.1"
		}
		if _, err := trace.RunBrief(m.p, q); err != nil {
			return nil, err
		}
	}
	fixedPorts := make([][]uint64, len(fixed))
	for i, f := range fixed {
		if f.Addr.IsValid() {
			fixedPorts[i] = m.endpointPorts(f.Addr)
		}
	}
	e := &evaluator{ctx: ctx, m: m, q: q, fixed: fixed, fixedPorts: fixedPorts, toFixed: toFixed}
	groups := m.jobsOf(space)
	pr := &prepared{e: e, jobs: make([]job, len(groups)), term: &terminals{seen: map[terminal]outcome{}, rules: map[*firewall.RuleInfo]uint32{}}, ids: newInterner()}
	for i, spans := range groups {
		if i%64 == 0 && ctx.Err() != nil {
			return nil, ctx.Err() // a client that left stops the work here too
		}
		pr.jobs[i] = e.job(spans)
		for _, sp := range spans {
			pr.order = append(pr.order, spanOf{sp, i})
		}
	}
	// The spans of distinct jobs are disjoint.
	slices.SortFunc(pr.order, func(a, b spanOf) int { return cmpU32(a.span.Lo, b.span.Lo) })
	pr.spansOf = make([][]int, len(pr.jobs))
	for k, o := range pr.order {
		pr.spansOf[o.job] = append(pr.spansOf[o.job], k)
	}
	return pr, nil
}

// job works out what a class of varying addresses is, whatever the fixed endpoint.
func (e *evaluator) job(spans []Span) job {
	rep := spans[0].Addr()
	if sp := spans[0]; sp.Hi-sp.Lo >= 3 {
		rep = addrOf(sp.Lo + 1) // not a network address: examples read better
	}
	vs, sk := e.endpointsAt(rep)
	j := job{spans: spans, rep: rep, vs: vs, skipped: sk, dead: make([]bool, len(vs)), live: len(vs)}
	// The references trace rejects are dead before any is traced, so that layout makes no
	// room for them: an unowned VNet address is no source, and most classes of a To query
	// (two of three on the 10,000-NIC estate) are such addresses.
	for k, v := range vs {
		var nf *model.NotFoundError
		if err := trace.Resolves(e.m.p, v.ref, e.toFixed); errors.As(err, &nf) {
			j.dead[k], j.live = true, j.live-1
		}
	}
	if len(vs) == 1 && vs[0].ref == rep.String() {
		j.nic, j.pe = e.m.shareableNIC(rep), e.m.endpointAt(rep)
	}
	return j
}

// groupKey is a class of plain NICs (one key, one signature), or of addresses nothing owns
// (the subnet holding them, one signature; plain zero).
type groupKey struct {
	k      plainKey
	subnet *model.Subnet
	sig    uint64
}

// jobsOf cuts the IPv4 addresses of space into jobs (their spans, first to last). Every owned
// address is alone except plain NICs, which join the other plain NICs of space with the same key
// and signature wherever they are; the addresses nothing owns join those of space in the same
// subnet with the same signature, in whichever of its prefixes they are (a space that leaves
// out a subnet's owned addresses is many prefixes).
func (m *Model) jobsOf(space []netip.Prefix) [][]Span {
	var jobs [][]Span
	groups := map[groupKey]int{} // index into jobs
	for _, p := range space {
		if sp, ok := prefixSpan(p); ok {
			jobs = m.jobsWithin(jobs, groups, sp)
		}
	}
	return jobs
}

// JobsIn is the number of varying classes a query over space asks about per fixed endpoint:
// its address classes, with alike NICs and a subnet's alike addresses nothing owns as one.
func (m *Model) JobsIn(space []netip.Prefix) int { return len(m.jobsOf(space)) }

// jobsWithin adds the jobs of span sp to jobs, groups indexing them by key (jobsOf).
func (m *Model) jobsWithin(jobs [][]Span, groups map[groupKey]int, sp Span) [][]Span {
	join := func(g groupKey, s Span) {
		if at, ok := groups[g]; ok {
			jobs[at] = append(jobs[at], s)
			return
		}
		groups[g] = len(jobs)
		jobs = append(jobs, []Span{s})
	}
	for _, c := range classesWithin(m.behav, uint64(sp.Lo), uint64(sp.Hi)) {
		lo, hi := uint32(c[0]), uint32(c[1])
		var sub *model.Subnet
		if ss := m.subnets[m.classStart(lo)]; len(ss) > 0 {
			sub = ss[0]
		}
		rest := groupKey{subnet: sub, sig: m.sigs[m.behavStart(lo)]}
		i, _ := slices.BinarySearch(m.owned, lo)
		cur := uint64(lo)
		for ; i < len(m.owned) && m.owned[i] <= hi; i++ {
			v := m.owned[i]
			if uint64(v) > cur {
				join(rest, Span{uint32(cur), v - 1})
			}
			cur = uint64(v) + 1
			if k, plain := m.plain[v]; plain {
				join(groupKey{k: k, sig: m.sigs[v]}, Span{v, v})
			} else {
				jobs = append(jobs, []Span{{v, v}})
			}
		}
		if cur <= uint64(hi) {
			join(rest, Span{uint32(cur), hi})
		}
	}
	return jobs
}

// behavStart is the start of the behaviour class holding v.
func (m *Model) behavStart(v uint32) uint32 { return uint32(startOf(m.behav, v)) }
