package fib

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Spec §1.3: a private endpoint's /32 goes to every subnet of its VNet and of directly
// peered VNets (active peerings only), not further.
func TestPrivateEndpointSpread(t *testing.T) {
	n := newNet()
	hub := addVNet(n, "hub", "westeurope", "10.0.0.0/16")
	s1 := addVNet(n, "spoke1", "westeurope", "10.1.0.0/16")
	s2 := addVNet(n, "spoke2", "northeurope", "10.2.0.0/16")
	s3 := addVNet(n, "spoke3", "westeurope", "10.3.0.0/16")
	pes := addSubnet(n, hub, "pe", "10.0.2.0/24")
	hubOther := addSubnet(n, hub, "other", "10.0.3.0/24")
	a1 := addSubnet(n, s1, "app", "10.1.1.0/24")
	a2 := addSubnet(n, s2, "app", "10.2.1.0/24")
	a3 := addSubnet(n, s3, "app", "10.3.1.0/24")
	addPE(n, pes, "pe-hub", "10.0.2.4")
	addPE(n, a1, "pe-spoke1", "10.1.1.4")
	peer(s1, hub, "Connected", "Connected")
	peer(s2, hub, "Connected", "Connected")
	peer(s3, hub, "Connected", "Initiated")
	tests := []struct {
		sub  *model.Subnet
		want []string // InterfaceEndpoint rows
	}{
		{pes, []string{"Default Active 10.0.2.4/32 InterfaceEndpoint", "Default Active 10.1.1.4/32 InterfaceEndpoint"}},
		{hubOther, []string{"Default Active 10.0.2.4/32 InterfaceEndpoint", "Default Active 10.1.1.4/32 InterfaceEndpoint"}},
		{a1, []string{"Default Active 10.1.1.4/32 InterfaceEndpoint", "Default Active 10.0.2.4/32 InterfaceEndpoint"}},
		{a2, []string{"Default Active 10.0.2.4/32 InterfaceEndpoint"}}, // not spoke1's: not directly peered
		{a3, nil}, // half-built peering
	}
	f, _ := Build(n)
	for _, tt := range tests {
		var got []string
		for _, r := range f.Subnet(tt.sub).All() {
			if r.NextHop == model.HopInterfaceEndpoint {
				got = append(got, row(r))
			}
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s/%s endpoint routes (-want +got):\n%s", tt.sub.VNet.Name, tt.sub.Name, d)
		}
	}
	r, _ := f.Subnet(a2).Lookup(ip("10.0.2.4"))
	if via := f.Subnet(a2).Via(r); r.PrivateEndpoint == nil || r.PrivateEndpoint.Name != "pe-hub" || via == nil || via.Name != "to-hub" {
		t.Errorf("origin of spoke2's endpoint route = %+v via %v, want pe-hub via to-hub", r, via)
	}
	if r, _ := f.Subnet(pes).Lookup(ip("10.0.2.4")); f.Subnet(pes).Via(r) != nil {
		t.Errorf("hub's own endpoint route comes via %v, want no peering", f.Subnet(pes).Via(r))
	}
}

// Spec §1.5 rule 2 [PENP]: UDRs invalidate endpoint /32s only with route table network
// policies, a UDR at least as specific as the endpoint VNet's range, and never a 0/0.
func TestPrivateEndpointInvalidation(t *testing.T) {
	tests := []struct {
		name     string
		policies string
		udr      string
		want     State
	}{
		{"policies off", "Disabled", "10.0.0.0/16", Active},
		{"NSG policies only", "NetworkSecurityGroupEnabled", "10.0.0.0/16", Active},
		{"RouteTableEnabled, same length as range", "RouteTableEnabled", "10.0.0.0/16", Invalid},
		{"Enabled, more specific", "Enabled", "10.0.2.0/24", Invalid},
		{"Enabled, host route", "Enabled", "10.0.2.4/32", Invalid},
		{"Enabled, less specific than range", "Enabled", "10.0.0.0/8", Active},
		{"Enabled, 0/0 never", "Enabled", "0.0.0.0/0", Active},
		{"Enabled, UDR not containing", "Enabled", "10.0.3.0/24", Active},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNet()
			hub := addVNet(n, "hub", "westeurope", "10.0.0.0/16")
			spoke := addVNet(n, "spoke", "westeurope", "10.1.0.0/16")
			pes := addSubnet(n, hub, "pe", "10.0.2.0/24")
			pes.PrivateEndpointNetworkPolicies = tt.policies
			app := addSubnet(n, spoke, "app", "10.1.1.0/24")
			addPE(n, pes, "pe", "10.0.2.4")
			peer(spoke, hub, "Connected", "Connected")
			addRouteTable(n, "rt", []*model.Subnet{app}, udr("r", tt.udr, "VirtualAppliance 10.0.9.4"))
			tab := tableOf(t, n, app)
			for _, r := range tab.All() {
				if r.NextHop == model.HopInterfaceEndpoint && r.State != tt.want {
					t.Errorf("endpoint route state = %v, want %v", r.State, tt.want)
				}
			}
			wantHop := model.HopInterfaceEndpoint
			if tt.want == Invalid {
				wantHop = model.HopVirtualAppliance
			}
			if r, _ := tab.Lookup(ip("10.0.2.4")); r.NextHop != wantHop {
				t.Errorf("lookup 10.0.2.4 next hop = %v, want %v", r.NextHop, wantHop)
			}
		})
	}
}

