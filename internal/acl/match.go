package acl

import (
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// side is the compiled form of a rule's source or destination.
type side struct {
	any bool // "*"
	// self: the side names an ASG the evaluated ip configuration belongs to, so it matches the
	// NIC's own address, whatever the flow carries after DNAT (spec §2.2 [ASG]).
	self bool
	// platform: the side names an AzurePlatform* tag, the only kind of rule that filters
	// traffic to the platform addresses (spec §2.6).
	platform bool
	set      ipset.Set // sorted ranges: binary search, no allocation
}

func (s *side) match(a netip.Addr) bool { return s.any || s.self || s.set.Contains(a) }

// matcher is a rule compiled for fast matching: cheap tests (protocol, ports) first,
// binary searches over address ranges last.
type matcher struct {
	proto              model.Protocol
	src, dst           side
	sports, dports     []model.PortRange
	anySport, anyDport bool
}

// matches reports whether the rule applies to f. In platform mode (an outbound flow to a
// platform address, spec §2.6) only rules naming an AzurePlatform* destination tag apply.
func (m *matcher) matches(f *Flow, platform bool) bool {
	if !m.l4(f) || (platform && !m.dst.platform) {
		return false
	}
	return m.dst.match(f.Dst) && m.src.match(f.Src)
}

// l4 reports whether the rule's protocol and ports admit f, whatever its addresses.
func (m *matcher) l4(f *Flow) bool {
	if m.proto != model.ProtoAny && m.proto != f.Proto {
		return false
	}
	if f.Proto == model.ProtoTCP || f.Proto == model.ProtoUDP {
		if !m.anyDport && !inPorts(m.dports, f.DstPort) || !m.anySport && !inPorts(m.sports, f.SrcPort) {
			return false
		}
	} else if !m.anyDport || !m.anySport {
		// DECISION: ports exist only for TCP and UDP; a rule that restricts ports never
		// matches ICMP, ESP or AH, even with protocol "*". Microsoft's answers on azure-docs
		// issues #37413 ("ICMP is a layer 3 protocol and it doesn't have a port ... use any/any
		// in the ports field") and #51522 (the port of an ICMP rule is read as an ICMP type,
		// which is not modelled); Azure Firewall does the same with its network rules
		// (internal/firewall protoMask, learn.microsoft.com/azure/firewall/rule-processing).
		return false
	}
	return true
}

// MayMatch reports whether r can match flow f whatever f's address on one end: its protocol and
// ports admit f, and its other side holds f's source (fixedSrc) or destination. For callers that
// cut address space where a fixed endpoint's verdict can change: a rule that cannot match the
// fixed end cuts nothing.
func (r *Rule) MayMatch(f Flow, fixedSrc bool) bool {
	if !r.m.l4(&f) {
		return false
	}
	if fixedSrc {
		return r.m.src.match(f.Src)
	}
	return r.m.dst.match(f.Dst)
}

func inPorts(rs []model.PortRange, p uint16) bool {
	for _, r := range rs {
		if r.Lo <= p && p <= r.Hi {
			return true
		}
	}
	return false
}

// anyPorts reports whether the ranges cover every port (an empty list means "*").
func anyPorts(rs []model.PortRange) bool {
	if len(rs) == 0 {
		return true
	}
	if !slices.ContainsFunc(rs, func(r model.PortRange) bool { return r.Lo == 0 }) {
		return false // port 0 is left out: most lists, tested without a sorted copy
	}
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b model.PortRange) int { return int(a.Lo) - int(b.Lo) })
	next := 0 // first port not yet covered
	for _, r := range sorted {
		if int(r.Lo) > next {
			return false
		}
		next = max(next, int(r.Hi)+1)
	}
	return next > 65535
}
