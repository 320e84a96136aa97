package convert

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPrivateEndpointDNS: a private endpoint's names come from its customDnsConfigs and from its
// managed NIC's privateLinkConnectionProperties.fqdns (as ARM returns them, e.g. the
// PrivateEndpointGet example of azure-rest-api-specs), merged per name, lower-case, without
// the trailing dot.
func TestPrivateEndpointDNS(t *testing.T) {
	pe := `{"id":"` + dnsPrefix + `privateEndpoints/pe1","type":"Microsoft.Network/privateEndpoints","properties":{
		"subnet":{"id":"` + dnsPrefix + `virtualNetworks/v1/subnets/in"},
		"networkInterfaces":[{"id":"` + dnsPrefix + `networkInterfaces/pe1.nic.1"}],
		"customDnsConfigs":[{"fqdn":"ST1.blob.core.windows.net.","ipAddresses":["10.0.0.4"]},{"ipAddresses":["10.0.0.9"]}]}}`
	nic := `{"id":"` + dnsPrefix + `networkInterfaces/pe1.nic.1","type":"Microsoft.Network/networkInterfaces","properties":{
		"privateEndpoint":{"id":"` + dnsPrefix + `privateEndpoints/pe1"},
		"ipConfigurations":[{"name":"c1","properties":{"privateIPAddress":"10.0.0.4","subnet":{"id":"` + dnsPrefix + `virtualNetworks/v1/subnets/in"},
		  "privateLinkConnectionProperties":{"groupId":"blob","requiredMemberName":"blob","fqdns":["st1.blob.core.windows.net"]}}},
		 {"name":"c2","properties":{"privateIPAddress":"10.0.0.5","subnet":{"id":"` + dnsPrefix + `virtualNetworks/v1/subnets/in"},
		  "privateLinkConnectionProperties":{"groupId":"blob","requiredMemberName":"blob_secondary","fqdns":["st1-secondary.blob.core.windows.net"]}}}]}}`
	n := dnsSnap(t, pe, nic)
	if len(n.PrivateEndpoints) != 1 {
		t.Fatalf("private endpoints = %d, want 1", len(n.PrivateEndpoints))
	}
	got := fmt.Sprint(n.PrivateEndpoints[0].DNS)
	want := "[{st1.blob.core.windows.net [10.0.0.4]} {st1-secondary.blob.core.windows.net [10.0.0.5]}]"
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("DNS (-want +got):\n%s", d)
	}
}
