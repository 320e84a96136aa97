package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestDiffSame(t *testing.T) {
	code, out, stderr := vnetdoctor(t, "", "diff", "-s", example, "--after", example, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Resources struct{ Added, Removed, Changed []any }
		Routes    []any
		Findings  struct{ New, Resolved []any }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Resources.Added == nil || len(doc.Resources.Added)+len(doc.Resources.Removed)+len(doc.Resources.Changed)+len(doc.Routes)+
		len(doc.Findings.New)+len(doc.Findings.Resolved) != 0 {
		t.Errorf("a snapshot against itself: %s", out)
	}
	code, out, _ = vnetdoctor(t, "", "diff", "-s", example, "--after", example)
	if code != 0 || !strings.HasPrefix(out, "resources: 0 added, 0 removed, 0 changed\n") {
		t.Errorf("text: exit %d, %q", code, out)
	}
	for _, args := range [][]string{{"diff", "-s", example}, {"diff", "-s", "-", "--after", example}} {
		if code, _, stderr := vnetdoctor(t, "", args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2", args, code, stderr)
		}
	}
}

// TestPlanOverlay: --plan changes what every command answers (trace here), reports the plan's
// warnings, and diff -s SNAP --plan FILE lists the planned change; a bad plan is exit 2.
func TestPlanOverlay(t *testing.T) {
	const whatIf = "../../internal/plan/testdata/whatif-cli.json"
	const tf = "../../internal/plan/testdata/terraform-plan.json"
	ssh := []string{"trace", "-s", example, "--from", "internet:198.51.100.7", "--to", "20.103.51.40", "--dport", "22", "-o", "json"}
	for _, c := range []struct {
		plans   []string
		verdict string
	}{{nil, "Reachable"}, {[]string{whatIf}, "Unreachable"}, {[]string{tf}, "Unreachable"}} {
		args := slices.Clone(ssh)
		for _, p := range c.plans {
			args = append(args, "--plan", p)
		}
		code, out, stderr := vnetdoctor(t, "", args...)
		var doc struct {
			Verdict  string
			Warnings []struct{ Code string }
		}
		if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc.Verdict != c.verdict {
			t.Errorf("%v: exit %d, verdict %q; want %s (%s)", c.plans, code, doc.Verdict, c.verdict, stderr)
		}
		if len(c.plans) > 0 && (!strings.Contains(stderr, "[PlanUnknownValue]") || len(doc.Warnings) == 0) {
			t.Errorf("%v: the plan's warnings are missing: stderr %q, JSON %+v", c.plans, stderr, doc.Warnings)
		}
	}
	code, out, stderr := vnetdoctor(t, "", "diff", "-s", example, "--plan", whatIf, "-o", "json")
	var d struct {
		Resources struct {
			Added, Removed []string
			Changed        []struct {
				ID     string
				Fields []string
			}
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil {
		t.Fatalf("diff --plan: exit %d: %s", code, stderr)
	}
	if len(d.Resources.Added) != 2 || len(d.Resources.Removed) != 2 || len(d.Resources.Changed) != 1 ||
		!strings.HasSuffix(d.Resources.Changed[0].ID, "/nsg-vm-jump") || !slices.Equal(d.Resources.Changed[0].Fields, []string{"$.properties.securityRules[0] (removed)"}) {
		t.Errorf("diff --plan what-if: %+v; want nic-new and snet-new added, allow-ssh-any and the peering removed, only the NSG's rule list changed (no what-if noise)", d.Resources)
	}
	bad := t.TempDir() + "/bad.json"
	os.WriteFile(bad, []byte(`{"changes": [{"resourceId": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v", "changeType": "Deploy"}]}`), 0o644)
	for _, p := range []string{bad, t.TempDir() + "/none.json"} {
		if code, _, stderr := vnetdoctor(t, "", "summary", "-s", example, "--plan", p); code != 2 || !strings.Contains(stderr, p) {
			t.Errorf("--plan %s: exit %d, %q; want 2 naming the file", p, code, stderr)
		}
	}
}

// reachRow is a row of diff's reachability, as cli.md shapes it.
type reachRow struct {
	From, To, Protocol, Ports, Before, After string
	Example                                  map[string]any
	Deciding                                 map[string]any
}

// TestDiffReachabilityRows: a planned rule change (SSH to vm-jump removed) shows as rows in the
// cli.md shape, each example tracing to its after verdict; a deleted spoke peering is
// recomputed; a change flows cross on their way says the rows were not recomputed.
func TestDiffReachabilityRows(t *testing.T) {
	data, err := os.ReadFile("../../internal/plan/testdata/whatif-cli.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(data, &doc)
	doc["changes"] = doc["changes"].([]any)[:1] // the NSG Modify only
	doc["potentialChanges"], doc["diagnostics"] = nil, nil
	nsgOnly := t.TempDir() + "/nsg.json"
	b, _ := json.Marshal(doc)
	os.WriteFile(nsgOnly, b, 0o644)
	code, out, stderr := vnetdoctor(t, "", "diff", "-s", example, "--plan", nsgOnly, "-o", "json")
	var d struct {
		Reachability      []reachRow
		ReachabilityScope struct{ Scope string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	internet := false
	for _, r := range d.Reachability {
		if r.From == "" || r.To == "" || r.Protocol != "Tcp" || r.Ports != "22" || r.Before != "Reachable" || r.After != "Unreachable" || r.Deciding == nil {
			t.Errorf("row %+v; want Tcp/22 Reachable -> Unreachable with its deciding rule", r)
		}
		internet = internet || (r.From == "Internet" && strings.HasSuffix(r.To, "/snet-mgmt"))
		if got := exampleVerdict(t, r, "--plan", nsgOnly); got != r.After {
			t.Errorf("row %+v: its example traces to %q after the plan", r, got)
		}
	}
	if !internet || d.ReachabilityScope.Scope != "rules" {
		t.Errorf("rows %+v, scope %q; want Internet -> snet-mgmt computed from the rule change", d.Reachability, d.ReachabilityScope.Scope)
	}
	// The full plan also deletes a spoke's peering with the hub (the spoke forwards nothing: its
	// subnets are recomputed whole, and the hub's subnets that lose its routes as transit).
	code, out, _ = vnetdoctor(t, "", "diff", "-s", example, "--plan", "../../internal/plan/testdata/whatif-cli.json", "-o", "json")
	d.Reachability, d.ReachabilityScope.Scope = nil, ""
	if json.Unmarshal([]byte(out), &d) != nil || code != 0 || d.ReachabilityScope.Scope != "transit" ||
		!slices.ContainsFunc(d.Reachability, func(r reachRow) bool {
			return r.From == "OnPremises" && strings.HasSuffix(r.To, "/snet-data") && r.Before == "Reachable" && r.After == "Unreachable"
		}) {
		t.Errorf("a peering deleted: exit %d, scope %q, rows %+v; want OnPremises -> snet-data cut", code, d.ReachabilityScope.Scope, d.Reachability)
	}
	// A change to what every flow may cross (the firewall's public IP) is not recomputed.
	doc["changes"] = []any{map[string]any{"resourceId": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.Network/publicIPAddresses/pip-afw-hub", "changeType": "Delete"}}
	b, _ = json.Marshal(doc)
	pipGone := t.TempDir() + "/pip.json"
	os.WriteFile(pipGone, b, 0o644)
	if code, out, _ := vnetdoctor(t, "", "diff", "-s", example, "--plan", pipGone); code != 0 || !strings.Contains(out, "reachability: not recomputed (") {
		t.Errorf("the firewall's public IP deleted: exit %d, %s", code, out)
	}
}

// TestDiffTerraformLoadBalancer: a Terraform plan of load balancer resources and associations
// (internal/plan TestTerraformLoadBalancer) lists what it changes, nested resources included,
// without noise from the NIC it updates in place; its rows are the flows it opens, each
// example tracing to the before verdict on the snapshot and to the after one on the plan.
func TestDiffTerraformLoadBalancer(t *testing.T) {
	const tf = "../../internal/plan/testdata/terraform-lb-plan.json"
	code, out, stderr := vnetdoctor(t, "", "diff", "-s", example, "--plan", tf, "-o", "json")
	var d struct {
		Resources struct {
			Added   []string
			Changed []struct{ ID string }
		}
		Reachability []reachRow
	}
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var changed []string
	for _, c := range d.Resources.Changed {
		changed = append(changed, c.ID[strings.LastIndex(c.ID, "/providers/")+len("/providers/"):])
	}
	slices.Sort(changed)
	want := []string{"Microsoft.Network/natGateways/ng-merger",
		"Microsoft.Network/networkInterfaces/vm-app1-nic/ipConfigurations/ipconfig1",
		"Microsoft.Network/networkInterfaces/vm-app2-nic/ipConfigurations/ipconfig1"}
	if !slices.Equal(changed, want) || len(d.Resources.Added) != 7 {
		t.Errorf("changed %v, added %v; want %v changed and the 7 new resources", changed, d.Resources.Added, want)
	}
	opened := map[string]bool{}
	for _, r := range d.Reachability {
		if r.Before != "Unreachable" || r.After != "Reachable" {
			t.Errorf("row %+v; the plan only opens flows", r)
		}
		opened[r.From[strings.LastIndex(r.From, "/")+1:]+" "+r.Protocol+"/"+r.Ports] = true
		for _, side := range []struct {
			plan    []string
			verdict string
		}{{nil, r.Before}, {[]string{"--plan", tf}, r.After}} {
			if got := exampleVerdict(t, r, side.plan...); got != side.verdict {
				t.Errorf("row %+v: its example traces to %q (plan %v); want %s", r, got, side.plan, side.verdict)
			}
		}
	}
	if !opened["Internet Tcp/8443"] || !opened["snet-app Tcp/8080"] {
		t.Errorf("rows %v; want Internet -> pip-lb-web Tcp/8443 and snet-app -> snet-app Tcp/8080 opened", opened)
	}
}

// exampleVerdict is what `trace` answers for a diff row's example on the bundled example with
// args (a --plan), or "" when it does not answer.
func exampleVerdict(t *testing.T, r reachRow, args ...string) string {
	t.Helper()
	args = append([]string{"trace", "-s", example}, args...)
	args = append(args, "--from", r.Example["from"].(string), "--to", r.Example["to"].(string),
		"--proto", strings.ToLower(r.Protocol), "--dport", jsonNumber(r.Example["destinationPort"]), "-o", "json")
	code, out, _ := vnetdoctor(t, "", args...)
	var tr struct{ Verdict string }
	if code != 0 || json.Unmarshal([]byte(out), &tr) != nil {
		return ""
	}
	return tr.Verdict
}
