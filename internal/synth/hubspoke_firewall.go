package synth

// The hub's Azure Firewall (Standard) with a Firewall Policy: DNS proxy to the hub DNS
// servers (seed case 1), DNAT to vm-web1, spoke-to-spoke and on-premises network rules
// including one to a private endpoint without SNAT (seed case 2), application rules for
// blob storage and OS updates, and a single public IP with no NAT gateway on
// AzureFirewallSubnet (seed case 5: 2 instances x 2,496 ports = 4,992 SNAT ports).

const fwPublicIP = "20.103.50.10"

var (
	fwID     = hubNet("azureFirewalls", "afw-hub")
	policyID = hubNet("firewallPolicies", "afwp-hub")
	ipgApp   = hubNet("ipGroups", "ipg-spoke-app")
	ipgData  = hubNet("ipGroups", "ipg-spoke-data")
	// ipgDataSrv is snet-data only: spoke-app reaches the data servers, not the private
	// endpoints next to them (only app-to-sql-pe does, seed case 2).
	ipgDataSrv = hubNet("ipGroups", "ipg-data-servers")
)

func hubSpokeFirewall() []O {
	cfg := child("ipconfig1", fwID+"/azureFirewallIpConfigurations/ipconfig1",
		"Microsoft.Network/azureFirewalls/azureFirewallIpConfigurations",
		succeeded().Set("privateIPAddress", fwIP).Set("subnet", ref(snet(vnetHub, "AzureFirewallSubnet"))).
			Set("publicIPAddress", ref(hubNet("publicIPAddresses", "pip-afw-hub"))))
	fw := O{{"name", "afw-hub"}, {"id", fwID}, {"type", "Microsoft.Network/azureFirewalls"}, {"location", weu},
		{"zones", strs("1", "2", "3")}, {"properties", succeeded().
			Set("sku", O{{"name", "AZFW_VNet"}, {"tier", "Standard"}}).Set("threatIntelMode", "Alert").
			Set("additionalProperties", O{}).Set("ipConfigurations", []O{cfg}).
			Set("networkRuleCollections", []any{}).Set("applicationRuleCollections", []any{}).
			Set("natRuleCollections", []any{}).Set("firewallPolicy", ref(policyID))}}
	groups := []O{rcgDNAT(), rcgNetwork(), rcgApplication()}
	groupRefs := make([]any, len(groups))
	for i, g := range groups {
		groupRefs[i] = ref(g[1].V.(string))
	}
	policy := O{{"name", "afwp-hub"}, {"id", policyID}, {"type", "Microsoft.Network/firewallPolicies"},
		{"location", weu}, {"properties", succeeded().
			Set("sku", O{{"tier", "Standard"}}).Set("threatIntelMode", "Alert").
			Set("dnsSettings", O{{"servers", strs("10.0.3.4", "10.0.3.5")}, {"enableProxy", true},
				{"requireProxyForNetworkRules", true}}).
			Set("snat", O{{"privateRanges", strs("IANAPrivateRanges")}}).
			Set("ruleCollectionGroups", groupRefs).Set("firewalls", refs(fwID)).
			Set("childPolicies", []any{})}}
	res := []O{fw, policy}
	res = append(res, groups...)
	for _, g := range []struct{ id, prefix string }{{ipgApp, "10.1.0.0/16"}, {ipgData, "10.2.0.0/16"}, {ipgDataSrv, "10.2.1.0/24"}} {
		res = append(res, resource(nameOf(g.id), g.id, "Microsoft.Network/ipGroups", weu, succeeded().
			Set("ipAddresses", strs(g.prefix)).Set("firewalls", []any{}).Set("firewallPolicies", refs(policyID))))
	}
	return res
}

func rcg(name string, prio int, collections ...O) O {
	id := policyID + "/ruleCollectionGroups/" + name
	return O{{"name", name}, {"id", id}, {"type", "Microsoft.Network/firewallPolicies/ruleCollectionGroups"},
		{"properties", succeeded().Set("priority", prio).Set("ruleCollections", collections)}}
}

func collection(kind, name string, prio int, action string, rules ...O) O {
	return O{{"ruleCollectionType", kind}, {"name", name}, {"priority", prio},
		{"action", O{{"type", action}}}, {"rules", rules}}
}

