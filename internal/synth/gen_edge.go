package synth

import "fmt"

// Private endpoints, their targets, the hub firewall and the VPN gateway of the synthetic
// estate.

var peKinds = []struct{ provider, typ, group, suffix string }{
	{"Microsoft.Storage", "storageAccounts", "blob", "blob.core.windows.net"},
	{"Microsoft.Storage", "storageAccounts", "file", "file.core.windows.net"},
	{"Microsoft.Sql", "servers", "sqlServer", "database.windows.net"},
	{"Microsoft.KeyVault", "vaults", "vault", "vault.azure.net"},
}

// privateEndpoints puts four in five endpoints in the hub's snet-shared and the rest in the
// spokes' snet-pe (the hub takes the overflow of full spokes and vice versa).
func (g *gen) privateEndpoints() (pes, targets []O) {
	r := g.rng(4)
	var specs []peSpec
	hubUsed, spokeUsed := 0, 0
	for i := 0; i < g.cfg.PrivateEndpoints; i++ {
		kind := peKinds[r.IntN(len(peKinds))]
		name := fmt.Sprintf("pe%04d", i)
		target := armID(synthHubSub, "rg-paas", kind.provider, kind.typ, fmt.Sprintf("paas%04d", i))
		s := peSpec{name: name + "-" + kind.group, location: weu, target: target, group: kind.group,
			fqdn: fmt.Sprintf("paas%04d.%s", i, kind.suffix), status: "Approved"}
		if r.IntN(20) == 0 {
			s.status = "Pending"
		}
		spokeFull := spokeUsed >= g.plan.spokes*g.plan.usable
		if g.plan.spokes == 0 || spokeFull || (i%5 != 4 && hubUsed < hubSharedN) {
			s.subnet = synthHubVNet + "/subnets/snet-shared"
			s.ip = g.alloc(s.subnet, hubShared)
			s.id = synthHubNet("privateEndpoints", s.name)
			hubUsed++
		} else {
			k := spokeUsed % g.plan.spokes
			s.subnet = g.spokeID[k] + "/subnets/snet-pe"
			s.ip = g.alloc(s.subnet, g.plan.subnetPrefix(k, 2))
			s.id = netID(spokeSub(k), spokeRG(k), "privateEndpoints", s.name)
			spokeUsed++
		}
		specs = append(specs, s)
		targets = append(targets, paasTarget(kind.provider+"/"+kind.typ, target, s.fqdn))
	}
	for _, s := range specs {
		pes = append(pes, s.render())
	}
	for _, s := range specs {
		pes = append(pes, s.renderNIC())
	}
	return pes, targets
}

func paasTarget(typ, id, fqdn string) O {
	return resource(nameOf(id), id, typ, weu, O{{"provisioningState", "Succeeded"},
		{"publicNetworkAccess", "Disabled"}, {"endpoint", "https://" + fqdn + "/"}})
}

var (
	synthFwID     = synthHubNet("azureFirewalls", "afw-hub")
	synthPolicyID = synthHubNet("firewallPolicies", "afwp-hub")
	synthIPGHub   = synthHubNet("ipGroups", "ipg-hub")
	synthIPGSpoke = synthHubNet("ipGroups", "ipg-spokes")
)

