package synth

// NSG and route table builders (shapes of NetworkSecurityGroupGet / RouteTableGet).

type nsgSpec struct {
	id, name, location string
	rules              []ruleSpec
}

// ruleSpec is one security rule. Address and port lists of one entry are written in the
// singular field, longer lists in the plural one, and the other field as Azure returns it
// (plural lists present but empty), so loaders see both spellings.
type ruleSpec struct {
	name, desc         string
	priority           int
	inbound, allow     bool
	proto              string // Tcp, Udp, Icmp, Esp, Ah, *
	src, dst           []string
	srcASGs, dstASGs   []string
	srcPorts, dstPorts []string
}

func (n nsgSpec) render() O {
	rules := make([]O, len(n.rules))
	for i, r := range n.rules {
		rules[i] = r.render(n.id + "/securityRules/" + r.name)
	}
	p := succeeded().Set("securityRules", rules).Set("defaultSecurityRules", defaultRules(n.id))
	return resource(n.name, n.id, "Microsoft.Network/networkSecurityGroups", n.location, p)
}

func (r ruleSpec) render(id string) O {
	p := succeeded()
	if r.desc != "" {
		p = p.Set("description", r.desc)
	}
	p = p.Set("protocol", r.proto)
	p = listField(p, "sourcePortRange", "sourcePortRanges", orStar(r.srcPorts))
	p = listField(p, "destinationPortRange", "destinationPortRanges", orStar(r.dstPorts))
	if len(r.srcASGs) > 0 {
		p = p.Set("sourceApplicationSecurityGroups", refs(r.srcASGs...)).Set("sourceAddressPrefixes", []any{})
	} else {
		p = listField(p, "sourceAddressPrefix", "sourceAddressPrefixes", orStar(r.src))
	}
	if len(r.dstASGs) > 0 {
		p = p.Set("destinationApplicationSecurityGroups", refs(r.dstASGs...)).Set("destinationAddressPrefixes", []any{})
	} else {
		p = listField(p, "destinationAddressPrefix", "destinationAddressPrefixes", orStar(r.dst))
	}
	access, dir := "Deny", "Outbound"
	if r.allow {
		access = "Allow"
	}
	if r.inbound {
		dir = "Inbound"
	}
	p = p.Set("access", access).Set("priority", r.priority).Set("direction", dir)
	return child(r.name, id, "Microsoft.Network/networkSecurityGroups/securityRules", p)
}

func orStar(s []string) []string {
	if len(s) == 0 {
		return []string{"*"}
	}
	return s
}

func listField(p O, one, many string, vals []string) O {
	if len(vals) == 1 {
		return p.Set(one, vals[0]).Set(many, []any{})
	}
	return p.Set(many, strs(vals...))
}

// defaultRules are the six rules every NSG carries (spec §2.3), with the names and
// descriptions the API returns.
func defaultRules(nsgID string) []O {
	type d struct {
		name, desc, src, dst, access string
		prio                         int
		inbound                      bool
	}
	ds := []d{
		{"AllowVnetInBound", "Allow inbound traffic from all VMs in VNET", "VirtualNetwork", "VirtualNetwork", "Allow", 65000, true},
		{"AllowAzureLoadBalancerInBound", "Allow inbound traffic from azure load balancer", "AzureLoadBalancer", "*", "Allow", 65001, true},
		{"DenyAllInBound", "Deny all inbound traffic", "*", "*", "Deny", 65500, true},
		{"AllowVnetOutBound", "Allow outbound traffic from all VMs to all VMs in VNET", "VirtualNetwork", "VirtualNetwork", "Allow", 65000, false},
		{"AllowInternetOutBound", "Allow outbound traffic from all VMs to Internet", "*", "Internet", "Allow", 65001, false},
		{"DenyAllOutBound", "Deny all outbound traffic", "*", "*", "Deny", 65500, false},
	}
	out := make([]O, len(ds))
	for i, x := range ds {
		dir := "Outbound"
		if x.inbound {
			dir = "Inbound"
		}
		p := succeeded().Set("description", x.desc).Set("protocol", "*").
			Set("sourcePortRange", "*").Set("destinationPortRange", "*").
			Set("sourceAddressPrefix", x.src).Set("destinationAddressPrefix", x.dst).
			Set("access", x.access).Set("priority", x.prio).Set("direction", dir)
		out[i] = child(x.name, nsgID+"/defaultSecurityRules/"+x.name,
			"Microsoft.Network/networkSecurityGroups/defaultSecurityRules", p)
	}
	return out
}

