package convert

import (
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
)

// The model carries the identity of the files it was read from.
func TestNetworkCarriesSnapshotIdentity(t *testing.T) {
	const body = `{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
	 "type":"Microsoft.Network/virtualNetworks","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]}}}`
	n, err := FromBytes("dir/v.json", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := azure.Identify("v.json", []byte(body))
	if n.Snapshot.Hash != want.Hash || len(n.Snapshot.Sources) != 1 || n.Snapshot.Sources[0] != "dir/v.json" || n.Snapshot.LoadedAt.IsZero() {
		t.Errorf("Snapshot = %+v, want hash %s from dir/v.json", n.Snapshot, want.Hash)
	}
}
