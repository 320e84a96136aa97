package trace_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestILBNextHopReplySymmetryAssumed: when a reply crosses an internal load balancer used as a
// next hop (HA ports in front of NVAs), the answer says it assumes the reply reaches the same
// NVA as the request; a flow that does not cross one back says nothing of the sort.
func TestILBNextHopReplySymmetryAssumed(t *testing.T) {
	n, err := convert.Load([]string{filepath.Join(scenarioRoot, "nva-ha-ilb", "snapshot")}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := dataplane.Build(n)
	for _, tc := range []struct {
		to   string
		port uint16
		want bool
	}{{"vm-web01", 443, true}, {"vm-web01", 3389, false}} {
		a, err := trace.Run(p, trace.Query{From: "vm-app01", To: tc.to, Protocol: model.ProtoTCP, DestinationPort: tc.port})
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, s := range a.Assumptions {
			got = got || strings.Contains(s, "reply reaches the same backend")
		}
		if got != tc.want {
			t.Errorf("%s:%d symmetry assumption = %v, want %v (%q)", tc.to, tc.port, got, tc.want, a.Assumptions)
		}
	}
}