type routeTableSpec struct {
	id, name, location string
	disableBGP         bool
	routes             []routeSpec
}

type routeSpec struct {
	name, prefix, hop, hopIP string // hop: VirtualAppliance, VnetLocal, Internet, None, VirtualNetworkGateway
}

func (t routeTableSpec) render() O {
	routes := make([]O, len(t.routes))
	for i, r := range t.routes {
		p := succeeded().Set("addressPrefix", r.prefix).Set("nextHopType", r.hop)
		if r.hopIP != "" {
			p = p.Set("nextHopIpAddress", r.hopIP)
		}
		routes[i] = child(r.name, t.id+"/routes/"+r.name, "Microsoft.Network/routeTables/routes", p)
	}
	p := succeeded().Set("disableBgpRoutePropagation", t.disableBGP).Set("routes", routes)
	return resource(t.name, t.id, "Microsoft.Network/routeTables", t.location, p)
}

// peSpec describes a private endpoint and the platform-managed NIC Azure creates for it.
type peSpec struct {
	id, name, location, subnet, ip string
	target, group, status, fqdn    string
}

// nicID is the platform NIC's ID: <pe>.nic.<32 hex>, in the private endpoint's group.
func (p peSpec) nicID() string {
	return p.id[:len(p.id)-len("/privateEndpoints/")-len(p.name)] + "/networkInterfaces/" + p.name + ".nic." + guid(p.id)
}

func (p peSpec) render() O {
	state := O{{"status", p.status}, {"description", describe(p.status)}, {"actionsRequired", "None"}}
	conn := child(p.name, p.id+"/privateLinkServiceConnections/"+p.name,
		"Microsoft.Network/privateEndpoints/privateLinkServiceConnections",
		succeeded().Set("privateLinkServiceId", p.target).Set("groupIds", strs(p.group)).
			Set("privateLinkServiceConnectionState", state))
	props := succeeded().Set("privateLinkServiceConnections", []O{conn}).
		Set("manualPrivateLinkServiceConnections", []O{}).
		Set("subnet", ref(p.subnet)).Set("networkInterfaces", refs(p.nicID())).
		Set("customDnsConfigs", []any{O{{"fqdn", p.fqdn}, {"ipAddresses", strs(p.ip)}}}).
		Set("applicationSecurityGroups", []any{}).Set("ipConfigurations", []any{})
	return resource(p.name, p.id, "Microsoft.Network/privateEndpoints", p.location, props)
}

func describe(status string) string {
	if status == "Approved" {
		return "Auto-Approved"
	}
	return "Awaiting approval by the resource owner"
}

// renderNIC is the read-only NIC of the endpoint: it points back with privateEndpoint and
// carries the same address (a loader must not count it as a second owner).
func (p peSpec) renderNIC() O {
	id := p.nicID()
	name := nameOf(id)
	cfgName := "privateEndpointIpConfig." + guid(id)
	cfg := child(cfgName, id+"/ipConfigurations/"+cfgName, "Microsoft.Network/networkInterfaces/ipConfigurations",
		succeeded().Set("privateIPAddress", p.ip).Set("privateIPAllocationMethod", "Dynamic").
			Set("subnet", ref(p.subnet)).Set("primary", true).Set("privateIPAddressVersion", "IPv4").
			Set("privateLinkConnectionProperties", O{{"groupId", p.group}, {"requiredMemberName", p.group},
				{"fqdns", strs(p.fqdn)}}))
	props := succeeded().Set("ipConfigurations", []O{cfg}).
		Set("dnsSettings", O{{"dnsServers", []any{}}, {"appliedDnsServers", []any{}}}).
		Set("enableAcceleratedNetworking", false).Set("enableIPForwarding", false).
		Set("privateEndpoint", ref(p.id)).Set("nicType", "Standard")
	return resource(name, id, "Microsoft.Network/networkInterfaces", p.location, props)
}

// publicIP is a Standard static public IP address.
func publicIP(id, location, addr string) O {
	p := succeeded().Set("ipAddress", addr).Set("publicIPAddressVersion", "IPv4").
		Set("publicIPAllocationMethod", "Static").Set("idleTimeoutInMinutes", 4)
	r := O{{"name", nameOf(id)}, {"id", id}, {"type", "Microsoft.Network/publicIPAddresses"},
		{"location", location}, {"sku", O{{"name", "Standard"}, {"tier", "Regional"}}}}
	return r.Set("properties", p)
}
