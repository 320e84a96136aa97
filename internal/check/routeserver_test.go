package check

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/snapshottest"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Route Server routes reach checks through forward, as they reach trace (azure-semantics.md
// §1.10 "Route Server traces"). On testdata/scenarios/route-server-nva the spokes reach each other
// through nva1 both ways: no AsymmetricReturn. Add a UDR in vnet-spoke2 that returns vnet-spoke's
// traffic through nva2 and the flow is asymmetric: the trace says AsymmetricReturn (nva2 has no
// session), and so must the check, for the same pair.
func TestRouteServerAsymmetryAgreesWithTrace(t *testing.T) {
	snap := filepath.Join("..", "..", "testdata", "scenarios", "route-server-nva", "snapshot")
	for _, c := range []struct {
		name string
		asym bool
	}{{"symmetric", false}, {"reply-through-nva2", true}} {
		dir := snap
		if c.asym {
			dir = withSpoke2UDR(t, snap)
		}
		p := loadPlane(t, dir)
		a, err := trace.Run(p, trace.Query{From: "vm-spoke", To: "vm-spoke2", Protocol: model.ProtoTCP, DestinationPort: 443})
		if err != nil {
			t.Fatal(err)
		}
		traced := slices.ContainsFunc(a.Findings, func(f trace.Finding) bool { return f.Code == trace.CodeAsymmetricReturn })
		checked := false
		for _, f := range RunOne(context.Background(), asymmetricReturn, p, DefaultOptions()) {
			checked = checked || (strings.Contains(f.Message, "vm-spoke") && strings.Contains(f.Message, "vm-spoke2"))
		}
		if traced != c.asym || checked != c.asym {
			t.Errorf("%s: trace AsymmetricReturn %v (verdict %s), check AsymmetricReturn %v; want both %v",
				c.name, traced, a.Verdict, checked, c.asym)
		}
	}
}

// withSpoke2UDR copies the snapshot dir and gives vnet-spoke2's subnet a route table sending
// 10.61.0.0/16 (vnet-spoke) to nva2 (10.60.1.5).
func withSpoke2UDR(t *testing.T, dir string) string {
	return snapshottest.Edit(t, dir, "network.json", func(rs []map[string]any) []map[string]any {
		const sub = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network/"
		for _, r := range rs {
			if r["name"] != "vnet-spoke2" {
				continue
			}
			sn := r["properties"].(map[string]any)["subnets"].([]any)[0].(map[string]any)
			sn["properties"].(map[string]any)["routeTable"] = map[string]any{"id": sub + "routeTables/rt-spoke2"}
		}
		return append(rs, map[string]any{"name": "rt-spoke2", "id": sub + "routeTables/rt-spoke2", "type": "Microsoft.Network/routeTables",
			"location": "westeurope", "properties": map[string]any{"routes": []any{map[string]any{"name": "to-spoke-via-nva2",
				"properties": map[string]any{"addressPrefix": "10.61.0.0/16", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.60.1.5"}}}}})
	})
}
