package acl_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
)

// The VirtualNetwork tag holds the prefixes a subnet learns over BGP (service-tags-overview:
// "all connected on-premises address spaces"; spec §2.4: routes with next hop
// VirtualNetworkGateway). testdata/scenarios/bgp-learned: vm-s1's subnet receives the hub
// gateway's learned 172.16.0.0/16 and 10.0.0.0/8 by gateway transit and the static
// 192.168.50.1/32 of lng-dc; its own 10.51/16 and the hub's 10.50/16 fall inside 10.0.0.0/8 and
// are listed under it (the listing drops covered ranges). The trace golden
// bgp-learned/spoke-reaches-onprem-by-bgp-prefix pins that AllowVnetOutBound matches 172.16.5.10.
func TestVirtualNetworkTagHoldsLearnedPrefixes(t *testing.T) {
	n, err := convert.Load([]string{filepath.Join("..", "..", "testdata", "scenarios", "bgp-learned", "snapshot")}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := dataplane.Build(n)
	nic, err := n.FindNIC("vm-s1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "168.63.129.16/32", "172.16.0.0/16", "192.168.50.1/32"}
	found := 0
	for _, g := range p.ACL.ForIPConfig(nic.Primary()).Listing() {
		for _, r := range g.EffectiveSecurityRules {
			switch r.Name {
			case "defaultSecurityRules/AllowVnetInBound", "defaultSecurityRules/AllowVnetOutBound":
				found++
				if d := cmp.Diff(want, r.ExpandedSourceAddressPrefix); d != "" {
					t.Errorf("%s source (-want +got):\n%s", r.Name, d)
				}
				if d := cmp.Diff(want, r.ExpandedDestinationAddressPrefix); d != "" {
					t.Errorf("%s destination (-want +got):\n%s", r.Name, d)
				}
			}
		}
	}
	if found != 2 {
		t.Fatalf("found %d AllowVnet rules in vm-s1's listing, want 2", found)
	}
}
