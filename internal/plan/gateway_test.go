package plan

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// vgwHub is azurerm state for the example's vgw-hub as azurerm 3.x/4.x/5.x writes it:
// bgp_settings is Optional+Computed, so an update's after carries peering_addresses.
func vgwHub(sku string, activeActive bool, bgp map[string]any, cfgs []any, addrs ...[]any) map[string]any {
	var peering []any
	for i, a := range addrs {
		peering = append(peering, map[string]any{"ip_configuration_name": cfgs[i].(map[string]any)["name"],
			"apipa_addresses": []any{}, "default_addresses": a, "tunnel_ip_addresses": []any{"20.103.50.20"}})
	}
	m := map[string]any{"id": s1 + "/virtualNetworkGateways/vgw-hub", "name": "vgw-hub", "resource_group_name": "rg-connectivity",
		"location": "westeurope", "type": "Vpn", "vpn_type": "RouteBased", "sku": sku, "active_active": activeActive,
		"ip_configuration": cfgs,
		"bgp_settings":     []any{map[string]any{"asn": json.Number("65515"), "peer_weight": json.Number("0"), "peering_addresses": peering}}}
	for k, v := range bgp {
		m[k] = v
	}
	return m
}

func vgwCfg(name, pip string) map[string]any {
	return map[string]any{"name": name, "private_ip_address_allocation": "Dynamic",
		"subnet_id": s1 + "/virtualNetworks/vnet-hub/subnets/GatewaySubnet", "public_ip_address_id": s1 + "/publicIPAddresses/" + pip}
}

func vgw(t *testing.T, p *dataplane.Plane) *model.VNetGateway {
	t.Helper()
	return named(t, p.Net.VNetGateways, func(g *model.VNetGateway) string { return g.Name }, "vgw-hub")
}

// An SKU bump of the deployed vgw-hub (nothing else changes) must keep the gateway's private
// address 10.0.2.30, which the snapshot has only from bgpSettings and the plan carries in
// bgp_settings[0].peering_addresses[0].default_addresses.
func TestTerraformGatewayUpdateKeepsPrivateIPs(t *testing.T) {
	cfg := []any{vgwCfg("default", "pip-vgw-hub")}
	bgp := map[string]any{"enable_bgp": false}
	before := vgwHub("VpnGw2AZ", false, bgp, cfg, []any{"10.0.2.30"})
	after := vgwHub("VpnGw3AZ", false, bgp, cfg, []any{"10.0.2.30"})
	base, _ := planned(t)
	p, ws := planned(t, tfFile(t, tfChange("azurerm_virtual_network_gateway", "hub", []any{"update"}, before, after)))
	want := netip.MustParseAddr("10.0.2.30")
	if !slices.Contains(vgw(t, base).PrivateIPs, want) {
		t.Fatalf("base vgw-hub lacks %s", want)
	}
	if g := vgw(t, p); !slices.Contains(g.PrivateIPs, want) || !slices.Contains(g.BGPAddrs, want) {
		t.Errorf("vgw-hub after an SKU change: PrivateIPs %v BGPAddrs %v ASN %d (warnings %v); want %s kept", g.PrivateIPs, g.BGPAddrs, g.ASN, ws, want)
	}
}

// Turning vgw-hub active-active (two ip configurations, two instance addresses): the gateway's
// private IPs are the two instances' BGP addresses, which the routes it installs take as next
// hops (fib gatewayNextHops).
func TestTerraformGatewayActiveActive(t *testing.T) {
	cfg1 := []any{vgwCfg("default", "pip-vgw-hub")}
	cfg2 := []any{vgwCfg("default", "pip-vgw-hub"), vgwCfg("activeActive", "pip-vgw-hub-2")}
	before := vgwHub("VpnGw2AZ", false, map[string]any{"enable_bgp": false}, cfg1, []any{"10.0.2.30"})
	after := vgwHub("VpnGw2AZ", true, map[string]any{"enable_bgp": false}, cfg2, []any{"10.0.2.4"}, []any{"10.0.2.5"})
	p, ws := planned(t, tfFile(t, tfChange("azurerm_virtual_network_gateway", "hub", []any{"update"}, before, after)))
	g := vgw(t, p)
	if want := []netip.Addr{netip.MustParseAddr("10.0.2.4"), netip.MustParseAddr("10.0.2.5")}; !g.ActiveActive || !slices.Equal(g.PrivateIPs, want) {
		t.Errorf("active-active vgw-hub: ActiveActive %v PrivateIPs %v (warnings %v); want the two instance IPs 10.0.2.4, 10.0.2.5", g.ActiveActive, g.PrivateIPs, ws)
	}
}

