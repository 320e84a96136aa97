package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/dns"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestTerraform applies a `terraform show -json` plan to the example: a new subnet, NSG and
// azapi route table tied by association resources whose IDs are known only after apply
// (resolved through the configuration's references, into a module through var.subnet_id), a
// NIC and VM in a module, a rule of an existing NSG changed, a peering deleted; an unmapped type
// and an unknown public IP address are warnings.
func TestTerraform(t *testing.T) {
	base, _ := planned(t)
	p, ws := planned(t, filepath.Join("testdata", "terraform-plan.json"))
	var sub *model.Subnet
	for _, s := range p.Net.Subnets {
		if s.Name == "snet-new" {
			sub = s
		}
	}
	if sub == nil {
		t.Fatal("no snet-new")
	}
	const want = "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/vnet-spoke-app/subnets/snet-new"
	if string(sub.ID) != want || sub.NSG == nil || sub.NSG.Name != "nsg-new" || sub.RouteTable == nil || sub.RouteTable.Name != "rt-azapi" {
		t.Fatalf("snet-new: %s, NSG %v, route table %v; want %s with nsg-new and rt-azapi", sub.ID, sub.NSG, sub.RouteTable, want)
	}
	a := answer(t, p, "nic-tf", "vm-app1", model.ProtoTCP, 8080)
	if a.Verdict != trace.Unreachable || a.Forward.Deciding == nil || a.Forward.Deciding.Rule != "securityRules/deny-out-app" {
		t.Errorf("nic-tf -> vm-app1: %s by %+v; want Unreachable by deny-out-app", a.Verdict, a.Forward.Deciding)
	}
	a, err := trace.Run(p, trace.Query{From: "vm-tf", To: "internet:1.1.1.1", Protocol: model.ProtoTCP, DestinationPort: 443})
	if err != nil {
		t.Fatalf("vm-tf (the module's VM) does not resolve: %v", err)
	}
	crossed := false
	for _, h := range a.Forward.Hops {
		crossed = crossed || h.Name == "afw-hub"
	}
	if !crossed {
		t.Errorf("vm-tf -> internet does not cross the firewall (rt-azapi's default route): %+v", a.Forward.Hops)
	}
	if b, a := verdict(t, base, "internet:198.51.100.7", "20.103.51.40", model.ProtoTCP, 22), verdict(t, p, "internet:198.51.100.7", "20.103.51.40", model.ProtoTCP, 22); b != trace.Reachable || a != trace.Unreachable {
		t.Errorf("internet -> vm-jump:22 %s before, %s after; want the rule change to close it", b, a)
	}
	if got := verdict(t, p, "vm-data1", "10.0.4.4", model.ProtoTCP, 443); got != trace.Unreachable {
		t.Errorf("vm-data1 -> pe-kv-hub %s; want Unreachable (peering deleted)", got)
	}
	c := codes(ws)
	if c["PlanNotApplied"] != 1 || c["PlanUnknownValue"] < 1 {
		t.Errorf("warnings %v", ws)
	}
	var pip bool
	for _, w := range ws {
		pip = pip || (w.Code == "PlanUnknownValue" && strings.Contains(w.Message, "azurerm_public_ip.new: ip_address"))
		if strings.Contains(w.Message, "subnet_id") || strings.Contains(w.Message, "network_interface_ids") {
			t.Errorf("a reference the configuration resolves is warned about: %s", w.Message)
		}
	}
	if !pip {
		t.Errorf("no warning for the public IP known only after apply: %v", ws)
	}
}

// TestTerraformLoadBalancer applies a plan of load balancer resources to the example: a rule
// added to the deployed public load balancer (8443 to the pool's 443); a new internal load
// balancer whose pool, probe and rule name it by a reference known only after apply, with
// vm-app1 joining the pool by association; vm-app2 joining asg-web by association; a public IP
// joining the NAT gateway; and vm-webpub1's NIC updated in place, which must keep the pool
// membership no resource of the plan manages.
func TestTerraformLoadBalancer(t *testing.T) {
	base, _ := planned(t)
	p, ws := planned(t, filepath.Join("testdata", "terraform-lb-plan.json"))
	if c := codes(ws); c["PlanNotApplied"] != 0 || c["PlanUnknownValue"] != 1 {
		t.Errorf("warnings %v; want only the new public IP's address unknown", ws)
	}
	const web = "20.103.51.30"
	if b := verdict(t, base, "internet:198.51.100.7", web, model.ProtoTCP, 8443); b != trace.Unreachable {
		t.Errorf("internet -> %s:8443 before the plan: %s", web, b)
	}
	a := answer(t, p, "internet:198.51.100.7", web, model.ProtoTCP, 8443)
	if at := a.Forward.FlowAtDestination; a.Verdict != trace.Reachable || at == nil || at.Destination != "10.1.3.4" || at.DestinationPort != 443 {
		t.Errorf("internet -> %s:8443 planned: %s, at destination %+v; want Reachable at 10.1.3.4:443 (rule https-alt)", web, a.Verdict, at)
	}
	if got := verdict(t, p, "internet:198.51.100.7", web, model.ProtoTCP, 443); got != trace.Reachable {
		t.Errorf("internet -> %s:443 planned: %s; the NIC's update dropped its pool membership", web, got)
	}
	a = answer(t, p, "vm-web1", "10.1.2.100", model.ProtoTCP, 8080) // the new internal load balancer's frontend
	if d := a.Forward.Deciding; a.Verdict != trace.Unreachable || a.Forward.DropCause != trace.NoListener || d == nil || d.Rule != "app-8080" ||
		!strings.HasSuffix(d.ResourceID, "/loadBalancers/lb-app-int") {
		t.Errorf("vm-web1 -> lb-app-int:8080: %s %s by %+v; want NoListener by rule app-8080 (vm-app1, its only member, denies the probe)",
			a.Verdict, a.Forward.DropCause, a.Forward.Deciding)
	}
	if b, a := verdict(t, base, "vm-app2", "vm-app1", model.ProtoTCP, 8080), verdict(t, p, "vm-app2", "vm-app1", model.ProtoTCP, 8080); b != trace.Unreachable || a != trace.Reachable {
		t.Errorf("vm-app2 -> vm-app1:8080 %s before, %s planned; want asg-web (allow-8080-from-web) to open it", b, a)
	}
	if ng := named(t, p.Net.NATGateways, func(g *model.NATGateway) string { return g.Name }, "ng-merger"); len(ng.PublicIPs) != 2 {
		t.Errorf("ng-merger has %d public IPs planned; want 2", len(ng.PublicIPs))
	}
}

// TestTerraformPoolMemberLeaves: deleting a NIC's pool association takes the NIC out of the pool
// although the load balancer's own backendIPConfigurations, a read-only echo of the NIC side,
// still lists it; the public load balancer is left with no backend.
func TestTerraformPoolMemberLeaves(t *testing.T) {
	file := tfFile(t, tfChange("azurerm_network_interface_backend_address_pool_association", "web", []any{"delete"},
		map[string]any{"id": "x", "network_interface_id": s2 + "/networkInterfaces/vm-webpub1-nic", "ip_configuration_name": "ipconfig1",
			"backend_address_pool_id": lbWeb + "/backendAddressPools/be-web"}, nil))
	p, ws := planned(t, file)
	if len(ws) != 0 {
		t.Errorf("warnings %v", ws)
	}
	a := answer(t, p, "internet:198.51.100.7", "20.103.51.30", model.ProtoTCP, 443)
	if a.Verdict != trace.Unreachable || a.Forward.DropCause != trace.NoListener {
		t.Errorf("internet -> lb-web-public:443 after the member leaves: %s %s; want Unreachable, NoListener", a.Verdict, a.Forward.DropCause)
	}
}

