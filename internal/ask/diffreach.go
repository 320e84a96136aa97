package ask

import (
	"cmp"
	"context"
	"net/netip"
	"slices"
	"strings"
	"sync"

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
	Scope     string `json:"scope"` // "none", "rules", "subnets" or "global"
	Reason    string `json:"reason,omitempty"`
	Endpoints int    `json:"endpoints"` // fixed endpoints traced (one per group of alike NICs)
	Traces    int    `json:"traces"`
}

// diffRun is one reach query to compare: fixed endpoints, and the packets that matter.
type diffRun struct {
	q       reach.Query
	to      bool
	covered []netip.Addr // a To run's destinations, with the NICs its endpoints stand for
}

// diffReach compares the two snapshots' verdicts over the flows sc may touch.
func diffReach(ctx context.Context, before, after *Snapshot, sc diffScope, opts Options) ([]ReachChange, ReachDiffStats, error) {
	st := ReachDiffStats{Scope: "none"}
	switch {
	case sc.global:
		// Every flow may change: all-pairs recomputation, which diff does not attempt (an
		// estate's worth of traces); the answer says so rather than list a part as the whole.
		st.Scope, st.Reason = "skipped", sc.reason
		return nil, st, nil
	case len(sc.subnets) > 0 || len(sc.nics) > 0:
		st.Scope = "endpoints"
	case len(sc.rules) > 0:
		st.Scope = "rules"
	default:
		return []ReachChange{}, st, nil
	}
	var mb, ma *reach.Model
	var wg sync.WaitGroup
	wg.Go(func() { mb = reach.Build(before.Plane) })
	ma = reach.Build(after.Plane)
	wg.Wait()
	runs := planRuns(before.Plane.Net, after.Plane.Net, mb, ma, sc, opts)
	var cells []reach.Cell
	inTo := map[netip.Addr]bool{} // destinations some To run owns: From runs leave them out
	for _, r := range runs {
		for _, a := range r.covered {
			inTo[a] = true
		}
	}
	for _, r := range runs {
		st.Endpoints += len(r.q.To) + len(r.q.From)
		cs, n, err := reach.Compare(ctx, mb, ma, r.q)
		st.Traces += n
		if err != nil {
			return nil, st, err
		}
		for _, c := range cs {
			if !r.to && c.Span.Lo == c.Span.Hi && inTo[netip.AddrFrom4(spanAddr(c.Span.Lo))] {
				continue
			}
			cells = append(cells, c)
		}
	}
	return changeRows(cells), st, nil
}

