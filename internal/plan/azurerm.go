package plan

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
)

// armTypes are the ARM types of the azurerm resources mapped here that sit directly in a
// resource group (iac.md §2; the ARM names are the REST API's, learn.microsoft.com/rest/api/
// virtualnetwork).
var armTypes = map[string]string{
	"azurerm_virtual_network":                    "Microsoft.Network/virtualNetworks",
	"azurerm_network_security_group":             "Microsoft.Network/networkSecurityGroups",
	"azurerm_route_table":                        "Microsoft.Network/routeTables",
	"azurerm_network_interface":                  "Microsoft.Network/networkInterfaces",
	"azurerm_public_ip":                          "Microsoft.Network/publicIPAddresses",
	"azurerm_public_ip_prefix":                   "Microsoft.Network/publicIPPrefixes",
	"azurerm_lb":                                 "Microsoft.Network/loadBalancers",
	"azurerm_local_network_gateway":              "Microsoft.Network/localNetworkGateways",
	"azurerm_virtual_network_gateway":            "Microsoft.Network/virtualNetworkGateways",
	"azurerm_virtual_network_gateway_connection": "Microsoft.Network/connections",
	"azurerm_nat_gateway":                        "Microsoft.Network/natGateways",
	"azurerm_firewall":                           "Microsoft.Network/azureFirewalls",
	"azurerm_firewall_policy":                    "Microsoft.Network/firewallPolicies",
	"azurerm_ip_group":                           "Microsoft.Network/ipGroups",
	"azurerm_private_endpoint":                   "Microsoft.Network/privateEndpoints",
	"azurerm_private_dns_zone":                   "Microsoft.Network/privateDnsZones",
	"azurerm_application_security_group":         "Microsoft.Network/applicationSecurityGroups",
	"azurerm_linux_virtual_machine":              "Microsoft.Compute/virtualMachines",
	"azurerm_windows_virtual_machine":            "Microsoft.Compute/virtualMachines",
}

// childTypes are the azurerm child resources: the attribute naming the parent, the parent's
// ARM type and the child's type segment. An attribute ending in _id holds the parent's ID (a
// firewall policy's rule collection groups, and the children the snapshot has inline in their
// parent, a load balancer's and a VNet gateway's NAT rules: Apply's inlineChildren); any other
// holds its name in the same resource group.
var childTypes = map[string]struct{ parentAttr, parentType, segment string }{
	"azurerm_subnet":                                {"virtual_network_name", "Microsoft.Network/virtualNetworks", "subnets"},
	"azurerm_virtual_network_peering":               {"virtual_network_name", "Microsoft.Network/virtualNetworks", "virtualNetworkPeerings"},
	"azurerm_network_security_rule":                 {"network_security_group_name", "Microsoft.Network/networkSecurityGroups", "securityRules"},
	"azurerm_route":                                 {"route_table_name", "Microsoft.Network/routeTables", "routes"},
	"azurerm_private_dns_zone_virtual_network_link": {"private_dns_zone_name", "Microsoft.Network/privateDnsZones", "virtualNetworkLinks"},
	"azurerm_private_dns_a_record":                  {"zone_name", "Microsoft.Network/privateDnsZones", "A"},
	"azurerm_private_dns_aaaa_record":               {"zone_name", "Microsoft.Network/privateDnsZones", "AAAA"},
	"azurerm_private_dns_cname_record":              {"zone_name", "Microsoft.Network/privateDnsZones", "CNAME"},
	"azurerm_firewall_policy_rule_collection_group": {"firewall_policy_id", "Microsoft.Network/firewallPolicies", "ruleCollectionGroups"},
	"azurerm_lb_backend_address_pool":               {"loadbalancer_id", "Microsoft.Network/loadBalancers", "backendAddressPools"},
	"azurerm_lb_rule":                               {"loadbalancer_id", "Microsoft.Network/loadBalancers", "loadBalancingRules"},
	"azurerm_lb_probe":                              {"loadbalancer_id", "Microsoft.Network/loadBalancers", "probes"},
	"azurerm_lb_nat_rule":                           {"loadbalancer_id", "Microsoft.Network/loadBalancers", "inboundNatRules"},
	"azurerm_lb_outbound_rule":                      {"loadbalancer_id", "Microsoft.Network/loadBalancers", "outboundRules"},
	"azurerm_virtual_network_gateway_nat_rule":      {"virtual_network_gateway_id", "Microsoft.Network/virtualNetworkGateways", "natRules"},
}

