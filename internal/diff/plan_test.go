package diff

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/plan"
)

// TestApplyPlanLoadBalancer: a Terraform plan updating a load balancer (tags only), deleting
// one of its rules and adding another lists the rule removed and the rule added and nothing
// else: the load balancer's partial body keeps its deployed children without bringing the
// deleted one back, and its SKU keeps its tier. A rule updated by a put that comes before its
// load balancer's (puts in any order) is not undone by the deployed copy the parent keeps.
func TestApplyPlanLoadBalancer(t *testing.T) {
	const s2 = "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-app/providers/Microsoft.Network"
	const lb = s2 + "/loadBalancers/lb-web-public"
	rule := func(name string, port int) map[string]any {
		return map[string]any{"id": lb + "/loadBalancingRules/" + name, "name": name, "loadbalancer_id": lb, "protocol": "Tcp",
			"frontend_port": port, "backend_port": 443, "frontend_ip_configuration_name": "fe-web"}
	}
	lbBody := map[string]any{"id": lb, "name": "lb-web-public", "resource_group_name": "rg-app", "location": "westeurope",
		"sku": "Standard", "sku_tier": "Regional", "tags": map[string]any{"owner": "web"},
		"frontend_ip_configuration": []any{map[string]any{"name": "fe-web", "public_ip_address_id": s2 + "/publicIPAddresses/pip-lb-web",
			"gateway_load_balancer_frontend_ip_configuration_id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.Network/loadBalancers/lb-gwlb-nva/frontendIPConfigurations/fe-gwlb"}}}
	r := planned(t,
		tfChange("azurerm_lb_rule", "a_alt", []any{"create"}, nil, rule("https-alt", 8443)),
		tfChange("azurerm_lb_rule", "https", []any{"delete"}, rule("https", 443), nil),
		tfChange("azurerm_lb", "web", []any{"update"}, lbBody, lbBody))
	short := func(ids []string) []string {
		var out []string
		for _, id := range ids {
			out = append(out, id[strings.LastIndex(id, "/")+1:])
		}
		return out
	}
	if !slices.Equal(short(r.Added), []string{"https-alt"}) || !slices.Equal(short(r.Removed), []string{"https"}) || len(r.Changed) != 0 {
		t.Errorf("added %v, removed %v, changed %+v; want https-alt added, https removed, nothing changed", r.Added, r.Removed, r.Changed)
	}
	r = plannedWith(t, func(ov *plan.Overlay) { slices.Reverse(ov.Puts) }, // plan.Read sorts the parent first
		tfChange("azurerm_lb_rule", "https", []any{"update"}, rule("https", 443), rule("https", 444)),
		tfChange("azurerm_lb", "web", []any{"update"}, lbBody, lbBody))
	if len(r.Changed) != 1 || !strings.HasSuffix(r.Changed[0].ID, "/https") || !slices.Contains(r.Changed[0].Fields, "$.properties.frontendPort") {
		t.Errorf("rule https put before its load balancer: changed %+v; want https's frontendPort", r.Changed)
	}
}

// TestApplyPlanDeleteThenPutSameID: a Terraform resource renamed without a moved block is
// one address deleted and another created with the same Azure ID; the resource stays, as
// plan.Apply keeps it.
func TestApplyPlanDeleteThenPutSameID(t *testing.T) {
	const nsg = "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-app/providers/Microsoft.Network/networkSecurityGroups/nsg-app-web"
	rule := map[string]any{"id": nsg + "/securityRules/allow-web-from-vnet", "name": "allow-web-from-vnet", "resource_group_name": "rg-app",
		"network_security_group_name": "nsg-app-web", "priority": 110, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
		"source_port_range": "*", "destination_port_ranges": []any{"80", "443"}, "source_address_prefix": "VirtualNetwork", "destination_address_prefix": "*"}
	r := planned(t, tfChange("azurerm_network_security_rule", "old", []any{"delete"}, rule, nil),
		tfChange("azurerm_network_security_rule", "renamed", []any{"create"}, nil, rule))
	if len(r.Removed) != 0 || len(r.Added) != 0 {
		t.Errorf("added %v, removed %v; want the rule kept", r.Added, r.Removed)
	}
}

// planned is what a Terraform plan of changes changes in the example's resources.
func planned(t *testing.T, changes ...any) Resources {
	t.Helper()
	return plannedWith(t, nil, changes...)
}

// plannedWith is planned with the overlay read edited (when edit is not nil) before it applies.
func plannedWith(t *testing.T, edit func(*plan.Overlay), changes ...any) Resources {
	t.Helper()
	data, _ := json.Marshal(map[string]any{"format_version": "1.2", "resource_changes": changes})
	s, err := azure.Load([]string{example}, azure.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ov, err := plan.Read("plan.json", data, s)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(ov)
	}
	before, err := ReadDocs([]string{example}, nil)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := ReadDocs([]string{example}, nil)
	after.ApplyPlan(ov)
	return CompareResources(before, after)
}

// tfChange is one resource change of a Terraform plan (a nil side is null).
func tfChange(typ, name string, actions []any, before, after map[string]any) any {
	return map[string]any{"address": typ + "." + name, "mode": "managed", "type": typ, "name": name,
		"change": map[string]any{"actions": actions, "before": before, "after": after, "after_unknown": map[string]any{}}}
}