func spanAddr(v uint32) [4]byte { return [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

var allProtocols = []model.Protocol{model.ProtoTCP, model.ProtoUDP, model.ProtoICMP}

// planRuns turns the scope into reach queries: changed subnets' and NICs' endpoints both ways
// over every packet, and the other endpoints of NSGs whose rules changed over the packets those
// rules match (a packet no changed rule matches meets the same first match as before).
func planRuns(nb, na *model.Network, mb, ma *reach.Model, sc diffScope, opts Options) []diffRun {
	var runs []diffRun
	subnets := sc.subnets
	whole := endpointsOf(nb, na, mb, ma, func(s *model.Subnet) bool { return subnets[strings.ToLower(string(s.ID))] },
		func(nic *model.NIC) bool { return sc.nics[strings.ToLower(string(nic.ID))] })
	if len(whole.to) > 0 {
		runs = append(runs, diffRun{reach.Query{To: whole.to, Protocols: allProtocols, Assume: opts.Assume}, true, whole.covered},
			diffRun{reach.Query{From: whole.from, Protocols: allProtocols, Assume: opts.Assume}, false, nil})
	}
	for nsg, changes := range sc.rules {
		eps := endpointsOf(nb, na, mb, ma, func(s *model.Subnet) bool {
			return s.NSG != nil && strings.EqualFold(string(s.NSG.ID), nsg) && !subnets[strings.ToLower(string(s.ID))]
		}, func(nic *model.NIC) bool {
			return nic.NSG != nil && strings.EqualFold(string(nic.NSG.ID), nsg) && !sc.nics[strings.ToLower(string(nic.ID))]
		})
		for _, dir := range []model.Direction{model.Inbound, model.Outbound} {
			q, ok := ruleQuery(nb, na, changes, dir)
			if !ok {
				continue
			}
			q.Assume = opts.Assume
			if dir == model.Inbound && len(eps.to) > 0 {
				q.To = eps.to
				runs = append(runs, diffRun{q, true, nil}) // its domain is not every packet: From runs keep theirs
			} else if dir == model.Outbound && len(eps.from) > 0 {
				q.From = eps.from
				runs = append(runs, diffRun{q, false, nil})
			}
		}
	}
	return runs
}

// ruleQuery is the packets the changed rules of one direction match, before or after: the
// other side's addresses (all, when a side is not a fixed set), their protocols and ports.
func ruleQuery(nb, na *model.Network, changes []ruleChange, dir model.Direction) (reach.Query, bool) {
	var q reach.Query
	any, all := false, false
	protos := map[model.Protocol]bool{}
	for _, c := range changes {
		for i, r := range []*model.SecurityRule{c.Before, c.After} {
			if r == nil || r.Direction != dir {
				continue
			}
			any = true
			n := []*model.Network{nb, na}[i]
			entries, asgs := r.Sources, r.SourceASGs
			if dir == model.Outbound {
				entries, asgs = r.Destinations, r.DestASGs
			}
			if ps, ok := ruleSide(n, entries, asgs); ok && !all {
				q.Space = append(q.Space, ps...)
			} else {
				all = true
			}
			switch r.Protocol {
			case model.ProtoTCP, model.ProtoUDP, model.ProtoICMP:
				protos[r.Protocol] = true
			default:
				for _, p := range allProtocols {
					protos[p] = true
				}
			}
			q.Ports = append(q.Ports, r.DestPorts...)
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
}

// endpointsOf lists, from both networks, the addresses owned in the subnets inSubnet accepts
// and by the NICs inNIC accepts: as destinations (with NICs' public IPs, private endpoints,
// internal load balancer frontends) and as sources (NICs, firewalls).
func endpointsOf(nb, na *model.Network, mb, ma *reach.Model, inSubnet func(*model.Subnet) bool, inNIC func(*model.NIC) bool) fixedSide {
	seen := map[netip.Addr]bool{}
	groups := map[string]bool{}
	var out fixedSide
	add := func(n *model.Network, a netip.Addr, s *model.Subnet, src bool) {
		if !a.IsValid() || seen[a] {
			return
		}
		seen[a] = true
		out.covered = append(out.covered, a)
		kb, ka := mb.FixedKey(a), ma.FixedKey(a)
		if kb != "" && ka != "" {
			if groups[kb+"#"+ka] {
				return // another NIC of the group stands for this one
			}
			groups[kb+"#"+ka] = true
		}
		e := reach.Endpoint{Ref: a.String(), Addr: a, Label: ma.Label(a)}
		if e.Label == reach.Internet || e.Label == reach.Unrouted {
			e.Label = mb.Label(a)
		}
		out.to = append(out.to, e)
		if src {
			out.from = append(out.from, e)
		}
	}
	for _, n := range []*model.Network{nb, na} {
		for _, nic := range n.NICs {
			for _, c := range nic.IPConfigs {
				if (c.Subnet != nil && inSubnet(c.Subnet)) || (inNIC != nil && inNIC(nic)) {
					add(n, c.PrivateIP, c.Subnet, true)
					if c.PublicIP != nil {
						add(n, c.PublicIP.Address, c.Subnet, false)
					}
				}
			}
		}
		for _, fw := range n.Firewalls {
			if fw.Subnet != nil && inSubnet(fw.Subnet) {
				add(n, fw.PrivateIP, fw.Subnet, true)
			}
		}
		for _, pe := range n.PrivateEndpoints {
			if pe.Subnet != nil && inSubnet(pe.Subnet) {
				for _, a := range pe.IPs {
					add(n, a, pe.Subnet, false)
				}
			}
		}
		for _, lb := range n.LoadBalancers {
			for _, fe := range lb.Frontends {
				if fe.Subnet != nil && inSubnet(fe.Subnet) {
					add(n, fe.PrivateIP, fe.Subnet, false)
				}
			}
		}
	}
	return out
}

// changeRows groups cells by places, protocol and verdicts; a row's ports are its cells'.
func changeRows(cells []reach.Cell) []ReachChange {
	type key struct {
		from, to      string
		proto         model.Protocol
		before, after trace.Verdict
	}
	rows := map[key]*ReachChange{}
	ports := map[key][]model.PortRange{}
	var order []key
	for _, c := range cells {
		from, to := c.Label, c.Fixed.Label
		if !c.ToFixed {
			from, to = to, from
		}
		k := key{from, to, c.Protocol, c.Before, c.After}
		if rows[k] == nil {
			order = append(order, k)
			rows[k] = &ReachChange{From: from, To: to, Protocol: c.Protocol.String(), Before: c.Before, After: c.After, Example: c.Example, Deciding: c.Deciding}
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
