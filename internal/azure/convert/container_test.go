package convert

import "testing"

// A network manager is read through its admin rules: summary counts it instead of listing it as ignored.
func TestContainerTypesAreCountedNotIgnored(t *testing.T) {
	n, err := FromBytes("nm.json", []byte(`[{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkManagers/nm",
	  "name": "nm", "type": "Microsoft.Network/networkManagers", "properties": {}},
	 {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/st",
	  "name": "st", "type": "Microsoft.Storage/storageAccounts", "properties": {}}]`))
	if err != nil {
		t.Fatal(err)
	}
	if n.Unknown["Microsoft.Network/networkManagers"] != 0 || n.Counts["Microsoft.Network/networkManagers"] != 1 {
		t.Errorf("networkManagers: unknown %d, counted %d; want 0 and 1", n.Unknown["Microsoft.Network/networkManagers"], n.Counts["Microsoft.Network/networkManagers"])
	}
	if n.Unknown["Microsoft.Storage/storageAccounts"] != 1 {
		t.Errorf("storage accounts should stay unknown: %v", n.Unknown)
	}
}