// TestTerraformPoolNATRule: inbound NAT rules over lb-web-public's pool and a port range
// (inbound NAT rule V2) give each member one port of the range; Azure keeps which. From the
// internet, a port of web-pool's range (to 443, which the member allows) is Unknown by that rule,
// not Unreachable for want of a rule as before the plan; one past it still matches nothing. A
// port of ssh-pool's range (to 22, which every member denies) is Unreachable whatever the
// mapping, by the member's rule. reach cuts its classes at the ranges.
func TestTerraformPoolNATRule(t *testing.T) {
	rule := func(name string, start, end, backend int) map[string]any {
		return tfChange("azurerm_lb_nat_rule", name, []any{"create"}, nil, map[string]any{"name": name, "loadbalancer_id": lbWeb,
			"resource_group_name": "rg-app", "protocol": "Tcp", "frontend_port_start": json.Number(fmt.Sprint(start)), "frontend_port_end": json.Number(fmt.Sprint(end)),
			"backend_port": json.Number(fmt.Sprint(backend)), "frontend_ip_configuration_name": "fe-web", "backend_address_pool_id": lbWeb + "/backendAddressPools/be-web"})
	}
	file := tfFile(t, rule("web-pool", 50000, 50009, 443), rule("ssh-pool", 51000, 51009, 22))
	base, _ := planned(t)
	p, ws := planned(t, file)
	if len(ws) != 0 {
		t.Errorf("warnings %v", ws)
	}
	const from, to = "internet:198.51.100.7", "20.103.51.30"
	if got := verdict(t, base, from, to, model.ProtoTCP, 50003); got != trace.Unreachable {
		t.Errorf("before the plan, internet -> %s:50003 %s; want Unreachable", to, got)
	}
	for _, c := range []struct {
		port uint16
		want trace.Verdict
		rule string
	}{{50003, trace.UnknownV, "web-pool"}, {51003, trace.Unreachable, "defaultSecurityRules/DenyAllInBound"}} {
		a := answer(t, p, from, to, model.ProtoTCP, c.port)
		if a.Verdict != c.want || a.Forward.Deciding == nil || a.Forward.Deciding.Rule != c.rule {
			t.Errorf("planned, internet -> %s:%d: %s by %+v; want %s by %s", to, c.port, a.Verdict, a.Forward.Deciding, c.want, c.rule)
		}
	}
	if got := verdict(t, p, from, to, model.ProtoTCP, 50010); got != trace.Unreachable {
		t.Errorf("planned, internet -> %s:50010 (past the range) %s; want Unreachable", to, got)
	}
	res, err := reach.Run(context.Background(), reach.Build(p), reach.Query{To: []reach.Endpoint{{Ref: to, Addr: netip.MustParseAddr(to)}}, Protocols: []model.Protocol{model.ProtoTCP},
		Space: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}})
	if err != nil {
		t.Fatal(err)
	}
	var unknown []string
	for _, c := range res.Classes {
		if c.Verdict == trace.UnknownV {
			unknown = append(unknown, reach.PortsString([]model.PortRange{c.Ports}))
		}
	}
	if !slices.Equal(unknown, []string{"50000-50009"}) {
		t.Errorf("reach to %s from 198.51.100.0/24: Unknown on ports %q; want web-pool's range alone", to, unknown)
	}
}

// TestTerraformPoolNATRuleIPPool: a NAT rule over a pool whose member is an address
// (lb_backend_address_pool_address), as the provider's own test builds it, has a member: Unknown,
// not "no members" (found by review). The member is vm-webpub1, whose NIC holds the address.
func TestTerraformPoolNATRuleIPPool(t *testing.T) {
	pool := lbWeb + "/backendAddressPools/be-ip"
	file := tfFile(t,
		tfChange("azurerm_lb_backend_address_pool", "ip", []any{"create"}, nil, map[string]any{"name": "be-ip", "loadbalancer_id": lbWeb}),
		tfChange("azurerm_lb_backend_address_pool_address", "web", []any{"create"}, nil, map[string]any{"name": "web", "backend_address_pool_id": pool,
			"ip_address": "10.1.3.4", "virtual_network_id": s2 + "/virtualNetworks/vnet-spoke-app"}),
		tfChange("azurerm_lb_nat_rule", "web-ip", []any{"create"}, nil, map[string]any{"name": "web-ip", "loadbalancer_id": lbWeb,
			"resource_group_name": "rg-app", "protocol": "Tcp", "frontend_port_start": json.Number("50000"), "frontend_port_end": json.Number("50009"),
			"backend_port": json.Number("443"), "frontend_ip_configuration_name": "fe-web", "backend_address_pool_id": pool}))
	p, ws := planned(t, file)
	for _, lb := range p.Net.LoadBalancers {
		for _, bp := range lb.BackendPools {
			if bp.Name == "be-ip" && (len(bp.IPConfigs) != 1 || bp.IPConfigs[0].NIC.Name != "vm-webpub1-nic" || len(bp.Addresses) != 0) {
				t.Errorf("be-ip: members %v, addresses %v; want vm-webpub1-nic, which holds 10.1.3.4", bp.IPConfigs, bp.Addresses)
			}
		}
	}
	a := answer(t, p, "internet:198.51.100.7", "20.103.51.30", model.ProtoTCP, 50003)
	if a.Verdict != trace.UnknownV || a.Forward.Deciding == nil || a.Forward.Deciding.Rule != "web-ip" || len(ws) != 0 {
		t.Errorf("internet -> 20.103.51.30:50003 over an address pool: %s (%s) by %+v, warnings %v; want Unknown by web-ip", a.Verdict, a.Forward.DropCause, a.Forward.Deciding, ws)
	}
}

// TestTerraformPoolNATRuleUnknownRange: a pool NAT rule whose port range is known only after
// apply says so (found by review: it was silent, and matched port 0).
func TestTerraformPoolNATRuleUnknownRange(t *testing.T) {
	ch := tfChange("azurerm_lb_nat_rule", "later", []any{"create"}, nil, map[string]any{"name": "later", "loadbalancer_id": lbWeb,
		"resource_group_name": "rg-app", "protocol": "Tcp", "backend_port": json.Number("22"), "frontend_ip_configuration_name": "fe-web",
		"backend_address_pool_id": lbWeb + "/backendAddressPools/be-web"})
	ch["change"].(map[string]any)["after_unknown"] = map[string]any{"frontend_port_start": true, "frontend_port_end": true}
	_, ws := planned(t, tfFile(t, ch))
	var got []string
	for _, w := range ws {
		if w.Code == "PlanUnknownValue" {
			got = append(got, w.Message)
		}
	}
	if len(got) != 2 || !strings.Contains(got[0], "frontend_port_start") || !strings.Contains(got[1], "frontend_port_end") {
		t.Errorf("PlanUnknownValue warnings %q; want one for each end of the range", got)
	}
}

