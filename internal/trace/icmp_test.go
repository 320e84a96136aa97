package trace

import (
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// TestICMPIgnoresPortRules: ICMP has no ports, so neither an NSG rule nor a firewall network
// rule that restricts ports matches it (acl's DECISION; [FWRP] "If a destination port is
// explicitly configured, then the rule is translated to a TCP+UDP rule"), and no step prints a
// port for it.
func TestICMPIgnoresPortRules(t *testing.T) {
	nsgDenies443 := func() *net {
		n := newNet()
		s := n.subnet(n.vnet("v", "10.0.0.0/16"), "s", "10.0.1.0/24")
		n.vm(s, "a", "10.0.1.4")
		n.vm(s, "b", "10.0.1.5")
		s.NSG = n.nsg("nsg-s", "deny-443 100 In Deny * * * 443")
		return n
	}
	fwAllows443 := fwHub(func(h *hubSpoke, fw *model.Firewall) {
		fw.Classic[0].Rules = append(fw.Classic[0].Rules, netRule("any-443", "10.1.0.0/16", "10.2.0.0/16", "443", model.ProtoAny))
	})
	icmp := model.ProtoICMP
	cases := []tcase{
		{"NSG Any/443 deny does not match ICMP", nsgDenies443, q("a", "b", icmp, 443),
			"Reachable Delivered NsgInbound=defaultSecurityRules/AllowVnetInBound | Delivered Route=System Route",
			"Nic:a-nic > Nic:b-nic", "Nic:b-nic > Nic:a-nic", nil},
		{"NSG Any/443 deny still matches TCP", nsgDenies443, q("a", "b", tcp, 443),
			"Unreachable Dropped/NsgDenied NsgInbound=securityRules/deny-443", "Nic:a-nic > Nic:b-nic", "<nil>", nil},
		{"firewall Any/443 allow does not match ICMP", fwAllows443, q("vm1", "vm2", icmp, 443),
			"Unreachable Dropped/FirewallDenied FirewallApplicationRule=DefaultDeny", "Nic:vm1-nic > Firewall:afw", "<nil>", nil},
		{"firewall Any/443 allow matches UDP", fwAllows443, q("vm1", "vm2", udp, 443),
			"Reachable Delivered FirewallNetworkRule=spokes/any-443 | Delivered FirewallNetworkRule=spokes/any-443",
			"Nic:vm1-nic > Firewall:afw > Nic:vm2-nic", "Nic:vm2-nic > Firewall:afw > Nic:vm1-nic", nil},
	}
	runCases(t, cases)
	a, err := Run(nsgDenies443().plane(), q("a", "b", icmp, 443))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range a.Forward.Hops {
		for _, s := range h.Steps {
			if strings.Contains(s.Detail, "Icmp/") {
				t.Errorf("step %s prints a port for ICMP: %q", s.Step, s.Detail)
			}
		}
	}
}
