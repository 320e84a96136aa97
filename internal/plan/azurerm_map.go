package plan

import (
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
)

// builders map an azurerm (or azapi) resource's planned values to its ARM properties, and name
// the wire fields the resource does not manage (kept from the deployed resource). Attribute
// names are azurerm 4.x's with the 3.x names where they differ (iac.md §2; the provider's
// 4.0 upgrade guide renames the booleans).
var builders = map[string]func(v tfVal) (map[string]any, []string){
	"azapi_resource": func(v tfVal) (map[string]any, []string) { return map[string]any{}, nil },
	"azurerm_virtual_network": func(v tfVal) (map[string]any, []string) {
		p := set(map[string]any{}, "addressSpace", map[string]any{"addressPrefixes": v.strs("address_space")})
		if dns := v.strs("dns_servers"); len(dns) > 0 {
			p["dhcpOptions"] = map[string]any{"dnsServers": dns}
		}
		// Inline subnet blocks, when the configuration writes them; otherwise azurerm_subnet
		// resources manage the subnets and the deployed ones are kept. Peerings are always
		// resources of their own.
		keep := []string{"Peerings"}
		var subnets []any
		if _, written := v.expr["subnet"]; written && !v.isUnknown("subnet") {
			for _, s := range v.blocks("subnet") {
				prefixes := s.strs("address_prefixes")
				if p := s.str("address_prefix"); p != "" {
					prefixes = append(prefixes, p)
				}
				sp := subnetSettings(s)
				// An inline block names its NSG and (azurerm 4.x) its route table itself.
				set(sp, "addressPrefixes", prefixes, "networkSecurityGroup", ref(s.id("security_group")), "routeTable", ref(s.id("route_table_id")))
				subnets = append(subnets, map[string]any{"name": s.str("name"), "properties": sp})
			}
			p["subnets"] = append([]any{}, subnets...)
		} else {
			keep = append(keep, "Subnets")
		}
		return p, keep
	},
	"azurerm_subnet": func(v tfVal) (map[string]any, []string) {
		return set(subnetSettings(v), "addressPrefixes", v.strs("address_prefixes")), []string{"NSG", "RouteTable", "NATGW"}
	},
	"azurerm_network_security_group": func(v tfVal) (map[string]any, []string) {
		rules := v.blocks("security_rule")
		if _, written := v.expr["security_rule"]; len(rules) == 0 && !written {
			return map[string]any{}, []string{"Rules"} // managed by azurerm_network_security_rule
		}
		out := []any{} // security_rule = [] written: the NSG has no rules of its own
		for _, r := range rules {
			out = append(out, map[string]any{"name": r.str("name"), "properties": ruleProps(r)})
		}
		return map[string]any{"securityRules": out}, nil
	},
	"azurerm_network_security_rule": func(v tfVal) (map[string]any, []string) { return ruleProps(v), nil },
	"azurerm_route_table": func(v tfVal) (map[string]any, []string) {
		p := map[string]any{}
		if b, ok := v.boolean("bgp_route_propagation_enabled"); ok { // v4
			p["disableBgpRoutePropagation"] = !b
		} else if b, ok := v.boolean("disable_bgp_route_propagation"); ok { // v3
			p["disableBgpRoutePropagation"] = b
		}
		routes := v.blocks("route")
		if _, written := v.expr["route"]; len(routes) == 0 && !written {
			return p, []string{"Routes"} // managed by azurerm_route
		}
		out := []any{} // route = [] written: the table has no routes
		for _, r := range routes {
			out = append(out, map[string]any{"name": r.str("name"), "properties": routeProps(r)})
		}
		p["routes"] = out
		return p, nil
	},
	"azurerm_route": func(v tfVal) (map[string]any, []string) { return routeProps(v), nil },
	"azurerm_virtual_network_peering": func(v tfVal) (map[string]any, []string) {
		p := map[string]any{"remoteVirtualNetwork": ref(v.id("remote_virtual_network_id")), "allowVirtualNetworkAccess": true}
		for attr, prop := range map[string]string{"allow_virtual_network_access": "allowVirtualNetworkAccess", "allow_forwarded_traffic": "allowForwardedTraffic",
			"allow_gateway_transit": "allowGatewayTransit", "use_remote_gateways": "useRemoteGateways"} {
			if b, ok := v.boolean(attr); ok {
				p[prop] = b
			}
		}
		// Subnet peering (azurerm 4.x): only the named subnets of each side are peered.
		if b, ok := v.boolean("peer_complete_virtual_networks_enabled"); ok {
			p["peerCompleteVnets"] = b
		}
		set(p, "localSubnetNames", v.strs("local_subnet_names"), "remoteSubnetNames", v.strs("remote_subnet_names"))
		p["peeringState"] = v.t.peeringState(v)
		return p, nil
	},
	"azurerm_network_interface": func(v tfVal) (map[string]any, []string) {
		p := map[string]any{}
		if b, ok := first(v, "ip_forwarding_enabled", "enable_ip_forwarding"); ok {
			p["enableIPForwarding"] = b
		}
		set(p, "dnsSettings", dnsServers(v))
		var cfgs []any
		for i, c := range v.blocks("ip_configuration") {
			cp := set(map[string]any{}, "subnet", ref(c.id("subnet_id")), "publicIPAddress", ref(c.id("public_ip_address_id")),
				"privateIPAllocationMethod", c.str("private_ip_address_allocation"),
				"gatewayLoadBalancer", ref(c.id("gateway_load_balancer_frontend_ip_configuration_id")))
			if c.isUnknown("private_ip_address") {
				c.unknownWarn("private_ip_address", "the ip configuration has no address yet; flows from or to it cannot be traced")
			} else {
				set(cp, "privateIPAddress", c.str("private_ip_address"))
			}
			if b, ok := c.boolean("primary"); ok {
				cp["primary"] = b
			} else {
				cp["primary"] = i == 0
			}
			// The ID lets the deployed configuration keep what the plan does not say (Apply's
			// graftEach, diff's partial merge).
			cfgs = append(cfgs, map[string]any{"id": v.r.id + "/ipConfigurations/" + c.str("name"), "name": c.str("name"), "properties": cp})
		}
		p["ipConfigurations"] = cfgs
		// ASGs, backend pools and NAT rules are association resources of their own.
		return p, []string{"NSG", "VM", "IPConfigs.ASGs", "IPConfigs.BackendPools", "IPConfigs.InboundNATRules"}
	},
	"azurerm_public_ip": func(v tfVal) (map[string]any, []string) {
		p := set(map[string]any{}, "publicIPAllocationMethod", v.str("allocation_method"))
		if v.isUnknown("ip_address") {
			v.unknownWarn("ip_address", "flows to or from the address cannot be traced until it is allocated")
		} else {
			set(p, "ipAddress", v.str("ip_address"))
		}
		return p, []string{}
	},
	"azurerm_public_ip_prefix": func(v tfVal) (map[string]any, []string) {
		if v.isUnknown("ip_prefix") {
			v.unknownWarn("ip_prefix", "flows from the prefix cannot be traced until it is allocated")
			return map[string]any{}, nil
		}
		return set(map[string]any{}, "ipPrefix", v.str("ip_prefix")), nil
	},
	"azurerm_lb":                                 loadBalancer,
	"azurerm_netapp_volume":                      netAppVolume,
	"azurerm_lb_backend_address_pool":            lbPool,
	"azurerm_lb_rule":                            lbRule,
	"azurerm_lb_probe":                           lbProbe,
	"azurerm_lb_nat_rule":                        lbNATRule,
	"azurerm_lb_outbound_rule":                   lbOutboundRule,
	"azurerm_local_network_gateway":              localGateway,
	"azurerm_virtual_network_gateway":            vnetGateway,
	"azurerm_virtual_network_gateway_connection": gatewayConnection,
	"azurerm_virtual_network_gateway_nat_rule":   vpnNATRule,
	"azurerm_nat_gateway": func(v tfVal) (map[string]any, []string) {
		return map[string]any{}, []string{"PublicIPs", "PublicIPPrefixes", "Subnets"}
	},
	"azurerm_application_security_group": func(v tfVal) (map[string]any, []string) { return map[string]any{}, nil },
	"azurerm_ip_group": func(v tfVal) (map[string]any, []string) {
		return set(map[string]any{}, "ipAddresses", v.strs("cidrs")), nil
	},
	"azurerm_firewall": func(v tfVal) (map[string]any, []string) {
		p := set(map[string]any{}, "firewallPolicy", ref(v.id("firewall_policy_id")), "threatIntelMode", v.str("threat_intel_mode"))
		p["sku"] = set(map[string]any{}, "name", v.str("sku_name"), "tier", v.str("sku_tier"))
		var cfgs []any
		for _, c := range v.blocks("ip_configuration") {
			cp := set(map[string]any{}, "subnet", ref(c.id("subnet_id")), "publicIPAddress", ref(c.id("public_ip_address_id")))
			if c.isUnknown("private_ip_address") {
				c.unknownWarn("private_ip_address", "routes to the firewall cannot be matched to it until deployment")
			} else {
				set(cp, "privateIPAddress", c.str("private_ip_address"))
			}
			cfgs = append(cfgs, map[string]any{"name": c.str("name"), "properties": cp})
		}
		p["ipConfigurations"] = cfgs
		if add := classicFirewallSettings(v); len(add) > 0 {
			p["additionalProperties"] = add
		}
		for _, h := range v.blocks("virtual_hub") {
			hubFirewall(p, h)
		}
		return p, nil
	},
	"azurerm_firewall_policy": func(v tfVal) (map[string]any, []string) {
		p := set(map[string]any{}, "basePolicy", ref(v.id("base_policy_id")), "threatIntelMode", v.str("threat_intelligence_mode"))
		for _, d := range v.blocks("dns") {
			dns := map[string]any{"servers": d.strs("servers")}
			if b, ok := d.boolean("proxy_enabled"); ok {
				dns["enableProxy"] = b
			}
			p["dnsSettings"] = dns
		}
		if r := v.strs("private_ip_ranges"); len(r) > 0 {
			p["snat"] = map[string]any{"privateRanges": r}
		}
		for _, d := range v.blocks("intrusion_detection") {
			p["intrusionDetection"] = set(map[string]any{}, "mode", d.str("mode"))
		}
		set(p, "sku", map[string]any{"tier": v.str("sku")})
		return p, nil
	},
	"azurerm_firewall_policy_rule_collection_group": ruleCollectionGroup,
	"azurerm_private_endpoint":                      privateEndpoint,
	"azurerm_private_dns_zone":                      func(v tfVal) (map[string]any, []string) { return map[string]any{}, []string{"Links", "Records"} },
	"azurerm_private_dns_zone_virtual_network_link": func(v tfVal) (map[string]any, []string) {
		p := map[string]any{"virtualNetwork": ref(v.id("virtual_network_id"))}
		if b, ok := v.boolean("registration_enabled"); ok {
			p["registrationEnabled"] = b
		}
		set(p, "resolutionPolicy", v.str("resolution_policy")) // NxDomainRedirect: a missing record falls back to public DNS
		return p, nil
	},
	"azurerm_private_dns_a_record":    func(v tfVal) (map[string]any, []string) { return dnsRecords(v, "aRecords", "ipv4Address") },
	"azurerm_private_dns_aaaa_record": func(v tfVal) (map[string]any, []string) { return dnsRecords(v, "aaaaRecords", "ipv6Address") },
	"azurerm_private_dns_cname_record": func(v tfVal) (map[string]any, []string) {
		p := set(map[string]any{}, "ttl", v.num("ttl"))
		if c := v.str("record"); c != "" {
			p["cnameRecord"] = map[string]any{"cname": c}
		}
		return p, nil
	},
	"azurerm_linux_virtual_machine":   virtualMachine,
	"azurerm_windows_virtual_machine": virtualMachine,
}