// TestTerraformNATRuleUpdate: the provider's state holds frontend_port_start and _end as 0 for
// a single-port NAT rule, so an update plans them (found by review); the rule keeps its one
// port and its target.
func TestTerraformNATRuleUpdate(t *testing.T) {
	rule := func(backend int) map[string]any {
		return map[string]any{"name": "ssh", "loadbalancer_id": lbWeb, "resource_group_name": "rg-app", "protocol": "Tcp",
			"frontend_port": json.Number("50022"), "backend_port": json.Number(fmt.Sprint(backend)), "frontend_ip_configuration_name": "fe-web",
			"frontend_port_start": json.Number("0"), "frontend_port_end": json.Number("0"), "backend_address_pool_id": nil}
	}
	assoc := map[string]any{"network_interface_id": s2 + "/networkInterfaces/vm-webpub1-nic", "ip_configuration_name": "ipconfig1", "nat_rule_id": lbWeb + "/inboundNatRules/ssh"}
	add := tfFile(t, tfChange("azurerm_lb_nat_rule", "ssh", []any{"create"}, nil, rule(22)),
		tfChange("azurerm_network_interface_nat_rule_association", "ssh", []any{"create"}, nil, assoc))
	update := tfFile(t, tfChange("azurerm_lb_nat_rule", "ssh", []any{"update"}, rule(22), rule(443)))
	p, ws := planned(t, add, update)
	var got *model.InboundNATRule
	for _, lb := range p.Net.LoadBalancers {
		for _, r := range lb.InboundNATRules {
			if r.Name == "ssh" {
				got = r
			}
		}
	}
	if got == nil || got.Pool != nil || got.FrontendPort != 50022 || got.BackendPort != 443 || got.Target == nil || len(ws) != 0 {
		t.Fatalf("ssh after the update: %+v, warnings %v; want 50022 to vm-webpub1's 443", got, ws)
	}
}

// TestTerraformInternalNATRule: an inbound NAT rule on an internal load balancer (a new one, 2222
// to vm-app1's 22 through a NIC association) forwards flows from the VNet as a public one's does
// from the internet (learn.microsoft.com/azure/load-balancer/inbound-nat-rules); before, trace
// answered only an internal load balancer's load-balancing rules.
func TestTerraformInternalNATRule(t *testing.T) {
	lb := s2 + "/loadBalancers/lb-nat-int"
	rule := lb + "/inboundNatRules/ssh"
	file := tfFile(t,
		tfChange("azurerm_lb", "int", []any{"create"}, nil, map[string]any{"name": "lb-nat-int", "resource_group_name": "rg-app", "sku": "Standard",
			"frontend_ip_configuration": []any{map[string]any{"name": "fe", "subnet_id": s2 + "/virtualNetworks/vnet-spoke-app/subnets/snet-app",
				"private_ip_address": "10.1.2.101", "private_ip_address_allocation": "Static"}}}),
		tfChange("azurerm_lb_nat_rule", "ssh", []any{"create"}, nil, map[string]any{"name": "ssh", "loadbalancer_id": lb, "resource_group_name": "rg-app",
			"protocol": "Tcp", "frontend_port": json.Number("2222"), "backend_port": json.Number("22"), "frontend_ip_configuration_name": "fe"}),
		tfChange("azurerm_network_interface_nat_rule_association", "ssh", []any{"create"}, nil,
			map[string]any{"network_interface_id": s2 + "/networkInterfaces/vm-app1-nic", "ip_configuration_name": "ipconfig1", "nat_rule_id": rule}))
	p, ws := planned(t, file)
	if len(ws) != 0 {
		t.Errorf("warnings %v", ws)
	}
	a := answer(t, p, "vm-app2", "10.1.2.101", model.ProtoTCP, 2222)
	var hops []string
	for _, h := range a.Forward.Hops {
		hops = append(hops, h.Name)
	}
	// vm-app1 sending to the rule that maps back to itself is not delivered (backend traffic
	// troubleshooting: a backend VM cannot reach its own internal load balancer that way).
	if b, err := trace.Run(p, trace.Query{From: "vm-app1", To: "10.1.2.101", Protocol: model.ProtoTCP, DestinationPort: 2222}); err != nil ||
		b.Verdict != trace.Unreachable || b.Forward.DropCause != trace.NoListener || b.Forward.Deciding == nil || b.Forward.Deciding.Rule != "ssh" {
		t.Errorf("vm-app1 -> its own NAT rule: %+v (%v); want Unreachable, NoListener by ssh", b, err)
	}
	// vm-app1's NSG then denies SSH from the VNet, as it does without the load balancer.
	if !slices.Equal(hops, []string{"vm-app2-nic", "lb-nat-int", "vm-app1-nic"}) || a.Verdict != trace.Unreachable ||
		a.Forward.Deciding == nil || a.Forward.Deciding.Rule != "securityRules/deny-vnet-in" {
		t.Errorf("vm-app2 -> lb-nat-int:2222: %s by %+v, hops %q; want it forwarded to vm-app1's NIC and denied there by deny-vnet-in", a.Verdict, a.Forward.Deciding, hops)
	}
}

// TestTerraformNATRuleAssociation: a NAT rule and its association target the NIC; a later plan
// deleting the association clears the target on both sides (the rule's backendIPConfiguration
// is the load balancer's read-only echo, which the converter also reads).
func TestTerraformNATRuleAssociation(t *testing.T) {
	rule := lbWeb + "/inboundNatRules/ssh"
	assoc := map[string]any{"network_interface_id": s2 + "/networkInterfaces/vm-webpub1-nic", "ip_configuration_name": "ipconfig1", "nat_rule_id": rule}
	add := tfFile(t, tfChange("azurerm_lb_nat_rule", "ssh", []any{"create"}, nil, map[string]any{"name": "ssh", "loadbalancer_id": lbWeb,
		"resource_group_name": "rg-app", "protocol": "Tcp", "frontend_port": json.Number("50022"), "backend_port": json.Number("22"),
		"frontend_ip_configuration_name": "fe-web"}),
		tfChange("azurerm_network_interface_nat_rule_association", "ssh", []any{"create"}, nil, assoc))
	drop := tfFile(t, tfChange("azurerm_network_interface_nat_rule_association", "ssh", []any{"delete"}, assoc, nil))
	target := func(p *dataplane.Plane) string {
		for _, lb := range p.Net.LoadBalancers {
			for _, r := range lb.InboundNATRules {
				if r.Name == "ssh" && r.Target != nil {
					return r.Target.PrivateIP.String()
				}
				if r.Name == "ssh" {
					return "none"
				}
			}
		}
		return "no rule"
	}
	if p, ws := planned(t, add); target(p) != "10.1.3.4" || len(ws) != 0 {
		t.Errorf("NAT rule ssh added with its association: target %s, warnings %v; want 10.1.3.4", target(p), ws)
	}
	if p, _ := planned(t, add, drop); target(p) != "none" {
		t.Errorf("NAT rule ssh after its association is deleted: target %s; want none", target(p))
	}
	// The deployed load balancer names the target itself, as Azure echoes it (what-if shows it).
	ipc := s2 + "/networkInterfaces/vm-webpub1-nic/ipConfigurations/ipconfig1"
	lb := map[string]any{"id": lbWeb, "name": "lb-web-public", "type": "Microsoft.Network/loadBalancers", "location": "westeurope",
		"sku": map[string]any{"name": "Standard"}, "properties": map[string]any{
			"frontendIPConfigurations": []any{map[string]any{"id": lbWeb + "/frontendIPConfigurations/fe-web", "name": "fe-web",
				"properties": map[string]any{"publicIPAddress": map[string]any{"id": s2 + "/publicIPAddresses/pip-lb-web"}}}},
			"inboundNatRules": []any{map[string]any{"id": rule, "name": "ssh", "properties": map[string]any{
				"frontendIPConfiguration": map[string]any{"id": lbWeb + "/frontendIPConfigurations/fe-web"}, "protocol": "Tcp",
				"frontendPort": 50022, "backendPort": 22, "backendIPConfiguration": map[string]any{"id": ipc}}}}}}
	echo := whatIfFile(t, map[string]any{"resourceId": lbWeb, "changeType": "Modify", "after": lb})
	if p, _ := planned(t, echo); target(p) != "10.1.3.4" {
		t.Fatalf("NAT rule ssh named by the load balancer: target %s; want 10.1.3.4", target(p))
	}
	if p, _ := planned(t, echo, drop); target(p) != "none" {
		t.Errorf("NAT rule ssh, its target named by the load balancer, after the association is deleted: target %s; want none", target(p))
	}
}

