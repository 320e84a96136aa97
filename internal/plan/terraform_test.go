package plan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
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
	a, err := trace.Run(p, trace.Query{From: "nic-tf", To: "vm-app1", Protocol: model.ProtoTCP, DestinationPort: 8080})
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdict != trace.Unreachable || a.Forward.Deciding == nil || a.Forward.Deciding.Rule != "securityRules/deny-out-app" {
		t.Errorf("nic-tf -> vm-app1: %s by %+v; want Unreachable by deny-out-app", a.Verdict, a.Forward.Deciding)
	}
	a, err = trace.Run(p, trace.Query{From: "vm-tf", To: "internet:1.1.1.1", Protocol: model.ProtoTCP, DestinationPort: 443})
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
	a, err := trace.Run(p, trace.Query{From: "internet:198.51.100.7", To: web, Protocol: model.ProtoTCP, DestinationPort: 8443})
	if err != nil {
		t.Fatal(err)
	}
	if at := a.Forward.FlowAtDestination; a.Verdict != trace.Reachable || at == nil || at.Destination != "10.1.3.4" || at.DestinationPort != 443 {
		t.Errorf("internet -> %s:8443 planned: %s, at destination %+v; want Reachable at 10.1.3.4:443 (rule https-alt)", web, a.Verdict, at)
	}
	if got := verdict(t, p, "internet:198.51.100.7", web, model.ProtoTCP, 443); got != trace.Reachable {
		t.Errorf("internet -> %s:443 planned: %s; the NIC's update dropped its pool membership", web, got)
	}
	a, err = trace.Run(p, trace.Query{From: "vm-web1", To: "10.1.2.100", Protocol: model.ProtoTCP, DestinationPort: 8080})
	if err != nil {
		t.Fatalf("the new internal load balancer's frontend does not resolve: %v", err)
	}
	if d := a.Forward.Deciding; a.Verdict != trace.Unreachable || a.Forward.DropCause != trace.NoListener || d == nil || d.Rule != "app-8080" ||
		!strings.HasSuffix(d.ResourceID, "/loadBalancers/lb-app-int") {
		t.Errorf("vm-web1 -> lb-app-int:8080: %s %s by %+v; want NoListener by rule app-8080 (vm-app1, its only member, denies the probe)",
			a.Verdict, a.Forward.DropCause, a.Forward.Deciding)
	}
	if b, a := verdict(t, base, "vm-app2", "vm-app1", model.ProtoTCP, 8080), verdict(t, p, "vm-app2", "vm-app1", model.ProtoTCP, 8080); b != trace.Unreachable || a != trace.Reachable {
		t.Errorf("vm-app2 -> vm-app1:8080 %s before, %s planned; want asg-web (allow-8080-from-web) to open it", b, a)
	}
	for _, ng := range p.Net.NATGateways {
		if ng.Name == "ng-merger" && len(ng.PublicIPs) != 2 {
			t.Errorf("ng-merger has %d public IPs planned; want 2", len(ng.PublicIPs))
		}
	}
}

// TestTerraformPoolMemberLeaves: deleting a NIC's pool association takes the NIC out of the pool
// although the load balancer's own backendIPConfigurations, a read-only echo of the NIC side,
// still lists it; the public load balancer is left with no backend.
func TestTerraformPoolMemberLeaves(t *testing.T) {
	const s2 = "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-app/providers/Microsoft.Network"
	before := map[string]any{"id": "x", "network_interface_id": s2 + "/networkInterfaces/vm-webpub1-nic", "ip_configuration_name": "ipconfig1",
		"backend_address_pool_id": s2 + "/loadBalancers/lb-web-public/backendAddressPools/be-web"}
	doc := map[string]any{"format_version": "1.2", "resource_changes": []any{map[string]any{
		"address": "azurerm_network_interface_backend_address_pool_association.web", "mode": "managed",
		"type": "azurerm_network_interface_backend_address_pool_association", "name": "web",
		"change": map[string]any{"actions": []any{"delete"}, "before": before, "after": nil, "after_unknown": map[string]any{}}}}}
	file := filepath.Join(t.TempDir(), "plan.json")
	data, _ := json.Marshal(doc)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	p, ws := planned(t, file)
	if len(ws) != 0 {
		t.Errorf("warnings %v", ws)
	}
	a, err := trace.Run(p, trace.Query{From: "internet:198.51.100.7", To: "20.103.51.30", Protocol: model.ProtoTCP, DestinationPort: 443})
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdict != trace.Unreachable || a.Forward.DropCause != trace.NoListener {
		t.Errorf("internet -> lb-web-public:443 after the member leaves: %s %s; want Unreachable, NoListener", a.Verdict, a.Forward.DropCause)
	}
}
