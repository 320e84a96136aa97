package synth

// NSGs, application security groups, route tables and the Virtual Network Manager
// security admin configuration of the example.

func in(name string, prio int, allow bool, proto string, src, dst, ports []string) ruleSpec {
	return ruleSpec{name: name, priority: prio, inbound: true, allow: allow, proto: proto, src: src, dst: dst, dstPorts: ports}
}

func out(name string, prio int, allow bool, proto string, src, dst, ports []string) ruleSpec {
	r := in(name, prio, allow, proto, src, dst, ports)
	r.inbound = false
	return r
}

func l(s ...string) []string { return s }

// hubSpokeNSGs renders the example's NSGs and the application security groups their rules name.
func hubSpokeNSGs() []O {
	asgWeb, asgApp := appNet("applicationSecurityGroups", "asg-web"), appNet("applicationSecurityGroups", "asg-app")
	nsgs := hubSpokeNSGSpecs(asgWeb, asgApp)
	res := make([]O, 0, len(nsgs)+2)
	for _, n := range nsgs {
		n.name, n.location = nameOf(n.id), weu
		res = append(res, n.render())
	}
	for _, a := range []string{asgWeb, asgApp} {
		res = append(res, resource(nameOf(a), a, "Microsoft.Network/applicationSecurityGroups", weu,
			succeeded().Set("resourceGuid", guid(a))))
	}
	return res
}

// hubSpokeNSGSpecs is the example's NSG rules, kept apart from their rendering because it is
// what a reader compares with the seed cases in examples/hub-spoke/README.md.
func hubSpokeNSGSpecs(asgWeb, asgApp string) []nsgSpec {
	dnsUDP := in("allow-dns-udp-from-firewall", 100, true, "Udp", l(fwIP), l("10.0.3.0/24"), l("53"))
	dnsUDP.desc = "Only the firewall DNS proxy may query the DNS servers"
	fromFw := in("allow-https-from-firewall", 100, true, "Tcp", l("10.0.1.0/26"), l("10.1.1.0/24"), l("443"))
	fromFw.desc = "DNAT traffic arrives from the firewall instance addresses"
	webFromVnet := in("allow-web-from-vnet", 110, true, "Tcp", l("VirtualNetwork"), nil, l("80", "443"))
	webFromVnet.dstASGs = []string{asgWeb}
	appFromWeb := in("allow-8080-from-web", 100, true, "Tcp", nil, nil, l("8080"))
	appFromWeb.srcASGs, appFromWeb.dstASGs = []string{asgWeb}, []string{asgApp}
	ssh := in("allow-ssh-any", 100, true, "Tcp", l("*"), l("*"), l("22"))
	ssh.desc = "TEMP vendor access"
	return []nsgSpec{
		{id: hubNet("networkSecurityGroups", "nsg-hub-dns"), rules: []ruleSpec{dnsUDP,
			in("allow-dns-tcp-from-firewall", 110, true, "Tcp", l(fwIP), l("10.0.3.0/24"), l("53")),
			in("deny-dns-from-anywhere-else", 200, false, "*", l("*"), l("*"), l("53")),
		}},
		{id: hubNet("networkSecurityGroups", "nsg-hub-shared"), rules: []ruleSpec{
			in("allow-https-from-spokes", 100, true, "Tcp", l("10.1.0.0/16", "10.2.0.0/16"), l("10.0.4.0/24"), l("443")),
		}},
		{id: hubNet("networkSecurityGroups", "nsg-hub-nva"), rules: []ruleSpec{
			in("allow-vxlan-from-gwlb", 100, true, "Udp", l("*"), l("10.0.6.0/24"), l("10800", "10801")),
			in("allow-vnet-in", 110, true, "*", l("VirtualNetwork"), l("VirtualNetwork"), nil),
			in("deny-internet-in", 4000, false, "*", l("Internet"), l("*"), nil),
		}},
		{id: appNet("networkSecurityGroups", "nsg-app-web"), rules: []ruleSpec{fromFw, webFromVnet,
			in("deny-internet-in", 4000, false, "*", l("Internet"), l("*"), nil),
		}},
		{id: appNet("networkSecurityGroups", "nsg-app-app"), rules: []ruleSpec{appFromWeb,
			in("allow-from-onprem", 110, true, "Tcp", l("192.168.0.0/16"), l("10.1.2.0/24"), l("443", "8080")),
			in("allow-https-from-spoke-data", 120, true, "Tcp", l("10.2.0.0/16"), l("*"), l("443")),
			in("deny-vnet-in", 4000, false, "*", l("VirtualNetwork"), l("VirtualNetwork"), nil),
			out("deny-smtp-out", 100, false, "Tcp", l("*"), l("Internet"), l("25")),
		}},
		{id: appNet("networkSecurityGroups", "nsg-app-edge"), rules: []ruleSpec{
			in("allow-https-internet", 100, true, "Tcp", l("Internet"), l("10.1.3.0/24"), l("443")),
		}},
		{id: appNet("networkSecurityGroups", "nsg-vm-jump"), rules: []ruleSpec{ssh,
			in("allow-rdp-any", 110, true, "Tcp", l("*"), l("*"), l("3389")),
		}},
		{id: appNet("networkSecurityGroups", "nsg-app-aks"), rules: []ruleSpec{
			in("allow-https-from-firewall", 100, true, "Tcp", l("10.0.1.0/26"), l("10.1.16.0/20"), l("443")),
			in("allow-nodeports-from-vnet", 110, true, "Tcp", l("VirtualNetwork"), l("10.1.16.0/20"), l("30000-32767")),
		}},
		{id: dataNet("networkSecurityGroups", "nsg-data-db"), rules: []ruleSpec{
			in("allow-app-to-db", 100, true, "Tcp", l("10.1.0.0/16"), l("10.2.1.0/24"), l("443", "5432")),
			in("allow-onprem-postgres", 110, true, "Tcp", l("192.168.0.0/16"), l("10.2.1.0/24"), l("5432")),
		}},
		// privateEndpointNetworkPolicies is Disabled on snet-pe: these rules do not filter the endpoints.
		{id: dataNet("networkSecurityGroups", "nsg-data-pe"), rules: []ruleSpec{
			in("allow-sql-from-app", 100, true, "Tcp", l("10.1.2.0/24"), l("10.2.2.0/24"), l("1433")),
			in("allow-https-from-vnet", 110, true, "Tcp", l("VirtualNetwork"), l("*"), l("443")),
		}},
		{id: netID(subMerger, rgMerger, "networkSecurityGroups", "nsg-merger"), rules: []ruleSpec{
			in("allow-rdp-from-contoso", 100, true, "Tcp", l("172.20.0.0/16"), l("*"), l("3389")),
			// Ready for a peering that never completed.
			out("allow-to-corp-hub", 100, true, "*", l("10.1.0.0/24"), l("10.0.0.0/16"), nil),
		}},
	}
}

