package convert

import (
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/snapshottest"
)

// TestHubRoutingPreferenceIsSaid: a Virtual WAN hub whose routing preference is not the default
// (ExpressRoute) gets a warning, since the model does not rank branches advertising one prefix.
func TestHubRoutingPreferenceIsSaid(t *testing.T) {
	const src = "../../../testdata/scenarios/vwan-secured-hub/snapshot"
	for _, pref := range []string{"", "ExpressRoute", "VpnGateway", "ASPath"} {
		dir := snapshottest.Edit(t, src, "vwan.json", func(rs []map[string]any) []map[string]any {
			for _, r := range rs {
				if typ, _ := r["type"].(string); strings.HasSuffix(typ, "/virtualHubs") {
					props := r["properties"].(map[string]any)
					delete(props, "hubRoutingPreference")
					if pref != "" {
						props["hubRoutingPreference"] = pref
					}
				}
			}
			return rs
		})
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