// dnsRecords maps an A or AAAA record set: its `records` (addresses) to list[{field}].
func dnsRecords(v tfVal, list, field string) (map[string]any, []string) {
	var recs []any
	for _, a := range v.strs("records") {
		recs = append(recs, map[string]any{field: a})
	}
	return set(map[string]any{list: recs}, "ttl", v.num("ttl")), nil
}

func dnsServers(v tfVal) any {
	if s := v.strs("dns_servers"); len(s) > 0 {
		return map[string]any{"dnsServers": s}
	}
	return nil
}

// ruleProps maps an inline security_rule block or an azurerm_network_security_rule.
func ruleProps(r tfVal) map[string]any {
	p := set(map[string]any{}, "priority", r.num("priority"), "direction", r.str("direction"), "access", r.str("access"), "protocol", r.str("protocol"))
	for _, side := range []struct{ tf, arm string }{{"source", "source"}, {"destination", "destination"}} {
		set(p, side.arm+"PortRange", r.str(side.tf+"_port_range"), side.arm+"PortRanges", r.strs(side.tf+"_port_ranges"),
			side.arm+"AddressPrefix", r.str(side.tf+"_address_prefix"), side.arm+"AddressPrefixes", r.strs(side.tf+"_address_prefixes"))
		if ids := r.ids(side.tf + "_application_security_group_ids"); len(ids) > 0 {
			p[side.arm+"ApplicationSecurityGroups"] = refs(ids)
		}
	}
	return p
}

