package flowdb

import (
	"context"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
)

// Traffic Analytics' flow types from the bundled estate: its VNets, its on-premises site
// (192.168.0.0/16 behind the VPN gateway) and its service tags.
func TestFlowTypes(t *testing.T) {
	s, err := ask.Load(context.Background(), []string{filepath.Join("..", "..", "examples", "hub-spoke")}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	en := NewEnricher(s.Plane.Net)
	for _, c := range []struct {
		src, dst string
		want     FlowType
	}{
		{"10.1.2.4", "10.1.2.5", IntraVNet},
		{"10.1.2.4", "10.2.1.4", InterVNet},
		{"10.1.2.4", "192.168.10.5", S2S},
		{"192.168.10.5", "10.1.2.4", S2S},
		{"10.1.2.4", "20.103.7.7", AzurePublic},    // AzureCloud's range, not a snapshot public IP
		{"10.1.2.4", "168.63.129.16", AzurePublic}, // Azure's platform address
		{"10.1.2.4", "20.103.50.10", InterVNet},    // the firewall's own public IP is the hub's side
		{"10.1.2.4", "1.1.1.1", ExternalPublic},
		{"10.1.2.4", "172.20.0.9", UnknownPrivate},
		{"10.1.2.4", "100.64.1.1", FlowTypeUnknown}, // RFC 6598: private, not RFC 1918
		{"1.1.1.1", "8.8.8.8", FlowTypeUnknown},
	} {
		got := en.flowType(en.endpoint(netip.MustParseAddr(c.src)), en.endpoint(netip.MustParseAddr(c.dst)))
		if got != c.want {
			t.Errorf("%s -> %s: %s, want %s", c.src, c.dst, got, c.want)
		}
	}
}
