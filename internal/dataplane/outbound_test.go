package dataplane

import (
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	mt "github.com/vnetdoctor/vnetdoctor/internal/model/modeltest"
)

// TestOutbound pins the precedence of spec §4 that trace and check share: 0/0 route to an
// appliance or gateway > NAT gateway > instance public IP > load balancer outbound rule >
// a public load-balancing rule without disableOutboundSnat > default outbound access.
func TestOutbound(t *testing.T) {
	tests := []struct {
		name  string
		build func(n *model.Network, s *model.Subnet, c *model.IPConfig)
		want  OutboundKind
		proto model.Protocol // the flow's; ProtoAny (zero) counts the load balancer's rules whatever theirs
	}{
		{"nothing: default outbound access", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {}, DefaultOutbound, 0},
		{"private subnet", func(n *model.Network, s *model.Subnet, c *model.IPConfig) { s.DefaultOutboundAccess = false }, NoOutbound, 0},
		{"public load-balancing rule", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			webRule(publicLB(n, c))
		}, LBRuleSNAT, 0},
		{"public load-balancing rule in a private subnet", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			s.DefaultOutboundAccess = false
			webRule(publicLB(n, c))
		}, LBRuleSNAT, 0},
		{"public load-balancing rule with disableOutboundSnat", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			webRule(publicLB(n, c)).DisableOutboundSNAT = true
		}, DefaultOutbound, 0},
		{"internal load-balancing rule", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			lb, fe, pool := publicLB(n, c)
			fe.PublicIP, fe.PrivateIP, fe.Subnet = nil, mt.Addr("10.0.1.100"), s
			webRule(lb, fe, pool)
		}, DefaultOutbound, 0},
		{"outbound rule beats the load-balancing rule", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			lb, fe, pool := publicLB(n, c)
			webRule(lb, fe, pool)
			lb.OutboundRules = []*model.OutboundRule{{Name: "out", Frontends: []*model.Frontend{fe}, Pool: pool}}
		}, LBOutboundRule, 0},
		{"instance public IP beats the load-balancing rule", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			webRule(publicLB(n, c))
			c.PublicIP = &model.PublicIP{Name: "pip-vm", Address: mt.Addr("20.0.0.2")}
		}, InstancePublicIP, 0},
		{"TCP load-balancing rule, UDP flow: default outbound access", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			webRule(publicLB(n, c))
		}, DefaultOutbound, model.ProtoUDP},
		{"TCP load-balancing rule, ICMP flow in a private subnet", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			s.DefaultOutboundAccess = false
			webRule(publicLB(n, c))
		}, NoOutbound, model.ProtoICMP},
		{"TCP outbound rule, UDP flow: no default outbound access in its pool", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			lb, fe, pool := publicLB(n, c)
			lb.OutboundRules = []*model.OutboundRule{{Name: "out", Frontends: []*model.Frontend{fe}, Pool: pool, Protocol: model.ProtoTCP}}
		}, NoOutbound, model.ProtoUDP},
		{"TCP outbound rule, TCP flow", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			lb, fe, pool := publicLB(n, c)
			lb.OutboundRules = []*model.OutboundRule{{Name: "out", Frontends: []*model.Frontend{fe}, Pool: pool, Protocol: model.ProtoTCP}}
		}, LBOutboundRule, model.ProtoTCP},
		{"load balancer outbound rule", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			lb, fe, pool := publicLB(n, c)
			lb.OutboundRules = []*model.OutboundRule{{Name: "out", Frontends: []*model.Frontend{fe}, Pool: pool}}
		}, LBOutboundRule, 0},
		{"outbound rule in a private subnet", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			s.DefaultOutboundAccess = false
			lb, fe, pool := publicLB(n, c)
			lb.OutboundRules = []*model.OutboundRule{{Name: "out", Frontends: []*model.Frontend{fe}, Pool: pool}}
		}, LBOutboundRule, 0},
		{"instance public IP beats the outbound rule", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			lb, fe, pool := publicLB(n, c)
			lb.OutboundRules = []*model.OutboundRule{{Name: "out", Frontends: []*model.Frontend{fe}, Pool: pool}}
			c.PublicIP = &model.PublicIP{Name: "pip-vm", Address: mt.Addr("20.0.0.2")}
		}, InstancePublicIP, 0},
		{"instance public IP without an address in the snapshot", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			c.PublicIP = &model.PublicIP{Name: "pip-vm"}
		}, InstancePublicIP, 0},
		{"NAT gateway beats the instance public IP", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			c.PublicIP = &model.PublicIP{Name: "pip-vm", Address: mt.Addr("20.0.0.2")}
			s.NATGateway = &model.NATGateway{Name: "ng"}
		}, NATGatewayOutbound, 0},
		// "When a backend pool is configured by IP address, it will behave as a Basic Load
		// Balancer with default outbound enabled" (outbound-rules).
		{"IP-based pool: its outbound rule does not translate", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			lb, fe, pool := publicLB(n, c)
			pool.IPBased = true
			lb.OutboundRules = []*model.OutboundRule{{Name: "out", Frontends: []*model.Frontend{fe}, Pool: pool}}
		}, DefaultOutbound, 0},
		{"IP-based pool: nor its load-balancing rule", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			lb, fe, pool := publicLB(n, c)
			pool.IPBased = true
			webRule(lb, fe, pool)
		}, DefaultOutbound, 0},
		{"NIC-based and IP-based pools of one load balancer: the IP-based one's rules do not translate", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			lb, fe, _ := publicLB(n, c)
			ipPool := &model.BackendPool{ID: lb.ID + "/ip-pool", Name: "ip-pool", LB: lb, IPConfigs: []*model.IPConfig{c}, IPBased: true}
			lb.BackendPools = append(lb.BackendPools, ipPool)
			c.BackendPools = append(c.BackendPools, ipPool)
			webRule(lb, fe, ipPool)
			lb.OutboundRules = []*model.OutboundRule{{Name: "out", Frontends: []*model.Frontend{fe}, Pool: ipPool}}
		}, DefaultOutbound, 0},
		{"IP-based pool in a private subnet", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			s.DefaultOutboundAccess = false
			lb, fe, pool := publicLB(n, c)
			pool.IPBased = true
			webRule(lb, fe, pool)
		}, NoOutbound, 0},
		{"0/0 to an appliance beats the NAT gateway", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			s.NATGateway = &model.NATGateway{Name: "ng"}
			mt.AddRouteTable(n, "rt", []*model.Subnet{s}, mt.UDR("default", "0.0.0.0/0", "VirtualAppliance 10.0.2.4"))
		}, RouteOutbound, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, c := outboundNet(tt.build)
			for _, p := range []*Plane{Build(n), {Net: n}} { // with effective routes, and from the UDRs alone
				if got := p.Outbound(c, tt.proto, assume.Set{}); got.Kind != tt.want {
					t.Errorf("FIB %v: Outbound = %v, want %v", p.FIB != nil, got.Kind, tt.want)
				}
			}
		})
	}
}