func routeProps(r tfVal) map[string]any {
	return set(map[string]any{}, "addressPrefix", r.str("address_prefix"), "nextHopType", r.str("next_hop_type"),
		"nextHopIpAddress", r.str("next_hop_in_ip_address"))
}

func virtualMachine(v tfVal) (map[string]any, []string) {
	var nics []any
	for i, id := range v.ids("network_interface_ids") {
		nics = append(nics, map[string]any{"id": id, "properties": map[string]any{"primary": i == 0}})
	}
	return map[string]any{"networkProfile": map[string]any{"networkInterfaces": nics}}, nil
}

func privateEndpoint(v tfVal) (map[string]any, []string) {
	p := set(map[string]any{}, "subnet", ref(v.id("subnet_id")))
	for _, c := range v.blocks("private_service_connection") {
		manual, _ := c.boolean("is_manual_connection")
		status, key := "Approved", "privateLinkServiceConnections"
		if manual {
			status, key = "Pending", "manualPrivateLinkServiceConnections" // approved by the resource's owner later
		}
		conn := map[string]any{"name": c.str("name"), "properties": set(map[string]any{
			"privateLinkServiceConnectionState": map[string]any{"status": status}},
			"privateLinkServiceId", c.id("private_connection_resource_id"), "groupIds", c.strs("subresource_names"))}
		p[key] = append(asList(p[key]), conn)
		if c.isUnknown("private_ip_address") {
			c.unknownWarn("private_ip_address", "the endpoint has no address yet; flows to it cannot be traced")
		}
	}
	var cfgs []any
	for _, c := range v.blocks("ip_configuration") {
		cfgs = append(cfgs, map[string]any{"name": c.str("name"), "properties": set(map[string]any{},
			"privateIPAddress", c.str("private_ip_address"), "groupId", c.str("subresource_name"), "memberName", c.str("member_name"))})
	}
	set(p, "ipConfigurations", cfgs)
	var dns []any
	for _, d := range v.blocks("custom_dns_configs") {
		dns = append(dns, map[string]any{"fqdn": d.str("fqdn"), "ipAddresses": d.strs("ip_addresses")})
	}
	set(p, "customDnsConfigs", dns)
	// A zone group the endpoint already had wrote its records, which the snapshot's zones hold:
	// only a new endpoint's, or a changed group, is warned about.
	if slices.Contains(v.r.actions, "create") || !reflect.DeepEqual(v.r.before["private_dns_zone_group"], v.r.after["private_dns_zone_group"]) {
		for _, g := range v.blocks("private_dns_zone_group") {
			var zones []string // only to name them: zones known only after apply stay unnamed, with no PlanUnknownValue
			if !g.isUnknown("private_dns_zone_ids") {
				zones = g.ids("private_dns_zone_ids")
			}
			v.t.ov.zoneGroupWarning(v.r.addr, g.str("name"), zones)
		}
	}
	return p, nil
}

