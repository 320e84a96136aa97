package convert

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/synth"
)

// estateFiles generates a synthetic estate as ARM JSON, one file per resource type:
// vnets VNets of 10 subnets (each peered with VNet 0, both ways), one NIC per subnet,
// one NSG of 50 rules per VNet, a route table of 20 routes per two VNets, and pes
// private endpoints. estateFiles(1000, 200) is the target size.
func estateFiles(vnets, pes int) map[string][]byte {
	files := map[string][]byte{}
	var b strings.Builder
	list := func(name string, n int, item func(i int)) {
		b.Reset()
		b.WriteString(`{"value":[`)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",\n")
			}
			item(i)
		}
		b.WriteString("]}")
		files[name] = []byte(b.String())
	}
	list("vnets.json", vnets, func(i int) { genVNet(&b, i, vnets) })
	list("nics.json", vnets*10, func(i int) { genNIC(&b, i) })
	list("nsgs.json", vnets, func(i int) { genNSG(&b, i) })
	list("routetables.json", (vnets+1)/2, func(i int) { genRouteTable(&b, i) })
	list("pes.json", pes, func(i int) { genPE(&b, i) })
	return files
}

const benchRG = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bench/providers/Microsoft.Network/"

func vnetBase(i int) string { return fmt.Sprintf("10.%d.%d", i/64, (i%64)*4) }

func genVNet(b *strings.Builder, i, n int) {
	id := fmt.Sprintf(benchRG+"virtualNetworks/vnet-%d", i)
	fmt.Fprintf(b, `{"id":%q,"name":"vnet-%d","type":"Microsoft.Network/virtualNetworks","location":"westeurope","properties":{"addressSpace":{"addressPrefixes":["%s.0/22"]},"subnets":[`, id, i, vnetBase(i))
	for s := 0; s < 10; s++ {
		if s > 0 {
			b.WriteByte(',')
		}
		third, fourth := (i%64)*4+s/4, (s%4)*64
		fmt.Fprintf(b, `{"id":"%s/subnets/snet-%d","name":"snet-%d","properties":{"addressPrefix":"10.%d.%d.%d/26","networkSecurityGroup":{"id":"%snetworkSecurityGroups/nsg-%d"},"routeTable":{"id":"%srouteTables/rt-%d"},"privateEndpointNetworkPolicies":"Disabled"}}`,
			id, s, s, i/64, third, fourth, benchRG, i, benchRG, i/2)
	}
	b.WriteString(`],"virtualNetworkPeerings":[`)
	peers := []int{0}
	if i == 0 {
		peers = peers[:0]
		for j := 1; j < n; j++ {
			peers = append(peers, j)
		}
	}
	for k, j := range peers {
		if k > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, `{"id":"%s/virtualNetworkPeerings/to-%d","name":"to-%d","properties":{"peeringState":"Connected","allowVirtualNetworkAccess":true,"allowForwardedTraffic":true,"remoteVirtualNetwork":{"id":"%svirtualNetworks/vnet-%d"},"remoteAddressSpace":{"addressPrefixes":["%s.0/22"]}}}`,
			id, j, j, benchRG, j, vnetBase(j))
	}
	b.WriteString(`]}}`)
}

func genNIC(b *strings.Builder, i int) {
	v, s := i/10, i%10
	third, fourth := (v%64)*4+s/4, (s%4)*64+4
	fmt.Fprintf(b, `{"id":"%snetworkInterfaces/nic-%d","name":"nic-%d","type":"Microsoft.Network/networkInterfaces","location":"westeurope","properties":{"enableIPForwarding":false,"virtualMachine":{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bench/providers/Microsoft.Compute/virtualMachines/vm-%d"},"ipConfigurations":[{"id":"%snetworkInterfaces/nic-%d/ipConfigurations/ipconfig1","name":"ipconfig1","properties":{"privateIPAddress":"10.%d.%d.%d","privateIPAllocationMethod":"Dynamic","primary":true,"subnet":{"id":"%svirtualNetworks/vnet-%d/subnets/snet-%d"}}}],"dnsSettings":{"dnsServers":[]}}}`,
		benchRG, i, i, i, benchRG, i, v/64, third, fourth, benchRG, v, s)
}

