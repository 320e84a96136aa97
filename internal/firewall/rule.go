package firewall

import (
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// protoClass is the protocol dimension of the index: ports only mean something for TCP and UDP.
type protoClass uint8

const (
	classTCP protoClass = iota
	classUDP
	classICMP
	classOther // ESP, AH, anything else: only "Any" rules match
	numClasses
)

func classOf(p model.Protocol) protoClass {
	switch p {
	case model.ProtoTCP:
		return classTCP
	case model.ProtoUDP:
		return classUDP
	case model.ProtoICMP:
		return classICMP
	}
	return classOther
}

// verdict is one rule's answer for a packet.
type verdict uint8

const (
	noMatch verdict = iota
	match
	maybe // depends on something unknown (the FQDN, an FQDN tag, a web category)
)

// rule is a compiled rule: addresses expanded, FQDNs parsed, in first-match order.
type rule struct {
	info   RuleInfo
	protos uint8 // bit per protoClass
	// ports: destination ports for TCP/UDP. ICMP and other protocols have none: a rule with
	// explicit ports is compiled to TCP+UDP only (protoMask, [FWRP]), so ports are never
	// consulted for them. anyPort when "*" or not given.
	ports   []model.PortRange
	anyPort bool
	src     addrSet
	dst     addrSet
	// Network rules: destination FQDNs, usable only with the DNS proxy (spec §3.5).
	dstFQDNs []fqdnPattern
	// Application rules: target FQDNs; opaque is true when the rule also names FQDN tags or
	// web categories, whose member names vnetdoctor does not know.
	targets []fqdnPattern
	opaque  bool
	// notes are the assumptions attached to a result this rule decides (engine notes included).
	notes []string
}

func (r *rule) hasProto(c protoClass) bool { return r.protos&(1<<c) != 0 }

func (r *rule) portOK(p *Packet, c protoClass) bool {
	if r.anyPort || c > classUDP {
		return true
	}
	for _, pr := range r.ports {
		if pr.Contains(p.DstPort) {
			return true
		}
	}
	return false
}

// matchL4 checks protocol, destination port and source: what every rule type shares.
func (r *rule) matchL4(p *Packet, c protoClass) bool {
	return r.hasProto(c) && r.portOK(p, c) && r.src.contains(p.Src)
}

// matchNetwork evaluates a NAT or network rule. A destination FQDN can only be decided with
// the packet's FQDN: the firewall matches the addresses it resolves the name to, and
// vnetdoctor does not model DNS yet, so a name match is assumed to resolve to the packet's
// destination (an assumption the result carries).
// FQDNs in network rules need the DNS proxy: spec §3.5 [FWDNS]; the firewall resolves names itself, §3.2 [FWDNSD].
func (r *rule) matchNetwork(p *Packet, c protoClass) verdict {
	if !r.matchL4(p, c) {
		return noMatch
	}
	if r.dst.contains(p.Dst) {
		return match
	}
	if len(r.dstFQDNs) == 0 {
		return noMatch
	}
	if p.FQDN == "" {
		return maybe
	}
	if matchAnyFQDN(r.dstFQDNs, p.FQDN) {
		return match
	}
	return noMatch
}

// matchApplication evaluates an application rule (spec §3.2 step 3): TCP to one of its
// protocol ports, from a listed source, for a target FQDN. The destination address is not
// checked: the firewall connects to the address it resolves itself [FWDNSD].
func (r *rule) matchApplication(p *Packet, c protoClass) verdict {
	if !r.matchL4(p, c) {
		return noMatch
	}
	for _, t := range r.targets {
		if t.all {
			return match
		}
	}
	opaque := r.opaque && !p.OpaqueNoMatch
	if p.FQDN == "" {
		if len(r.targets) > 0 || opaque {
			return maybe
		}
		return noMatch
	}
	if matchAnyFQDN(r.targets, p.FQDN) {
		return match
	}
	if opaque {
		return maybe
	}
	return noMatch
}

// normalize makes the packet's addresses comparable with rule ranges (IPv4-mapped → IPv4).
func normalize(p Packet) Packet {
	p.Src, p.Dst = p.Src.Unmap(), p.Dst.Unmap()
	return p
}