// ruleCollectionGroup maps network, application and NAT rule collections to ARM rule
// collections (FirewallPolicyFilterRuleCollection / FirewallPolicyNatRuleCollection).
func ruleCollectionGroup(v tfVal) (map[string]any, []string) {
	var colls []any
	for _, kind := range []string{"network", "application", "nat"} {
		for _, c := range v.blocks(kind + "_rule_collection") {
			var rules []any
			for _, r := range c.blocks("rule") {
				rules = append(rules, firewallRule(kind, r))
			}
			typ, action := "FirewallPolicyFilterRuleCollection", c.str("action")
			if kind == "nat" {
				typ, action = "FirewallPolicyNatRuleCollection", "DNAT"
			}
			colls = append(colls, map[string]any{"ruleCollectionType": typ, "name": c.str("name"), "priority": c.num("priority"),
				"action": map[string]any{"type": action}, "rules": rules})
		}
	}
	return set(map[string]any{"ruleCollections": append([]any{}, colls...)}, "priority", v.num("priority")), nil
}

func firewallRule(kind string, r tfVal) map[string]any {
	m := set(map[string]any{"name": r.str("name")}, "sourceAddresses", r.strs("source_addresses"), "sourceIpGroups", r.ids("source_ip_groups"))
	switch kind {
	case "network":
		m["ruleType"] = "NetworkRule"
		set(m, "ipProtocols", r.strs("protocols"), "destinationAddresses", r.strs("destination_addresses"),
			"destinationIpGroups", r.ids("destination_ip_groups"), "destinationFqdns", r.strs("destination_fqdns"), "destinationPorts", r.strs("destination_ports"))
	case "application":
		m["ruleType"] = "ApplicationRule"
		var protos []any
		for _, p := range r.blocks("protocols") {
			protos = append(protos, map[string]any{"protocolType": p.str("type"), "port": p.num("port")})
		}
		set(m, "protocols", protos, "targetFqdns", r.strs("destination_fqdns"), "fqdnTags", r.strs("destination_fqdn_tags"),
			"webCategories", r.strs("web_categories"), "destinationAddresses", r.strs("destination_addresses"))
	case "nat":
		m["ruleType"] = "NatRule"
		set(m, "ipProtocols", r.strs("protocols"), "destinationAddresses", r.strs("destination_address"), "destinationPorts", r.strs("destination_ports"),
			"translatedAddress", r.str("translated_address"), "translatedFqdn", r.str("translated_fqdn"), "translatedPort", r.str("translated_port"))
	}
	return m
}

