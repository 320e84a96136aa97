package convert

import (
	"strings"
	"testing"
)

// TestPoolNATRuleOfAnotherLB: an inbound NAT rule over a pool names its own load balancer's pool;
// one naming another's (Azure refuses it) is ignored with a warning, in whichever order the load
// balancers come (found by review: the first pass resolved pools of earlier load balancers only).
func TestPoolNATRuleOfAnotherLB(t *testing.T) {
	const rg = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/"
	lb := func(name, natPool string) string {
		nat := ""
		if natPool != "" {
			nat = `,"inboundNatRules":[{"name":"ssh","id":"` + rg + name + `/inboundNatRules/ssh","properties":{"protocol":"Tcp",` +
				`"frontendPortRangeStart":50000,"frontendPortRangeEnd":50009,"backendPort":22,"backendAddressPool":{"id":"` + rg + natPool + `/backendAddressPools/be"}}}]`
		}
		return `{"name":"` + name + `","id":"` + rg + name + `","type":"Microsoft.Network/loadBalancers","properties":{` +
			`"backendAddressPools":[{"name":"be","id":"` + rg + name + `/backendAddressPools/be"}]` + nat + `}}`
	}
	for _, order := range [][2]string{{lb("lb-a", "lb-b"), lb("lb-b", "")}, {lb("lb-b", ""), lb("lb-a", "lb-b")}} {
		n, err := FromBytes("lbs.json", []byte("["+order[0]+","+order[1]+"]"))
		if err != nil {
			t.Fatal(err)
		}
		var warned bool
		for _, w := range n.Warnings {
			warned = warned || (w.Code == "InvalidValue" && strings.Contains(w.Message, "of another load balancer"))
			if strings.Contains(w.Message, "not in the snapshot") {
				t.Errorf("a pool in the snapshot is reported missing: %s", w.Message)
			}
		}
		for _, l := range n.LoadBalancers {
			for _, r := range l.InboundNATRules {
				if r.Pool != nil {
					t.Errorf("%s/%s takes pool %s of another load balancer", l.Name, r.Name, r.Pool.ID)
				}
			}
		}
		if !warned {
			t.Errorf("no warning for the rule naming another load balancer's pool: %v", n.Warnings)
		}
	}
}
