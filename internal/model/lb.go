package model

import "net/netip"

// LoadBalancer is an Azure load balancer: Basic, Standard or Gateway SKU.
type LoadBalancer struct {
	ID              ID
	Name            string
	Sku             string // Basic, Standard, Gateway
	Frontends       []*Frontend
	BackendPools    []*BackendPool
	Rules           []*LBRule
	InboundNATRules []*InboundNATRule
	OutboundRules   []*OutboundRule
}

// IsGateway reports whether this is a Gateway Load Balancer (spec §6).
func (lb *LoadBalancer) IsGateway() bool { return eqFold(lb.Sku, "Gateway") }

// Frontend is a frontend IP configuration: private (Subnet set) or public (PublicIP set).
type Frontend struct {
	ID        ID
	Name      string
	LB        *LoadBalancer
	PrivateIP netip.Addr
	Subnet    *Subnet
	PublicIP  *PublicIP
	// GatewayLB is the Gateway Load Balancer frontend this frontend is chained to (spec §6).
	GatewayLB *Frontend
}

// BackendPool is a backend address pool.
type BackendPool struct {
	ID        ID
	Name      string
	LB        *LoadBalancer
	IPConfigs []*IPConfig
	// Addresses are the IP-based backend addresses (loadBalancerBackendAddresses) the snapshot
	// does not tie to a NIC ip configuration: the converter links the others into IPConfigs.
	Addresses []netip.Addr
	// IPBased: the pool lists its members by IP address. "When a backend pool is configured by
	// IP address, it will behave as a Basic Load Balancer with default outbound enabled"
	// (learn.microsoft.com/azure/load-balancer/outbound-rules): its load balancer's rules do
	// not translate its members' outbound traffic (dataplane.Egress).
	IPBased bool
	// Tunnels are a Gateway LB pool's VXLAN tunnel interfaces (spec §6).
	Tunnels []TunnelInterface
}

// TunnelInterface is one VXLAN tunnel of a Gateway Load Balancer backend pool.
// spec §6 [GWLB].
type TunnelInterface struct {
	Port       uint16
	Identifier uint32
	Protocol   string // VXLAN
	Type       string // Internal, External
}

// LBRule is a load-balancing rule. Protocol All with ports 0 is an HA ports rule.
type LBRule struct {
	Name         string
	Frontend     *Frontend
	Pool         *BackendPool
	Protocol     Protocol
	FrontendPort uint16
	BackendPort  uint16
	// FloatingIP (enableFloatingIP) keeps the frontend address as the destination.
	FloatingIP bool
	// DisableOutboundSNAT (disableOutboundSnat): the frontend does not translate the pool's
	// outbound traffic (dataplane.Egress).
	DisableOutboundSNAT bool
	// Probe is the rule's health probe; nil when the snapshot names none (every backend is
	// then assumed healthy).
	Probe *LBProbe
}

// LBProbe is a load balancer health probe: the platform (168.63.129.16, service tag
// AzureLoadBalancer) connects to Port over TCP (an HTTP or HTTPS probe too).
// learn.microsoft.com/azure/load-balancer/load-balancer-custom-probe-overview.
type LBProbe struct {
	ID   ID
	Name string
	Port uint16
}

// HAPorts reports whether the rule balances every port and protocol.
// learn.microsoft.com/azure/load-balancer/load-balancer-ha-ports-overview.
func (r *LBRule) HAPorts() bool { return r.Protocol == ProtoAny && r.FrontendPort == 0 }

// InboundNATRule forwards one frontend port to a backend, or (over a pool) a range of them.
type InboundNATRule struct {
	Name         string
	Frontend     *Frontend
	Protocol     Protocol
	FrontendPort uint16
	BackendPort  uint16
	Target       *IPConfig // the NIC ip configuration that references the rule
	// Pool, for a rule over a backend pool (inbound NAT rule V2): each member gets one port of
	// FrontendPort–FrontendPortEnd. Azure assigns which and keeps the mapping (the load
	// balancer's queryInboundNatRulePortMapping), which a snapshot does not hold.
	// learn.microsoft.com/azure/load-balancer/inbound-nat-rules
	Pool            *BackendPool
	FrontendPortEnd uint16
	// FloatingIP (enableFloatingIP) keeps the frontend address (and port) as the destination,
	// as on a load-balancing rule.
	FloatingIP bool
}

// Ports are the frontend ports the rule forwards.
func (r *InboundNATRule) Ports() PortRange {
	if r.Pool != nil && r.FrontendPortEnd >= r.FrontendPort {
		return PortRange{Lo: r.FrontendPort, Hi: r.FrontendPortEnd}
	}
	return PortRange{Lo: r.FrontendPort, Hi: r.FrontendPort}
}

// OutboundRule gives a backend pool SNAT through frontends (spec §4).
type OutboundRule struct {
	Name      string
	Frontends []*Frontend
	Pool      *BackendPool
	Protocol  Protocol
	// AllocatedPorts is allocatedOutboundPorts per backend instance (0 = default).
	AllocatedPorts int
}