// firewall is a Standard firewall with a policy: DNAT-free, spoke-to-spoke and on-premises
// network rules over IP groups, and web application rules.
func (g *gen) firewall() []O {
	cfg := child("ipconfig1", synthFwID+"/azureFirewallIpConfigurations/ipconfig1",
		"Microsoft.Network/azureFirewalls/azureFirewallIpConfigurations",
		succeeded().Set("privateIPAddress", synthFwIP).Set("subnet", ref(synthHubVNet+"/subnets/AzureFirewallSubnet")).
			Set("publicIPAddress", ref(synthHubNet("publicIPAddresses", "pip-afw-hub"))))
	fw := resource("afw-hub", synthFwID, "Microsoft.Network/azureFirewalls", weu, succeeded().
		Set("sku", O{{"name", "AZFW_VNet"}, {"tier", "Standard"}}).Set("threatIntelMode", "Alert").
		Set("ipConfigurations", []O{cfg}).Set("firewallPolicy", ref(synthPolicyID)))
	net := O{{"name", "rcg-network"}, {"id", synthPolicyID + "/ruleCollectionGroups/rcg-network"},
		{"type", "Microsoft.Network/firewallPolicies/ruleCollectionGroups"}, {"properties", succeeded().
			Set("priority", 200).Set("ruleCollections", []O{
			collection("FirewallPolicyFilterRuleCollection", "net-spokes", 100, "Allow",
				netRule("spoke-to-spoke", l("TCP", "UDP"), l(synthIPGSpoke), l(synthIPGSpoke), l("443", "1433", "5432")),
				netRule("spokes-to-hub", l("Any"), l(synthIPGSpoke), l(synthIPGHub), l("*")),
				netRule("onprem", l("Any"), l("192.168.0.0/16"), l(synthIPGSpoke), l("*")))})}}
	app := O{{"name", "rcg-application"}, {"id", synthPolicyID + "/ruleCollectionGroups/rcg-application"},
		{"type", "Microsoft.Network/firewallPolicies/ruleCollectionGroups"}, {"properties", succeeded().
			Set("priority", 300).Set("ruleCollections", []O{
			collection("FirewallPolicyFilterRuleCollection", "app-web", 100, "Allow",
				appRule("azure-storage", l(synthIPGSpoke), []O{proto("Https", 443)}, l("*.blob.core.windows.net"), nil),
				appRule("updates", l(synthIPGSpoke), []O{proto("Http", 80), proto("Https", 443)}, nil, l("WindowsUpdate")))})}}
	policy := resource("afwp-hub", synthPolicyID, "Microsoft.Network/firewallPolicies", weu, succeeded().
		Set("sku", O{{"tier", "Standard"}}).Set("threatIntelMode", "Alert").
		Set("dnsSettings", O{{"servers", []any{}}, {"enableProxy", true}}).
		Set("ruleCollectionGroups", refs(net[1].V.(string), app[1].V.(string))).Set("firewalls", refs(synthFwID)))
	ipg := func(id, prefix string) O {
		return resource(nameOf(id), id, "Microsoft.Network/ipGroups", weu, succeeded().
			Set("ipAddresses", strs(prefix)).Set("firewallPolicies", refs(synthPolicyID)))
	}
	return []O{fw, policy, net, app, ipg(synthIPGHub, "10.0.0.0/16"), ipg(synthIPGSpoke, "10.64.0.0/10")}
}

func (g *gen) edge() []O {
	vgw := synthHubNet("virtualNetworkGateways", "vgw-hub")
	lng := synthHubNet("localNetworkGateways", "lng-onprem")
	cfg := child("default", vgw+"/ipConfigurations/default", "Microsoft.Network/virtualNetworkGateways/ipConfigurations",
		succeeded().Set("privateIPAllocationMethod", "Dynamic").
			Set("publicIPAddress", ref(synthHubNet("publicIPAddresses", "pip-vgw-hub"))).
			Set("subnet", ref(synthHubVNet+"/subnets/GatewaySubnet")))
	return []O{
		publicIP(synthHubNet("publicIPAddresses", "pip-afw-hub"), weu, "20.103.50.10"),
		publicIP(synthHubNet("publicIPAddresses", "pip-vgw-hub"), weu, "20.103.50.20"),
		resource("vgw-hub", vgw, "Microsoft.Network/virtualNetworkGateways", weu, succeeded().
			Set("ipConfigurations", []O{cfg}).Set("sku", O{{"name", "VpnGw2AZ"}, {"tier", "VpnGw2AZ"}}).
			Set("gatewayType", "Vpn").Set("vpnType", "RouteBased").Set("enableBgp", false).Set("activeActive", false).
			Set("bgpSettings", O{{"asn", 65515}, {"bgpPeeringAddress", "10.0.2.30"}, {"peerWeight", 0}})),
		resource("lng-onprem", lng, "Microsoft.Network/localNetworkGateways", weu, succeeded().
			Set("localNetworkAddressSpace", O{{"addressPrefixes", strs("192.168.0.0/16")}}).
			Set("gatewayIpAddress", "203.0.113.10")),
		resource("cn-hub-to-onprem", synthHubNet("connections", "cn-hub-to-onprem"), "Microsoft.Network/connections", weu,
			succeeded().Set("virtualNetworkGateway1", ref(vgw)).Set("localNetworkGateway2", ref(lng)).
				Set("connectionType", "IPsec").Set("sharedKey", sharedKey).Set("connectionStatus", "Connected")),
	}
}
