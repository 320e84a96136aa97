package azure

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const vnetARM = `{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1",
 "name":"v1","type":"Microsoft.Network/virtualNetworks","location":"westeurope",
 "properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},
  "subnets":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1/subnets/a",
   "name":"a","properties":{"addressPrefix":"10.0.1.0/24"}}]}}`

// vnetCLI is the same VNet as az CLI writes it: properties flattened, resourceGroup added.
const vnetCLI = `{"newVNet":{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1",
 "name":"v1","type":"Microsoft.Network/virtualNetworks","location":"westeurope","resourceGroup":"rg",
 "addressSpace":{"addressPrefixes":["10.0.0.0/16"]},
 "subnets":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1/subnets/a",
   "name":"a","addressPrefix":"10.0.1.0/24","resourceGroup":"rg","type":"Microsoft.Network/virtualNetworks/subnets"}]}}`

// vnetGraph is a Resource Graph answer: lower-case type, odd-case property names.
const vnetGraph = `{"count":1,"data":[{"id":"/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v1",
 "name":"v1","type":"microsoft.network/virtualnetworks","location":"westeurope","resourceGroup":"rg",
 "PROPERTIES":{"AddressSpace":{"addressprefixes":["10.0.0.0/16"]},
  "Subnets":[{"id":"/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v1/subnets/a",
   "name":"a","properties":{"ADDRESSPREFIX":"10.0.1.0/24"}}]}}],"facets":[],"resultTruncated":"false","totalRecords":1}`

