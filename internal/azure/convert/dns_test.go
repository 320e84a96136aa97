package convert

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const dnsPrefix = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"

// dnsSnap wraps resources with a VNet the links can point at.
func dnsSnap(t *testing.T, resources ...string) *model.Network {
	t.Helper()
	vnet := `{"id":"` + dnsPrefix + `virtualNetworks/v1","type":"Microsoft.Network/virtualNetworks","properties":{
		"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"subnets":[{"name":"in","properties":{"addressPrefix":"10.0.0.0/28"}}]}}`
	n, err := FromBytes("dns.json", []byte("["+strings.Join(append([]string{vnet}, resources...), ",")+"]"))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func zoneText(z *model.PrivateDNSZone) string {
	var parts []string
	for _, l := range z.Links {
		parts = append(parts, fmt.Sprintf("link %s vnet=%v reg=%v policy=%q", l.Name, l.VNet != nil, l.RegistrationEnabled, l.ResolutionPolicy))
	}
	for _, r := range z.Records {
		parts = append(parts, fmt.Sprintf("%s %s %v %s", r.Name, r.Type, r.Addrs, r.CNAME))
	}
	return z.Name + ": " + strings.Join(parts, "; ")
}

func TestDNSZoneShapes(t *testing.T) {
	zone := `{"id":"` + dnsPrefix + `privateDnsZones/Z.Example","name":"Z.Example","type":"Microsoft.Network/privateDnsZones"}`
	tests := []struct {
		name string
		res  []string
		want string
	}{
		{"separate ARM children", []string{zone,
			`{"id":"` + dnsPrefix + `privateDnsZones/Z.Example/virtualNetworkLinks/l1","type":"Microsoft.Network/privateDnsZones/virtualNetworkLinks",
			  "properties":{"virtualNetwork":{"id":"` + dnsPrefix + `virtualNetworks/V1"},"registrationEnabled":true,"resolutionPolicy":"NxDomainRedirect"}}`,
			`{"id":"` + dnsPrefix + `privateDnsZones/Z.Example/A/App","type":"Microsoft.Network/privateDnsZones/A","properties":{"aRecords":[{"ipv4Address":"10.0.0.5"},{"ipv4Address":"10.0.0.6"}]}}`,
			`{"id":"` + dnsPrefix + `privateDnsZones/Z.Example/AAAA/app","type":"Microsoft.Network/privateDnsZones/AAAA","aaaaRecords":[{"ipv6Address":"fd00::5"}]}`,
			`{"id":"` + dnsPrefix + `privateDnsZones/Z.Example/CNAME/www","type":"microsoft.network/privatednszones/cname","properties":{"cnameRecord":{"cname":"App.Z.Example."}}}`},
			`z.example: link l1 vnet=true reg=true policy="NxDomainRedirect"; app A [10.0.0.5 10.0.0.6] ; app AAAA [fd00::5] ; www CNAME [] app.z.example`},
		{"inline children, record type inferred", []string{
			`{"id":"` + dnsPrefix + `privateDnsZones/z.example","type":"Microsoft.Network/privateDnsZones","properties":{
			  "virtualNetworkLinks":[{"name":"l2","properties":{"virtualNetwork":{"id":"` + dnsPrefix + `virtualNetworks/v1"}}}],
			  "recordSets":[{"name":"db","properties":{"aRecords":[{"ipv4Address":"10.0.0.7"}]}}]}}`},
			`z.example: link l2 vnet=true reg=false policy=""; db A [10.0.0.7] `},
		{"link to a VNet outside the snapshot is kept", []string{zone,
			`{"id":"` + dnsPrefix + `privateDnsZones/Z.Example/virtualNetworkLinks/far","type":"Microsoft.Network/privateDnsZones/virtualNetworkLinks",
			  "properties":{"virtualNetwork":{"id":"` + dnsPrefix + `virtualNetworks/elsewhere"}}}`},
			`z.example: link far vnet=false reg=false policy=""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := dnsSnap(t, tt.res...)
			if len(n.PrivateDNSZones) != 1 {
				t.Fatalf("zones = %d, warnings %+v", len(n.PrivateDNSZones), n.Warnings)
			}
			if got := zoneText(n.PrivateDNSZones[0]); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestDNSWarnings(t *testing.T) {
	n := dnsSnap(t,
		`{"id":"`+dnsPrefix+`privateDnsZones/gone/A/x","type":"Microsoft.Network/privateDnsZones/A","properties":{"aRecords":[{"ipv4Address":"10.0.0.5"}]}}`,
		`{"id":"`+dnsPrefix+`privateDnsZones/z/virtualNetworkLinks/far","type":"Microsoft.Network/privateDnsZones/virtualNetworkLinks","properties":{"virtualNetwork":{"id":"/x/virtualNetworks/elsewhere"}}}`,
		`{"id":"`+dnsPrefix+`privateDnsZones/z","type":"Microsoft.Network/privateDnsZones"}`,
		`{"id":"`+dnsPrefix+`privateDnsZones/z/A/empty","type":"Microsoft.Network/privateDnsZones/A","properties":{"aRecords":[]}}`,
		`{"id":"`+dnsPrefix+`dnsForwardingRulesets/rs","type":"Microsoft.Network/dnsForwardingRulesets","properties":{
		   "forwardingRules":[{"name":"nodomain","properties":{"targetDnsServers":[{"ipAddress":"10.0.0.4"}]}}]}}`,
		`{"id":"`+dnsPrefix+`dnsResolvers/r/inboundEndpoints/in","type":"Microsoft.Network/dnsResolvers/inboundEndpoints","properties":{
		   "ipConfigurations":[{"privateIpAllocationMethod":"Dynamic","subnet":{"id":"`+dnsPrefix+`virtualNetworks/v1/subnets/in"}}]}}`)
	for _, w := range []struct{ code, text string }{
		{"DanglingReference", "privateDnsZones/gone/A/x references its private DNS zone"},
		{"DanglingReference", "references virtual network /x/virtualNetworks/elsewhere"},
		{"InvalidValue", "record set empty in z has no A, AAAA or CNAME data"},
		{"InvalidValue", "forwarding rule nodomain has no domainName"},
		{"InsufficientInformation", "inbound endpoint in has no privateIpAddress"},
	} {
		if !hasWarning(n, w.code, w.text) {
			t.Errorf("no %s warning containing %q in %+v", w.code, w.text, n.Warnings)
		}
	}
}

func TestDNSRulesetShapes(t *testing.T) {
	n := dnsSnap(t,
		`{"id":"`+dnsPrefix+`dnsForwardingRulesets/rs","type":"Microsoft.Network/dnsForwardingRulesets","properties":{
		   "forwardingRules":[{"name":"inline","properties":{"domainName":"Corp.Example","targetDnsServers":[{"ipAddress":"192.168.0.1","port":5353}]}}],
		   "virtualNetworkLinks":[{"name":"l","properties":{"virtualNetwork":{"id":"`+dnsPrefix+`virtualNetworks/v1"}}}]}}`,
		`{"id":"`+dnsPrefix+`dnsForwardingRulesets/rs/forwardingRules/sep","type":"Microsoft.Network/dnsForwardingRulesets/forwardingRules",
		   "domainName":".","targetDnsServers":[{"ipAddress":"192.168.0.2"}],"forwardingRuleState":"Disabled"}`,
		`{"id":"`+dnsPrefix+`dnsResolvers/r/inboundEndpoints/in","type":"Microsoft.Network/dnsResolvers/inboundEndpoints","properties":{
		   "ipConfigurations":[{"privateIpAddress":"10.0.0.4","subnet":{"id":"`+dnsPrefix+`virtualNetworks/v1/subnets/in"}}]}}`)
	if len(n.ForwardingRulesets) != 1 {
		t.Fatalf("rulesets = %d", len(n.ForwardingRulesets))
	}
	rs := n.ForwardingRulesets[0]
	var got []string
	for _, r := range rs.Rules {
		got = append(got, fmt.Sprintf("%s %s %v %v", r.Name, r.Domain, r.Targets, r.Enabled))
	}
	if want := "inline corp.example. [192.168.0.1:5353] true|sep . [192.168.0.2:53] false"; strings.Join(got, "|") != want {
		t.Errorf("rules = %s\nwant    %s", strings.Join(got, "|"), want)
	}
	if len(rs.VNets) != 1 || rs.VNets[0].Name != "v1" {
		t.Errorf("ruleset VNets = %v", rs.VNets)
	}
	if in := n.ResolverInbounds; len(in) != 1 || in[0].Addr.String() != "10.0.0.4" || in[0].Subnet == nil || in[0].Subnet.Name != "in" {
		t.Errorf("inbound endpoints = %+v", in)
	}
}
