package trace

import (
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// fwHub is newHubSpoke with an Azure Firewall (10.0.0.4, public 20.0.0.10) as the spokes' next hop.
func fwHub(mut func(h *hubSpoke, fw *model.Firewall)) func() *net {
	return func() *net {
		h := newHubSpoke()
		h.h1.AllowForwardedTraffic, h.h2.AllowForwardedTraffic = true, true
		s := h.n.subnet(h.hub, "AzureFirewallSubnet", "10.0.0.0/26")
		fw := h.n.firewall(s, "afw", "10.0.0.4", []*model.PublicIP{h.n.pip("pip-afw", "20.0.0.10")},
			netRules("spokes", 100, model.FwAllow, netRule("s1-to-s2", "10.1.0.0/16", "10.2.0.0/16", "443", tcp),
				netRule("web", "10.1.0.0/16", "*", "80", tcp)))
		h.sn1.RouteTable.Routes = []*model.Route{udr("to-spoke2", "10.2.0.0/16", "VirtualAppliance 10.0.0.4"), udr("default", "0.0.0.0/0", "VirtualAppliance 10.0.0.4")}
		h.sn2.RouteTable.Routes = []*model.Route{udr("to-spoke1", "10.1.0.0/16", "VirtualAppliance 10.0.0.4")}
		if mut != nil {
			mut(h, fw)
		}
		return h.n
	}
}

func TestFirewall(t *testing.T) {
	dnsServers := func(nsgRule string) func(h *hubSpoke, fw *model.Firewall) {
		return func(h *hubSpoke, fw *model.Firewall) {
			s := h.n.subnet(h.hub, "snet-dns", "10.0.3.0/24")
			h.n.vm(s, "dns1", "10.0.3.4")
			s.NSG = h.n.nsg("nsg-dns", nsgRule, "deny-rest 200 In Deny * * * *")
			fw.DNSProxy = true
		}
	}
	cases := []tcase{
		{"network rule spoke to spoke", fwHub(nil), q("vm1", "vm2", tcp, 443),
			"Reachable Delivered FirewallNetworkRule=spokes/s1-to-s2 | Delivered FirewallNetworkRule=spokes/s1-to-s2",
			"Nic:vm1-nic > Firewall:afw > Nic:vm2-nic", "Nic:vm2-nic > Firewall:afw > Nic:vm1-nic", nil},
		{"default deny", fwHub(nil), q("vm1", "vm2", tcp, 22),
			"Unreachable Dropped/FirewallDenied FirewallApplicationRule=DefaultDeny", "Nic:vm1-nic > Firewall:afw", "<nil>", nil},
		{"reply bypasses the firewall", fwHub(func(h *hubSpoke, _ *model.Firewall) { h.sn2.RouteTable = nil; h.n.peer(h.s1, h.s2, false, false) }),
			q("vm1", "vm2", tcp, 443),
			"Unreachable Delivered FirewallNetworkRule=spokes/s1-to-s2 | Delivered Route=System Route",
			"Nic:vm1-nic > Firewall:afw > Nic:vm2-nic", "Nic:vm2-nic > Nic:vm1-nic", []string{"AsymmetricReturn"}},
		{"internet egress through the firewall public IP", fwHub(nil), q("vm1", "internet:93.184.216.34", tcp, 80),
			"Reachable ExitedToInternet FirewallNetworkRule=spokes/web | Delivered FirewallNetworkRule=spokes/web",
			"Nic:vm1-nic > Firewall:afw > Internet:internet", "Internet:internet > Firewall:afw > Nic:vm1-nic", nil},
		{"NAT gateway on the firewall subnet", fwHub(func(h *hubSpoke, fw *model.Firewall) { h.n.natgw("ng-fw", h.n.pip("pip-ng", "20.0.0.20"), fw.Subnet) }),
			q("vm1", "internet:93.184.216.34", tcp, 80),
			"Reachable ExitedToInternet FirewallNetworkRule=spokes/web | Delivered FirewallNetworkRule=spokes/web",
			"Nic:vm1-nic > Firewall:afw > NatGateway:ng-fw > Internet:internet", "Internet:internet > NatGateway:ng-fw > Firewall:afw > Nic:vm1-nic", nil},
		{"DNS proxy upstream allows only the frontend", fwHub(dnsServers("allow-fw 100 In Allow * 10.0.0.4 * 53")),
			q("afw", "dns1", udp, 53),
			"Unreachable Dropped/NsgDenied NsgInbound=securityRules/deny-rest", "Firewall:afw > Nic:dns1-nic", "<nil>", nil},
		{"DNS proxy upstream allows half the instances", fwHub(dnsServers("allow-fw 100 In Allow * 10.0.0.0/27 * 53")),
			q("afw", "dns1", udp, 53),
			"Intermittent Delivered NsgInbound=securityRules/deny-rest | Delivered Route=System Route", "Firewall:afw > Nic:dns1-nic",
			"Nic:dns1-nic > Firewall:afw", []string{"IntermittentFirewallSource"}},
		{"DNS proxy upstream allows the subnet", fwHub(dnsServers("allow-fw 100 In Allow * 10.0.0.0/26 * 53")),
			q("afw", "dns1", udp, 53),
			"Reachable Delivered NsgInbound=securityRules/allow-fw | Delivered Route=System Route", "Firewall:afw > Nic:dns1-nic",
			"Nic:dns1-nic > Firewall:afw", nil},
	}
	runCases(t, cases)
}

func TestFirewallTranslation(t *testing.T) {
	dnat := func(nsgRule string) func() *net {
		return fwHub(func(h *hubSpoke, fw *model.Firewall) {
			fw.Classic = append(fw.Classic, &model.RuleCollection{Name: "dnat", Priority: 100, Kind: model.NATRules, Action: model.FwDNAT,
				Rules: []*model.FirewallRule{{Name: "web", Protocols: []model.Protocol{tcp}, Sources: []string{"*"}, Destinations: []string{"20.0.0.10"},
					DestPorts: []model.PortRange{{Lo: 443, Hi: 443}}, TranslatedAddress: ip("10.2.1.4"), TranslatedPort: 8443}}})
			h.sn2.NSG = h.n.nsg("nsg2", nsgRule, "deny-rest 200 In Deny * * * *")
		})
	}
	pe := func(app bool) func() *net {
		return fwHub(func(h *hubSpoke, fw *model.Firewall) {
			s := h.n.subnet(h.s2, "snet-pe", "10.2.2.0/24")
			h.n.pe(s, "pe-sql", "10.2.2.5", "Approved")
			if app {
				fw.Classic = []*model.RuleCollection{{Name: "apps", Priority: 100, Kind: model.ApplicationRules, Action: model.FwAllow,
					Rules: []*model.FirewallRule{{Name: "sql", Sources: []string{"10.1.0.0/16"}, AppProtocols: []model.AppProtocol{{Type: "Mssql", Port: 1433}},
						TargetFQDNs: []string{"*.database.windows.net"}}}}}
			} else {
				fw.Classic[0].Rules = append(fw.Classic[0].Rules, netRule("sql", "10.1.0.0/16", "10.2.2.5", "1433", tcp))
			}
		})
	}
	cases := []tcase{
		{"DNAT to a VM whose NSG admits the firewall subnet", dnat("allow-fw 100 In Allow Tcp 10.0.0.0/26 * 8443"), q("internet:198.51.100.7", "20.0.0.10", tcp, 443),
			"Reachable Delivered NsgInbound=securityRules/allow-fw | ExitedToInternet FirewallDnat=dnat/web",
			"Internet:internet > Firewall:afw > Nic:vm2-nic", "Nic:vm2-nic > Firewall:afw > Internet:internet", nil},
		{"DNAT to a VM whose NSG admits only the client", dnat("allow-client 100 In Allow Tcp 198.51.100.7 * 8443"), q("internet:198.51.100.7", "pip-afw", tcp, 443),
			"Unreachable Dropped/NsgDenied NsgInbound=securityRules/deny-rest", "Internet:internet > Firewall:afw > Nic:vm2-nic", "<nil>", nil},
		{"network rule to a private endpoint keeps the source", pe(false), Query{From: "vm1", To: "pe-sql", Protocol: tcp, DestinationPort: 1433},
			"Unreachable Delivered FirewallNetworkRule=spokes/sql | Dropped/NextHopNone Route=System Route",
			"Nic:vm1-nic > Firewall:afw > PrivateEndpoint:pe-sql", "PrivateEndpoint:pe-sql", []string{"AsymmetricReturn"}},
		{"application rule to a private endpoint SNATs", pe(true), Query{From: "vm1", To: "pe-sql", Protocol: tcp, DestinationPort: 1433, FQDN: "sql1.database.windows.net"},
			"Reachable Delivered FirewallApplicationRule=apps/sql | Delivered FirewallApplicationRule=apps/sql",
			"Nic:vm1-nic > Firewall:afw > PrivateEndpoint:pe-sql", "PrivateEndpoint:pe-sql > Firewall:afw > Nic:vm1-nic", nil},
		{"application rule without --fqdn", pe(true), Query{From: "vm1", To: "pe-sql", Protocol: tcp, DestinationPort: 1433},
			"Unknown Unknown/InsufficientInformation FirewallApplicationRule=", "Nic:vm1-nic > Firewall:afw", "<nil>", nil},
		// [FWSNAT]: with 0.0.0.0/0 as private range the firewall never SNATs network-rule traffic
		// "and can't route traffic directly to the Internet".
		{"never-SNAT ranges keep internet egress private", fwHub(func(_ *hubSpoke, fw *model.Firewall) { fw.SNATPrivateRanges = []string{"0.0.0.0/0"} }),
			q("vm1", "internet:93.184.216.34", tcp, 80),
			"Unreachable Dropped/NoOutboundAccess Snat=", "Nic:vm1-nic > Firewall:afw", "<nil>", nil},
	}
	runCases(t, cases)
}

func TestFirewallPolicyAndHAPorts(t *testing.T) {
	policy := func(parentDeny bool) func() *net {
		return fwHub(func(h *hubSpoke, fw *model.Firewall) {
			fw.Classic = nil
			action := model.FwAllow
			if parentDeny {
				action = model.FwDeny
			}
			base := &model.FirewallPolicy{ID: "/firewallPolicies/base", Name: "base", Groups: []*model.RuleCollectionGroup{{
				ID: "/firewallPolicies/base/ruleCollectionGroups/rcg-base", Name: "rcg-base", Priority: 900,
				Collections: []*model.RuleCollection{netRules("corp", 900, action, netRule("no-443", "*", "10.2.0.0/16", "443", tcp))}}}}
			child := &model.FirewallPolicy{ID: "/firewallPolicies/child", Name: "child", Base: base, Groups: []*model.RuleCollectionGroup{{
				ID: "/firewallPolicies/child/ruleCollectionGroups/rcg-app", Name: "rcg-app", Priority: 100,
				Collections: []*model.RuleCollection{netRules("spokes", 100, model.FwAllow, netRule("s1-to-s2", "10.1.0.0/16", "10.2.0.0/16", "443", tcp))}}}}
			h.n.FirewallPolicies = append(h.n.FirewallPolicies, base, child)
			fw.Policy = child
		})
	}
	haPorts := func() *net {
		h := newHubSpoke()
		h.toH1.AllowForwardedTraffic, h.h1.AllowForwardedTraffic, h.h2.AllowForwardedTraffic = true, true, true
		addLB(h.n, "ilb-nva", "Standard", nil, h.hub.Subnets[0], "10.0.1.100", model.ProtoAny, 0, h.nva)
		h.sn1.RouteTable.Routes[0].NextHopIP = ip("10.0.1.100")
		h.sn2.RouteTable.Routes[0].NextHopIP = ip("10.0.1.100")
		return h.n
	}
	cases := []tcase{
		{"parent policy deny comes first", policy(true), q("vm1", "vm2", tcp, 443),
			"Unreachable Dropped/FirewallDenied FirewallNetworkRule=rcg-base/corp/no-443", "Nic:vm1-nic > Firewall:afw", "<nil>", nil},
		{"child rule applies when the parent allows", policy(false), q("vm1", "vm2", tcp, 443),
			"Reachable Delivered FirewallNetworkRule=rcg-base/corp/no-443 | Delivered FirewallNetworkRule=rcg-base/corp/no-443",
			"Nic:vm1-nic > Firewall:afw > Nic:vm2-nic", "Nic:vm2-nic > Firewall:afw > Nic:vm1-nic", nil},
		{"internal LB with HA ports as next hop", haPorts, q("vm1", "vm2", tcp, 443),
			"Reachable Delivered LoadBalancerRule=rule | Delivered LoadBalancerRule=rule",
			"Nic:vm1-nic > LoadBalancer:ilb-nva > Appliance:nva-nic > Nic:vm2-nic", "Nic:vm2-nic > LoadBalancer:ilb-nva > Appliance:nva-nic > Nic:vm1-nic", nil},
	}
	runCases(t, cases)
}
