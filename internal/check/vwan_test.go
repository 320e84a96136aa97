package check

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/snapshottest"
)

// TestVirtualWanRoutingWithoutIntent: the vwan-secured-hub snapshot without routing intent,
// conn-spoke2 propagating to the None route table: spoke2 cannot be reached from the
// connections associated with defaultRouteTable, and the hub's firewall inspects nothing.
func TestVirtualWanRoutingWithoutIntent(t *testing.T) {
	const src = "../../testdata/scenarios/vwan-secured-hub/snapshot"
	dir := snapshottest.Edit(t, src, "vwan.json", func(rs []map[string]any) []map[string]any {
		var out []map[string]any
		for _, r := range rs {
			if r = snapshottest.VWANWithoutIntent(r); r != nil {
				out = append(out, r)
			}
		}
		return out
	})
	fs := RunOne(context.Background(), virtualWanRouting, loadPlane(t, dir), DefaultOptions())
	var got []string
	for _, f := range fs {
		got = append(got, f.Evidence["issue"].(string)+": "+f.Title)
	}
	slices.Sort(got)
	want := []string{
		"ConnectionNotPropagated: connection conn-spoke2 (vnet-spoke2) is in no route of hub hub-weu's defaultRouteTable, so conn-nva, conn-spoke1, conn-spoke3, conn-branch1 cannot reach it",
		"FirewallNotUsed: hub hub-weu is secured by firewall afw-hub-weu, but neither routing intent nor a hub route sends traffic to it",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
