package trace

import (
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// edgeNet: one VNet 10.0/16; snet-app 10.0.1.0/24 with vm1 (public IP 20.0.0.5 when pip).
func edgeNet(mut func(n *net, s *model.Subnet, vm *model.IPConfig)) func() *net {
	return func() *net {
		n := newNet()
		v := n.vnet("v", "10.0.0.0/16")
		s := n.subnet(v, "snet-app", "10.0.1.0/24")
		vm := n.vm(s, "vm1", "10.0.1.4")
		s.NSG = n.nsg("nsg-app", "allow-https 100 In Allow Tcp Internet * 443")
		if mut != nil {
			mut(n, s, vm)
		}
		return n
	}
}

func withPIP(n *net, vm *model.IPConfig) *model.PublicIP {
	p := n.pip("pip-vm1", "20.0.0.5")
	p.AttachedTo = vm.ID
	vm.PublicIP = p
	return p
}

// addLB adds a load balancer with one frontend (public when pip is set, else private at addr in
// s), one pool holding members, and one rule proto/port (0 = HA ports).
func addLB(n *net, name, sku string, pip *model.PublicIP, s *model.Subnet, addr string, proto model.Protocol, port uint16, members ...*model.IPConfig) *model.LoadBalancer {
	lb := &model.LoadBalancer{ID: model.ID("/loadBalancers/" + name), Name: name, Sku: sku}
	fe := &model.Frontend{ID: lb.ID + "/frontendIPConfigurations/fe", Name: "fe", LB: lb, PublicIP: pip, Subnet: s}
	if addr != "" {
		fe.PrivateIP = ip(addr)
	}
	pool := &model.BackendPool{ID: lb.ID + "/backendAddressPools/pool", Name: "pool", LB: lb, IPConfigs: members}
	for _, m := range members {
		m.BackendPools = append(m.BackendPools, pool)
	}
	lb.Frontends, lb.BackendPools = []*model.Frontend{fe}, []*model.BackendPool{pool}
	lb.Rules = []*model.LBRule{{Name: "rule", Frontend: fe, Pool: pool, Protocol: proto, FrontendPort: port, BackendPort: port}}
	n.LoadBalancers = append(n.LoadBalancers, lb)
	n.Index(lb.ID, lb)
	return lb
}

// lbRuleEgress puts vm1, in a private subnet, in the pool of a public TCP 443 load-balancing
// rule that translates its outbound traffic unless disable (disableOutboundSnat).
func lbRuleEgress(disable bool) func(n *net, s *model.Subnet, vm *model.IPConfig) {
	return func(n *net, s *model.Subnet, vm *model.IPConfig) {
		s.DefaultOutboundAccess = false
		lb := addLB(n, "lb-web", "Standard", n.pip("pip-lb", "20.0.0.30"), nil, "", tcp, 443, vm)
		lb.Rules[0].DisableOutboundSNAT = disable
	}
}

// outboundRuleEgress puts vm1, in a private subnet, in the pool of a public load balancer's
// outbound rule of protocol proto.
func outboundRuleEgress(proto model.Protocol) func(n *net, s *model.Subnet, vm *model.IPConfig) {
	return func(n *net, s *model.Subnet, vm *model.IPConfig) {
		s.DefaultOutboundAccess = false
		lb := addLB(n, "lb-out", "Standard", n.pip("pip-out", "20.0.0.40"), nil, "", tcp, 443, vm)
		lb.Rules[0].DisableOutboundSNAT = true
		lb.OutboundRules = []*model.OutboundRule{{Name: "out", Frontends: lb.Frontends, Pool: lb.BackendPools[0], Protocol: proto}}
	}
}

func TestInternet(t *testing.T) {
	gwlb := func(n *net, s *model.Subnet, vm *model.IPConfig) {
		nvaS := n.subnet(n.VNets[0], "snet-gwlb", "10.0.6.0/24")
		nva := n.vm(nvaS, "nva-gw1", "10.0.6.4")
		g := addLB(n, "lb-gwlb", "Gateway", nil, nvaS, "10.0.6.10", model.ProtoAny, 0, nva)
		g.BackendPools[0].Tunnels = []model.TunnelInterface{{Port: 10800, Identifier: 800, Protocol: "VXLAN", Type: "Internal"},
			{Port: 10801, Identifier: 801, Protocol: "VXLAN", Type: "External"}}
		pub := addLB(n, "lb-web", "Standard", n.pip("pip-lb", "20.0.0.30"), nil, "", tcp, 443, vm)
		pub.Frontends[0].GatewayLB = g.Frontends[0]
	}
	cases := []tcase{
		{"instance public IP egress", edgeNet(func(n *net, s *model.Subnet, vm *model.IPConfig) { withPIP(n, vm) }), q("vm1", "internet:1.1.1.1", tcp, 443),
			"Reachable ExitedToInternet NsgOutbound=defaultSecurityRules/AllowInternetOutBound | Delivered Deliver=", "Nic:vm1-nic > Internet:internet", "Internet:internet > Nic:vm1-nic", nil},
		{"NAT gateway beats the instance public IP", edgeNet(func(n *net, s *model.Subnet, vm *model.IPConfig) {
			withPIP(n, vm)
			n.natgw("ng", n.pip("pip-ng", "20.0.0.20"), s)
		}), q("vm1", "internet:1.1.1.1", tcp, 443),
			"Reachable ExitedToInternet NsgOutbound=defaultSecurityRules/AllowInternetOutBound | Delivered Deliver=", "Nic:vm1-nic > NatGateway:ng > Internet:internet", "Internet:internet > NatGateway:ng > Nic:vm1-nic", nil},
		{"private subnet without egress", edgeNet(func(n *net, s *model.Subnet, vm *model.IPConfig) { s.DefaultOutboundAccess = false }), q("vm1", "internet:1.1.1.1", tcp, 443),
			"Unreachable Dropped/NoOutboundAccess Snat=", "Nic:vm1-nic", "<nil>", nil},
		{"public load-balancing rule translates a private subnet's outbound", edgeNet(lbRuleEgress(false)), q("vm1", "internet:1.1.1.1", tcp, 443),
			"Reachable ExitedToInternet NsgOutbound=defaultSecurityRules/AllowInternetOutBound | Delivered Deliver=",
			"Nic:vm1-nic > LoadBalancer:lb-web > Internet:internet", "Internet:internet > LoadBalancer:lb-web > Nic:vm1-nic", nil},
		{"public load-balancing rule translates its own protocol only", edgeNet(lbRuleEgress(false)), q("vm1", "internet:1.1.1.1", udp, 443),
			"Unreachable Dropped/NoOutboundAccess Snat=", "Nic:vm1-nic", "<nil>", nil},
		{"public load-balancing rule with disableOutboundSnat", edgeNet(lbRuleEgress(true)), q("vm1", "internet:1.1.1.1", tcp, 443),
			"Unreachable Dropped/NoOutboundAccess Snat=", "Nic:vm1-nic", "<nil>", nil},
		{"TCP outbound rule translates TCP", edgeNet(outboundRuleEgress(tcp)), q("vm1", "internet:1.1.1.1", tcp, 443),
			"Reachable ExitedToInternet NsgOutbound=defaultSecurityRules/AllowInternetOutBound | Delivered Deliver=",
			"Nic:vm1-nic > LoadBalancer:lb-out > Internet:internet", "Internet:internet > LoadBalancer:lb-out > Nic:vm1-nic", nil},
		{"TCP outbound rule does not translate UDP", edgeNet(outboundRuleEgress(tcp)), q("vm1", "internet:1.1.1.1", udp, 53),
			"Unreachable Dropped/NoOutboundAccess Snat=out", "Nic:vm1-nic", "<nil>", nil},
		{"inbound to an instance public IP", edgeNet(func(n *net, s *model.Subnet, vm *model.IPConfig) { withPIP(n, vm) }), q("internet:198.51.100.7", "pip-vm1", tcp, 443),
			"Reachable Delivered NsgInbound=securityRules/allow-https | ExitedToInternet Route=System Route", "Internet:internet > Nic:vm1-nic", "Nic:vm1-nic > Internet:internet", nil},
		{"inbound port the NSG denies", edgeNet(func(n *net, s *model.Subnet, vm *model.IPConfig) { withPIP(n, vm) }), q("internet:198.51.100.7", "20.0.0.5", tcp, 22),
			"Unreachable Dropped/NsgDenied NsgInbound=defaultSecurityRules/DenyAllInBound", "Internet:internet > Nic:vm1-nic", "<nil>", nil},
		{"unsolicited inbound to a NAT gateway", edgeNet(func(n *net, s *model.Subnet, vm *model.IPConfig) { n.natgw("ng", n.pip("pip-ng", "20.0.0.20"), s) }),
			q("internet:198.51.100.7", "20.0.0.20", tcp, 443),
			"Unreachable Dropped/NoInboundPath Platform=", "Internet:internet", "<nil>", nil},
		{"Standard public IP without any NSG", edgeNet(func(n *net, s *model.Subnet, vm *model.IPConfig) { withPIP(n, vm); s.NSG = nil }),
			q("internet:198.51.100.7", "pip-vm1", tcp, 443),
			"Unreachable Dropped/NoInboundPath Platform=", "Internet:internet > Nic:vm1-nic", "<nil>", nil},
		{"inbound to a private address", edgeNet(nil), q("internet:198.51.100.7", "10.0.1.4", tcp, 443),
			"Unreachable Dropped/NoInboundPath Platform=", "Internet:internet", "<nil>", nil},
		{"public LB chained to a Gateway LB", edgeNet(gwlb), q("internet:198.51.100.7", "pip-lb", tcp, 443),
			"Reachable Delivered NsgInbound=securityRules/allow-https | ExitedToInternet Tunnel=External",
			"Internet:internet > GatewayLoadBalancer:lb-gwlb > Appliance:nva-gw1-nic > GatewayLoadBalancer:lb-gwlb > LoadBalancer:lb-web > Nic:vm1-nic",
			"Nic:vm1-nic > LoadBalancer:lb-web > GatewayLoadBalancer:lb-gwlb > Appliance:nva-gw1-nic > GatewayLoadBalancer:lb-gwlb > Internet:internet", nil},
		{"internal LB as destination", edgeNet(func(n *net, s *model.Subnet, vm *model.IPConfig) {
			c := n.vm(n.subnet(n.VNets[0], "snet-client", "10.0.2.0/24"), "client", "10.0.2.4")
			_ = c
			addLB(n, "ilb", "Standard", nil, s, "10.0.1.100", tcp, 443, vm)
			s.NSG = nil
		}), q("client", "ilb", tcp, 443),
			"Reachable Delivered LoadBalancerRule=rule | Delivered Route=System Route", "Nic:client-nic > LoadBalancer:ilb > Nic:vm1-nic", "Nic:vm1-nic > Nic:client-nic", nil},
	}
	runCases(t, cases)
}

// TestLBRuleSNATAddress: a public load-balancing rule translates its backends' outbound traffic
// to its frontend's address, which the reply comes back to.
func TestLBRuleSNATAddress(t *testing.T) {
	a, err := Run(edgeNet(lbRuleEgress(false))().plane(), q("vm1", "internet:1.1.1.1", tcp, 443))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range a.Forward.Hops {
		for _, s := range h.Steps {
			if s.Step == StepSnat {
				got = append(got, s.Rule+": "+s.Detail)
			}
		}
	}
	if len(got) != 1 || !strings.Contains(got[0], "→ 20.0.0.30") || !strings.Contains(got[0], "load-balancing rule rule") {
		t.Errorf("SNAT steps %q; want one to the frontend 20.0.0.30 by the load-balancing rule", got)
	}
	// UDP: the TCP rule does not translate it; the answer says what it assumed instead.
	a, err = Run(edgeNet(lbRuleEgress(false))().plane(), q("vm1", "internet:1.1.1.1", udp, 443))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(a.Assumptions, func(s string) bool {
		return strings.Contains(s, "load-balancing rule rule translates its backends' outbound Tcp only")
	}) {
		t.Errorf("UDP past a TCP rule: assumptions %q; want the rule's protocol named", a.Assumptions)
	}
}

// poolChoice is a's use of --assume lb-pool-default-outbound, if any.
func poolChoice(a *Answer) []Assumed {
	var out []Assumed
	for _, x := range a.Assumed {
		if x.Name == assume.LBPoolDefaultOutbound.String() {
			out = append(out, x)
		}
	}
	return out
}

// TestLBPoolDefaultOutbound: a VM in the pool of a Standard public load balancer whose rule opts
// out of SNAT leaves by default outbound access, and the answer says Microsoft's pages disagree
// on that and that the choice decided the verdict; under --assume lb-pool-default-outbound=lost
// it is dropped, naming the load balancer. A VM in no pool gets no such word under either.
func TestLBPoolDefaultOutbound(t *testing.T) {
	const mark = "which Microsoft's pages disagree on"
	lost := assume.Set{}.Flip(assume.LBPoolDefaultOutbound)
	for _, inPool := range []bool{true, false} {
		build := edgeNet(nil)
		if inPool {
			build = edgeNet(func(n *net, s *model.Subnet, vm *model.IPConfig) {
				lbRuleEgress(true)(n, s, vm)
				s.DefaultOutboundAccess = true
			})
		}
		p := build().plane()
		a, err := Run(p, q("vm1", "internet:1.1.1.1", tcp, 443))
		if err != nil {
			t.Fatal(err)
		}
		said := slices.ContainsFunc(a.Assumptions, func(s string) bool { return strings.Contains(s, mark) })
		wantAssumed := []Assumed(nil)
		if inPool {
			wantAssumed = []Assumed{{Name: "lb-pool-default-outbound", Value: "kept", Decided: true}}
		}
		if a.Verdict != Reachable || said != inPool || !slices.Equal(poolChoice(a), wantAssumed) {
			t.Errorf("in a pool %v: %s, disagreement said %v, assumed %+v (assumptions %q)", inPool, a.Verdict, said, a.Assumed, a.Assumptions)
		}
		qq := q("vm1", "internet:1.1.1.1", tcp, 443)
		qq.Assume = lost
		b, err := Run(p, qq)
		if err != nil {
			t.Fatal(err)
		}
		if !inPool {
			if b.Verdict != Reachable || len(poolChoice(b)) != 0 {
				t.Errorf("in no pool, lost: %s, assumed %+v", b.Verdict, b.Assumed)
			}
			continue
		}
		const want = "VM vm1 is in a backend pool of Standard public load balancer lb-web, which translates none of its Tcp traffic: assumed to have no default outbound access (--assume lb-pool-default-outbound=lost; spec §4)"
		var details []string
		for _, h := range b.Forward.Hops {
			for _, st := range h.Steps {
				if st.Step == StepSnat {
					details = append(details, st.Detail)
				}
			}
		}
		l := b.Forward
		if b.Verdict != Unreachable || l.DropCause != NoOutboundAccess || l.Deciding == nil || !strings.HasSuffix(l.Deciding.ResourceID, "/lb-web") ||
			!slices.Equal(details, []string{want}) || !slices.Equal(poolChoice(b), []Assumed{{Name: "lb-pool-default-outbound", Value: "lost", Decided: true}}) {
			t.Errorf("in a pool, lost: %s %s, deciding %+v, SNAT steps %q, assumed %+v", b.Verdict, l.DropCause, l.Deciding, details, b.Assumed)
		}
	}
}

// TestIPBasedPoolAddresses: a load-balancing rule whose pool lists only IP addresses the snapshot
// does not tie to a NIC cannot say what answers (InsufficientInformation, naming them), where a
// pool with no member at all has no listener; beside NIC members such addresses are an
// assumption.
func TestIPBasedPoolAddresses(t *testing.T) {
	build := func(members bool, addrs ...string) func() *net {
		return edgeNet(func(n *net, s *model.Subnet, vm *model.IPConfig) {
			n.vm(n.subnet(n.VNets[0], "snet-client", "10.0.2.0/24"), "client", "10.0.2.4")
			var ms []*model.IPConfig
			if members {
				ms = append(ms, vm)
			}
			lb := addLB(n, "ilb", "Standard", nil, s, "10.0.1.100", tcp, 443, ms...)
			for _, a := range addrs {
				lb.BackendPools[0].Addresses = append(lb.BackendPools[0].Addresses, ip(a))
			}
			s.NSG = nil
		})
	}
	cases := []tcase{
		{"addresses only", build(false, "10.0.1.77"), q("client", "ilb", tcp, 443),
			"Unknown Unknown/InsufficientInformation LoadBalancerRule=rule", "Nic:client-nic > LoadBalancer:ilb", "<nil>", nil},
		{"no member at all", build(false), q("client", "ilb", tcp, 443),
			"Unreachable Dropped/NoListener LoadBalancerRule=rule", "Nic:client-nic > LoadBalancer:ilb", "<nil>", nil},
	}
	runCases(t, cases)
	a, err := Run(build(false, "10.0.1.77")().plane(), q("client", "ilb", tcp, 443))
	if err != nil {
		t.Fatal(err)
	}
	if d := a.Forward.Hops[len(a.Forward.Hops)-1].Steps; !strings.Contains(d[len(d)-1].Detail, "members are IP addresses [10.0.1.77], which the snapshot does not tie to a NIC") {
		t.Errorf("drop detail %q", d[len(d)-1].Detail)
	}
	a, err = Run(build(true, "10.0.1.77")().plane(), q("client", "ilb", tcp, 443))
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdict != Reachable || !slices.ContainsFunc(a.Assumptions, func(s string) bool { return strings.Contains(s, "also lists IP addresses [10.0.1.77]") }) {
		t.Errorf("NIC member and an address: %s, assumptions %q", summary(a), a.Assumptions)
	}
}