// Spec §1.3: service endpoint routes go to that subnet only, per region; a missing tag is warned.
func TestServiceEndpoints(t *testing.T) {
	n := newNet()
	v := addVNet(n, "v", "westeurope", "10.0.0.0/16")
	with := addSubnet(n, v, "with", "10.0.1.0/24")
	without := addSubnet(n, v, "without", "10.0.2.0/24")
	star := addSubnet(n, v, "star", "10.0.3.0/24")
	addTag(n, "Storage.WestEurope", "20.38.108.0/23")
	addTag(n, "Storage.NorthEurope", "20.38.64.0/19", "2603:1020:200::/46")
	addTag(n, "AzureKeyVault.WestEurope", "20.61.103.224/27")
	with.ServiceEndpoints = []model.ServiceEndpoint{
		{Service: "Microsoft.Storage", Locations: []string{"westeurope", "North Europe"}},
		{Service: "Microsoft.KeyVault", Locations: []string{"*"}},
	}
	star.ServiceEndpoints = []model.ServiceEndpoint{{Service: "Microsoft.Sql", Locations: []string{"*"}}}
	f, warns := Build(n)
	checkRows(t, "with", f.Subnet(with), append(defaults("10.0.0.0/16"),
		"Default Active 20.38.108.0/23 VirtualNetworkServiceEndpoint",
		"Default Active 20.38.64.0/19 VirtualNetworkServiceEndpoint",
		"Default Active 20.61.103.224/27 VirtualNetworkServiceEndpoint"))
	checkRows(t, "without", f.Subnet(without), defaults("10.0.0.0/16"))
	checkRows(t, "star", f.Subnet(star), defaults("10.0.0.0/16"))
	r, _ := f.Subnet(with).Lookup(ip("20.38.65.1"))
	if r.Service != "Microsoft.Storage" || r.Tag != "Storage.NorthEurope" {
		t.Errorf("origin = %q %q, want Microsoft.Storage Storage.NorthEurope", r.Service, r.Tag)
	}
	want := []model.Warning{{Code: "UnknownServiceTag", Resource: star.ID, Message: "service endpoint Microsoft.Sql needs" +
		" service tag Sql.westeurope, which the snapshot's service tags do not define; its routes are not modelled"}}
	if d := cmp.Diff(want, warns); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
}

// UDRs may name a service tag: it expands to the tag's IPv4 prefixes; an unknown tag is warned.
func TestServiceTagUDR(t *testing.T) {
	n := newNet()
	v := addVNet(n, "v", "westeurope", "10.0.0.0/16")
	s := addSubnet(n, v, "s", "10.0.1.0/24")
	addTag(n, "AzureCloud.WestEurope", "20.50.0.0/18", "2603:1020::/47", "40.74.0.0/18")
	rt := addRouteTable(n, "rt", []*model.Subnet{s},
		udr("cloud", "AzureCloud.WestEurope", "Internet"),
		udr("nope", "NoSuchTag", "None"))
	f, warns := Build(n)
	checkRows(t, "s", f.Subnet(s), append(defaults("10.0.0.0/16"),
		"User Active 20.50.0.0/18 Internet", "User Active 40.74.0.0/18 Internet"))
	if r, _ := f.Subnet(s).Lookup(ip("40.74.1.1")); r.Name != "cloud" || r.Tag != "AzureCloud.WestEurope" || r.Table != rt {
		t.Errorf("origin = %q %q, want cloud AzureCloud.WestEurope", r.Name, r.Tag)
	}
	if len(warns) != 1 || warns[0].Code != "UnknownServiceTag" || warns[0].Resource != rt.ID {
		t.Errorf("warnings = %v, want one UnknownServiceTag on the route table", warns)
	}
}
