package trace

import (
	"slices"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// A Gateway LB frontend named by two rules (Azure allows one) sends to the pool with the lowest ID,
// whichever rule the snapshot lists first: the NVA a trace crosses does not follow input order.
func TestGatewayLBPoolDoesNotFollowRuleOrder(t *testing.T) {
	build := func(reversed bool) *net {
		return edgeNet(func(n *net, s *model.Subnet, vm *model.IPConfig) {
			nvaS := n.subnet(n.VNets[0], "snet-gwlb", "10.0.6.0/24")
			g := addLB(n, "lb-gwlb", "Gateway", nil, nvaS, "10.0.6.10", model.ProtoAny, 0, n.vm(nvaS, "nva-b", "10.0.6.5"))
			second := &model.BackendPool{ID: g.ID + "/backendAddressPools/a-pool", Name: "a-pool", LB: g,
				IPConfigs: []*model.IPConfig{n.vm(nvaS, "nva-a", "10.0.6.4")}}
			g.BackendPools = append(g.BackendPools, second)
			g.Rules = append(g.Rules, &model.LBRule{Name: "rule2", Frontend: g.Frontends[0], Pool: second, Protocol: model.ProtoAny})
			if reversed {
				slices.Reverse(g.Rules)
			}
			pub := addLB(n, "lb-web", "Standard", n.pip("pip-lb", "20.0.0.30"), nil, "", tcp, 443, vm)
			pub.Frontends[0].GatewayLB = g.Frontends[0]
		})()
	}
	for _, reversed := range []bool{false, true} {
		a, err := Run(build(reversed).plane(), q("internet:198.51.100.7", "pip-lb", tcp, 443))
		if err != nil {
			t.Fatal(err)
		}
		want := "Internet:internet > GatewayLoadBalancer:lb-gwlb > Appliance:nva-a-nic > GatewayLoadBalancer:lb-gwlb > LoadBalancer:lb-web > Nic:vm1-nic"
		if got := path(a.Forward); got != want {
			t.Errorf("rules reversed %v: forward %q, want %q (a-pool, the lower ID)", reversed, got, want)
		}
	}
}

// Assumptions come out sorted, not in the order the walk met the rules that caused them.
func TestAssumptionsAreSorted(t *testing.T) {
	build := func(reversed bool) *net {
		return edgeNet(func(n *net, s *model.Subnet, vm *model.IPConfig) {
			s.NSG = n.nsg("nsg-app", "b-rule 100 In Allow Tcp NoSuchTagB * 443", "a-rule 110 In Allow Tcp NoSuchTagA * 443",
				"allow-https 120 In Allow Tcp * * 443")
			if reversed {
				slices.Reverse(s.NSG.Rules)
			}
			c := n.vm(n.subnet(n.VNets[0], "snet-client", "10.0.2.0/24"), "client", "10.0.2.4")
			_ = c
		})()
	}
	var first []string
	for _, reversed := range []bool{false, true} {
		a, err := Run(build(reversed).plane(), q("client", "vm1", tcp, 443))
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Assumptions) < 2 || !slices.IsSorted(a.Assumptions) {
			t.Errorf("rules reversed %v: assumptions %q, want at least two, sorted", reversed, a.Assumptions)
		}
		if first == nil {
			first = a.Assumptions
		} else if !slices.Equal(first, a.Assumptions) {
			t.Errorf("assumptions depend on rule order:\n%q\n%q", first, a.Assumptions)
		}
	}
}
