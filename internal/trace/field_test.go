package trace_test

// Tests pinned on the field scenarios nva-ha-ilb and forced-tunnel (testdata/scenarios).

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

// TestInboundToAttachedPublicIPNamesItsUse: a public IP used by something that accepts no
// internet traffic (a forced-tunnelled firewall's management ip configuration) is named as such,
// not "attached to nothing".
func TestInboundToAttachedPublicIPNamesItsUse(t *testing.T) {
	n, err := convert.Load([]string{filepath.Join(scenarioRoot, "forced-tunnel", "snapshot")}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := trace.Run(dataplane.Build(n), trace.Query{From: "internet:203.0.113.9", To: "20.73.5.10", Protocol: model.ProtoTCP, DestinationPort: 443})
	if err != nil {
		t.Fatal(err)
	}
	h := a.Forward.Hops[len(a.Forward.Hops)-1]
	got := h.Steps[len(h.Steps)-1].Detail
	if want := "azureFirewalls/afw-hub/azureFirewallIpConfigurations/mgmt-ipconfig"; a.Forward.DropCause != trace.NoInboundPath || !strings.Contains(got, want) {
		t.Errorf("drop %s %q, want NoInboundPath naming %s", a.Forward.DropCause, got, want)
	}
}