// nestedTypes are the azurerm resources whose ARM name is a path of their parents' names, each
// parent named by an attribute in turn: a NetApp volume is netAppAccounts/A/capacityPools/P/
// volumes/V, named "A/P/V" (learn.microsoft.com/rest/api/netapp/volumes/get).
var nestedTypes = map[string]struct {
	armType string
	parents []string
}{
	"azurerm_netapp_volume": {"Microsoft.NetApp/netAppAccounts/capacityPools/volumes", []string{"account_name", "pool_name"}},
}

// nestedID is the ID of a nested type's resource r in resource group scope, or "" while one of
// its names is known only after apply.
func nestedID(scope string, r *tfRes) string {
	nt := nestedTypes[r.typ]
	segs := strings.Split(nt.armType, "/") // namespace, then one segment per level
	id := scope + "/providers/" + segs[0]
	for i, a := range append(slices.Clone(nt.parents), "name") {
		name := str(r.after[a])
		if name == "" || r.unknown[a] == true {
			return ""
		}
		id += "/" + segs[i+1] + "/" + name
	}
	return id
}

// nestedName is the ARM name of a nested type's resource with ID id: its names from the ID's
// last segments, "A/P/V" (the ID wins over the plan's attributes, as for any put).
func nestedName(typ, id string) string {
	levels := strings.Count(nestedTypes[typ].armType, "/")
	segs := strings.Split(id, "/")
	var names []string
	for i := len(segs) - 2*levels + 1; i < len(segs); i += 2 {
		if i > 0 {
			names = append(names, segs[i])
		}
	}
	return strings.Join(names, "/")
}

// ensureID sets r.id: the ID the plan knows, else the one Azure will give it (inference: ARM IDs
// are built from subscription, resource group, type and names).
func (t *tfPlan) ensureID(r *tfRes) {
	if r.id != "" {
		return
	}
	if id := str(r.after["id"]); id != "" && r.unknown["id"] != true {
		r.id = id
		return
	}
	if id := str(r.before["id"]); id != "" {
		r.id = id
		return
	}
	v := t.root(r)
	name := str(r.after["name"])
	if arm, ok := armTypes[r.typ]; ok {
		r.id = t.scope(r) + "/providers/" + arm + "/" + name
		return
	}
	if _, ok := nestedTypes[r.typ]; ok {
		r.id = nestedID(t.scope(r), r)
		return
	}
	if c, ok := childTypes[r.typ]; ok {
		parent := t.scope(r) + "/providers/" + c.parentType + "/" + str(r.after[c.parentAttr])
		if strings.HasSuffix(c.parentAttr, "_id") {
			parent = v.id(c.parentAttr)
		}
		r.id = parent + "/" + c.segment + "/" + name
		return
	}
	if r.typ == "azapi_resource" {
		typ, _, _ := strings.Cut(str(r.after["type"]), "@")
		parent := v.id("parent_id")
		if segs := strings.Split(typ, "/"); len(segs) > 2 {
			r.id = parent + "/" + segs[len(segs)-1] + "/" + name
		} else {
			r.id = parent + "/providers/" + typ + "/" + name
		}
	}
}

