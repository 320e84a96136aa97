package ask

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDiffNetAppVolume: a NetApp volume's mount target takes NFS and SMB (trace's atNetApp), so a
// diff sees the flows to it change with its subnet's NSG (Standard network features), a rule of it
// or the NSG itself, when the volume comes, and when its network features decide whether that
// NSG applies.
func TestDiffNetAppVolume(t *testing.T) {
	base := filepath.Join("..", "dns", "testdata", "hubspoke-resolver")
	const hub = "/subscriptions/00000000-0000-0000-0000-00000000aaaa/resourceGroups/rg-hub/providers/"
	const subnetID = hub + "Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-anf"
	nsg := func(access string) string {
		return `{"id": "` + hub + `Microsoft.Network/networkSecurityGroups/nsg-anf", "name": "nsg-anf", "type": "Microsoft.Network/networkSecurityGroups",
		"location": "westeurope", "properties": {"securityRules": [{"name": "nfs-spoke1", "properties": {"priority": 100, "direction": "Inbound",
		"access": "` + access + `", "protocol": "Tcp", "sourceAddressPrefix": "10.1.0.0/16", "sourcePortRange": "*", "destinationAddressPrefix": "*",
		"destinationPortRange": "2049"}}]}},`
	}
	volume := func(features string) string {
		return `{"id": "` + hub + `Microsoft.NetApp/netAppAccounts/anf/capacityPools/pool1/volumes/vol1", "name": "anf/pool1/vol1",
		"type": "Microsoft.NetApp/netAppAccounts/capacityPools/volumes", "location": "westeurope", "properties": {"subnetId": "` + subnetID + `",
		"networkFeatures": "` + features + `", "mountTargets": [{"mountTargetId": "m1", "fileSystemId": "f1", "ipAddress": "10.0.8.4"}]}},`
	}
	// edit adds snet-anf (10.0.8.0/26, delegated to NetApp volumes, with nsg-anf when attached)
	// and the resources given to the hub's files.
	edit := func(attached bool, resources ...string) func(string, []byte) []byte {
		attach := ""
		if attached {
			attach = `"networkSecurityGroup": {"id": "` + hub + `Microsoft.Network/networkSecurityGroups/nsg-anf"},`
		}
		return func(name string, b []byte) []byte {
			switch name {
			case "network.json":
				return bytes.Replace(b, []byte(`"subnets": [`), []byte(`"subnets": [{"id": "`+subnetID+`", "name": "snet-anf",
					"type": "Microsoft.Network/virtualNetworks/subnets", "properties": {"addressPrefix": "10.0.8.0/26", `+attach+`
					"delegations": [{"name": "anf", "properties": {"serviceName": "Microsoft.Netapp/volumes"}}]}},`), 1)
			case "resolver.json":
				return bytes.Replace(b, []byte(`"value": [`), []byte(`"value": [`+strings.Join(resources, "")), 1)
			}
			return b
		}
	}
	for _, tt := range []struct {
		name          string
		before, after func(string, []byte) []byte
		want          []string // rows to 10.0.8.4, "ports protocol before→after", that must be there
	}{
		{"its subnet's NSG rule", edit(true, nsg("Allow"), volume("Standard")), edit(true, nsg("Deny"), volume("Standard")),
			[]string{"2049 Tcp Reachable→Unreachable"}},
		{"an NSG comes to its subnet", edit(false, nsg("Deny"), volume("Standard")), edit(true, nsg("Deny"), volume("Standard")),
			[]string{"2049 Tcp Reachable→Unreachable"}},
		{"it comes", edit(true, nsg("Allow")), edit(true, nsg("Allow"), volume("Standard")), []string{"111,445,635,2049,4045-4046,4049 Tcp Unknown→Reachable", "0-110,112-444,446-634,636-2048,2050-4044,4047-4048,4050-65535 Tcp Unknown→Unreachable"}},
		{"its network features", edit(true, nsg("Deny"), volume("Basic")), edit(true, nsg("Deny"), volume("Standard")),
			[]string{"2049 Tcp Reachable→Unreachable"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := diffCopiesOf(t, base, tt.before, tt.after)
			var got []string
			for _, r := range a.Reachability {
				if r.Example.To == "10.0.8.4" {
					got = append(got, fmt.Sprintf("%s %s %s→%s", r.Ports, r.Protocol, r.Before, r.After))
				}
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("no row %q among %q (scope %+v)", w, got, a.ReachStats)
				}
			}
		})
	}
}
