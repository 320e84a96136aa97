package ask

import (
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// A changed NSG rule can change a flow's verdict only where it changes a filtering decision:
// NSG rules are evaluated in priority order and the first match decides (learn.microsoft.com/
// azure/virtual-network/network-security-groups-overview, "Security rules"), so a packet that
// neither version of a rule matches meets the same first match as before, and a packet the
// rule matches whose decision (allow or deny, by the same-named rule) is unchanged is filtered
// alike. delta works that set out at one endpoint from its effective rules on both sides,
// before any trace: a change that decides nothing new costs no reachability model at all.

// delta is the packets, as the endpoint's rules see them, whose decision changed, by protocol.
type delta map[model.Protocol]*deltaSide

type deltaSide struct {
	spans []span // the other side's addresses (sources inbound, destinations outbound)
	ports []model.PortRange
}

type span struct{ lo, hi uint64 } // inclusive IPv4 range as integers

// endpointDelta is the decision delta at the endpoint owning a (its private address, or the NIC
// behind a public one) for one direction of the changed rules (changed reports them). ok is
// false when it cannot be worked out from the rules alone (no single owner with rules on both
// sides, assumptions no note ties to a flow): the caller then asks about the packets the change
// may touch (decisionChange.fallback).
func endpointDelta(pb, pa *dataplane.Plane, a netip.Addr, dir model.Direction, changed func(*acl.Rule) bool) (delta, bool) {
	eb, selfB := effectiveAt(pb, a)
	ea, selfA := effectiveAt(pa, a)
	if eb == nil || ea == nil || selfB != selfA || !selfB.Is4() {
		return nil, false
	}
	region, ok := changedRegion(dir, changed, eb, ea)
	if !ok {
		return nil, false
	}
	cutsA, cutsP := ruleCuts(dir, eb, ea)
	out := delta{}
	for proto, reg := range region {
		d := &deltaSide{}
		for _, sp := range reg.spans {
			for _, as := range within(cutsA, sp) {
				for _, pr := range portAtoms(proto, cutsP, reg.ports) {
					f := acl.Flow{Src: addrAt(as.lo), Dst: selfA, Proto: proto, SrcPort: trace.DefaultSourcePort, DstPort: pr.Lo}
					if dir == model.Outbound {
						f.Src, f.Dst = selfA, addrAt(as.lo)
					}
					if decides(eb, dir, f) != decides(ea, dir, f) {
						d.spans = append(d.spans, as)
						d.ports = append(d.ports, pr)
					}
				}
			}
		}
		if len(d.spans) > 0 {
			d.ports = reach.MergePorts(d.ports)
			out[proto] = d
		}
	}
	return out, true
}

// decides is what a trace's verdict reads of a filtering result: allowed or not, and the notes
// that could matter to the flow (acl.Note.Applies: a trace reports them, and one may leave the
// verdict Unknown). Which rule decided shows in the trace's steps, not its verdict, and diff
// compares verdicts.
func decides(e *acl.Effective, dir model.Direction, f acl.Flow) string {
	s := "deny"
	if e.Evaluate(dir, f).Allowed {
		s = "allow"
	}
	for _, n := range e.Notes {
		if n.Applies(dir, &f) {
			s += "|" + n.Text
		}
	}
	return s
}

// effectiveAt is the effective rules at address a and the address they see as the endpoint's own:
// a NIC ip configuration's or a private endpoint's, or the NIC behind a public IP (rules see the
// private address, spec §2.1).
func effectiveAt(p *dataplane.Plane, a netip.Addr) (*acl.Effective, netip.Addr) {
	owners := p.Net.Owners(a)
	if len(owners) == 1 {
		switch o := owners[0]; o.Kind {
		case model.OwnerNIC:
			return p.ACL.ForIPConfig(o.IPConfig), a
		case model.OwnerPrivateEndpoint:
			return p.ACL.ForPrivateEndpoint(o.PrivateEndpoint), a
		}
	}
	if c, ok := p.Index.IPConfigByPublicIP[a]; ok && len(owners) <= 1 {
		return p.ACL.ForIPConfig(c), c.PrivateIP
	}
	return nil, netip.Addr{}
}

// changedRegion is the packets the changed rules match on either side, by protocol: the other
// side's addresses (every IPv4 address for a side that lists none: "*", or a tag empty here) and
// the destination ports. A rule's source ports narrow nothing: every packet diff asks about
// has source port 49152 (trace.DefaultSourcePort, cli.md "diff"), which no translation before
// an endpoint's rules rewrites, and the delta evaluates with it. false when either side has
// assumptions without a rule (no note says which flows they matter to).
func changedRegion(dir model.Direction, changed func(*acl.Rule) bool, sides ...*acl.Effective) (map[model.Protocol]*deltaSide, bool) {
	out := map[model.Protocol]*deltaSide{}
	for _, e := range sides {
		if len(e.Assumptions) > len(e.Notes) {
			return nil, false
		}
		for _, rs := range e.Sets {
			if rs == nil {
				continue
			}
			for _, r := range rs.Rules {
				if r.Direction != dir || !changed(r) {
					continue
				}
				other := r.ExpandedSource
				if dir == model.Outbound {
					other = r.ExpandedDest
				}
				spans := []span{{0, 1<<32 - 1}}
				if len(other) > 0 {
					spans = spans[:0]
					for _, x := range other {
						if sp, ok := spanOf(x); ok {
							spans = append(spans, sp)
						}
					}
				}
				for _, p := range protocolsOf(r.Protocol) {
					if out[p] == nil {
						out[p] = &deltaSide{}
					}
					out[p].spans = append(out[p].spans, spans...)
					out[p].ports = append(out[p].ports, r.DestPorts...)
				}
			}
		}
	}
	for _, d := range out {
		d.spans = mergeSpans(d.spans)
		d.ports = reach.MergePorts(d.ports)
	}
	return out, true
}

func protocolsOf(p model.Protocol) []model.Protocol {
	if slices.Contains(allProtocols, p) {
		return []model.Protocol{p}
	}
	return allProtocols
}

// ruleCuts are the address and port boundaries (range starts) of every rule of both sides in one
// direction, and the platform addresses outbound rules treat apart (spec §2.6).
func ruleCuts(dir model.Direction, sides ...*acl.Effective) ([]uint64, []uint64) {
	as := []uint64{0, 1 << 32}
	ps := []uint64{0, 1 << 16}
	for _, a := range []netip.Addr{model.AzurePlatformIP, model.IMDSAddr} {
		v := u64(a)
		as = append(as, v, v+1)
	}
	for _, e := range sides {
		for _, rs := range e.Sets {
			if rs == nil {
				continue
			}
			for _, r := range rs.Rules {
				if r.Direction != dir {
					continue
				}
				other := r.ExpandedSource
				if dir == model.Outbound {
					other = r.ExpandedDest
				}
				for _, x := range other {
					if sp, ok := spanOf(x); ok {
						as = append(as, sp.lo, sp.hi+1)
					}
				}
				for _, pr := range r.DestPorts {
					ps = append(ps, uint64(pr.Lo), uint64(pr.Hi)+1)
				}
			}
		}
	}
	slices.Sort(as)
	slices.Sort(ps)
	return slices.Compact(as), slices.Compact(ps)
}

// within cuts sp at the boundaries cuts (sorted starts).
func within(cuts []uint64, sp span) []span {
	var out []span
	i, _ := slices.BinarySearch(cuts, sp.lo+1)
	lo := sp.lo
	for ; i < len(cuts) && cuts[i] <= sp.hi; i++ {
		out = append(out, span{lo, cuts[i] - 1})
		lo = cuts[i]
	}
	return append(out, span{lo, sp.hi})
}

// portAtoms are the port pieces of the region's ports cut at the rules' port boundaries; ICMP
// has no port (one atom).
func portAtoms(p model.Protocol, cuts []uint64, ports []model.PortRange) []model.PortRange {
	if p != model.ProtoTCP && p != model.ProtoUDP {
		return []model.PortRange{model.AllPorts}
	}
	var out []model.PortRange
	for _, pr := range ports {
		for _, x := range within(cuts, span{uint64(pr.Lo), uint64(pr.Hi)}) {
			out = append(out, model.PortRange{Lo: uint16(x.lo), Hi: uint16(x.hi)})
		}
	}
	return out
}

func spanOf(p netip.Prefix) (span, bool) {
	if !p.Addr().Is4() {
		return span{}, false
	}
	p = p.Masked()
	lo := u64(p.Addr())
	return span{lo, lo + (1 << (32 - p.Bits())) - 1}, true
}

func u64(a netip.Addr) uint64 {
	b := a.As4()
	return uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
}

func addrAt(v uint64) netip.Addr { return netip.AddrFrom4(spanAddr(uint32(v))) }

// mergeSpans sorts and joins overlapping or adjacent spans.
func mergeSpans(in []span) []span {
	slices.SortFunc(in, func(a, b span) int {
		if a.lo != b.lo {
			if a.lo < b.lo {
				return -1
			}
			return 1
		}
		return 0
	})
	var out []span
	for _, s := range in {
		if n := len(out); n > 0 && s.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, s.hi)
			continue
		}
		out = append(out, s)
	}
	return out
}