// apply turns one planned resource into puts, deletes or patches.
func (t *tfPlan) apply(r *tfRes) {
	act := r.action()
	if act == "" {
		return
	}
	if p, ok := associations[r.typ]; ok {
		v := t.root(r)
		if act == "delete" {
			v = tfVal{t: t, r: r, after: r.before}
		}
		target, value := v.id(p.target), v.id(p.value)
		if act == "delete" {
			value = ""
		}
		t.ov.Patches = append(t.ov.Patches, Patch{From: r.addr, ID: target, Field: p.field, Value: value})
		return
	}
	if f, ok := listAssociations[r.typ]; ok {
		// A replacement (delete then create) takes away what the old one added first.
		if act == "delete" || slices.Contains(r.actions, "delete") {
			for _, p := range f(tfVal{t: t, r: r, after: r.before}) {
				p.From, p.Remove = r.addr, true
				if !p.List {
					p.Value = ""
				}
				t.ov.Patches = append(t.ov.Patches, p)
			}
		}
		if act == "put" {
			for _, p := range f(t.root(r)) {
				p.From = r.addr
				t.ov.Patches = append(t.ov.Patches, p)
			}
		}
		return
	}
	build, ok := builders[r.typ]
	if !ok {
		if strings.HasPrefix(r.typ, "azurerm_") || r.typ == "azapi_update_resource" {
			t.ov.warn("PlanNotApplied", r.addr, "%s: %s is not mapped; the plan's change to it is not applied", r.addr, r.typ)
		}
		return
	}
	if _, nested := nestedTypes[r.typ]; nested && r.id == "" { // a name known only after apply (nestedID)
		t.ov.warn("PlanUnknownValue", r.addr, "%s: its ID (a name of it or of a parent) is known only after apply; not applied", r.addr)
		return
	}
	if act == "delete" {
		t.ov.Deletes = append(t.ov.Deletes, r.id)
		return
	}
	v := t.root(r)
	props, keep := build(v)
	if props == nil {
		return
	}
	body := map[string]any{"id": r.id, "name": r.id[strings.LastIndexByte(r.id, '/')+1:], "properties": props}
	if typ := armTypes[r.typ]; typ != "" {
		body["type"] = typ
	} else if c, ok := childTypes[r.typ]; ok {
		body["type"] = c.parentType + "/" + c.segment
	} else if nt, ok := nestedTypes[r.typ]; ok {
		body["type"], body["name"] = nt.armType, nestedName(r.typ, r.id)
	}
	if loc := str(r.after["location"]); loc != "" {
		body["location"] = loc
	}
	if r.typ == "azapi_resource" {
		body = azapiBody(v, body)
		if body == nil {
			return
		}
		if slices.Contains(r.actions, "create") {
			t.ov.newZoneGroup(r.addr, body)
		}
	}
	if r.typ == "azurerm_public_ip" || r.typ == "azurerm_lb" {
		set(body, "sku", set(map[string]any{}, "name", v.str("sku"), "tier", v.str("sku_tier")))
	}
	t.ov.Puts = append(t.ov.Puts, Put{From: r.addr, Body: body, Keep: keep, Partial: r.typ != "azapi_resource"})
}

// associations set one field of a subnet or NIC (iac.md §2).
var associations = map[string]struct{ target, value, field string }{
	"azurerm_subnet_network_security_group_association":    {"subnet_id", "network_security_group_id", "NSG"},
	"azurerm_subnet_route_table_association":               {"subnet_id", "route_table_id", "RouteTable"},
	"azurerm_subnet_nat_gateway_association":               {"subnet_id", "nat_gateway_id", "NATGW"},
	"azurerm_network_interface_security_group_association": {"network_interface_id", "network_security_group_id", "NSG"},
}

// listAssociations add an ID to a list (iac.md §2): a NIC ip configuration's backend pools or
// NAT rules, every ip configuration's ASGs, a NAT gateway's public IPs or prefixes. Deleting the
// association removes it. The load balancer's side of a pool member or NAT rule target, which
// the converter reads too, is patched with it (unlistMembers does so for NIC puts).
var listAssociations = map[string]func(v tfVal) []Patch{
	"azurerm_network_interface_backend_address_pool_association": func(v tfVal) []Patch {
		c, pool := ipConfigID(v), v.id("backend_address_pool_id")
		return []Patch{{ID: c, Field: "BackendPools", Value: pool, List: true}, {ID: pool, Field: "IPConfigs", Value: c, List: true}}
	},
	"azurerm_network_interface_nat_rule_association": func(v tfVal) []Patch {
		c, rule := ipConfigID(v), v.id("nat_rule_id")
		return []Patch{{ID: c, Field: "InboundNATRules", Value: rule, List: true}, {ID: rule, Field: "Target", Value: c}}
	},
	"azurerm_network_interface_application_security_group_association": func(v tfVal) []Patch {
		return []Patch{{ID: v.id("network_interface_id"), Field: "ASGs", Value: v.id("application_security_group_id"), List: true, EachIPConfig: true}}
	},
	"azurerm_nat_gateway_public_ip_association": func(v tfVal) []Patch {
		return []Patch{{ID: v.id("nat_gateway_id"), Field: "PublicIPs", Value: v.id("public_ip_address_id"), List: true}}
	},
	"azurerm_nat_gateway_public_ip_prefix_association": func(v tfVal) []Patch {
		return []Patch{{ID: v.id("nat_gateway_id"), Field: "PublicIPPrefixes", Value: v.id("public_ip_prefix_id"), List: true}}
	},
	"azurerm_lb_backend_address_pool_address": func(v tfVal) []Patch {
		a, err := netip.ParseAddr(v.str("ip_address"))
		if err != nil {
			v.t.ov.warn("PlanNotApplied", v.r.addr, "%s: ip_address %q is not an IP address; not applied", v.r.addr, v.str("ip_address"))
			return nil
		}
		return []Patch{{ID: v.id("backend_address_pool_id"), Field: "Addresses", Value: a, List: true}}
	},
}