func genNSG(b *strings.Builder, i int) {
	fmt.Fprintf(b, `{"id":"%snetworkSecurityGroups/nsg-%d","name":"nsg-%d","type":"Microsoft.Network/networkSecurityGroups","location":"westeurope","properties":{"securityRules":[`, benchRG, i, i)
	for r := 0; r < 50; r++ {
		if r > 0 {
			b.WriteByte(',')
		}
		dir, access := "Inbound", "Allow"
		if r%2 == 1 {
			dir = "Outbound"
		}
		if r%5 == 4 {
			access = "Deny"
		}
		fmt.Fprintf(b, `{"id":"%snetworkSecurityGroups/nsg-%d/securityRules/rule-%d","name":"rule-%d","properties":{"protocol":"Tcp","sourcePortRange":"*","destinationPortRange":"%d","sourceAddressPrefix":"10.%d.0.0/16","destinationAddressPrefixes":["10.%d.0.0/24","VirtualNetwork"],"access":"%s","priority":%d,"direction":"%s","provisioningState":"Succeeded"}}`,
			benchRG, i, r, r, 1000+r, r, r%200, access, 100+r*10, dir)
	}
	b.WriteString(`]}}`)
}

func genRouteTable(b *strings.Builder, i int) {
	fmt.Fprintf(b, `{"id":"%srouteTables/rt-%d","name":"rt-%d","type":"Microsoft.Network/routeTables","location":"westeurope","properties":{"disableBgpRoutePropagation":false,"routes":[`, benchRG, i, i)
	for r := 0; r < 20; r++ {
		if r > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, `{"id":"%srouteTables/rt-%d/routes/r-%d","name":"r-%d","properties":{"addressPrefix":"172.%d.%d.0/24","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.0.0.4"}}`,
			benchRG, i, r, r, 16+r%16, r)
	}
	b.WriteString(`]}}`)
}

func genPE(b *strings.Builder, i int) {
	fmt.Fprintf(b, `{"id":"%sprivateEndpoints/pe-%d","name":"pe-%d","type":"Microsoft.Network/privateEndpoints","location":"westeurope","properties":{"subnet":{"id":"%svirtualNetworks/vnet-%d/subnets/snet-9"},"customDnsConfigs":[{"fqdn":"st%d.blob.core.windows.net","ipAddresses":["10.%d.%d.%d"]}],"privateLinkServiceConnections":[{"name":"c","properties":{"privateLinkServiceId":"/subscriptions/x/resourceGroups/d/providers/Microsoft.Storage/storageAccounts/st%d","groupIds":["blob"],"privateLinkServiceConnectionState":{"status":"Approved"}}}]}}`,
		benchRG, i, i, benchRG, i, i, i/64, (i%64)*4+2, 64+10, i)
}

func writeEstate(tb testing.TB, vnets, pes int) (string, int64) {
	dir := tb.TempDir()
	var size int64
	for name, data := range estateFiles(vnets, pes) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			tb.Fatal(err)
		}
		size += int64(len(data))
	}
	return dir, size
}

func TestSyntheticEstate(t *testing.T) {
	dir, _ := writeEstate(t, 20, 5)
	n, err := Load([]string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("vnets=%d subnets=%d nics=%d nsgs=%d rules=%d rts=%d routes=%d pes=%d peerings=%d warnings=%d",
		len(n.VNets), len(n.Subnets), len(n.NICs), len(n.NSGs), n.Counts[typeRule], len(n.RouteTables), n.Counts[typeRoute],
		len(n.PrivateEndpoints), n.Counts[typePeering], len(n.Warnings))
	if want := "vnets=20 subnets=200 nics=200 nsgs=20 rules=1000 rts=10 routes=200 pes=5 peerings=38 warnings=0"; got != want {
		t.Errorf("estate: %s\nwant %s\n%+v", got, want, n.Warnings[:min(3, len(n.Warnings))])
	}
	if !n.VNets[3].Peerings[0].Active() || n.NICs[0].Subnet().NSG == nil {
		t.Errorf("estate references not resolved")
	}
}

// BenchmarkLoad reads and converts the target estate from disk.
func BenchmarkLoad(b *testing.B) {
	dir, size := writeEstate(b, 1000, 200)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Load([]string{dir}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeOnly is the baseline: encoding/json into any, for the same bytes.
func BenchmarkDecodeOnly(b *testing.B) {
	files := estateFiles(1000, 200)
	var size int64
	for _, f := range files {
		size += int64(len(f))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, f := range files {
			var v any
			if err := json.Unmarshal(f, &v); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkLoadSynth loads internal/synth's estate (the target size, hub and spoke).
func BenchmarkLoadSynth(b *testing.B) {
	dir := b.TempDir()
	if err := synth.WriteDir(synth.Estate(), dir); err != nil {
		b.Fatal(err)
	}
	var size int64
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			size += st.Size()
		}
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Load([]string{dir}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
