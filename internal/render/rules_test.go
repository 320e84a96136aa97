package render

import (
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
)

// TestRulesText: admin rules come first (evaluated first), a direction without rules has no
// section, and VirtualNetwork = 0.0.0.0/0 is explained.
func TestRulesText(t *testing.T) {
	nsg := "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkSecurityGroups/nsg-a"
	sub := "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
	list := []acl.EffectiveNSG{
		{NetworkSecurityGroup: &acl.Ref{ID: nsg}, Association: acl.Association{Subnet: &acl.Ref{ID: sub}},
			EffectiveSecurityRules: []acl.EffectiveRule{{Name: "defaultSecurityRules/AllowVnetInBound", Protocol: "All",
				SourceAddressPrefix: "VirtualNetwork", ExpandedSourceAddressPrefix: []string{"0.0.0.0/0"},
				DestinationAddressPrefix: "VirtualNetwork", Access: "Allow", Priority: 65000, Direction: "Inbound"}}},
		{Association: acl.Association{NetworkManager: &acl.Ref{ID: "/x/networkManagers/avnm"}},
			EffectiveSecurityRules: []acl.EffectiveRule{{Name: "c/rc/deny", Protocol: "Tcp", SourceAddressPrefix: "*",
				DestinationAddressPrefix: "*", Access: "Deny", Priority: 10, Direction: "Outbound"}}},
	}
	var b strings.Builder
	if err := RulesText(&b, "Effective security rules of x", list); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	admin, nsgAt := strings.Index(got, "Security admin rules of avnm"), strings.Index(got, "NSG nsg-a on subnet v/s — Inbound")
	if admin < 0 || nsgAt < 0 || admin > nsgAt {
		t.Errorf("want admin rules before the NSG:\n%s", got)
	}
	for _, absent := range []string{"avnm (evaluated first) — Inbound", "v/s — Outbound"} {
		if strings.Contains(got, absent) {
			t.Errorf("empty section %q printed:\n%s", absent, got)
		}
	}
	if !strings.Contains(got, "note: VirtualNetwork = 0.0.0.0/0 here") {
		t.Errorf("no note on VirtualNetwork = 0.0.0.0/0:\n%s", got)
	}
}