// azurerm 4.x (v4.6x..v4.81) has both enable_bgp (deprecated) and bgp_enabled, each
// Optional+Computed and ConflictsWith the other. A configuration that still writes
// enable_bgp = true on an update plans enable_bgp=true and bgp_enabled=false (the prior state of
// the computed attribute); the provider sends the configured one (enable_bgp).
func TestTerraformWrittenNameWins(t *testing.T) {
	cfg := []any{vgwCfg("default", "pip-vgw-hub")}
	before := vgwHub("VpnGw2AZ", false, map[string]any{"enable_bgp": false, "bgp_enabled": false}, cfg, []any{"10.0.2.30"})
	after := vgwHub("VpnGw2AZ", false, map[string]any{"enable_bgp": true, "bgp_enabled": false}, cfg, []any{"10.0.2.30"})
	conn := func(on bool) map[string]any {
		return map[string]any{"id": s1 + "/connections/cn-hub-to-onprem", "name": "cn-hub-to-onprem", "resource_group_name": "rg-connectivity",
			"location": "westeurope", "type": "IPsec", "virtual_network_gateway_id": s1 + "/virtualNetworkGateways/vgw-hub",
			"local_network_gateway_id": s1 + "/localNetworkGateways/lng-onprem", "enable_bgp": on, "bgp_enabled": false}
	}
	file := tfFileWith(t, map[string]any{"root_module": map[string]any{"resources": []any{
		map[string]any{"address": "azurerm_virtual_network_gateway.hub", "expressions": map[string]any{"enable_bgp": map[string]any{"constant_value": true}}},
		map[string]any{"address": "azurerm_virtual_network_gateway_connection.onprem", "expressions": map[string]any{"enable_bgp": map[string]any{"constant_value": true}}},
	}}},
		tfChange("azurerm_virtual_network_gateway", "hub", []any{"update"}, before, after),
		tfChange("azurerm_virtual_network_gateway_connection", "onprem", []any{"update"}, conn(false), conn(true)))
	p, _ := planned(t, file)
	if g := vgw(t, p); !g.BGPEnabled {
		t.Errorf("vgw-hub BGPEnabled = false; the configuration sets enable_bgp = true")
	}
	if c := named(t, p.Net.Connections, func(c *model.Connection) string { return c.Name }, "cn-hub-to-onprem"); !c.EnableBGP {
		t.Errorf("cn-hub-to-onprem EnableBGP = false; the configuration sets enable_bgp = true")
	}
}

// Hostile values: every attribute null, unknown, or of the wrong JSON type; no panic.
func TestTerraformGatewayHostile(t *testing.T) {
	types := []string{"azurerm_local_network_gateway", "azurerm_virtual_network_gateway", "azurerm_virtual_network_gateway_connection",
		"azurerm_virtual_network_gateway_nat_rule"}
	attrs := []string{"address_space", "gateway_address", "gateway_fqdn", "bgp_settings", "type", "vpn_type", "sku", "active_active",
		"enable_bgp", "bgp_enabled", "ip_configuration", "virtual_network_gateway_id", "peer_virtual_network_gateway_id",
		"local_network_gateway_id", "ingress_nat_rule_ids", "egress_nat_rule_ids", "mode", "internal_mapping", "external_mapping",
		"use_policy_based_traffic_selectors", "traffic_selector_policy"}
	vals := []any{nil, json.Number("1"), "x", true, []any{nil}, []any{"x", json.Number("2"), nil, map[string]any{}}, map[string]any{"asn": "x", "bgp_peering_address": json.Number("3")},
		[]any{map[string]any{"asn": json.Number("99999999999"), "name": nil, "subnet_id": json.Number("1"), "peering_addresses": "x"}}}
	for _, typ := range types {
		for _, a := range attrs {
			for i, v := range vals {
				for _, unk := range []any{nil, true, []any{true}, map[string]any{"asn": true}} {
					after := map[string]any{"name": "gw", "resource_group_name": "rg-connectivity", a: v}
					ch := tfChange(typ, "x", []any{"create"}, nil, after)
					if unk != nil {
						ch["change"].(map[string]any)["after_unknown"] = map[string]any{a: unk}
					}
					t.Run(fmt.Sprintf("%s/%s/%d/%v", typ, a, i, unk), func(t *testing.T) {
						defer func() {
							if r := recover(); r != nil {
								t.Errorf("panic: %v", r)
							}
						}()
						s := &azure.Snapshot{}
						if _, err := ApplyFiles(s, []string{tfFile(t, ch)}, 0); err == nil {
							_, _ = convert.Convert(s)
						}
					})
				}
			}
		}
	}
}