// outboundNet is a VNet with one VM NIC in a subnet with default outbound access, changed by
// build, and the NIC's ip configuration.
func outboundNet(build func(n *model.Network, s *model.Subnet, c *model.IPConfig)) (*model.Network, *model.IPConfig) {
	n := mt.NewNetwork()
	v := mt.AddVNet(n, "vnet", "westeurope", "10.0.0.0/16")
	s := mt.AddSubnet(n, v, "app", "10.0.1.0/24")
	s.DefaultOutboundAccess = true
	nic := &model.NIC{ID: "/nics/vm-nic", Name: "vm-nic", VMName: "vm"}
	c := &model.IPConfig{ID: "/nics/vm-nic/ipConfigurations/ip", Name: "ip", NIC: nic, Subnet: s, PrivateIP: mt.Addr("10.0.1.4"), Primary: true}
	nic.IPConfigs = []*model.IPConfig{c}
	n.NICs = append(n.NICs, nic)
	build(n, s, c)
	n.Freeze()
	return n, c
}

// TestOutboundPoolChoice: a member of a Standard public load balancer's pool that no rule
// translates keeps default outbound access or loses it as --assume lb-pool-default-outbound
// says, and the answer names the load balancer; a member of an internal one's pool, or of a
// Basic one's, is not in question.
func TestOutboundPoolChoice(t *testing.T) {
	lost := assume.Set{}.Flip(assume.LBPoolDefaultOutbound)
	tests := []struct {
		name     string
		build    func(n *model.Network, s *model.Subnet, c *model.IPConfig)
		proto    model.Protocol
		kept     OutboundKind
		poolLB   bool
		lostKind OutboundKind
	}{
		{"rule with disableOutboundSnat", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			webRule(publicLB(n, c)).DisableOutboundSNAT = true
		}, model.ProtoTCP, DefaultOutbound, true, NoOutbound},
		{"TCP rule, UDP flow", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			webRule(publicLB(n, c))
		}, model.ProtoUDP, DefaultOutbound, true, NoOutbound},
		{"TCP rule, TCP flow: the rule translates", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			webRule(publicLB(n, c))
		}, model.ProtoTCP, LBRuleSNAT, false, LBRuleSNAT},
		{"internal load balancer", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			_, fe, _ := publicLB(n, c)
			fe.PublicIP, fe.PrivateIP, fe.Subnet = nil, mt.Addr("10.0.1.100"), s
		}, model.ProtoTCP, DefaultOutbound, false, DefaultOutbound},
		{"Basic load balancer", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			lb, _, _ := publicLB(n, c)
			lb.Sku = "Basic"
		}, model.ProtoTCP, DefaultOutbound, false, DefaultOutbound},
		{"private subnet", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			s.DefaultOutboundAccess = false
			publicLB(n, c)
		}, model.ProtoTCP, NoOutbound, false, NoOutbound},
		{"IP-based pool: default outbound enabled", func(n *model.Network, s *model.Subnet, c *model.IPConfig) {
			_, _, pool := publicLB(n, c)
			pool.IPBased = true
		}, model.ProtoTCP, DefaultOutbound, false, DefaultOutbound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, c := outboundNet(tt.build)
			p := Build(n)
			for as, want := range map[assume.Set]OutboundKind{{}: tt.kept, lost: tt.lostKind} {
				got := p.Outbound(c, tt.proto, as)
				if got.Kind != want || (got.PoolLB != nil) != tt.poolLB || got.PoolLB != nil && got.PoolLB.Name != "lb" {
					t.Errorf("%s: Outbound = %v, pool load balancer %v; want %v, a pool load balancer %v", as.Value(assume.LBPoolDefaultOutbound), got.Kind, got.PoolLB, want, tt.poolLB)
				}
			}
		})
	}
}