// peeringState is Connected when the remote VNet peers back (in the plan or the snapshot),
// else Initiated (inference: a plan has no peeringState; Azure connects a pair when both links
// exist, learn.microsoft.com virtual-network-manage-peering).
func (t *tfPlan) peeringState(v tfVal) string {
	local := strings.ToLower(t.scope(v.r) + "/providers/Microsoft.Network/virtualNetworks/" + v.str("virtual_network_name"))
	remote := strings.ToLower(v.id("remote_virtual_network_id"))
	for _, r := range t.byAddr {
		if r.typ == "azurerm_virtual_network_peering" && r != v.r && r.action() == "put" &&
			strings.HasPrefix(strings.ToLower(r.id), remote+"/") && strings.EqualFold(t.root(r).id("remote_virtual_network_id"), local) {
			return "Connected"
		}
	}
	if back, ok := t.peers[remote+"|"+local]; ok {
		// The link back exists and waited for this one: both are Connected now.
		t.ov.Patches = append(t.ov.Patches, Patch{From: v.r.addr, ID: back, Field: "State", Value: "Connected"})
		return "Connected"
	}
	return "Initiated"
}

// loadBalancer maps azurerm_lb: its frontends are inline blocks; pools, rules, probes and NAT
// and outbound rules are resources of their own (childTypes), kept from the deployed one.
func loadBalancer(v tfVal) (map[string]any, []string) {
	var fes []any
	for _, f := range v.blocks("frontend_ip_configuration") {
		fp := set(map[string]any{}, "subnet", ref(f.id("subnet_id")), "publicIPAddress", ref(f.id("public_ip_address_id")),
			"gatewayLoadBalancer", ref(f.id("gateway_load_balancer_frontend_ip_configuration_id")),
			"privateIPAllocationMethod", f.str("private_ip_address_allocation"))
		if f.isUnknown("private_ip_address") {
			if f.str("subnet_id") != "" || f.isUnknown("subnet_id") {
				f.unknownWarn("private_ip_address", "the frontend has no address yet; flows to it cannot be traced")
			}
		} else {
			set(fp, "privateIPAddress", f.str("private_ip_address"))
		}
		name := f.str("name")
		fes = append(fes, map[string]any{"id": frontendID(v.r.id, name), "name": name, "properties": fp})
	}
	return map[string]any{"frontendIPConfigurations": append([]any{}, fes...)},
		[]string{"Pools", "Rules", "Probes", "NATRules", "OutboundRules"}
}

// frontendID is the ID of a load balancer's frontend, which azurerm's rules name by name.
func frontendID(lb, name string) string { return lb + "/frontendIPConfigurations/" + name }

// ruleFrontend is the frontend a load-balancing or NAT rule names.
func ruleFrontend(v tfVal) any {
	return ref(frontendID(v.id("loadbalancer_id"), v.str("frontend_ip_configuration_name")))
}

