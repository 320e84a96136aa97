package dataplane

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// OutboundKind is how traffic from a NIC ip configuration reaches the internet (spec §4).
type OutboundKind uint8

const (
	// NoOutbound: no method applies and the subnet is private (defaultOutboundAccess=false):
	// internet traffic is dropped, cause NoOutboundAccess.
	NoOutbound OutboundKind = iota
	// DefaultOutbound: default outbound access; Azure picks a public address that is not in
	// the snapshot.
	DefaultOutbound
	// LBOutboundRule: a load balancer outbound rule whose backend pool holds the ip
	// configuration.
	LBOutboundRule
	// InstancePublicIP: the ip configuration's own (instance-level) public IP.
	InstancePublicIP
	// NATGatewayOutbound: the NAT gateway on the subnet.
	NATGatewayOutbound
	// RouteOutbound: the subnet's active 0.0.0.0/0 route does not go to the Internet next hop
	// (an appliance or gateway takes the traffic; None drops it), so no method of the subnet or
	// NIC applies. Plane.InternetRoute names that next hop.
	RouteOutbound
	// LBRuleSNAT: a load-balancing rule on a public frontend, whose pool holds the ip
	// configuration, that does not set disableOutboundSnat (Outbound.LBRule).
	LBRuleSNAT
)

func (k OutboundKind) String() string {
	return [...]string{"None", "DefaultOutboundAccess", "LoadBalancerOutboundRule", "InstancePublicIP", "NatGateway",
		"Route", "LoadBalancingRule"}[k]
}

// Outbound is the outbound method of spec §4 and the resource that provides it.
type Outbound struct {
	Kind       OutboundKind
	NATGateway *model.NATGateway // NATGatewayOutbound
	PublicIP   *model.PublicIP   // InstancePublicIP (its Address may be unknown)
	// Rule is the load balancer outbound rule (LBOutboundRule), or with NoOutbound the outbound
	// rule of c's pool that does not translate the protocol; Frontend its first frontend with a
	// public IP, else its first frontend, nil when it lists none.
	Rule     *model.OutboundRule
	Frontend *model.Frontend
	// LBRule is the load-balancing rule whose frontend translates (LBRuleSNAT); Frontend is
	// its frontend.
	LBRule *model.LBRule
	// PoolLB is the Standard public load balancer whose pool holds the ip configuration when
	// the answer turned on assume.LBPoolDefaultOutbound: DefaultOutbound where it is kept,
	// NoOutbound where it is lost.
	PoolLB *model.LoadBalancer
}

// Outbound returns how the ip configuration's traffic of protocol proto (model.ProtoAny: of
// any protocol, the load balancer's rules counted whatever theirs) reaches the internet,
// following the precedence of spec §4 [NAT, DOA]: a 0.0.0.0/0 route to an appliance or
// gateway > NAT gateway on the subnet > instance public IP on the ip configuration > load
// balancer outbound rule > a load-balancing rule's SNAT > default outbound access; a private
// subnet (defaultOutboundAccess=false) with none of them has no way out.
func (p *Plane) Outbound(c *model.IPConfig, proto model.Protocol, as assume.Set) Outbound {
	if hop, _ := p.InternetRoute(c.Subnet); hop != model.HopInternet {
		return Outbound{Kind: RouteOutbound}
	}
	return Egress(c, c.Subnet, proto, as)
}

// Egress returns the method that translates c's traffic of protocol proto once routing in
// subnet s has chosen the Internet next hop: the rest of spec §4's precedence after the route
// (see Outbound). A load balancer's outbound and load-balancing rules translate TCP and UDP
// only, those of their protocol ("All" is both): outbound rules choose "which protocols to
// provide outbound translation for" (learn.microsoft.com/azure/load-balancer/outbound-rules).
// A member of a pool with outbound rules has no default outbound access ("Deployed in the
// backend pool of a standard load balancer with outbound rules defined" is explicit outbound
// connectivity: learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access),
// so traffic none of them translates has no way out (NoOutbound, Rule set). Whether a member of
// a Standard public load balancer's pool without outbound rules keeps default outbound access
// is as's choice (PublicPoolLB).
func Egress(c *model.IPConfig, s *model.Subnet, proto model.Protocol, as assume.Set) Outbound {
	if s != nil && s.NATGateway != nil {
		return Outbound{Kind: NATGatewayOutbound, NATGateway: s.NATGateway}
	}
	if c.PublicIP != nil {
		return Outbound{Kind: InstancePublicIP, PublicIP: c.PublicIP}
	}
	r, pooled := outboundRule(c, proto)
	if r != nil {
		o := Outbound{Kind: LBOutboundRule, Rule: r}
		for _, fe := range r.Frontends {
			if fe != nil && fe.PublicIP != nil {
				o.Frontend = fe
				break
			}
		}
		if o.Frontend == nil && len(r.Frontends) > 0 {
			o.Frontend = r.Frontends[0]
		}
		return o
	}
	if pooled != nil {
		return Outbound{Kind: NoOutbound, Rule: pooled}
	}
	if r := RuleSNAT(c, proto); r != nil {
		return Outbound{Kind: LBRuleSNAT, LBRule: r, Frontend: r.Frontend}
	}
	if s != nil && s.DefaultOutboundAccess {
		lb := PublicPoolLB(c)
		if lb != nil && !as.Default(assume.LBPoolDefaultOutbound) {
			return Outbound{Kind: NoOutbound, PoolLB: lb}
		}
		return Outbound{Kind: DefaultOutbound, PoolLB: lb}
	}
	return Outbound{Kind: NoOutbound}
}

