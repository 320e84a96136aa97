package azure

import (
	"net/netip"
	"testing"
)

// NetworkInterfaceDnsSettings accepts "AzureProvidedDNS" as the only server: Azure DNS.
func TestNICDNSServersAcceptAzureProvidedDNS(t *testing.T) {
	data := `{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkInterfaces/n", "name": "n",
	  "type": "Microsoft.Network/networkInterfaces", "properties": {"dnsSettings": {"dnsServers": ["AzureProvidedDNS"]}}}`
	s, err := DecodeFile("nic.json", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.NICs) != 1 || len(s.NICs[0].DNSServers) != 1 || s.NICs[0].DNSServers[0] != netip.MustParseAddr("168.63.129.16") {
		t.Fatalf("NICs = %+v, want one NIC using 168.63.129.16", s.NICs)
	}
	_, err = DecodeFile("nic.json", []byte(`{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkInterfaces/n",
	  "type": "Microsoft.Network/networkInterfaces", "properties": {"dnsSettings": {"dnsServers": ["dns.contoso.com"]}}}`))
	if err == nil || err.Error() != `nic.json: $.properties.dnsSettings.dnsServers[0]: invalid DNS server "dns.contoso.com" (an IP address or AzureProvidedDNS)` {
		t.Errorf("error = %v", err)
	}
}
