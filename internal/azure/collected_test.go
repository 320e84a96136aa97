package azure

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCollectedSnapshotSkipsManifestAndLive: a directory written by vnetdoctor collect loads
// with no note about its manifest or Azure's answers under live/; a manifest.json that is not
// collect's is read like any other file.
func TestCollectedSnapshotSkipsManifestAndLive(t *testing.T) {
	vnet := `{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "name": "v",
		"type": "Microsoft.Network/virtualNetworks", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}`
	for _, tc := range []struct {
		manifest string
		notes    int
	}{
		{`{"tool": "vnetdoctor", "version": "dev", "files": []}`, 0},
		{`{"tool": "something-else"}`, 2}, // the manifest and live/ answer are each noted
	} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "vnets.json"), vnet)
		write(t, filepath.Join(dir, "manifest.json"), tc.manifest)
		write(t, filepath.Join(dir, "live", "effective-routes", "nic1.json"), `{"value": [{"source": "Default", "state": "Active",
			"addressPrefix": ["10.0.0.0/16"], "nextHopType": "VnetLocal", "nextHopIpAddress": []}]}`)
		s, err := Load([]string{dir}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.VNets) != 1 || len(s.Notes) != tc.notes {
			t.Errorf("manifest %s: %d VNets, notes %v; want 1 VNet and %d notes", tc.manifest, len(s.VNets), s.Notes, tc.notes)
		}
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
