package dns

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// NotTraced is a leg's verdict when its sender is not something trace can start from (a DNS
// private resolver's outbound endpoint); it does not change the answer's verdict, and the
// answer's assumptions say so.
const NotTraced trace.Verdict = "NotTraced"

// leg traces the query from o to server s (UDP/53, both ways) and records it.
func (r *resolver) leg(o origin, s netip.Addr) Leg {
	k := legKey{from: o.ref, label: o.label, to: s}
	if l, ok := r.x.legs[k]; ok {
		r.took(l)
		return l
	}
	l := Leg{From: o.label, To: s.String(), Protocol: model.ProtoUDP.String(), Port: model.DNSPort}
	switch {
	case r.x.Untraced:
		l.Verdict, l.Detail = NotTraced, "not traced: answers only"
	case o.ref == "":
		l.Verdict, l.Detail = NotTraced, o.untraced
	case o.fw != nil && s == model.AzurePlatformIP:
		// trace starts a firewall's own traffic at its subnet's routes; Azure DNS is a platform
		// address every Azure resource reaches, unfiltered and not routed (spec §2.6).
		l.Verdict = trace.Reachable
		l.Deciding = &trace.Deciding{Step: trace.StepPlatform}
		l.Detail = "Azure DNS (" + model.AzurePlatformIP.String() + ") is reachable from every Azure resource: no NSG rules, no UDRs (spec §2.6)"
	default:
		r.traceLeg(&l, o, s)
	}
	r.x.legs[k] = l
	r.took(l)
	return l
}

// took records a leg the answer travels, and what its trace assumed: an answer that depends on
// the leg depends on that too.
func (r *resolver) took(l Leg) {
	r.a.Legs = append(r.a.Legs, l)
	for _, s := range l.assumed {
		r.assume(fmt.Sprintf("the query from %s to %s (%s %d) assumes: %s", l.From, l.To, strings.ToUpper(l.Protocol), l.Port, s))
	}
}

func (r *resolver) traceLeg(l *Leg, o origin, s netip.Addr) {
	a, err := trace.Run(r.p, trace.Query{From: o.ref, To: s.String(), Protocol: model.ProtoUDP, DestinationPort: model.DNSPort})
	if err != nil {
		l.Verdict, l.Detail = trace.UnknownV, "not traced: "+err.Error()
		return
	}
	l.Verdict, l.assumed = a.Verdict, a.Assumptions
	dl := a.Forward
	if dl != nil && a.Return != nil && dl.Disposition != trace.Dropped && a.Return.Disposition == trace.Dropped {
		dl = a.Return // the query got there; the reply did not
	}
	if dl == nil {
		return
	}
	l.DropCause, l.Deciding = dl.DropCause, dl.Deciding
	if last := lastStep(dl); last != nil {
		l.Detail = last.Detail
	}
}

func lastStep(l *trace.Leg) *trace.Step {
	for i := len(l.Hops) - 1; i >= 0; i-- {
		if st := l.Hops[i].Steps; len(st) > 0 {
			return &st[len(st)-1]
		}
	}
	return nil
}