// TestTerraformAssociationReplaced: an association replaced (delete, then create) takes away
// what the old one added.
func TestTerraformAssociationReplaced(t *testing.T) {
	nic := s2 + "/networkInterfaces/vm-web1-nic"
	asg := func(name string) map[string]any {
		return map[string]any{"network_interface_id": nic, "application_security_group_id": s2 + "/applicationSecurityGroups/" + name}
	}
	p, _ := planned(t, tfFile(t, tfChange("azurerm_network_interface_application_security_group_association", "web", []any{"delete", "create"}, asg("asg-web"), asg("asg-app"))))
	var got []string
	for _, g := range named(t, p.Net.NICs, func(n *model.NIC) string { return n.Name }, "vm-web1-nic").IPConfigs[0].ASGs {
		got = append(got, g.Name)
	}
	if !slices.Equal(got, []string{"asg-app"}) {
		t.Errorf("vm-web1-nic's ASGs after the association is replaced: %v; want [asg-app]", got)
	}
}

// TestTerraformLBChildOfAnotherKind: a load balancer rule whose loadbalancer_id names an NSG is
// not applied, with a warning, not a panic.
func TestTerraformLBChildOfAnotherKind(t *testing.T) {
	for _, parent := range []string{s2 + "/networkSecurityGroups/nsg-app-web", s2 + "/networkInterfaces/vm-web1-nic"} {
		_, ws := planned(t, tfFile(t, tfChange("azurerm_lb_rule", "x", []any{"create"}, nil, map[string]any{"name": "x", "loadbalancer_id": parent,
			"protocol": "Tcp", "frontend_port": json.Number("80"), "backend_port": json.Number("80"), "frontend_ip_configuration_name": "fe"})))
		if c := codes(ws); c["PlanNotApplied"] != 1 {
			t.Errorf("a rule of %s: warnings %v; want PlanNotApplied", parent, ws)
		}
	}
}

// The example's resource ID prefixes: the connectivity and the application subscriptions.
const (
	s1    = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.Network"
	s2    = "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-app/providers/Microsoft.Network"
	lbWeb = s2 + "/loadBalancers/lb-web-public"
)

func tfChange(typ, name string, actions []any, before, after map[string]any) map[string]any {
	return map[string]any{"address": typ + "." + name, "mode": "managed", "type": typ, "name": name,
		"change": map[string]any{"actions": actions, "before": before, "after": after, "after_unknown": map[string]any{}}}
}

// named is the element of xs whose name is want; the test fails when there is none.
func named[T any](t *testing.T, xs []T, name func(T) string, want string) T {
	t.Helper()
	for _, x := range xs {
		if name(x) == want {
			return x
		}
	}
	t.Fatalf("no %s", want)
	var zero T
	return zero
}

// tfFile writes a `terraform show -json` plan of changes.
func tfFile(t *testing.T, changes ...map[string]any) string { return tfFileWith(t, nil, changes...) }

// tfFileWith is tfFile with the plan's configuration (references known only after apply).
func tfFileWith(t *testing.T, config map[string]any, changes ...map[string]any) string {
	t.Helper()
	doc := map[string]any{"format_version": "1.2", "resource_changes": anyList(changes)}
	if config != nil {
		doc["configuration"] = config
	}
	return planFile(t, doc)
}

// whatIfFile writes what-if output (the CLI's) of changes.
func whatIfFile(t *testing.T, changes ...map[string]any) string {
	t.Helper()
	return planFile(t, map[string]any{"status": "Succeeded", "changes": anyList(changes)})
}

// planFile writes a plan document to a temporary file and returns its path.
func planFile(t *testing.T, doc map[string]any) string {
	t.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func anyList(ms []map[string]any) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out
}

// TestTerraformGateways: a plan widening the on-premises prefixes of the deployed local network
// gateway and adding a branch (a local network gateway and a connection naming it by a
// reference known only after apply) routes both ranges to the VPN gateway; deleting the
// deployed connection cuts on-premises off. The shared key is never copied.
func TestTerraformGateways(t *testing.T) {
	lng := func(space ...any) map[string]any {
		return map[string]any{"id": s1 + "/localNetworkGateways/lng-onprem", "name": "lng-onprem", "resource_group_name": "rg-connectivity",
			"location": "westeurope", "gateway_address": "203.0.113.10", "address_space": space}
	}
	branch := tfChange("azurerm_virtual_network_gateway_connection", "branch", []any{"create"}, nil, map[string]any{"name": "cn-hub-to-branch",
		"resource_group_name": "rg-connectivity", "location": "westeurope", "type": "IPsec", "shared_key": "never-copied",
		"virtual_network_gateway_id": s1 + "/virtualNetworkGateways/vgw-hub", "enable_bgp": false})
	branch["change"].(map[string]any)["after_unknown"] = map[string]any{"id": true, "local_network_gateway_id": true}
	file := tfFileWith(t, map[string]any{"root_module": map[string]any{"resources": []any{map[string]any{
		"address": "azurerm_virtual_network_gateway_connection.branch", "expressions": map[string]any{
			"local_network_gateway_id": map[string]any{"references": []any{"azurerm_local_network_gateway.branch.id", "azurerm_local_network_gateway.branch"}}}}}}},
		tfChange("azurerm_local_network_gateway", "onprem", []any{"update"}, lng("192.168.0.0/16"), lng("192.168.0.0/16", "172.20.0.0/16")),
		tfChange("azurerm_local_network_gateway", "branch", []any{"create"}, nil, map[string]any{"name": "lng-branch", "resource_group_name": "rg-connectivity",
			"location": "westeurope", "gateway_address": "198.51.100.20", "address_space": []any{"10.200.0.0/16"}}),
		branch)
	base, _ := planned(t)
	p, ws := planned(t, file)
	if len(ws) != 0 {
		t.Errorf("warnings %v", ws)
	}
	for _, dst := range []string{"172.20.1.1", "10.200.1.1"} {
		if b, a := verdict(t, base, "vm-dns1", dst, model.ProtoTCP, 443), verdict(t, p, "vm-dns1", dst, model.ProtoTCP, 443); b != trace.Unreachable || a != trace.Reachable {
			t.Errorf("vm-dns1 -> %s: %s before, %s planned; want the VPN gateway to carry it", dst, b, a)
		}
	}
	data, _ := os.ReadFile(file)
	s, _ := azure.Load([]string{example}, azure.Options{})
	ov, err := Read(file, data, s)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(ov.Puts); strings.Contains(string(b), "never-copied") {
		t.Errorf("the connection's shared key is in the overlay: %s", b)
	}
	cut := tfFile(t, tfChange("azurerm_virtual_network_gateway_connection", "onprem", []any{"delete"},
		map[string]any{"id": s1 + "/connections/cn-hub-to-onprem", "name": "cn-hub-to-onprem", "resource_group_name": "rg-connectivity"}, nil))
	p, _ = planned(t, cut)
	if got := verdict(t, p, "vm-dns1", "192.168.1.1", model.ProtoTCP, 443); got == trace.Reachable {
		t.Errorf("vm-dns1 -> on-premises after its connection is deleted: %s", got)
	}
}

