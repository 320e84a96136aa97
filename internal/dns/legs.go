package dns

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// NotTraced is a leg's verdict when its sender is not something trace can start from (a DNS
// private resolver's outbound endpoint); it does not change the answer's verdict, and the
// answer's assumptions say so.
const NotTraced trace.Verdict = "NotTraced"

// leg traces the query from o to server s (UDP/53, both ways) and records it.
func (r *resolver) leg(o origin, s netip.Addr) Leg {
	l := Leg{From: o.label, To: s.String(), Protocol: model.ProtoUDP.String(), Port: 53}
	switch {
	case o.ref == "":
		l.Verdict, l.Detail = NotTraced, o.untraced
	case o.fw != nil && s == AzureDNS:
		// trace starts a firewall's own traffic at its subnet's routes; Azure DNS is a platform
		// address every Azure resource reaches, unfiltered and not routed (spec §2.6).
		l.Verdict = trace.Reachable
		l.Deciding = &trace.Deciding{Step: trace.StepPlatform}
		l.Detail = "Azure DNS (168.63.129.16) is reachable from every Azure resource: no NSG rules, no UDRs (spec §2.6)"
	default:
		r.traceLeg(&l, o, s)
	}
	r.a.Legs = append(r.a.Legs, l)
	return l
}

func (r *resolver) traceLeg(l *Leg, o origin, s netip.Addr) {
	a, err := trace.Run(r.p, trace.Query{From: o.ref, To: s.String(), Protocol: model.ProtoUDP, DestinationPort: 53})
	if err != nil {
		l.Verdict, l.Detail = trace.UnknownV, "not traced: "+err.Error()
		return
	}
	l.Verdict = a.Verdict
	dl := a.Forward
	if dl != nil && a.Return != nil && dl.Disposition != trace.Dropped && a.Return.Disposition == trace.Dropped {
		dl = a.Return // the query got there; the reply did not
	}
	if dl == nil {
		return
	}
	l.DropCause, l.Deciding = dl.DropCause, dl.Deciding
	if r.inboundListener(dl, o, s) {
		l.Verdict, l.DropCause = trace.Reachable, ""
		l.Detail = "delivered to the subnet of resolver inbound endpoint " + s.String() +
			" (the trace does not know resolver endpoints as listeners; it reached their subnet)"
		r.assume("resolver inbound endpoint " + s.String() + " answers once the query reaches its subnet; its subnet's NSG is applied by the trace only up to delivery")
		return
	}
	if last := lastStep(dl); last != nil {
		l.Detail = last.Detail
	}
}

// inboundListener reports whether a leg to a resolver inbound endpoint ended only because the
// trace found no owner for its address: the packet reached the endpoint's subnet.
func (r *resolver) inboundListener(dl *trace.Leg, o origin, s netip.Addr) bool {
	return dl.Disposition == trace.Dropped && dl.DropCause == trace.NoListener && r.inboundAt(s, o.vnet) != nil
}

func lastStep(l *trace.Leg) *trace.Step {
	for i := len(l.Hops) - 1; i >= 0; i-- {
		if st := l.Hops[i].Steps; len(st) > 0 {
			return &st[len(st)-1]
		}
	}
	return nil
}