func TestShapes(t *testing.T) {
	for _, c := range []struct{ name, in string }{
		{"object", vnetARM},
		{"array", "[" + vnetARM + "]"},
		{"value list", `{"value":[` + vnetARM + `],"nextLink":null}`},
		{"rest example", `{"parameters":{"api-version":"x"},"responses":{"200":{"body":` + vnetARM + `}}}`},
		{"rest example 201 only", `{"parameters":{},"responses":{"201":{"body":` + vnetARM + `},"202":{"headers":{}}}}`},
		{"az cli", vnetCLI},
		{"resource graph", vnetGraph},
	} {
		s, err := DecodeFile(c.name, []byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(s.VNets) != 1 {
			t.Errorf("%s: %d VNets, want 1", c.name, len(s.VNets))
			continue
		}
		v := s.VNets[0]
		got := []string{v.Name, v.Location, v.AddressSpace[0].String()}
		if len(v.Subnets) == 1 {
			got = append(got, v.Subnets[0].Name, v.Subnets[0].Prefixes[0].String())
		}
		if want := "v1 westeurope 10.0.0.0/16 a 10.0.1.0/24"; strings.Join(got, " ") != want {
			t.Errorf("%s: got %q, want %q", c.name, strings.Join(got, " "), want)
		}
	}
}

func TestSeparateChildren(t *testing.T) {
	in := `[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1/subnets/b",
	  "properties":{"addressPrefixes":["10.0.2.0/24","10.0.3.0/24"]}},
	 {"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n/securityRules/r",
	  "properties":{"priority":100,"direction":"Outbound","access":"Deny","protocol":"Udp",
	   "sourceAddressPrefixes":["10.0.0.0/8","192.168.1.1"],"destinationApplicationSecurityGroups":[{"id":"/x/asg1"}],
	   "sourcePortRange":"*","destinationPortRanges":["53","1000-2000"]}},
	 {"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/t/routes/r1",
	  "properties":{"addressPrefix":"Storage","nextHopType":"virtualappliance","nextHopIpAddress":"10.0.0.4"}}]`
	s, err := DecodeFile("f", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Subnets) != 1 || len(s.Subnets[0].Prefixes) != 2 || s.Subnets[0].Name != "b" {
		t.Fatalf("subnets = %+v, want b with two prefixes", s.Subnets)
	}
	r := s.SecurityRules[0]
	want := SecurityRule{Priority: 100, Direction: model.Outbound, Access: model.Deny, Protocol: model.ProtoUDP,
		Sources: []string{"10.0.0.0/8", "192.168.1.1"}, DestASGs: []string{"/x/asg1"},
		SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{{Lo: 53, Hi: 53}, {Lo: 1000, Hi: 2000}}}
	want.Meta = r.Meta
	if !equalJSON(t, *r, want) {
		t.Errorf("rule = %+v\nwant %+v", *r, want)
	}
	rt := s.Routes[0]
	if rt.Tag != "Storage" || rt.NextHop != model.HopVirtualAppliance || rt.NextHopIP != netip.MustParseAddr("10.0.0.4") {
		t.Errorf("route = %+v, want Storage → VirtualAppliance 10.0.0.4", rt)
	}
}

func TestServiceTagsShapes(t *testing.T) {
	for file, want := range map[string]int{"ServiceTags_Public_excerpt.json": 2, "ServiceTagsList-discovery-api-example.json": 5} {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		s, err := DecodeFile(file, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.ServiceTags) != want {
			t.Errorf("%s: %d tags, want %d", file, len(s.ServiceTags), want)
		}
	}
}

func TestNotResources(t *testing.T) {
	s, err := DecodeFile("nw.json", []byte(`{"value":[{"source":"Default","addressPrefix":["10.0.0.0/8"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Unknown[NotAResource] != 1 || len(s.Notes) != 1 || s.Notes[0].Code != "Ignored" {
		t.Errorf("unknown = %v notes = %v, want one ignored object and one Ignored note", s.Unknown, s.Notes)
	}
	s, err = DecodeFile("hub.json", []byte(`{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualHubs/h","type":"Microsoft.Network/virtualHubs"}`))
	if err != nil || s.Unknown["Microsoft.Network/virtualHubs"] != 1 || len(s.Notes) != 0 {
		t.Errorf("unknown type: err %v unknown %v notes %v, want counted without a note", err, s.Unknown, s.Notes)
	}
}

func TestDecodeErrors(t *testing.T) {
	const vnetHead = `{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v","type":"Microsoft.Network/virtualNetworks",`
	const nsgHead = `{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkSecurityGroups/n","type":"Microsoft.Network/networkSecurityGroups",`
	for _, c := range []struct{ in, want string }{
		{vnetHead + `"properties":{"subnets":[{"name":"a","properties":{"addressPrefix":"10.0.0.300/16"}}]}}`,
			`f.json: $.properties.subnets[0].properties.addressPrefix: invalid prefix "10.0.0.300/16"`},
		{`[` + vnetHead + `"properties":{}},` + nsgHead + `"properties":{"securityRules":[{"name":"r","properties":{"priority":"high"}}]}}]`,
			`f.json: $[1].properties.securityRules[0].properties.priority: want a number, got string "high"`},
		{vnetHead + `"properties":{"subnets":[{"name":"a","properties":{"addressPrefix":10}}]}}`,
			`f.json: $.properties.subnets[0].properties.addressPrefix: want a string, got number 10`},
		{vnetHead + `"properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16","fd00::/129"]}}}`,
			`f.json: $.properties.addressSpace.addressPrefixes[1]: invalid prefix "fd00::/129"`},
		{nsgHead + `"securityRules":[{"name":"r","protocol":"Tcp","destinationPortRange":"80-70"}]}`,
			`f.json: $.securityRules[0].destinationPortRange: invalid port range "80-70"`},
		{nsgHead + `"securityRules":[{"name":"r","sourceAddressPrefix":"10.1.1"}]}`,
			`f.json: $.securityRules[0].sourceAddressPrefix: invalid address "10.1.1"`},
		{nsgHead + `"securityRules":[{"name":"r","protocol":"Gre"}]}`,
			`f.json: $.securityRules[0].protocol: unknown protocol "Gre"`},
		{`{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkInterfaces/n","type":"Microsoft.Network/networkInterfaces",` +
			`"properties":{"ipConfigurations":[{"name":"c","properties":{"privateIPAddress":"10.0.0.999"}}]}}`,
			`f.json: $.properties.ipConfigurations[0].properties.privateIPAddress: invalid IP address "10.0.0.999"`},
		{`{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/routeTables/t","type":"Microsoft.Network/routeTables",` +
			`"properties":{"routes":[{"name":"r","properties":{"addressPrefix":"0.0.0.0/0","nextHopType":"Teleport"}}]}}`,
			`f.json: $.properties.routes[0].properties.nextHopType: unknown next hop type "Teleport"`},
		{`{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/azureFirewalls/f","properties":{"networkRuleCollections":[` +
			`{"name":"c","properties":{"priority":100,"action":{"type":"Permit"}}}]}}`,
			`f.json: $.properties.networkRuleCollections[0].properties.action: unknown rule collection action "Permit" (want Allow, Deny or DNAT)`},
		{`42`, `f.json: $: want a resource object or a list of them, got number 42`},
		{`{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#","resources":[]}`,
			`f.json: $: an ARM deployment template, not a snapshot: templates hold expressions, not deployed state; export the deployed resources instead (az resource list, az graph query, az network ... list)`},
	} {
		_, err := DecodeFile("f.json", []byte(c.in))
		if err == nil || err.Error() != c.want {
			t.Errorf("DecodeFile(%.60q...)\n got %v\nwant %s", c.in, err, c.want)
		}
		if _, ok := err.(*InputError); !ok {
			t.Errorf("error %T, want *InputError", err)
		}
	}
}
