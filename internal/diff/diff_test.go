package diff

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/snapshottest"
)

const example = "../../examples/hub-spoke"

// changedCopy copies the example estate and applies edits (file → old → new, each old once).
func changedCopy(t *testing.T, edits map[string][2]string) string {
	t.Helper()
	return snapshottest.Rewrite(t, example, func(name string, b []byte) []byte {
		ed, ok := edits[name]
		if !ok {
			return b
		}
		s := string(b)
		if !strings.Contains(s, ed[0]) {
			t.Fatalf("%s: %q not found", name, ed[0])
		}
		return []byte(strings.Replace(s, ed[0], ed[1], 1))
	})
}

func plane(t *testing.T, dir string) *dataplane.Plane {
	n, err := convert.Load([]string{dir}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return dataplane.Build(n)
}

const sub1 = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.Network/"

// TestDiff: one NSG rule's port and one UDR's next hop changed; exactly those two resources
// change, at those paths, and the subnets using the route table lose one route and gain one.
func TestDiff(t *testing.T) {
	after := changedCopy(t, map[string][2]string{
		"nsgs.json":   {`"destinationPortRange": "22",`, `"destinationPortRange": "2222",`},
		"routes.json": {`"addressPrefix": "10.1.0.0/16",` + "\n              \"nextHopType\": \"VirtualAppliance\",\n              \"nextHopIpAddress\": \"10.0.1.4\"", `"addressPrefix": "10.1.0.0/16",` + "\n              \"nextHopType\": \"VirtualAppliance\",\n              \"nextHopIpAddress\": \"10.0.1.5\""},
	})
	bd, err := ReadDocs([]string{example}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ad, err := ReadDocs([]string{after}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if same := CompareResources(bd, bd); len(same.Added)+len(same.Removed)+len(same.Changed) > 0 {
		t.Errorf("a snapshot differs from itself: %+v", same)
	}
	got := CompareResources(bd, ad)
	want := Resources{Added: []string{}, Removed: []string{}, Changed: []Changed{
		{ID: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.Network/routeTables/rt-hub-gateway/routes/to-spoke-app",
			Fields: []string{"$.properties.nextHopIpAddress"}},
	}}
	// The first "destinationPortRange": "22" of nsgs.json is whichever rule comes first; find it.
	var nsgChange []Changed
	for _, c := range got.Changed {
		if strings.Contains(c.ID, "/securityRules/") {
			nsgChange = append(nsgChange, c)
		}
	}
	if len(nsgChange) != 1 || len(nsgChange[0].Fields) != 1 || nsgChange[0].Fields[0] != "$.properties.destinationPortRange" {
		t.Errorf("NSG rule changes %+v, want one at $.properties.destinationPortRange", nsgChange)
	}
	want.Changed = append(want.Changed, nsgChange...)
	if len(want.Changed) == 2 && want.Changed[1].ID < want.Changed[0].ID {
		want.Changed[0], want.Changed[1] = want.Changed[1], want.Changed[0]
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("resources (-want +got):\n%s", d)
	}
	routes := CompareRoutes(plane(t, example), plane(t, after))
	if len(routes) == 0 {
		t.Fatal("no subnet's routes changed")
	}
	for _, r := range routes {
		if len(r.Added) != 1 || len(r.Removed) != 1 || r.Added[0].NextHopIPAddress[0] != "10.0.1.5" || r.Removed[0].NextHopIPAddress[0] != "10.0.1.4" ||
			r.Added[0].AddressPrefix[0] != "10.1.0.0/16" {
			t.Errorf("subnet %s: added %+v, removed %+v; want 10.1.0.0/16 via 10.0.1.4 replaced by 10.0.1.5", r.Subnet, r.Added, r.Removed)
		}
	}
}

// TestDiffAddRemove: a resource only on one side is added or removed; a changed array element is
// found by name wherever it moved.
func TestDiffAddRemove(t *testing.T) {
	b := Docs{}
	b.index(map[string]any{"value": []any{
		map[string]any{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/a", "name": "a",
			"properties": map[string]any{"list": []any{map[string]any{"name": "x", "v": 1.0}, map[string]any{"name": "y", "v": 2.0}}}},
		map[string]any{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/gone", "name": "gone"},
	}})
	a := Docs{}
	a.index([]any{
		map[string]any{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/A", "name": "a", "etag": "new",
			"properties": map[string]any{"list": []any{map[string]any{"name": "y", "v": 3.0}, map[string]any{"name": "x", "v": 1.0}}}},
		map[string]any{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/new", "type": "t"},
	})
	got := CompareResources(b, a)
	want := Resources{
		Added:   []string{"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/new"},
		Removed: []string{"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/gone"},
		Changed: []Changed{{ID: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/A", Fields: []string{"$.properties.list[0].v"}}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// TestDiffRuleOrder: swapping two rules of a firewall rule collection is a change (the first rule
// that matches wins, spec §3.2), of a policy's and of a classic firewall's collection alike;
// swapping two NSG rules, or a WAF policy's rules, whose priorities order them, is not.
func TestDiffRuleOrder(t *testing.T) {
	rule := func(n string) any { return map[string]any{"name": n, "ruleType": "NetworkRule"} }
	nsgRule := func(n string) any { return map[string]any{"name": n, "properties": map[string]any{"priority": 100.0}} }
	const rcg = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/firewallPolicies/p/ruleCollectionGroups/g"
	const afw = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/azureFirewalls/fw"
	const nsg = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkSecurityGroups/n"
	const waf = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/frontdoorWebApplicationFirewallPolicies/w"
	docs := func(x, y string) Docs {
		d := Docs{}
		d.index([]any{
			map[string]any{"id": rcg, "name": "g", "properties": map[string]any{"ruleCollections": []any{
				map[string]any{"name": "c", "rules": []any{rule(x), rule("other"), rule(y)}}}}},
			map[string]any{"id": afw, "name": "fw", "properties": map[string]any{"networkRuleCollections": []any{
				map[string]any{"name": "c", "properties": map[string]any{"rules": []any{rule(x), rule(y)}}}}}},
			map[string]any{"id": nsg, "name": "n", "properties": map[string]any{"securityRules": []any{nsgRule(x), nsgRule(y)}}},
			map[string]any{"id": waf, "name": "w", "properties": map[string]any{"customRules": map[string]any{"rules": []any{nsgRule(x), nsgRule(y)}}}},
		})
		return d
	}
	got := CompareResources(docs("a", "b"), docs("b", "a"))
	want := Resources{Added: []string{}, Removed: []string{}, Changed: []Changed{
		{ID: afw, Fields: []string{"$.properties.networkRuleCollections[0].properties.rules (order)"}},
		{ID: rcg, Fields: []string{"$.properties.ruleCollections[0].rules (order)"}},
	}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if same := CompareResources(docs("a", "b"), docs("a", "b")); len(same.Changed) != 0 {
		t.Errorf("unchanged order reported: %+v", same.Changed)
	}
}