// TestTerraformPrivateDNS applies a plan of a private DNS zone linked to the data spoke, with an
// A, an AAAA and a CNAME record (the zone's records and link as azurerm child resources): from
// vm-data1 (which asks Azure DNS), www.corp.example resolves through the CNAME to both records'
// addresses once planned, and not before.
func TestTerraformPrivateDNS(t *testing.T) {
	rg := map[string]any{"resource_group_name": "rg-connectivity"}
	with := func(m map[string]any) map[string]any {
		for k, v := range rg {
			m[k] = v
		}
		return m
	}
	file := tfFile(t,
		tfChange("azurerm_private_dns_zone", "corp", []any{"create"}, nil, with(map[string]any{"name": "corp.example"})),
		tfChange("azurerm_private_dns_zone_virtual_network_link", "app", []any{"create"}, nil, with(map[string]any{"name": "link-app",
			"private_dns_zone_name": "corp.example", "virtual_network_id": "/subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/rg-data/providers/Microsoft.Network/virtualNetworks/vnet-spoke-data", "registration_enabled": false})),
		tfChange("azurerm_private_dns_a_record", "app", []any{"create"}, nil, with(map[string]any{"name": "app", "zone_name": "corp.example",
			"ttl": 300, "records": []any{"10.1.3.4"}})),
		tfChange("azurerm_private_dns_aaaa_record", "app", []any{"create"}, nil, with(map[string]any{"name": "app", "zone_name": "corp.example",
			"ttl": 300, "records": []any{"fd00::4"}})),
		tfChange("azurerm_private_dns_cname_record", "www", []any{"create"}, nil, with(map[string]any{"name": "www", "zone_name": "corp.example",
			"ttl": 300, "record": "app.corp.example"})))
	base, _ := planned(t)
	p, ws := planned(t, file)
	if len(ws) > 0 {
		t.Errorf("warnings %v", ws)
	}
	resolve := func(p *dataplane.Plane) *dns.Answer {
		nic, err := p.Net.FindNIC("vm-data1")
		if err != nil {
			t.Fatal(err)
		}
		a, err := dns.Resolve(p, nic, "www.corp.example")
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := resolve(base); a.Answer.Status == dns.Resolved && slices.Contains(a.Answer.Addresses, netip.MustParseAddr("10.1.3.4")) {
		t.Errorf("before the plan: %+v", a.Answer)
	}
	a := resolve(p)
	want := []netip.Addr{netip.MustParseAddr("10.1.3.4"), netip.MustParseAddr("fd00::4")}
	if a.Answer.Status != dns.Resolved || !slices.Equal(a.Answer.CNAMEs, []string{"app.corp.example"}) || !slices.Equal(a.Answer.Addresses, want) {
		t.Errorf("planned: %+v; want www.corp.example -> app.corp.example -> %v", a.Answer, want)
	}
}

// TestPlannedZoneGroup: a private endpoint planned with a private DNS zone group (an azurerm
// block, or the child resource in what-if output or an azapi_resource) is applied, and a warning
// says that the A records Azure writes in the group's zone at deployment are not in the planned
// estate. An update that leaves an endpoint's group as it was is no warning: the records exist.
func TestPlannedZoneGroup(t *testing.T) {
	const zone = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"
	const subnet = "/subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/rg-data/providers/Microsoft.Network/virtualNetworks/vnet-spoke-data/subnets/snet-pe"
	const pe = "/subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/rg-data/providers/Microsoft.Network/privateEndpoints/pe-new"
	const deployed = "/subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/rg-data/providers/Microsoft.Network/privateEndpoints/pe-stdata-blob"
	endpoint := func(name string, group string) map[string]any {
		return map[string]any{"name": name, "resource_group_name": "rg-data", "subnet_id": subnet,
			"private_service_connection": []any{map[string]any{"name": "blob", "is_manual_connection": false,
				"private_connection_resource_id": "/subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stnew",
				"subresource_names":              []any{"blob"}}},
			"ip_configuration":       []any{map[string]any{"name": "ip", "private_ip_address": "10.2.2.40", "subresource_name": "blob", "member_name": "blob"}},
			"private_dns_zone_group": []any{map[string]any{"name": group, "private_dns_zone_ids": []any{zone}}}}
	}
	configs := []any{map[string]any{"name": "blob", "properties": map[string]any{"privateDnsZoneId": zone}}}
	for _, tc := range []struct{ kind, file, from string }{
		{"terraform", tfFile(t, tfChange("azurerm_private_endpoint", "new", []any{"create"}, nil, endpoint("pe-new", "default"))),
			"azurerm_private_endpoint.new"},
		{"terraform update", tfFile(t, tfChange("azurerm_private_endpoint", "new", []any{"update"}, endpoint("pe-new", "old"), endpoint("pe-new", "default"))),
			"azurerm_private_endpoint.new"},
		{"terraform unchanged group", tfFile(t, tfChange("azurerm_private_endpoint", "new", []any{"update"}, endpoint("pe-new", "default"), endpoint("pe-new", "default"))),
			""},
		{"azapi", tfFile(t, tfChange("azapi_resource", "zg", []any{"create"}, nil, map[string]any{"type": zoneGroupType + "@2024-05-01",
			"name": "default", "parent_id": deployed, "body": map[string]any{"properties": map[string]any{"privateDnsZoneConfigs": configs}}})),
			"azapi_resource.zg"},
		{"what-if", whatIfFile(t, map[string]any{"resourceId": pe + "/privateDnsZoneGroups/default", "changeType": "Create",
			"after": map[string]any{"type": zoneGroupType, "properties": map[string]any{"privateDnsZoneConfigs": configs}}}),
			pe + "/privateDnsZoneGroups/default"},
		{"what-if modify", whatIfFile(t, map[string]any{"resourceId": deployed + "/privateDnsZoneGroups/default", "changeType": "Modify",
			"after": map[string]any{"type": zoneGroupType, "properties": map[string]any{"privateDnsZoneConfigs": configs}}}),
			""},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			p, ws := planned(t, tc.file)
			var got []string
			for _, w := range ws {
				if strings.Contains(w.Message, "private DNS zone group") {
					got = append(got, w.Code+" "+w.Message)
				}
			}
			if tc.from == "" {
				if len(got) > 0 {
					t.Fatalf("zone group warnings %q; want none", got)
				}
				return
			}
			want := "PlanNotApplied " + tc.from + ": private DNS zone group default: the A records Azure writes in privatelink.blob.core.windows.net when"
			if len(got) != 1 || !strings.HasPrefix(got[0], want) {
				t.Fatalf("zone group warnings %q; want one starting %q (all: %v)", got, want, ws)
			}
			if strings.HasPrefix(tc.kind, "terraform") {
				if _, ok := p.Net.Lookup(model.ID(pe)); !ok {
					t.Errorf("the planned endpoint %s is not in the estate", pe)
				}
			}
		})
	}
}

