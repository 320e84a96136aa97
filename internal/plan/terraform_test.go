package plan

import (
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
