package plan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

var example = filepath.Join("..", "..", "examples", "hub-spoke")

// planned loads the example, applies the plan files and builds the data plane.
func planned(t *testing.T, files ...string) (*dataplane.Plane, []Warning) {
	t.Helper()
	return plannedOn(t, example, files...)
}

// plannedOn is planned on the snapshot base.
func plannedOn(t *testing.T, base string, files ...string) (*dataplane.Plane, []Warning) {
	t.Helper()
	s, err := azure.Load([]string{base}, azure.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ovs, err := ApplyFiles(s, files, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ws []Warning
	for _, ov := range ovs {
		ws = append(ws, ov.Warnings...)
	}
	n, err := convert.Convert(s)
	if err != nil {
		t.Fatal(err)
	}
	return dataplane.Build(n), ws
}

func verdict(t *testing.T, p *dataplane.Plane, from, to string, proto model.Protocol, port uint16) trace.Verdict {
	t.Helper()
	return answer(t, p, from, to, proto, port).Verdict
}

// answer is trace's answer for one flow; the test fails when trace refuses it.
func answer(t *testing.T, p *dataplane.Plane, from, to string, proto model.Protocol, port uint16) *trace.Answer {
	t.Helper()
	a, err := trace.Run(p, trace.Query{From: from, To: to, Protocol: proto, DestinationPort: port})
	if err != nil {
		t.Fatalf("trace %s -> %s: %v", from, to, err)
	}
	return a
}

func codes(ws []Warning) map[string]int {
	out := map[string]int{}
	for _, w := range ws {
		out[w.Code]++
	}
	return out
}

// TestWhatIf applies what-if output (CLI and REST envelopes) to the example: a Modify replaces
// the NSG (SSH to vm-jump closed), a VNet Modify without subnets keeps them (the known noise), a
// Create adds a subnet whose NSG is an unevaluated reference() (answers through it are
// Unknown) and a NIC in it, a Delete removes an inline peering; Ignore, potential changes and
// diagnostics are warnings.
func TestWhatIf(t *testing.T) {
	cli := filepath.Join("testdata", "whatif-cli.json")
	data, err := os.ReadFile(cli)
	if err != nil {
		t.Fatal(err)
	}
	var flat map[string]any
	json.Unmarshal(data, &flat)
	rest, _ := json.Marshal(map[string]any{"status": "Succeeded", "properties": map[string]any{
		"changes": flat["changes"], "potentialChanges": flat["potentialChanges"], "diagnostics": flat["diagnostics"]}})
	restFile := filepath.Join(t.TempDir(), "whatif-rest.json")
	os.WriteFile(restFile, rest, 0o644)

	base, _ := planned(t)
	for _, f := range []string{cli, restFile} {
		p, ws := planned(t, f)
		if b, a := verdict(t, base, "internet:198.51.100.7", "20.103.51.40", model.ProtoTCP, 22), verdict(t, p, "internet:198.51.100.7", "20.103.51.40", model.ProtoTCP, 22); b != trace.Reachable || a != trace.Unreachable {
			t.Errorf("%s: internet -> vm-jump:22 %s before, %s after; want Reachable, Unreachable", f, b, a)
		}
		if got := verdict(t, p, "internet:198.51.100.7", "20.103.51.40", model.ProtoTCP, 3389); got != verdict(t, base, "internet:198.51.100.7", "20.103.51.40", model.ProtoTCP, 3389) {
			t.Errorf("%s: RDP to vm-jump changed (%s): only the SSH rule was removed", f, got)
		}
		if len(base.Net.Subnets)+1 != len(p.Net.Subnets) {
			t.Errorf("%s: %d subnets before, %d after; want one more (the VNet Modify without subnets keeps them)", f, len(base.Net.Subnets), len(p.Net.Subnets))
		}
		if got := verdict(t, p, "vm-web1", "vm-app1", model.ProtoTCP, 8080); got != verdict(t, base, "vm-web1", "vm-app1", model.ProtoTCP, 8080) {
			t.Errorf("%s: vm-web1 -> vm-app1:8080 changed to %s", f, got)
		}
		if got := verdict(t, p, "nic-new", "vm-app1", model.ProtoTCP, 8080); got != trace.UnknownV {
			t.Errorf("%s: nic-new -> vm-app1 %s; want Unknown (its subnet's NSG is known only after deployment)", f, got)
		}
		if b, a := verdict(t, base, "vm-data1", "10.0.4.4", model.ProtoTCP, 443), verdict(t, p, "vm-data1", "10.0.4.4", model.ProtoTCP, 443); b != trace.Reachable || a != trace.Unreachable {
			t.Errorf("%s: vm-data1 -> pe-kv-hub:443 %s before, %s after; want it cut by the deleted peering", f, b, a)
		}
		c := codes(ws)
		if c["PlanUnknownValue"] != 1 || c["PlanNotApplied"] != 1 || c["PlanPotentialChange"] != 1 || c["PlanDiagnostic"] != 1 {
			t.Errorf("%s: warnings %v", f, ws)
		}
		for _, w := range ws {
			if w.Code == "PlanUnknownValue" && !strings.Contains(w.Message, "properties.networkSecurityGroup.id") {
				t.Errorf("%s: %q does not name the path", f, w.Message)
			}
		}
	}
}

// TestWhatIfBadInput: each bad file is an *InputError naming the file and the place.
func TestWhatIfBadInput(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{`[]`, "f.json: not a JSON object"},
		{`{"x": 1}`, "f.json: neither what-if output"},
		{`{"status": "Failed", "error": {"code": "InvalidTemplate", "message": "bad"}, "changes": []}`, "f.json: error: the what-if operation failed"},
		{`{"changes": [{"resourceId": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v", "changeType": "Deploy"}]}`, "f.json: changes[0].after: no resource body: run what-if with the default result format"},
		{`{"changes": [{"resourceId": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v", "changeType": "Explode"}]}`, `f.json: changes[0].changeType: unknown change type "Explode"`},
		{`{"changes": [{"changeType": "Create"}]}`, "f.json: changes[0].resourceId: missing"},
		{`{"format_version": "2.0", "resource_changes": []}`, "f.json: format_version: Terraform JSON format 2.0 is not supported"},
		{`{"format_version": "1.0", "values": {}}`, "f.json: a Terraform state, not a plan"},
	} {
		_, err := Read("f.json", []byte(c.doc), nil)
		if _, ok := err.(*InputError); !ok || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v; want an InputError starting %q", c.doc, err, c.want)
		}
	}
	// A body Azure's decoder refuses names the plan file and the change.
	ov := &Overlay{File: "f.json", Puts: []Put{{From: "/x/subnets/s", Body: map[string]any{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
		"type": "Microsoft.Network/virtualNetworks/subnets", "name": "s", "properties": map[string]any{"addressPrefix": "10.0.0.300/24"}}}}}
	if err := Apply(&azure.Snapshot{}, ov); err == nil || !strings.HasPrefix(err.Error(), "f.json (/x/subnets/s): ") || !strings.Contains(err.Error(), "addressPrefix") {
		t.Errorf("Apply of a bad body: %v", err)
	}
}

