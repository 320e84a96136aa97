package azure

import "testing"

// TestReads: the types the decoders register are read, with their inline children; others,
// and a type's parent that is only a container, are not.
func TestReads(t *testing.T) {
	for typ, want := range map[string]bool{
		"Microsoft.Network/loadBalancers":                              true,
		"microsoft.network/loadbalancers/loadbalancingrules":           true,
		"Microsoft.Network/networkSecurityGroups/securityRules":        true,
		"Microsoft.Network/bastionHosts":                               false,
		"Microsoft.Network/applicationGateways":                        true,
		"Microsoft.Network/networkWatchers/flowLogs":                   false,
		"Microsoft.Network/networkManagers":                            false,
		"Microsoft.Network/networkManagers/connectivityConfigurations": true,
		"Microsoft.Network/virtualHubs/routingIntent":                  true,
		"Microsoft.Storage/storageAccounts":                            false,
		"":                                                             false,
	} {
		if got := Reads(typ); got != want {
			t.Errorf("Reads(%q) = %v, want %v", typ, got, want)
		}
	}
}