// prefixes are the CIDR blocks covering spans exactly.
func prefixes(spans []span) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range spans {
		for lo := s.lo; lo <= s.hi; {
			bits := 32
			for bits > 0 {
				size := uint64(1) << (32 - (bits - 1))
				if lo%size != 0 || lo+size-1 > s.hi {
					break
				}
				bits--
			}
			out = append(out, netip.PrefixFrom(addrAt(lo), bits))
			lo += 1 << (32 - bits)
		}
	}
	return out
}

// widen is the space of an inbound delta's run: every address when a delta source is one a
// translation gives (translatedSources: the packet's own source may then be anything). The
// destination port needs no such widening: a packet addressed to the endpoint keeps its port,
// and one whose port a DNAT or load balancer rule rewrites is addressed to a frontend, asked
// about every packet (frontendRuns).
func widen(d *deltaSide, translated ipset.Set) []netip.Prefix {
	space := prefixes(mergeSpans(d.spans))
	if ipset.Of(space...).Overlaps(translated) {
		return nil
	}
	return space
}

// frontendsOf are the addresses whose flows a load balancer or a firewall DNAT rule hands to the
// endpoint at a (or may: a DNAT rule to an FQDN, which trace resolves): their flows reach its
// rules under another destination.
func frontendsOf(p *dataplane.Plane, a netip.Addr) []netip.Addr {
	var out []netip.Addr
	n := p.Net
	for _, lb := range n.LoadBalancers {
		hands := false
		for _, bp := range lb.BackendPools {
			for _, c := range bp.IPConfigs {
				hands = hands || c.PrivateIP == a
			}
			hands = hands || slices.Contains(bp.Addresses, a)
		}
		for _, r := range lb.InboundNATRules {
			hands = hands || (r.Target != nil && r.Target.PrivateIP == a)
		}
		if hands {
			for _, fe := range lb.Frontends {
				out = append(out, fe.PrivateIP)
				if fe.PublicIP != nil {
					out = append(out, fe.PublicIP.Address)
				}
			}
		}
	}
	for _, fw := range n.Firewalls {
		if dnatsInto(p, fw, func(r *model.FirewallRule) bool { return r.TranslatedAddress == a || r.TranslatedFQDN != "" }) {
			out = append(out, firewall.DNATAddrs(fw)...)
		}
	}
	return slices.DeleteFunc(out, func(x netip.Addr) bool { return !x.IsValid() })
}