// TestWhatIfNICLeavesPool: a NIC Modify whose ip configuration no longer names its backend pool
// takes it out of the pool, though the unchanged load balancer's backendIPConfigurations (Azure's
// read-only echo of the NIC side) still lists it.
func TestWhatIfNICLeavesPool(t *testing.T) {
	nic := s2 + "/networkInterfaces/vm-webpub1-nic"
	body := func(pools []any) map[string]any {
		props := map[string]any{"privateIPAddress": "10.1.3.4", "privateIPAllocationMethod": "Static", "primary": true,
			"subnet": map[string]any{"id": s2 + "/virtualNetworks/vnet-spoke-app/subnets/snet-edge"}}
		if pools != nil {
			props["loadBalancerBackendAddressPools"] = pools
		}
		return map[string]any{"id": nic, "name": "vm-webpub1-nic", "type": "Microsoft.Network/networkInterfaces", "location": "westeurope",
			"properties": map[string]any{"ipConfigurations": []any{map[string]any{"id": nic + "/ipConfigurations/ipconfig1", "name": "ipconfig1", "properties": props}}}}
	}
	file := whatIfFile(t, map[string]any{"resourceId": nic, "changeType": "Modify",
		"before": body([]any{map[string]any{"id": s2 + "/loadBalancers/lb-web-public/backendAddressPools/be-web"}}), "after": body(nil)})
	p, _ := planned(t, file)
	if got := verdict(t, p, "internet:198.51.100.7", "20.103.51.30", model.ProtoTCP, 443); got != trace.Unreachable {
		t.Errorf("internet -> lb-web-public:443 after vm-webpub1 leaves the pool: %s; want Unreachable", got)
	}
}

// TestWhatIfLBChild: a template that deploys a load balancer rule as a resource of its own
// (Microsoft.Network/loadBalancers/loadBalancingRules) adds it to the deployed load balancer.
func TestWhatIfLBChild(t *testing.T) {
	const lb = lbWeb
	rule := map[string]any{"id": lb + "/loadBalancingRules/https-alt", "name": "https-alt", "type": "Microsoft.Network/loadBalancers/loadBalancingRules",
		"properties": map[string]any{"frontendIPConfiguration": map[string]any{"id": lb + "/frontendIPConfigurations/fe-web"},
			"backendAddressPool": map[string]any{"id": lb + "/backendAddressPools/be-web"}, "probe": map[string]any{"id": lb + "/probes/probe-https"},
			"protocol": "Tcp", "frontendPort": 8443, "backendPort": 443}}
	file := whatIfFile(t, map[string]any{"resourceId": rule["id"], "changeType": "Create", "after": rule})
	base, _ := planned(t)
	p, ws := planned(t, file)
	if b, a := verdict(t, base, "internet:198.51.100.7", "20.103.51.30", model.ProtoTCP, 8443), verdict(t, p, "internet:198.51.100.7", "20.103.51.30", model.ProtoTCP, 8443); b != trace.Unreachable || a != trace.Reachable || len(ws) != 0 {
		t.Errorf("internet -> lb-web-public:8443 %s before, %s planned (warnings %v); want the new rule to open it", b, a, ws)
	}
}

// TestWhatIfVolumeKeepsMountTargets: what-if's body of a NetApp volume lacks its read-only
// mount targets; a change to the volume (a tag here) keeps the deployed ones, so NFS to it is as
// reachable as before rather than Unknown.
func TestWhatIfVolumeKeepsMountTargets(t *testing.T) {
	const vol = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.NetApp/netAppAccounts/anf-hub/capacityPools/pool-premium/volumes/vol-shared"
	after := map[string]any{"id": vol, "name": "anf-hub/pool-premium/vol-shared", "type": "Microsoft.NetApp/netAppAccounts/capacityPools/volumes",
		"location": "westeurope", "tags": map[string]any{"owner": "storage"}, "properties": map[string]any{"networkFeatures": "Basic",
			"subnetId": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-anf"}}
	p, _ := planned(t, whatIfFile(t, map[string]any{"resourceId": vol, "changeType": "Modify", "after": after}))
	if got := verdict(t, p, "vm-app1", "10.0.8.4", model.ProtoTCP, 2049); got != trace.Reachable {
		t.Errorf("vm-app1 -> vol-shared:2049 after a tag change: %s; want Reachable (the mount target kept)", got)
	}
}