// TestTerraformTrafficSelectors: a plan that turns on policy-based traffic selectors, or lists
// custom ones, marks the connection: the model warns, and traces crossing it say the selectors
// are assumed to hold the flow.
func TestTerraformTrafficSelectors(t *testing.T) {
	conn := func(extra map[string]any) map[string]any {
		c := map[string]any{"id": s1 + "/connections/cn-hub-to-onprem", "name": "cn-hub-to-onprem", "resource_group_name": "rg-connectivity",
			"location": "westeurope", "type": "IPsec", "virtual_network_gateway_id": s1 + "/virtualNetworkGateways/vgw-hub",
			"local_network_gateway_id": s1 + "/localNetworkGateways/lng-onprem"}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	for _, tt := range []struct {
		name  string
		after map[string]any
		want  bool
	}{
		{"policy-based", map[string]any{"use_policy_based_traffic_selectors": true}, true},
		{"custom", map[string]any{"traffic_selector_policy": []any{map[string]any{"local_address_cidrs": []any{"10.0.0.0/16"}, "remote_address_cidrs": []any{"192.168.0.0/16"}}}}, true},
		{"neither", map[string]any{"use_policy_based_traffic_selectors": false, "traffic_selector_policy": []any{}}, false},
	} {
		file := tfFile(t, tfChange("azurerm_virtual_network_gateway_connection", "onprem", []any{"update"}, conn(nil), conn(tt.after)))
		p, _ := planned(t, file)
		c := named(t, p.Net.Connections, func(c *model.Connection) string { return c.Name }, "cn-hub-to-onprem")
		warned := slices.ContainsFunc(p.Net.Warnings, func(w model.Warning) bool {
			return w.Code == "Unsupported" && strings.Contains(w.Message, "connection cn-hub-to-onprem uses policy-based traffic selectors")
		})
		if c.PolicySelectors != tt.want || warned != tt.want {
			t.Errorf("%s: PolicySelectors %v, warned %v; want %v", tt.name, c.PolicySelectors, warned, tt.want)
		}
	}
}

// TestTerraformVPNNATRule: a plan adds an IngressSnat rule to vgw-hub (on-premises 192.168.0.0/16
// seen as 100.64.0.0/16, [VPNNAT]) and links it to cn-hub-to-onprem. The rule is placed in its
// gateway, as the snapshot holds it; once planned, vm-dns1 reaches on-premises at the external
// range instead of the internal one.
func TestTerraformVPNNATRule(t *testing.T) {
	rule := s1 + "/virtualNetworkGateways/vgw-hub/natRules/ingress-onprem"
	conn := func(nat []any) map[string]any {
		return map[string]any{"id": s1 + "/connections/cn-hub-to-onprem", "name": "cn-hub-to-onprem", "resource_group_name": "rg-connectivity",
			"location": "westeurope", "type": "IPsec", "virtual_network_gateway_id": s1 + "/virtualNetworkGateways/vgw-hub",
			"local_network_gateway_id": s1 + "/localNetworkGateways/lng-onprem", "ingress_nat_rule_ids": nat}
	}
	file := tfFile(t,
		tfChange("azurerm_virtual_network_gateway_nat_rule", "ingress", []any{"create"}, nil, map[string]any{"name": "ingress-onprem",
			"resource_group_name": "rg-connectivity", "virtual_network_gateway_id": s1 + "/virtualNetworkGateways/vgw-hub", "mode": "IngressSnat", "type": "Static",
			"internal_mapping": []any{map[string]any{"address_space": "192.168.0.0/16", "port_range": ""}},
			"external_mapping": []any{map[string]any{"address_space": "100.64.0.0/16", "port_range": ""}}}),
		tfChange("azurerm_virtual_network_gateway_connection", "onprem", []any{"update"}, conn([]any{}), conn([]any{rule})))
	base, _ := planned(t)
	p, ws := planned(t, file)
	if len(ws) != 0 {
		t.Errorf("warnings %v", ws)
	}
	g := vgw(t, p)
	if len(g.NATRules) != 1 || g.NATRules[0].Egress || !slices.Equal(g.NATRules[0].External, []netip.Prefix{netip.MustParsePrefix("100.64.0.0/16")}) {
		t.Fatalf("vgw-hub NAT rules %+v; want ingress-onprem, 192.168.0.0/16 as 100.64.0.0/16", g.NATRules)
	}
	for _, c := range []struct {
		dst          string
		before, want trace.Verdict
	}{{"100.64.1.1", trace.Unreachable, trace.Reachable}, {"192.168.1.1", trace.Reachable, trace.Unreachable}} {
		if b, a := verdict(t, base, "vm-dns1", c.dst, model.ProtoTCP, 443), verdict(t, p, "vm-dns1", c.dst, model.ProtoTCP, 443); b != c.before || a != c.want {
			t.Errorf("vm-dns1 -> %s: %s before, %s planned; want %s, %s", c.dst, b, a, c.before, c.want)
		}
	}
}