// translates reports whether a load balancer rule of protocol rule translates outbound traffic
// of protocol proto (model.ProtoAny: whatever its protocol): TCP and UDP only, those of the rule.
func translates(rule, proto model.Protocol) bool {
	return proto == model.ProtoAny || (proto == model.ProtoTCP || proto == model.ProtoUDP) && rule.Matches(proto)
}

// outboundRule returns the load balancer outbound rule whose backend pool holds c and that
// translates proto, and the first whose pool holds c whatever it translates: the first in its
// load balancer's rule order, load balancers taken in the order of c's pools.
func outboundRule(c *model.IPConfig, proto model.Protocol) (match, pooled *model.OutboundRule) {
	for _, bp := range c.BackendPools {
		if !translating(bp) {
			continue
		}
		for _, r := range bp.LB.OutboundRules {
			if !translating(r.Pool) || !slices.Contains(c.BackendPools, r.Pool) {
				continue
			}
			if pooled == nil {
				pooled = r
			}
			if translates(r.Protocol, proto) {
				return r, pooled
			}
		}
	}
	return nil, pooled
}

// RuleSNAT is the load-balancing rule that translates c's outbound traffic of protocol proto
// (model.ProtoAny: of any protocol): the first, in the order of c's pools and their load
// balancers' rules, on a public frontend whose pool holds c and that does not set
// disableOutboundSnat. Azure translates a public load-balancing rule's backends to its
// frontend address unless the rule opts out: "You can use multiple front ends with per
// load-balancing rule opt-out" and "Outbound SNAT programming depends on the transport
// protocol of the inbound load-balancing rule" (learn.microsoft.com/azure/load-balancer/skus,
// "Outbound connections"; the REST property: "disableOutboundSnat: Configures SNAT for the VMs
// in the backend pool to use the publicIP address specified in the frontend of the load
// balancing rule"). An outbound rule on the same frontend requires the opt-out, so outbound
// rules come first.
func RuleSNAT(c *model.IPConfig, proto model.Protocol) *model.LBRule {
	for _, bp := range c.BackendPools {
		if !translating(bp) || bp.LB.IsGateway() {
			continue
		}
		for _, r := range bp.LB.Rules {
			if !r.DisableOutboundSNAT && r.Frontend != nil && r.Frontend.PublicIP != nil && translating(r.Pool) &&
				slices.Contains(c.BackendPools, r.Pool) && translates(r.Protocol, proto) {
				return r
			}
		}
	}
	return nil
}

// translating reports whether bp's load balancer may translate its members' outbound traffic:
// not an IP-based pool's, which "will behave as a Basic Load Balancer with default outbound
// enabled" (learn.microsoft.com/azure/load-balancer/outbound-rules, backend-pool-management).
func translating(bp *model.BackendPool) bool {
	return bp != nil && bp.LB != nil && !bp.IPBased
}

// PublicPoolLB is a Standard load balancer with a public frontend one of whose backend pools
// holds c, or nil: a member that, left to default outbound access, may have none, as Microsoft's
// pages disagree (learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access
// lists only pools with outbound rules as explicit outbound connectivity;
// learn.microsoft.com/azure/load-balancer/skus says "an outbound scenario must be explicitly
// created" for a Standard one). Egress keeps default outbound access unless the user chose
// otherwise (--assume lb-pool-default-outbound=lost), and the trace says which it assumed.
func PublicPoolLB(c *model.IPConfig) *model.LoadBalancer {
	for _, bp := range c.BackendPools {
		if !translating(bp) || !strings.EqualFold(bp.LB.Sku, "Standard") {
			continue
		}
		for _, fe := range bp.LB.Frontends {
			if fe != nil && fe.PublicIP != nil {
				return bp.LB
			}
		}
	}
	return nil
}

// InternetRoute returns the next hop of the subnet's active 0.0.0.0/0 route, which comes first
// in spec §4's precedence: from the effective routes (HopNone when there is no active
// 0.0.0.0/0), or, on a plane built without routes, from the subnet's UDRs (default Internet).
func (p *Plane) InternetRoute(s *model.Subnet) (model.NextHopType, netip.Addr) {
	if p.FIB != nil {
		if t := p.FIB.Subnet(s); t != nil {
			if r, ok := t.DefaultRoute(); ok {
				return r.NextHop, r.NextHopIP
			}
		}
		return model.HopNone, netip.Addr{}
	}
	if r := s.DefaultUDR(); r != nil {
		return r.NextHopType, r.NextHopIP
	}
	return model.HopInternet, netip.Addr{}
}