// TestTerraformMappedSettings: azurerm attributes the decoder reads for snapshots reach the
// planned estate too — a peering of named subnets (azurerm 4.x), a firewall's classic DNS and
// SNAT settings, a DNS link's resolution policy — and a written `security_rule = []` or
// `route = []` empties the NSG or route table instead of keeping the deployed rules.
func TestTerraformMappedSettings(t *testing.T) {
	const hub = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.Network"
	const zone = hub + "/privateDnsZones/privatelink.blob.core.windows.net"
	config := map[string]any{"root_module": map[string]any{"resources": []any{
		map[string]any{"address": "azurerm_network_security_group.db", "expressions": map[string]any{"security_rule": map[string]any{"constant_value": []any{}}}},
		map[string]any{"address": "azurerm_route_table.app", "expressions": map[string]any{"route": map[string]any{"constant_value": []any{}}}},
	}}}
	file := tfFileWith(t, config,
		tfChange("azurerm_virtual_network_peering", "data_to_hub", []any{"update"}, nil, map[string]any{"name": "peer-spoke-data-to-hub",
			"resource_group_name": "rg-data", "virtual_network_name": "vnet-spoke-data", "remote_virtual_network_id": hub + "/virtualNetworks/vnet-hub",
			"allow_forwarded_traffic": true, "peer_complete_virtual_networks_enabled": false,
			"local_subnet_names": []any{"snet-data"}, "remote_subnet_names": []any{"snet-shared"}}),
		tfChange("azurerm_firewall", "hub", []any{"update"}, nil, map[string]any{"name": "afw-hub", "resource_group_name": "rg-connectivity",
			"sku_name": "AZFW_VNet", "sku_tier": "Standard", "dns_proxy_enabled": true, "dns_servers": []any{"10.0.3.4"},
			"private_ip_ranges": []any{"10.0.0.0/8", "192.168.0.0/16"},
			"ip_configuration": []any{map[string]any{"name": "ipconfig", "subnet_id": hub + "/virtualNetworks/vnet-hub/subnets/AzureFirewallSubnet",
				"public_ip_address_id": hub + "/publicIPAddresses/pip-afw-hub", "private_ip_address": "10.0.1.4"}}}),
		tfChange("azurerm_private_dns_zone_virtual_network_link", "hub", []any{"update"}, nil, map[string]any{"name": "link-vnet-hub",
			"resource_group_name": "rg-connectivity", "private_dns_zone_name": "privatelink.blob.core.windows.net",
			"virtual_network_id": hub + "/virtualNetworks/vnet-hub", "registration_enabled": false, "resolution_policy": "NxDomainRedirect"}),
		tfChange("azurerm_network_security_group", "db", []any{"update"}, nil, map[string]any{"name": "nsg-data-db", "resource_group_name": "rg-data",
			"security_rule": []any{}}),
		tfChange("azurerm_route_table", "app", []any{"update"}, nil, map[string]any{"name": "rt-spoke-app", "resource_group_name": "rg-app",
			"route": []any{}}))
	base, _ := planned(t)
	p, ws := planned(t, file)
	if len(ws) > 0 {
		t.Errorf("warnings %v", ws)
	}
	var peering *model.Peering
	for _, v := range p.Net.VNets {
		for _, pr := range v.Peerings {
			if pr.Name == "peer-spoke-data-to-hub" {
				peering = pr
			}
		}
	}
	if peering == nil || peering.PeerCompleteVNets || !slices.Equal(peering.LocalSubnetNames, []string{"snet-data"}) || !slices.Equal(peering.RemoteSubnetNames, []string{"snet-shared"}) {
		t.Errorf("peering %+v; want snet-data peered with snet-shared only", peering)
	}
	fw := named(t, p.Net.Firewalls, func(f *model.Firewall) string { return f.Name }, "afw-hub")
	if !fw.DNSProxy || !slices.Equal(fw.DNSServers, []netip.Addr{netip.MustParseAddr("10.0.3.4")}) || !slices.Equal(fw.SNATPrivateRanges, []string{"10.0.0.0/8", "192.168.0.0/16"}) {
		t.Errorf("afw-hub: DNS proxy %v, servers %v, private ranges %v", fw.DNSProxy, fw.DNSServers, fw.SNATPrivateRanges)
	}
	var policy string
	for _, z := range p.Net.PrivateDNSZones {
		for _, l := range z.Links {
			if string(z.ID) == zone && l.Name == "link-vnet-hub" {
				policy = l.ResolutionPolicy
			}
		}
	}
	if policy != "NxDomainRedirect" {
		t.Errorf("link-vnet-hub resolution policy %q, want NxDomainRedirect", policy)
	}
	for _, tc := range []struct {
		name  string
		count func(n *model.Network) int
	}{
		{"nsg-data-db rules", func(n *model.Network) int {
			return len(named(t, n.NSGs, func(g *model.NSG) string { return g.Name }, "nsg-data-db").Rules)
		}},
		{"rt-spoke-app routes", func(n *model.Network) int {
			return len(named(t, n.RouteTables, func(r *model.RouteTable) string { return r.Name }, "rt-spoke-app").Routes)
		}},
	} {
		if b, a := tc.count(base.Net), tc.count(p.Net); b == 0 || a != 0 {
			t.Errorf("%s: %d deployed, %d planned; want them all gone", tc.name, b, a)
		}
	}
}

// TestTerraformInlineSubnetSettings: a virtual network planned with inline subnet blocks gives
// each subnet what an azurerm_subnet would (service endpoints, delegations, private endpoint
// network policies, default outbound access) and what only the block names (its NSG and, in
// azurerm 4.x, its route table).
func TestTerraformInlineSubnetSettings(t *testing.T) {
	const app = "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-app/providers/Microsoft.Network"
	config := map[string]any{"root_module": map[string]any{"resources": []any{
		map[string]any{"address": "azurerm_virtual_network.new", "expressions": map[string]any{"subnet": map[string]any{"constant_value": []any{}}}},
	}}}
	file := tfFileWith(t, config, tfChange("azurerm_virtual_network", "new", []any{"create"}, nil, map[string]any{"name": "vnet-new",
		"resource_group_name": "rg-app", "location": "westeurope", "address_space": []any{"10.50.0.0/16"},
		"subnet": []any{map[string]any{"name": "snet-inline", "address_prefixes": []any{"10.50.1.0/24"},
			"route_table_id": app + "/routeTables/rt-spoke-app", "security_group": app + "/networkSecurityGroups/nsg-app-web",
			"service_endpoints": []any{"Microsoft.Storage"}, "private_endpoint_network_policies": "Enabled",
			"default_outbound_access_enabled": false,
			"delegation":                      []any{map[string]any{"name": "d", "service_delegation": []any{map[string]any{"name": "Microsoft.Web/serverFarms"}}}}}}}))
	p, ws := planned(t, file)
	if len(ws) > 0 {
		t.Errorf("warnings %v", ws)
	}
	s := named(t, p.Net.Subnets, func(s *model.Subnet) string { return s.Name }, "snet-inline")
	var eps []string
	for _, e := range s.ServiceEndpoints {
		eps = append(eps, e.Service)
	}
	if s.RouteTable == nil || s.RouteTable.Name != "rt-spoke-app" || s.NSG == nil || s.NSG.Name != "nsg-app-web" ||
		!slices.Equal(eps, []string{"Microsoft.Storage"}) || s.PrivateEndpointNetworkPolicies != "Enabled" || s.DefaultOutboundAccess ||
		!slices.Equal(s.Delegations, []string{"Microsoft.Web/serverFarms"}) {
		t.Errorf("snet-inline: route table %v, NSG %v, service endpoints %v, PE policies %q, default outbound %v, delegations %v",
			s.RouteTable, s.NSG, eps, s.PrivateEndpointNetworkPolicies, s.DefaultOutboundAccess, s.Delegations)
	}
}

// TestTerraformLBRuleOutboundSNAT: an azurerm_lb_rule's disable_outbound_snat reaches the
// planned rule (disableOutboundSnat), which decides whether its frontend translates the pool's
// outbound traffic (dataplane.Egress). The example's https rule opts out; a plan may keep that or
// opt back in.
func TestTerraformLBRuleOutboundSNAT(t *testing.T) {
	for _, disable := range []bool{true, false} {
		p, ws := planned(t, tfFile(t, tfChange("azurerm_lb_rule", "https", []any{"update"}, nil, map[string]any{"name": "https", "loadbalancer_id": lbWeb,
			"protocol": "Tcp", "frontend_port": json.Number("443"), "backend_port": json.Number("443"), "frontend_ip_configuration_name": "fe-web",
			"backend_address_pool_ids": []any{lbWeb + "/backendAddressPools/be-web"}, "disable_outbound_snat": disable})))
		if len(ws) > 0 {
			t.Errorf("warnings %v", ws)
		}
		lb := named(t, p.Net.LoadBalancers, func(l *model.LoadBalancer) string { return l.Name }, "lb-web-public")
		if r := named(t, lb.Rules, func(r *model.LBRule) string { return r.Name }, "https"); r.DisableOutboundSNAT != disable {
			t.Errorf("disable_outbound_snat = %v: planned https rule has %v", disable, r.DisableOutboundSNAT)
		}
	}
}

