package convert

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const rg = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"

// refused is a snapshot holding one of each value Azure would refuse (issue 10 item 2).
var refused = `{"value": [
 {"id": "` + rg + `virtualNetworks/v", "name": "v", "type": "Microsoft.Network/virtualNetworks", "location": "westeurope",
  "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
   "subnets": [{"id": "` + rg + `virtualNetworks/v/subnets/a", "name": "a", "properties": {"addressPrefix": "10.0.1.0/24"}},
               {"id": "` + rg + `virtualNetworks/v/subnets/b", "name": "b", "properties": {"addressPrefix": "10.0.2.0/24"}}],
   "virtualNetworkPeerings": [{"id": "` + rg + `virtualNetworks/v/virtualNetworkPeerings/self", "name": "self",
     "properties": {"peeringState": "Connected", "remoteVirtualNetwork": {"id": "` + rg + `virtualNetworks/v"}}}]}},
 {"id": "` + rg + `virtualNetworks/v/subnets/b", "name": "b", "type": "Microsoft.Network/virtualNetworks/subnets",
  "properties": {"addressPrefix": "10.0.3.0/24"}},
 {"id": "` + rg + `virtualNetworks/v/subnets/a", "name": "a", "type": "Microsoft.Network/virtualNetworks/subnets",
  "properties": {"addressPrefix": "10.0.1.0/24", "serviceEndpoints": []}},
 {"id": "` + rg + `networkSecurityGroups/nsg", "name": "nsg", "type": "Microsoft.Network/networkSecurityGroups", "location": "westeurope",
  "properties": {"securityRules": [
   {"name": "no-priority", "properties": {"protocol": "Tcp", "access": "Allow", "direction": "Inbound",
     "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "sourcePortRange": "*", "destinationPortRange": "22"}},
   {"name": "too-high", "properties": {"priority": 5000, "protocol": "Tcp", "access": "Allow", "direction": "Inbound",
     "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "sourcePortRange": "*", "destinationPortRange": "23"}},
   {"name": "z-twin", "properties": {"priority": 200, "protocol": "Tcp", "access": "Deny", "direction": "Inbound",
     "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "sourcePortRange": "*", "destinationPortRange": "443"}},
   {"name": "a-twin", "properties": {"priority": 200, "protocol": "Tcp", "access": "Allow", "direction": "Inbound",
     "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "sourcePortRange": "*", "destinationPortRange": "443"}},
   {"name": "other-way", "properties": {"priority": 200, "protocol": "Tcp", "access": "Allow", "direction": "Outbound",
     "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "sourcePortRange": "*", "destinationPortRange": "443"}}]}},
 {"id": "` + rg + `networkInterfaces/nic-` + strings.Repeat("x", 80) + `", "name": "nic-` + strings.Repeat("x", 80) + `",
  "type": "Microsoft.Network/networkInterfaces", "location": "westeurope",
  "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {"primary": true, "privateIPAddress": "10.0.9.4",
    "subnet": {"id": "` + rg + `virtualNetworks/v/subnets/a"}}}]}}
]}`

func TestRefusedValuesWarn(t *testing.T) {
	n, err := FromBytes("refused.json", []byte(refused))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range n.Warnings {
		got = append(got, fmt.Sprintf("%s %s: %s", w.Code, model.ID(w.Resource).Name(), w.Message))
	}
	long := "nic-" + strings.Repeat("x", 80)
	want := []string{
		"InvalidValue " + long + `: NIC ` + long + ` ip configuration ipconfig1 address 10.0.9.4 is outside its subnet a (10.0.1.0/24)`,
		"InvalidValue " + long + `: networkInterfaces name "nic-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" is 84 characters long; Azure allows at most 80`,
		"InvalidValue no-priority: security rule no-priority of nsg has no priority; Azure requires one between 100 and 4096",
		"InvalidValue too-high: security rule too-high of nsg has priority 5000, outside the 100-4096 Azure allows",
		"InvalidValue z-twin: security rules a-twin and z-twin of nsg have the same direction (Inbound) and priority (200), which Azure refuses; vnetdoctor evaluates a-twin first",
		"InvalidValue b: " + rg + "virtualNetworks/v/subnets/b is given twice with different content: inline in its parent (refused.json: $.value[0].properties.subnets[1]) and as a separate object (refused.json: $.value[1]); vnetdoctor uses the separate object",
		"InvalidValue self: peering self of v points at v itself; Azure peers a VNet only with another VNet",
	}
	// The warnings are sorted by resource ID; compare them as a set, then check that order.
	slices.Sort(got)
	w := slices.Clone(want)
	slices.Sort(w)
	if d := cmp.Diff(w, got); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
	if !slices.IsSortedFunc(n.Warnings, func(a, b model.Warning) int { return strings.Compare(a.Resource.Key(), b.Resource.Key()) }) {
		t.Errorf("warnings not in resource order: %v", n.Warnings)
	}
	nsg := lookup[*model.NSG](t, n, rg+"networkSecurityGroups/nsg")
	var order []string
	for _, r := range nsg.Rules {
		order = append(order, r.Name)
	}
	if want := []string{"no-priority", "a-twin", "other-way", "z-twin", "too-high"}; !slices.Equal(order, want) {
		t.Errorf("rules in order %q, want %q (priority, then name)", order, want)
	}
}

// A child given inline and separately with the same values (an empty list written out in one
// copy, left out in the other) is not a warning.
func TestSameChildTwiceIsQuiet(t *testing.T) {
	n, err := FromBytes("refused.json", []byte(refused))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range n.Warnings {
		if strings.HasSuffix(string(w.Resource), "/subnets/a") {
			t.Errorf("subnet a given twice alike: %s", w.Message)
		}
	}
}

// Names at Azure's limits do not warn.
func TestNameLimits(t *testing.T) {
	b := newBuilder(nil)
	b.checkName(typeFirewall, "fw", strings.Repeat("f", 56))
	b.checkName(typeVNet, "v", strings.Repeat("v", 64))
	b.checkName(typeSubnet, "s", strings.Repeat("s", 80))
	if len(b.n.Warnings) != 0 {
		t.Errorf("names at the limit warn: %v", b.n.Warnings)
	}
	b.checkName(typeFirewall, "fw", strings.Repeat("f", 57))
	b.checkName(typeVNet, "v", strings.Repeat("v", 65))
	if len(b.n.Warnings) != 2 {
		t.Errorf("names one over the limit: %d warnings, want 2", len(b.n.Warnings))
	}
}