func hubSpokeRouteTables() []O {
	va := func(name, prefix string) routeSpec { return routeSpec{name, prefix, "VirtualAppliance", fwIP} }
	tables := []routeTableSpec{
		{id: hubNet("routeTables", "rt-hub-gateway"), routes: []routeSpec{
			va("to-spoke-app", "10.1.0.0/16"), va("to-spoke-data", "10.2.0.0/16")}},
		{id: hubNet("routeTables", "rt-hub-shared"), routes: []routeSpec{va("default-to-firewall", "0.0.0.0/0")}},
		{id: appNet("routeTables", "rt-spoke-app"), disableBGP: true, routes: []routeSpec{
			va("default-to-firewall", "0.0.0.0/0"), va("to-spoke-data", "10.2.0.0/16"), va("to-onprem", "192.168.0.0/16"),
			// Broken: the legacy appliance's NIC has enableIPForwarding=false.
			{"to-partner-legacy", "172.16.10.0/24", "VirtualAppliance", "10.0.5.4"}}},
		{id: dataNet("routeTables", "rt-spoke-data"), disableBGP: true, routes: []routeSpec{
			va("default-to-firewall", "0.0.0.0/0"), va("to-spoke-app", "10.1.0.0/16"), va("to-onprem", "192.168.0.0/16")}},
	}
	res := make([]O, len(tables))
	for i, t := range tables {
		t.name, t.location = nameOf(t.id), weu
		res[i] = t.render()
	}
	return res
}

// hubSpokeAVNM is a Virtual Network Manager with one security admin rule that denies RDP
// from the internet to the spokes (spec §2.5 shapes).
func hubSpokeAVNM() []O {
	nm := hubNet("networkManagers", "avnm-corp")
	group := nm + "/networkGroups/ng-spokes"
	sac := nm + "/securityAdminConfigurations/sac-baseline"
	rc := sac + "/ruleCollections/rc-block-mgmt"
	res := []O{
		resource("avnm-corp", nm, "Microsoft.Network/networkManagers", weu, succeeded().
			Set("description", "Corp network manager").
			Set("networkManagerScopes", O{{"managementGroups", []any{}},
				{"subscriptions", strs("/subscriptions/"+subApp, "/subscriptions/"+subData)}}).
			Set("networkManagerScopeAccesses", strs("SecurityAdmin"))),
		resource("ng-spokes", group, "Microsoft.Network/networkManagers/networkGroups", "", succeeded().
			Set("description", "Corp spokes").Set("memberType", "VirtualNetwork")),
	}
	for _, m := range []struct{ name, vnet string }{{"sm-spoke-app", vnetApp}, {"sm-spoke-data", vnetData}} {
		res = append(res, resource(m.name, group+"/staticMembers/"+m.name,
			"Microsoft.Network/networkManagers/networkGroups/staticMembers", "",
			succeeded().Set("resourceId", m.vnet).Set("region", weu)))
	}
	rule := O{{"name", "deny-rdp-from-internet"}, {"id", rc + "/rules/deny-rdp-from-internet"},
		{"type", "Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules"},
		{"kind", "Custom"}, {"properties", succeeded().
			Set("description", "No RDP from the internet, whatever the NSGs say").Set("protocol", "Tcp").
			Set("sources", []any{O{{"addressPrefixType", "ServiceTag"}, {"addressPrefix", "Internet"}}}).
			Set("destinations", []any{O{{"addressPrefixType", "IPPrefix"}, {"addressPrefix", "*"}}}).
			Set("sourcePortRanges", strs("0-65535")).Set("destinationPortRanges", strs("3389")).
			Set("access", "Deny").Set("priority", 10).Set("direction", "Inbound")}}
	return append(res,
		resource("sac-baseline", sac, "Microsoft.Network/networkManagers/securityAdminConfigurations", "",
			succeeded().Set("description", "Baseline guardrails").
				Set("applyOnNetworkIntentPolicyBasedServices", strs("None"))),
		resource("rc-block-mgmt", rc, "Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections", "",
			succeeded().Set("description", "Management ports").
				Set("appliesToGroups", []any{O{{"networkGroupId", group}}})),
		rule)
}
