package check

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/snapshottest"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// An NVA that advertises 0.0.0.0/0 to Route Server receives that route on its own subnet too;
// without a 0.0.0.0/0 → Internet UDR there, the traffic it forwards comes back to it and circles
// (learn.microsoft.com/azure/route-server/troubleshoot-route-server). On route-server-nva, nva1
// advertises 0.0.0.0/0 and rt-nva holds that UDR: no loop. Drop the UDR and RoutingLoop reports
// the loop through nva1, which a trace from vm-spoke to the internet confirms.
func TestRoutingLoopThroughRouteServerDefault(t *testing.T) {
	snap := filepath.Join("..", "..", "testdata", "scenarios", "route-server-nva", "snapshot")
	for _, c := range []struct {
		name string
		loop bool
	}{{"with the Internet UDR", false}, {"without it", true}} {
		dir := snap
		if c.loop {
			dir = withoutNVAInternetRoute(t, snap)
		}
		p := loadPlane(t, dir)
		a, err := trace.Run(p, trace.Query{From: "vm-spoke", To: "internet:1.1.1.1", Protocol: model.ProtoTCP, DestinationPort: 443})
		if err != nil {
			t.Fatal(err)
		}
		traced := a.Forward.Disposition == trace.Loop
		fs := RunOne(context.Background(), routingLoop, p, DefaultOptions())
		checked := len(fs) == 1 && fs[0].Evidence["nextHopIp"] == "10.60.1.4" && strings.Contains(fs[0].Message, "0.0.0.0/0")
		if traced != c.loop || checked != c.loop || (!c.loop && len(fs) != 0) {
			t.Errorf("%s: trace Loop %v (%s), RoutingLoop findings %d (%v); want loop %v",
				c.name, traced, a.Forward.Disposition, len(fs), fs, c.loop)
		}
	}
}

// withoutNVAInternetRoute copies the snapshot dir with rt-nva's routes removed.
func withoutNVAInternetRoute(t *testing.T, dir string) string {
	return snapshottest.Edit(t, dir, "network.json", func(rs []map[string]any) []map[string]any {
		for _, r := range rs {
			if r["name"] == "rt-nva" {
				r["properties"].(map[string]any)["routes"] = []any{}
			}
		}
		return rs
	})
}
