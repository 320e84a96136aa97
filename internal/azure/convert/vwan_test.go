package convert

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHubRoutingPreferenceIsSaid: a Virtual WAN hub whose routing preference is not the default
// (ExpressRoute) gets a warning, since the model does not rank branches advertising one prefix.
func TestHubRoutingPreferenceIsSaid(t *testing.T) {
	const src = "../../../testdata/scenarios/vwan-secured-hub/snapshot"
	for _, pref := range []string{"", "ExpressRoute", "VpnGateway", "ASPath"} {
		dir := t.TempDir()
		var rs []map[string]any
		b, err := os.ReadFile(filepath.Join(src, "vwan.json"))
		if err == nil {
			err = json.Unmarshal(b, &rs)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if typ, _ := r["type"].(string); strings.HasSuffix(typ, "/virtualHubs") {
				props := r["properties"].(map[string]any)
				delete(props, "hubRoutingPreference")
				if pref != "" {
					props["hubRoutingPreference"] = pref
				}
			}
		}
		b, _ = json.Marshal(rs)
		net, err := os.ReadFile(filepath.Join(src, "network.json"))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "network.json"), net, 0o644)
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "vwan.json"), b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		n, err := Load([]string{dir}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		warned := false
		for _, w := range n.Warnings {
			warned = warned || strings.Contains(w.Message, "hubRoutingPreference")
		}
		if want := pref == "VpnGateway" || pref == "ASPath"; warned != want {
			t.Errorf("hubRoutingPreference %q: warned %v, want %v (%v)", pref, warned, want, n.Warnings)
		}
	}
}