// netRule is a NetworkRule; src/dst entries starting with "/subscriptions/" are IP groups.
func netRule(name string, protos, src, dst, ports []string) O {
	r := O{{"ruleType", "NetworkRule"}, {"name", name}, {"ipProtocols", strs(protos...)}}
	r = addrOrGroups(r, "sourceAddresses", "sourceIpGroups", src)
	r = addrOrGroups(r, "destinationAddresses", "destinationIpGroups", dst)
	return r.Set("destinationFqdns", []any{}).Set("destinationPorts", strs(ports...))
}

func addrOrGroups(r O, addrKey, groupKey string, vals []string) O {
	var addrs, groups []string
	for _, v := range vals {
		if len(v) > 0 && v[0] == '/' {
			groups = append(groups, v)
		} else {
			addrs = append(addrs, v)
		}
	}
	return r.Set(addrKey, strs(addrs...)).Set(groupKey, strs(groups...))
}

func rcgDNAT() O {
	web := O{{"ruleType", "NatRule"}, {"name", "web-https"}, {"ipProtocols", strs("TCP")},
		{"sourceAddresses", strs("*")}, {"sourceIpGroups", []any{}}, {"destinationAddresses", strs(fwPublicIP)},
		{"destinationPorts", strs("443")}, {"translatedAddress", "10.1.1.4"}, {"translatedPort", "443"}}
	return rcg("rcg-dnat", 100, collection("FirewallPolicyNatRuleCollection", "dnat-inbound-web", 100, "DNAT", web))
}

func rcgNetwork() O {
	spokes := l(ipgApp, ipgData)
	return rcg("rcg-network", 200,
		collection("FirewallPolicyFilterRuleCollection", "net-private-endpoints", 100, "Allow",
			// Seed case 2: allowed without SNAT (private destination), so the endpoint's
			// reply bypasses the firewall.
			netRule("app-to-sql-pe", l("TCP"), l("10.1.2.0/24"), l("10.2.2.5"), l("1433"))),
		collection("FirewallPolicyFilterRuleCollection", "net-spoke-to-spoke", 200, "Allow",
			netRule("app-to-data", l("TCP"), l(ipgApp), l(ipgDataSrv), l("443", "5432")),
			netRule("data-to-app", l("TCP"), l(ipgData), l(ipgApp), l("443")),
			netRule("icmp-between-spokes", l("ICMP"), spokes, spokes, l("*"))),
		collection("FirewallPolicyFilterRuleCollection", "net-onprem", 300, "Allow",
			netRule("onprem-to-spokes", l("Any"), l("192.168.0.0/16"), spokes, l("*")),
			netRule("spokes-to-onprem", l("Any"), spokes, l("192.168.0.0/16"), l("*"))),
		collection("FirewallPolicyFilterRuleCollection", "net-deny-legacy", 400, "Deny",
			netRule("deny-telnet", l("TCP"), l("*"), l("*"), l("23"))))
}

func appRule(name string, src []string, protos []O, fqdns, tags []string) O {
	p := make([]any, len(protos))
	for i, x := range protos {
		p[i] = x
	}
	r := O{{"ruleType", "ApplicationRule"}, {"name", name}}
	r = addrOrGroups(r, "sourceAddresses", "sourceIpGroups", src)
	return r.Set("protocols", p).Set("targetFqdns", strs(fqdns...)).Set("fqdnTags", strs(tags...)).
		Set("webCategories", []any{}).Set("targetUrls", []any{}).Set("terminateTLS", false)
}

func proto(t string, port int) O { return O{{"protocolType", t}, {"port", port}} }

func rcgApplication() O {
	https, http := proto("Https", 443), proto("Http", 80)
	spokes := l("10.1.0.0/16", "10.2.0.0/16")
	return rcg("rcg-application", 300,
		collection("FirewallPolicyFilterRuleCollection", "app-azure-storage", 100, "Allow",
			appRule("allow-blob", l(ipgApp, ipgData), []O{https}, l("*.blob.core.windows.net"), nil)),
		collection("FirewallPolicyFilterRuleCollection", "app-os-updates", 200, "Allow",
			appRule("windows-update", spokes, []O{http, https}, nil, l("WindowsUpdate")),
			appRule("ubuntu-archive", spokes, []O{http}, l("archive.ubuntu.com", "security.ubuntu.com"), nil)))
}