// TestRuleSNATByProtocol: of a pool's public load-balancing rules, the one of the flow's
// protocol translates it.
func TestRuleSNATByProtocol(t *testing.T) {
	n := mt.NewNetwork()
	v := mt.AddVNet(n, "vnet", "westeurope", "10.0.0.0/16")
	s := mt.AddSubnet(n, v, "app", "10.0.1.0/24")
	c := &model.IPConfig{Name: "ip", Subnet: s, PrivateIP: mt.Addr("10.0.1.4")}
	lb, fe, pool := publicLB(n, c)
	webRule(lb, fe, pool)
	lb.Rules = append(lb.Rules, &model.LBRule{Name: "ike", Frontend: fe, Pool: pool, Protocol: model.ProtoUDP, FrontendPort: 500, BackendPort: 500})
	for proto, want := range map[model.Protocol]string{model.ProtoTCP: "web", model.ProtoUDP: "ike", model.ProtoAny: "web"} {
		if r := RuleSNAT(c, proto); r == nil || r.Name != want {
			t.Errorf("%v: rule %v, want %s", proto, r, want)
		}
	}
	if r := RuleSNAT(c, model.ProtoICMP); r != nil {
		t.Errorf("ICMP: rule %s, want none", r.Name)
	}
}

// webRule adds a TCP 443 load-balancing rule on fe to pool.
func webRule(lb *model.LoadBalancer, fe *model.Frontend, pool *model.BackendPool) *model.LBRule {
	r := &model.LBRule{Name: "web", Frontend: fe, Pool: pool, Protocol: model.ProtoTCP, FrontendPort: 443, BackendPort: 443}
	lb.Rules = append(lb.Rules, r)
	return r
}

// publicLB adds a Standard load balancer with a public frontend and a pool holding c.
func publicLB(n *model.Network, c *model.IPConfig) (*model.LoadBalancer, *model.Frontend, *model.BackendPool) {
	lb := &model.LoadBalancer{ID: "/lbs/lb", Name: "lb", Sku: "Standard"}
	fe := &model.Frontend{ID: lb.ID + "/fe", Name: "fe", LB: lb, PublicIP: &model.PublicIP{Name: "pip-lb", Address: mt.Addr("20.0.0.1")}}
	pool := &model.BackendPool{ID: lb.ID + "/pool", Name: "pool", LB: lb, IPConfigs: []*model.IPConfig{c}}
	lb.Frontends, lb.BackendPools = []*model.Frontend{fe}, []*model.BackendPool{pool}
	c.BackendPools = append(c.BackendPools, pool)
	n.LoadBalancers = append(n.LoadBalancers, lb)
	return lb, fe, pool
}