// ipConfigID is the ID of the ip configuration an association names by NIC and name.
func ipConfigID(v tfVal) string {
	return v.id("network_interface_id") + "/ipConfigurations/" + v.str("ip_configuration_name")
}

// azapiBody is an azapi_resource's ARM body: the body attribute (an object in azapi 2.x, a
// JSON string in 1.x) with the ID, name, type and location.
func azapiBody(v tfVal, base map[string]any) map[string]any {
	var b map[string]any
	switch x := v.r.after["body"].(type) {
	case map[string]any:
		b = x
	case string:
		if err := json.Unmarshal([]byte(x), &b); err != nil {
			v.t.ov.warn("PlanNotApplied", v.r.addr, "%s: body is not JSON (%v); not applied", v.r.addr, err)
			return nil
		}
	default:
		if v.isUnknown("body") {
			v.unknownWarn("body", "not applied; answers that depend on it may be Unknown")
		}
		return nil
	}
	typ, _, _ := strings.Cut(v.str("type"), "@")
	b["id"], b["name"], b["type"] = base["id"], v.str("name"), typ
	if loc := v.str("location"); loc != "" {
		b["location"] = loc
	}
	v.t.ov.scrub(base["id"].(string), b, "", "")
	return b
}

// ref is an ARM reference object {id}, or nil for "".
func ref(id string) any {
	if id == "" {
		return nil
	}
	return map[string]any{"id": id}
}

func refs(ids []string) []any {
	out := []any{}
	for _, id := range ids {
		out = append(out, map[string]any{"id": id})
	}
	return out
}

// set puts non-empty values in m.
func set(m map[string]any, kv ...any) map[string]any {
	for i := 0; i+1 < len(kv); i += 2 {
		switch x := kv[i+1].(type) {
		case nil:
		case string:
			if x != "" {
				m[kv[i].(string)] = x
			}
		case []string:
			if len(x) > 0 {
				m[kv[i].(string)] = x
			}
		case []any:
			if len(x) > 0 {
				m[kv[i].(string)] = x
			}
		default:
			m[kv[i].(string)] = x
		}
	}
	return m
}

// first is the boolean of the attribute the configuration writes, else of the one the plan
// changes, else the first known one (the v4 name, then the v3 one). Late 4.x providers define
// both names, each computed and conflicting with the other, so the plan holds both and the one
// not written keeps its old value; the provider sends the written one (hashicorp/terraform-
// provider-azurerm v4.81.0, virtual_network_gateway_resource.go reads GetRawConfig).
func first(v tfVal, names ...string) (bool, bool) {
	for _, n := range names {
		if _, written := v.expr[n]; written {
			if b, ok := v.boolean(n); ok {
				return b, true
			}
		}
	}
	for _, n := range names {
		if b, ok := v.boolean(n); ok && v.path == "" && v.r.before != nil && v.r.before[n] != nil && v.r.before[n] != b {
			return b, true
		}
	}
	for _, n := range names {
		if b, ok := v.boolean(n); ok {
			return b, true
		}
	}
	return false, false
}