// TestTerraformNATRuleFloatingIP: an azurerm_lb_nat_rule's floating_ip_enabled (v3
// enable_floating_ip) reaches the planned rule, which then keeps the frontend as the destination.
func TestTerraformNATRuleFloatingIP(t *testing.T) {
	for _, attr := range []string{"floating_ip_enabled", "enable_floating_ip"} {
		p, ws := planned(t, tfFile(t, tfChange("azurerm_lb_nat_rule", "pool", []any{"create"}, nil, map[string]any{"name": "pool", "loadbalancer_id": lbWeb,
			"resource_group_name": "rg-app", "protocol": "Tcp", "frontend_port_start": json.Number("50000"), "frontend_port_end": json.Number("50009"),
			"backend_port": json.Number("443"), "frontend_ip_configuration_name": "fe-web", "backend_address_pool_id": lbWeb + "/backendAddressPools/be-web", attr: true})))
		if len(ws) > 0 {
			t.Errorf("warnings %v", ws)
		}
		lb := named(t, p.Net.LoadBalancers, func(l *model.LoadBalancer) string { return l.Name }, "lb-web-public")
		if r := named(t, lb.InboundNATRules, func(r *model.InboundNATRule) string { return r.Name }, "pool"); !r.FloatingIP {
			t.Errorf("%s = true not applied to the planned NAT rule", attr)
		}
	}
}

// TestTerraformFirewallPolicyInspections: an azurerm_firewall_policy's threat_intelligence_mode
// and intrusion_detection block reach the planned policy, whose Deny modes traces then name.
func TestTerraformFirewallPolicyInspections(t *testing.T) {
	p, ws := planned(t, tfFile(t, tfChange("azurerm_firewall_policy", "hub", []any{"update"}, nil, map[string]any{"name": "afwp-hub",
		"resource_group_name": "rg-connectivity", "sku": "Premium", "threat_intelligence_mode": "Deny",
		"intrusion_detection": []any{map[string]any{"mode": "Deny"}}})))
	if len(ws) > 0 {
		t.Errorf("warnings %v", ws)
	}
	pol := named(t, p.Net.FirewallPolicies, func(f *model.FirewallPolicy) string { return f.Name }, "afwp-hub")
	if pol.ThreatIntelMode != "Deny" || pol.IDPSMode != "Deny" {
		t.Errorf("planned afwp-hub: threat intelligence %q, IDPS %q; want Deny and Deny", pol.ThreatIntelMode, pol.IDPSMode)
	}
}

// TestTerraformHubFirewall: an azurerm_firewall's virtual_hub block keeps a secured hub's
// firewall in its hub, with its addresses; its private address known only after apply is a
// warning.
func TestTerraformHubFirewall(t *testing.T) {
	const rg = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-vwan/providers/Microsoft.Network"
	base := filepath.Join("..", "..", "testdata", "scenarios", "vwan-secured-hub", "snapshot")
	hub := func(private any) map[string]any {
		return map[string]any{"name": "afw-hub-weu", "resource_group_name": "rg-vwan", "sku_name": "AZFW_Hub", "sku_tier": "Standard",
			"firewall_policy_id": rg + "/firewallPolicies/fwpol-hub", "virtual_hub": []any{map[string]any{
				"virtual_hub_id": rg + "/virtualHubs/hub-weu", "public_ip_count": json.Number("1"),
				"private_ip_address": private, "public_ip_addresses": []any{"20.50.10.20"}}}}
	}
	p, ws := plannedOn(t, base, tfFile(t, tfChange("azurerm_firewall", "hub", []any{"update"}, nil, hub("10.100.1.4"))))
	if len(ws) > 0 {
		t.Errorf("warnings %v", ws)
	}
	fw := named(t, p.Net.Firewalls, func(f *model.Firewall) string { return f.Name }, "afw-hub-weu")
	h := named(t, p.Net.VirtualHubs, func(h *model.VirtualHub) string { return h.Name }, "hub-weu")
	if h.Firewall != fw || fw.PrivateIP != netip.MustParseAddr("10.100.1.4") || !slices.Equal(fw.HubPublicAddresses, []netip.Addr{netip.MustParseAddr("20.50.10.20")}) {
		t.Errorf("planned hub firewall: hub's firewall %v, private %v, public %v", h.Firewall != nil, fw.PrivateIP, fw.HubPublicAddresses)
	}
	ch := tfChange("azurerm_firewall", "hub", []any{"update"}, nil, hub(nil))
	ch["change"].(map[string]any)["after_unknown"] = map[string]any{"virtual_hub": []any{map[string]any{"private_ip_address": true}}}
	if _, ws := plannedOn(t, base, tfFile(t, ch)); !slices.ContainsFunc(ws, func(w Warning) bool { return strings.Contains(w.Message, "private_ip_address") }) {
		t.Errorf("private address known after apply: warnings %v; want one naming private_ip_address", ws)
	}
}

