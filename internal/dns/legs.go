package dns

import (
	"fmt"
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
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
		r.a.Legs = append(r.a.Legs, l)
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
	r.a.Legs = append(r.a.Legs, l)
	return l
}

func (r *resolver) traceLeg(l *Leg, o origin, s netip.Addr) {
	a, err := trace.Run(r.p, trace.Query{From: o.ref, To: s.String(), Protocol: model.ProtoUDP, DestinationPort: model.DNSPort})
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
		r.inboundArrival(l, o, s, dl)
		return
	}
	if last := lastStep(dl); last != nil {
		l.Detail = last.Detail
	}
}

// inboundListener reports whether a leg to a resolver inbound endpoint ended only because the
// trace found no owner for its address: the packet reached the endpoint's subnet.
// Resolver inbound endpoints take queries from their VNet and connected networks: spec §8 [DNSPR].
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

// inboundArrival finishes a leg that reached the subnet of resolver inbound endpoint s: the
// trace knows no listener there, so the subnet's admin rules and NSG are applied here (spec
// §2.1: arriving traffic meets them before delivery). A firewall proxy sends from every
// instance address (spec §3.1): all denied is Unreachable, some denied Intermittent.
func (r *resolver) inboundArrival(l *Leg, o origin, s netip.Addr, dl *trace.Leg) {
	l.Verdict, l.DropCause = trace.Reachable, ""
	l.Detail = "delivered to resolver inbound endpoint " + s.String() + " (the trace reached its subnet; its subnet's rules admit the query)"
	in := r.inboundAt(s, o.vnet)
	eff := r.p.ACL.ForSubnet(in.Subnet)
	srcs := r.sources(o, dl)
	denied, first := 0, acl.Result{}
	for _, src := range srcs {
		res := eff.Evaluate(model.Inbound, acl.Flow{Src: src, Dst: s, Proto: model.ProtoUDP, SrcPort: trace.DefaultSourcePort, DstPort: model.DNSPort})
		if !res.Allowed {
			if denied == 0 {
				first = res
			}
			denied++
		} else if denied == 0 {
			first = res
		}
	}
	l.Deciding = ruleDeciding(first)
	switch {
	case len(srcs) == 0 || denied == 0:
		return
	case denied == len(srcs):
		l.Verdict, l.DropCause = trace.Unreachable, trace.NsgDenied
	default:
		l.Verdict = trace.Intermittent
	}
	l.Detail = fmt.Sprintf("the rules of subnet %s deny UDP/53 to resolver inbound endpoint %s from %d of %d source addresses (spec §2.1)",
		in.Subnet.Name, s, denied, len(srcs))
}

// sources are the addresses a leg's query leaves from: a firewall's instance addresses, the
// client's address, else the source the trace delivered.
// A proxying firewall forwards from its instance addresses: spec §3.5 [FWDNS], §3.1.
func (r *resolver) sources(o origin, dl *trace.Leg) []netip.Addr {
	if o.fw != nil {
		if inst := r.p.Index.Instances[o.fw]; len(inst) > 0 {
			return inst
		}
	}
	if o.src.IsValid() {
		return []netip.Addr{o.src}
	}
	if f := dl.FlowAtDestination; f != nil {
		if a, err := netip.ParseAddr(f.Source); err == nil {
			return []netip.Addr{a}
		}
	}
	return nil
}

// ruleDeciding names the rule of the level that decided res; nil when no rule decided (no NSG).
func ruleDeciding(res acl.Result) *trace.Deciding {
	if res.N == 0 {
		return nil
	}
	lr := res.Levels[res.Decider]
	if lr.Rule == nil {
		return nil
	}
	d := &trace.Deciding{Step: trace.StepNsgInbound, Rule: lr.Rule.Name}
	if lr.NSG != nil {
		d.ResourceID = string(lr.NSG.ID)
	}
	if lr.Level == acl.LevelAdmin {
		d.Step = trace.StepAdminRule
	}
	return d
}