// netAppVolume maps azurerm_netapp_volume to a volume's subnetId and networkFeatures, and its
// mount targets (mount_ip_addresses, computed: Azure assigns them).
// network_features is optional and computed in azurerm 4.x: unset, it is known only after
// apply, and the volume reads as Standard (its subnet's NSG and UDRs apply), which the warning
// says. A new (or replaced) volume's mount addresses are unknown until apply: flows to them
// cannot be traced. A changed volume whose addresses the plan does not know keeps the deployed
// ones (childLists).
func netAppVolume(v tfVal) (map[string]any, []string) {
	p := set(map[string]any{}, "subnetId", v.id("subnet_id")) // protocols: the volume answers both (model.NetAppPorts)
	if v.isUnknown("network_features") {
		v.unknownWarn("network_features", "read as Standard (the subnet's NSG and UDRs apply to the volume); with Basic they would not")
	} else {
		set(p, "networkFeatures", v.str("network_features"))
	}
	switch {
	case v.isUnknown("mount_ip_addresses") && slices.Contains(v.r.actions, "create"):
		v.unknownWarn("mount_ip_addresses", "the volume has no mount address yet; flows to it cannot be traced")
		p["mountTargets"] = []any{} // a replaced volume's addresses are Azure's to assign again: none kept
	case !v.isUnknown("mount_ip_addresses"):
		var targets []any
		for _, a := range v.strs("mount_ip_addresses") {
			targets = append(targets, map[string]any{"ipAddress": a})
		}
		if len(targets) > 0 {
			p["mountTargets"] = targets
		}
	}
	return p, nil
}

// lbPool maps azurerm_lb_backend_address_pool; its members are NIC associations and
// azurerm_lb_backend_address_pool_address resources (listAssociations), kept from the deployed
// pool. A Gateway Load Balancer's pool has its VXLAN tunnel interfaces inline.
func lbPool(v tfVal) (map[string]any, []string) {
	var tunnels []any
	for _, t := range v.blocks("tunnel_interface") {
		tunnels = append(tunnels, set(map[string]any{}, "identifier", t.num("identifier"), "port", t.num("port"),
			"protocol", t.str("protocol"), "type", t.str("type")))
	}
	return set(map[string]any{}, "tunnelInterfaces", tunnels, "virtualNetwork", ref(v.id("virtual_network_id"))),
		[]string{"IPConfigs", "Addresses", "AddressLinks"}
}

func lbRule(v tfVal) (map[string]any, []string) {
	p := set(map[string]any{}, "frontendIPConfiguration", ruleFrontend(v),
		"protocol", v.str("protocol"), "frontendPort", v.num("frontend_port"), "backendPort", v.num("backend_port"),
		"probe", ref(v.id("probe_id")))
	if ids := v.ids("backend_address_pool_ids"); len(ids) > 0 {
		p["backendAddressPools"] = refs(ids)
	}
	if b, ok := first(v, "floating_ip_enabled", "enable_floating_ip"); ok {
		p["enableFloatingIP"] = b
	}
	if b, ok := first(v, "disable_outbound_snat"); ok {
		p["disableOutboundSnat"] = b
	}
	return p, nil
}

// hubFirewall maps an azurerm_firewall's virtual_hub block (a secured Virtual WAN hub's
// firewall, sku AZFW_Hub) to virtualHub and hubIPAddresses: its private address (computed,
// warned when known only after apply, as a VNet firewall's) and public addresses.
func hubFirewall(p map[string]any, h tfVal) {
	p["virtualHub"] = ref(h.id("virtual_hub_id"))
	addrs := map[string]any{}
	if h.isUnknown("private_ip_address") {
		h.unknownWarn("private_ip_address", "routes to the hub firewall cannot be matched to it until deployment")
	} else {
		set(addrs, "privateIPAddress", h.str("private_ip_address"))
	}
	var pubs []any
	if h.isUnknown("public_ip_addresses") {
		h.unknownWarn("public_ip_addresses", "traces from the hub firewall to the internet drop (NoOutboundAccess) until deployment")
	} else {
		for _, a := range h.strs("public_ip_addresses") {
			pubs = append(pubs, map[string]any{"address": a})
		}
	}
	if len(pubs) > 0 {
		addrs["publicIPs"] = map[string]any{"addresses": pubs, "count": len(pubs)}
	}
	p["hubIPAddresses"] = addrs
}

func lbProbe(v tfVal) (map[string]any, []string) {
	return set(map[string]any{}, "protocol", v.str("protocol"), "port", v.num("port"), "requestPath", v.str("request_path")), nil
}