// TestTerraformIPPoolAddressDelete: a plan that deletes an lb_backend_address_pool_address takes
// its member out of the pool, though the deployed pool's address names the ip configuration
// Azure found holding it (networkInterfaceIPConfiguration; found by review: that link kept the
// member).
func TestTerraformIPPoolAddressDelete(t *testing.T) {
	base := t.TempDir()
	if err := os.CopyFS(base, os.DirFS(example)); err != nil {
		t.Fatal(err)
	}
	edge := filepath.Join(base, "edge.json")
	var doc map[string]any
	data, err := os.ReadFile(edge)
	if err == nil {
		err = json.Unmarshal(data, &doc)
	}
	if err != nil {
		t.Fatal(err)
	}
	pool := lbWeb + "/backendAddressPools/be-ip"
	webpub := s2 + "/networkInterfaces/vm-webpub1-nic/ipConfigurations/ipconfig1"
	for _, x := range doc["value"].([]any) {
		if lb := x.(map[string]any); lb["id"] == lbWeb {
			props := lb["properties"].(map[string]any)
			props["backendAddressPools"] = append(props["backendAddressPools"].([]any), map[string]any{"name": "be-ip", "id": pool,
				"properties": map[string]any{"loadBalancerBackendAddresses": []any{map[string]any{"name": "web", "properties": map[string]any{
					"ipAddress": "10.1.3.4", "networkInterfaceIPConfiguration": map[string]any{"id": webpub}}}}}})
		}
	}
	if data, err = json.Marshal(doc); err == nil {
		err = os.WriteFile(edge, data, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
	members := func(p *dataplane.Plane) string {
		for _, lb := range p.Net.LoadBalancers {
			for _, bp := range lb.BackendPools {
				if bp.Name == "be-ip" {
					var nics []string
					for _, c := range bp.IPConfigs {
						nics = append(nics, c.NIC.Name)
					}
					return fmt.Sprint(nics, bp.Addresses)
				}
			}
		}
		return "no pool be-ip"
	}
	before, _ := plannedOn(t, base)
	del := tfFile(t, tfChange("azurerm_lb_backend_address_pool_address", "web", []any{"delete"}, map[string]any{"name": "web",
		"backend_address_pool_id": pool, "ip_address": "10.1.3.4", "virtual_network_id": s2 + "/virtualNetworks/vnet-spoke-app"}, nil))
	after, ws := plannedOn(t, base, del)
	if got := members(before); got != "[vm-webpub1-nic] []" {
		t.Errorf("deployed be-ip: %s; want vm-webpub1-nic, which Azure links to 10.1.3.4", got)
	}
	if got := members(after); got != "[] []" || len(ws) != 0 {
		t.Errorf("be-ip after deleting its address: %s, warnings %v; want no member", got, ws)
	}
}

// TestTerraformPoolUpdateKeepsMembers: an update of a deployed backend pool (its members are NIC
// associations, managed elsewhere) keeps them: the load balancer still reaches its backend. The
// kept lists are of IDs and addresses, which graft copies whole (found by review: it took every
// list element for a resource and would have panicked).
func TestTerraformPoolUpdateKeepsMembers(t *testing.T) {
	pool := map[string]any{"name": "be-web", "loadbalancer_id": lbWeb}
	p, ws := planned(t, tfFile(t, tfChange("azurerm_lb_backend_address_pool", "web", []any{"update"}, pool, pool)))
	if got := verdict(t, p, "internet:198.51.100.7", "20.103.51.30", model.ProtoTCP, 443); got != trace.Reachable {
		t.Errorf("internet -> lb-web-public:443 after be-web is updated: %s (warnings %v); want Reachable", got, ws)
	}
}

// TestTerraformNetAppVolume: azurerm_netapp_volume maps to the volume its ID names (account,
// pool and volume names): network_features decides whether the subnet's NSG applies (Basic: no),
// mount_ip_addresses are its mount targets, unknown ones on a new volume are a warning, and a
// deleted volume answers no more.
func TestTerraformNetAppVolume(t *testing.T) {
	const hub = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.Network"
	const anf = hub + "/virtualNetworks/vnet-hub/subnets/snet-anf"
	volume := func(name, features string, mounts ...any) map[string]any {
		v := map[string]any{"name": name, "resource_group_name": "rg-connectivity", "account_name": "anf-hub", "pool_name": "pool-premium",
			"subnet_id": anf, "protocols": []any{"NFSv3"}, "network_features": features}
		if mounts != nil {
			v["mount_ip_addresses"] = mounts
		}
		return v
	}
	// An NSG on the volume's subnet that refuses NFS from anywhere.
	denyNFS := []map[string]any{
		tfChange("azurerm_network_security_group", "anf", []any{"create"}, nil, map[string]any{"name": "nsg-anf", "resource_group_name": "rg-connectivity",
			"security_rule": []any{map[string]any{"name": "deny-nfs", "priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "*",
				"source_port_range": "*", "destination_port_range": "2049", "source_address_prefix": "*", "destination_address_prefix": "*"}}}),
		tfChange("azurerm_subnet_network_security_group_association", "anf", []any{"create"}, nil, map[string]any{"subnet_id": anf,
			"network_security_group_id": hub + "/networkSecurityGroups/nsg-anf"}),
	}
	standard := tfChange("azurerm_netapp_volume", "shared", []any{"update"}, volume("vol-shared", "Basic", "10.0.8.4"), volume("vol-shared", "Standard", "10.0.8.4"))
	basic := tfChange("azurerm_netapp_volume", "logs", []any{"create"}, nil, volume("vol-logs", "Basic", "10.0.8.5"))
	for _, c := range []struct {
		what    string
		to      string
		changes []map[string]any
		want    trace.Verdict
	}{
		{"the NSG alone (Basic features ignore it)", "10.0.8.4", denyNFS, trace.Reachable},
		{"the NSG and Standard features", "10.0.8.4", append(slices.Clone(denyNFS), standard), trace.Unreachable},
		{"the NSG and a new Basic volume", "10.0.8.5", append(slices.Clone(denyNFS), basic), trace.Reachable},
	} {
		p, ws := planned(t, tfFile(t, c.changes...))
		if got := verdict(t, p, "vm-app1", c.to, model.ProtoTCP, 2049); got != c.want {
			t.Errorf("%s: vm-app1 -> %s:2049 %s (warnings %v); want %s", c.what, c.to, got, ws, c.want)
		}
	}

	// A new volume: its ID and name are built from the account and pool, and its mount target
	// takes NFS when the plan knows it.
	p, ws := planned(t, tfFile(t, tfChange("azurerm_netapp_volume", "logs", []any{"create"}, nil, volume("vol-logs", "Standard", "10.0.8.5"))))
	vol := named(t, p.Net.NetAppVolumes, func(v *model.NetAppVolume) string { return v.Name }, "anf-hub/pool-premium/vol-logs")
	const wantID = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.NetApp/netAppAccounts/anf-hub/capacityPools/pool-premium/volumes/vol-logs"
	if string(vol.ID) != wantID || vol.Subnet == nil || vol.Subnet.Name != "snet-anf" || vol.Basic() {
		t.Errorf("vol-logs: ID %s, subnet %v, Basic %v; want %s in snet-anf, Standard", vol.ID, vol.Subnet, vol.Basic(), wantID)
	}
	if got := verdict(t, p, "vm-app1", "vol-logs", model.ProtoTCP, 2049); got != trace.Reachable {
		t.Errorf("vm-app1 -> vol-logs:2049 %s (warnings %v); want Reachable", got, ws)
	}

	// Unknown until apply: the mount address (no target, and a warning) and the network features.
	created := tfChange("azurerm_netapp_volume", "logs", []any{"create"}, nil, volume("vol-logs", ""))
	created["change"].(map[string]any)["after_unknown"] = map[string]any{"mount_ip_addresses": true, "network_features": true}
	p, ws = planned(t, tfFile(t, created))
	vol = named(t, p.Net.NetAppVolumes, func(v *model.NetAppVolume) string { return v.Name }, "anf-hub/pool-premium/vol-logs")
	if len(vol.MountTargets) != 0 {
		t.Errorf("vol-logs mount targets %v; want none before apply", vol.MountTargets)
	}
	var unknown []string
	for _, w := range ws {
		if w.Code == "PlanUnknownValue" {
			unknown = append(unknown, w.Message)
		}
	}
	if len(unknown) != 2 || !strings.Contains(strings.Join(unknown, "\n"), "mount_ip_addresses") || !strings.Contains(strings.Join(unknown, "\n"), "network_features") {
		t.Errorf("warnings %v; want one PlanUnknownValue each for mount_ip_addresses and network_features", ws)
	}

	// A name known only after apply: no ID to put it under.
	unnamed := tfChange("azurerm_netapp_volume", "logs", []any{"create"}, nil, volume("vol-logs", "Standard", "10.0.8.5"))
	delete(unnamed["change"].(map[string]any)["after"].(map[string]any), "pool_name")
	unnamed["change"].(map[string]any)["after_unknown"] = map[string]any{"pool_name": true}
	p, ws = planned(t, tfFile(t, unnamed))
	if len(p.Net.NetAppVolumes) != 1 || !slices.ContainsFunc(ws, func(w Warning) bool {
		return w.Code == "PlanUnknownValue" && strings.Contains(w.Message, "its ID")
	}) {
		t.Errorf("a volume whose pool name is unknown: %d volumes, warnings %v; want vol-shared alone and a PlanUnknownValue for its ID", len(p.Net.NetAppVolumes), ws)
	}

	// Deleted: its mount target answers no more.
	deployed := volume("vol-shared", "Basic", "10.0.8.4")
	deployed["id"] = strings.TrimSuffix(wantID, "vol-logs") + "vol-shared"
	p, _ = planned(t, tfFile(t, tfChange("azurerm_netapp_volume", "shared", []any{"delete"}, deployed, nil)))
	if len(p.Net.NetAppVolumes) != 0 {
		t.Errorf("volumes after the delete: %d; want none", len(p.Net.NetAppVolumes))
	}
}

// TestNestedName: a nested resource's ARM name is its names from its ID, whatever the plan's
// attributes say (a replacement that renames keeps the deployed ID until apply).
func TestNestedName(t *testing.T) {
	const id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.NetApp/netAppAccounts/a/capacityPools/p/volumes/v"
	if got := nestedName("azurerm_netapp_volume", id); got != "a/p/v" {
		t.Errorf("nestedName = %q; want a/p/v", got)
	}
}
