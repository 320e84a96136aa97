package ask

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// TestDiffResolverInbound: a DNS private resolver inbound endpoint takes flows (trace delivers DNS
// to it), so a diff sees the flows to it change when it moves to another address, and when an
// NSG, new or not, comes to its subnet (the subnet's endpoints include it).
func TestDiffResolverInbound(t *testing.T) {
	base := filepath.Join("..", "dns", "testdata", "hubspoke-resolver")
	same := func(_ string, b []byte) []byte { return b }
	const nsgID = "/subscriptions/00000000-0000-0000-0000-00000000aaaa/resourceGroups/rg-hub/providers/Microsoft.Network/networkSecurityGroups/nsg-dns"
	nsg := `{"id": "` + nsgID + `", "name": "nsg-dns", "type": "Microsoft.Network/networkSecurityGroups", "location": "westeurope",
		"properties": {"securityRules": [{"name": "deny-spoke1-dns", "properties": {"priority": 100, "direction": "Inbound", "access": "Deny",
		"protocol": "Udp", "sourceAddressPrefix": "10.1.0.0/16", "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "53"}}]}},`
	withNSG := func(name string, b []byte) []byte {
		if name == "resolver.json" {
			return bytes.Replace(b, []byte(`"value": [`), []byte(`"value": [`+nsg), 1)
		}
		return b
	}
	attached := func(name string, b []byte) []byte {
		if name == "network.json" {
			return bytes.Replace(b, []byte(`"properties": {"addressPrefix": "10.0.0.0/28",`),
				[]byte(`"properties": {"addressPrefix": "10.0.0.0/28", "networkSecurityGroup": {"id": "`+nsgID+`"},`), 1)
		}
		return withNSG(name, b)
	}
	for _, tt := range []struct {
		name          string
		before, after func(name string, b []byte) []byte
		want          []string // rows on port 53, "example destination, protocol, before→after", that must be there
	}{
		{"moved", same, func(name string, b []byte) []byte {
			if name != "resolver.json" {
				return b
			}
			return bytes.Replace(b, []byte(`"privateIpAddress": "10.0.0.4"`), []byte(`"privateIpAddress": "10.0.0.5"`), 1)
		}, []string{"10.0.0.4 Udp Reachable→Unreachable", "10.0.0.5 Udp Unreachable→Reachable", "10.0.0.5 Tcp Unreachable→Reachable"}},
		{"a new NSG on its subnet", same, attached, []string{"10.0.0.4 Udp Reachable→Unreachable"}},
		// found by review: the subnet's endpoints were filtered down to NICs and private endpoints
		{"an NSG it had comes to its subnet", withNSG, attached, []string{"10.0.0.4 Udp Reachable→Unreachable"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := diffCopiesOf(t, base, tt.before, tt.after)
			var got []string
			for _, r := range a.Reachability {
				if r.Ports == "53" {
					got = append(got, fmt.Sprintf("%s %s %s→%s", r.Example.To, r.Protocol, r.Before, r.After))
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