// lbNATRule maps an inbound NAT rule: a single port, whose target is a NIC association, or a
// port range over a backend pool (frontend_port_start, frontend_port_end, backend_address_pool_id).
// The pool decides which, as in the provider: its state holds frontend_port_start and _end as 0
// for a single-port rule, so an update's plan carries them too.
func lbNATRule(v tfVal) (map[string]any, []string) {
	p := set(map[string]any{}, "frontendIPConfiguration", ruleFrontend(v), "protocol", v.str("protocol"), "backendPort", v.num("backend_port"))
	if b, ok := first(v, "floating_ip_enabled", "enable_floating_ip"); ok {
		p["enableFloatingIP"] = b
	}
	if str(v.after["backend_address_pool_id"]) != "" || v.isUnknown("backend_address_pool_id") {
		for _, k := range []string{"frontend_port_start", "frontend_port_end"} {
			if v.isUnknown(k) {
				v.unknownWarn(k, "the rule's port range is known only after apply; flows to it match no rule here")
			}
		}
		return set(p, "frontendPortRangeStart", v.num("frontend_port_start"), "frontendPortRangeEnd", v.num("frontend_port_end"),
			"backendAddressPool", ref(v.id("backend_address_pool_id"))), nil
	}
	return set(p, "frontendPort", v.num("frontend_port")), []string{"Target"}
}

func lbOutboundRule(v tfVal) (map[string]any, []string) {
	lb := v.id("loadbalancer_id")
	var fes []string
	for _, f := range v.blocks("frontend_ip_configuration") {
		fes = append(fes, frontendID(lb, f.str("name")))
	}
	p := set(map[string]any{}, "backendAddressPool", ref(v.id("backend_address_pool_id")), "protocol", v.str("protocol"),
		"allocatedOutboundPorts", v.num("allocated_outbound_ports"))
	if len(fes) > 0 {
		p["frontendIPConfigurations"] = refs(fes)
	}
	return p, nil
}

// localGateway maps azurerm_local_network_gateway: the on-premises prefixes and peer a VPN
// connection routes to (spec §1.4).
func localGateway(v tfVal) (map[string]any, []string) {
	p := set(map[string]any{}, "gatewayIpAddress", v.str("gateway_address"), "fqdn", v.str("gateway_fqdn"))
	if !v.isUnknown("address_space") {
		p["localNetworkAddressSpace"] = map[string]any{"addressPrefixes": append([]string{}, v.strs("address_space")...)}
	} else {
		v.unknownWarn("address_space", "routes to on-premises through it cannot be known")
	}
	for _, b := range v.blocks("bgp_settings") {
		p["bgpSettings"] = set(map[string]any{}, "asn", b.num("asn"), "bgpPeeringAddress", b.str("bgp_peering_address"))
	}
	return p, nil
}

// vnetGateway maps azurerm_virtual_network_gateway; its NAT rules are resources of their own
// (vpnNATRule) and are kept from the deployed gateway.
func vnetGateway(v tfVal) (map[string]any, []string) {
	p := set(map[string]any{}, "gatewayType", v.str("type"), "vpnType", v.str("vpn_type"))
	p["sku"] = set(map[string]any{}, "name", v.str("sku"), "tier", v.str("sku"))
	if b, ok := v.boolean("active_active"); ok {
		p["activeActive"] = b
	}
	if b, ok := first(v, "bgp_enabled", "enable_bgp"); ok {
		p["enableBgp"] = b
	}
	var cfgs []any
	for _, c := range v.blocks("ip_configuration") {
		name := c.str("name")
		cfgs = append(cfgs, map[string]any{"id": v.r.id + "/ipConfigurations/" + name, "name": name, "properties": set(map[string]any{},
			"subnet", ref(c.id("subnet_id")), "publicIPAddress", ref(c.id("public_ip_address_id")),
			"privateIPAllocationMethod", c.str("private_ip_address_allocation"))})
	}
	p["ipConfigurations"] = append([]any{}, cfgs...)
	for _, b := range v.blocks("bgp_settings") {
		// The instances' BGP addresses, which the converter reads as the gateway's private
		// addresses (buildVNetGateways), as it does a snapshot's.
		var peering []any
		for _, pa := range b.blocks("peering_addresses") {
			peering = append(peering, set(map[string]any{}, "ipconfigurationId", ref(v.r.id+"/ipConfigurations/"+pa.str("ip_configuration_name")),
				"defaultBgpIpAddresses", pa.strs("default_addresses")))
		}
		p["bgpSettings"] = set(map[string]any{}, "asn", b.num("asn"), "bgpPeeringAddresses", peering)
	}
	return p, []string{"NATRules"}
}

