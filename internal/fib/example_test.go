package fib

import (
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// workedExample is the network of spec §1.7 (from the UDR overview [UDR]). The Storage
// prefixes are synthetic stand-ins for the real Storage.WestEurope tag.
func workedExample() (n *model.Network, s1, s2 *model.Subnet) {
	n = newNet()
	v1 := addVNet(n, "VNet1", "westeurope", "10.0.0.0/16")
	v2 := addVNet(n, "VNet2", "westeurope", "10.1.0.0/16", "10.2.0.0/16")
	s1 = addSubnet(n, v1, "Subnet1", "10.0.0.0/24")
	s2 = addSubnet(n, v1, "Subnet2", "10.0.1.0/24")
	addSubnet(n, v1, "GatewaySubnet", "10.0.255.0/27")
	addSubnet(n, v2, "default", "10.1.0.0/24")
	peer(v1, v2, "Connected", "Connected")
	addVPN(n, v1, nil, "10.10.0.0/16")
	addTag(n, "Storage.WestEurope", "20.38.108.0/23", "52.239.140.0/22", "2603:1020:200::/46")
	s1.ServiceEndpoints = []model.ServiceEndpoint{{Service: "Microsoft.Storage", Locations: []string{"westeurope"}}}
	addRouteTable(n, "Subnet1-rt", []*model.Subnet{s1},
		udr("ToVNet", "10.0.0.0/16", "VirtualAppliance 10.0.100.4"),
		udr("ToSubnet1", "10.0.0.0/24", "VnetLocal"),
		udr("ToVNet2a", "10.1.0.0/16", "None"),
		udr("ToVNet2b", "10.2.0.0/16", "None"),
		udr("ToOnPrem", "10.10.0.0/16", "VirtualAppliance 10.0.100.4"),
		udr("Default", "0.0.0.0/0", "VirtualAppliance 10.0.100.4"))
	return n, s1, s2
}

func TestWorkedExample(t *testing.T) {
	n, s1, s2 := workedExample()
	f, warns := Build(n)
	if len(warns) != 0 {
		t.Errorf("warnings = %v, want none", warns)
	}
	checkRows(t, "Subnet1", f.Subnet(s1), []string{
		"Default Invalid 10.0.0.0/16 VnetLocal",
		"Default Invalid 0.0.0.0/0 Internet",
		// no None routes: the active 0/0 to an appliance removes them (spec §1.2 DECISION)
		"Default Invalid 10.1.0.0/16 VNetPeering",
		"Default Invalid 10.2.0.0/16 VNetPeering",
		"Default Active 20.38.108.0/23 VirtualNetworkServiceEndpoint",
		"Default Active 52.239.140.0/22 VirtualNetworkServiceEndpoint",
		"VirtualNetworkGateway Invalid 10.10.0.0/16 VirtualNetworkGateway",
		"User Active 10.0.0.0/16 VirtualAppliance 10.0.100.4",
		"User Active 10.0.0.0/24 VnetLocal",
		"User Active 10.1.0.0/16 None",
		"User Active 10.2.0.0/16 None",
		"User Active 10.10.0.0/16 VirtualAppliance 10.0.100.4",
		"User Active 0.0.0.0/0 VirtualAppliance 10.0.100.4",
	})
	want2 := append(defaults("10.0.0.0/16"),
		"Default Active 10.1.0.0/16 VNetPeering",
		"Default Active 10.2.0.0/16 VNetPeering",
		"VirtualNetworkGateway Active 10.10.0.0/16 VirtualNetworkGateway")
	checkRows(t, "Subnet2", f.Subnet(s2), want2)
}

// TestWorkedExampleLookup checks where packets from each subnet of §1.7 go.
func TestWorkedExampleLookup(t *testing.T) {
	n, s1, s2 := workedExample()
	f, _ := Build(n)
	tests := []struct {
		sub  *model.Subnet
		dst  string
		want string
	}{
		{s1, "10.0.0.9", "User Active 10.0.0.0/24 VnetLocal"},
		{s1, "10.0.1.9", "User Active 10.0.0.0/16 VirtualAppliance 10.0.100.4"},
		{s1, "10.1.2.3", "User Active 10.1.0.0/16 None"},
		{s1, "10.10.1.1", "User Active 10.10.0.0/16 VirtualAppliance 10.0.100.4"},
		{s1, "20.38.109.1", "Default Active 20.38.108.0/23 VirtualNetworkServiceEndpoint"},
		{s1, "192.168.1.1", "User Active 0.0.0.0/0 VirtualAppliance 10.0.100.4"},
		{s2, "10.0.0.9", "Default Active 10.0.0.0/16 VnetLocal"},
		{s2, "10.2.0.1", "Default Active 10.2.0.0/16 VNetPeering"},
		{s2, "10.10.1.1", "VirtualNetworkGateway Active 10.10.0.0/16 VirtualNetworkGateway"},
		{s2, "10.20.0.1", "Default Active 10.0.0.0/8 None"},
		{s2, "20.38.109.1", "Default Active 0.0.0.0/0 Internet"},
	}
	for _, tt := range tests {
		r, ok := f.Subnet(tt.sub).Lookup(ip(tt.dst))
		if !ok {
			t.Errorf("%s → %s: no route, want %s", tt.sub.Name, tt.dst, tt.want)
			continue
		}
		if got := row(*r); got != tt.want {
			t.Errorf("%s → %s: got %s, want %s", tt.sub.Name, tt.dst, got, tt.want)
		}
	}
}
