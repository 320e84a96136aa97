package firewall

import (
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Domain is every packet a rule may match, as the engine compiled it (IP groups expanded):
// sources and destinations (AnySrc, AnyDst: every address), protocols, and destination ports
// (AnyPort: every port). An application rule, or a network rule naming FQDNs, matches on names
// a packet's address does not tell: its destinations are every address.
type Domain struct {
	Src, Dst       ipset.Set
	AnySrc, AnyDst bool
	Protocols      []model.Protocol // of TCP, UDP and ICMP
	Ports          []model.PortRange
	AnyPort        bool
}

// Domains yields the domain of every rule of kind k, in processing order.
func (e *Engine) Domains(k model.RuleKind, yield func(*RuleInfo, Domain)) {
	if int(k) >= len(e.phases) {
		return
	}
	for _, r := range e.phases[k].rules {
		d := Domain{Src: r.src.set(), Dst: r.dst.set(), AnySrc: r.src.any, AnyDst: r.dst.any,
			Ports: r.ports, AnyPort: r.anyPort || len(r.ports) == 0}
		if k == model.ApplicationRules || len(r.dstFQDNs) > 0 {
			d.AnyDst = true
		}
		for _, p := range []model.Protocol{model.ProtoTCP, model.ProtoUDP, model.ProtoICMP} {
			if r.hasProto(classOf(p)) {
				d.Protocols = append(d.Protocols, p)
			}
		}
		yield(&r.info, d)
	}
}

// set is s's ranges as an ipset.Set ("*" is not: callers test any).
func (s *addrSet) set() ipset.Set {
	var b ipset.Builder
	for _, r := range s.ranges {
		b.AddRange(ipset.Range{From: r.lo, To: r.hi})
	}
	return b.Set()
}