// vpnNATRule maps azurerm_virtual_network_gateway_nat_rule (placed in its gateway, childTypes):
// mode (EgressSnat, IngressSnat), type (Static, Dynamic) and the internal and external
// mappings' address spaces; the connections naming it apply it (gatewayConnection).
func vpnNATRule(v tfVal) (map[string]any, []string) {
	p := set(map[string]any{}, "type", v.str("type"), "mode", v.str("mode"))
	for _, side := range []struct{ tf, arm string }{{"internal_mapping", "internalMappings"}, {"external_mapping", "externalMappings"}} {
		var ms []any
		for _, b := range v.blocks(side.tf) {
			ms = append(ms, set(map[string]any{}, "addressSpace", b.str("address_space"), "portRange", b.str("port_range")))
		}
		set(p, side.arm, ms)
	}
	return p, nil
}

// gatewayConnection maps azurerm_virtual_network_gateway_connection (the shared key is never
// copied). A plan cannot say whether the tunnel comes up: the connection routes as soon as it
// exists, as a snapshot's does.
func gatewayConnection(v tfVal) (map[string]any, []string) {
	p := set(map[string]any{}, "connectionType", v.str("type"),
		"virtualNetworkGateway1", ref(v.id("virtual_network_gateway_id")),
		"virtualNetworkGateway2", ref(v.id("peer_virtual_network_gateway_id")),
		"localNetworkGateway2", ref(v.id("local_network_gateway_id")))
	if b, ok := first(v, "bgp_enabled", "enable_bgp"); ok {
		p["enableBgp"] = b
	}
	if ids := v.ids("ingress_nat_rule_ids"); len(ids) > 0 {
		p["ingressNatRules"] = refs(ids)
	}
	if ids := v.ids("egress_nat_rule_ids"); len(ids) > 0 {
		p["egressNatRules"] = refs(ids)
	}
	// Policy-based traffic selectors are not modelled; mapped so that the warning and the
	// traces' assumption say so for a planned connection too.
	if b, ok := v.boolean("use_policy_based_traffic_selectors"); ok {
		p["usePolicyBasedTrafficSelectors"] = b
	}
	var sels []any
	for _, t := range v.blocks("traffic_selector_policy") {
		sels = append(sels, map[string]any{"localAddressRanges": t.strs("local_address_cidrs"),
			"remoteAddressRanges": t.strs("remote_address_cidrs")})
	}
	if len(sels) > 0 {
		p["trafficSelectorPolicies"] = sels
	}
	return p, nil
}

// classicFirewallSettings are the settings of a firewall without a policy that Azure keeps in
// its additionalProperties (azure.Firewall*Key).
func classicFirewallSettings(v tfVal) map[string]any {
	out := map[string]any{}
	if s := v.strs("dns_servers"); len(s) > 0 {
		out[azure.FirewallDNSServersKey] = strings.Join(s, ",")
	}
	if b, ok := v.boolean("dns_proxy_enabled"); ok {
		out[azure.FirewallDNSProxyKey] = strconv.FormatBool(b)
	}
	if r := v.strs("private_ip_ranges"); len(r) > 0 {
		out[azure.FirewallSNATRangesKey] = strings.Join(r, ",")
	}
	return out
}

// subnetSettings maps what an azurerm_subnet and a virtual network's inline subnet block both
// write: service endpoints, delegations, private endpoint network policies and default outbound
// access (the address prefixes and references each reads its own way).
func subnetSettings(v tfVal) map[string]any {
	p := map[string]any{}
	var eps []any
	for _, s := range v.strs("service_endpoints") {
		eps = append(eps, map[string]any{"service": s})
	}
	var dels []any
	for _, d := range v.blocks("delegation") {
		for _, sd := range d.blocks("service_delegation") {
			dels = append(dels, map[string]any{"name": d.str("name"), "properties": map[string]any{"serviceName": sd.str("name")}})
		}
	}
	set(p, "serviceEndpoints", eps, "delegations", dels)
	if pol := v.str("private_endpoint_network_policies"); pol != "" { // v4: Disabled|Enabled|NetworkSecurityGroupEnabled|RouteTableEnabled
		p["privateEndpointNetworkPolicies"] = pol
	} else if b, ok := v.boolean("private_endpoint_network_policies_enabled"); ok { // v3
		p["privateEndpointNetworkPolicies"] = map[bool]string{true: "Enabled", false: "Disabled"}[b]
	}
	if b, ok := v.boolean("default_outbound_access_enabled"); ok {
		p["defaultOutboundAccess"] = b
	}
	return p
}
