package check

import (
	"context"
	"path/filepath"
	"testing"
)

// TestSnatCapacityForcedTunnel: a firewall whose AzureFirewallSubnet sends 0.0.0.0/0 to the VPN
// gateway has no public-IP SNAT to exhaust (spec §3.1, §4), and a NAT gateway whose only subnet
// sends 0.0.0.0/0 to the firewall is unused; neither is a few-public-IPs warning.
func TestSnatCapacityForcedTunnel(t *testing.T) {
	fs := RunOne(context.Background(), snatCapacity, scenarioPlane(t, filepath.Join("testdata", "forced-tunnel")), DefaultOptions())
	got := map[string]Finding{}
	for _, f := range fs {
		got[f.Evidence["device"].(string)] = f
	}
	fw, ng := got["AzureFirewall"], got["NatGateway"]
	if fw.Severity != Info || fw.Evidence["forcedTunnel"] != "VirtualNetworkGateway" {
		t.Errorf("firewall finding: severity %s forcedTunnel %v, want Info VirtualNetworkGateway: %s", fw.Severity, fw.Evidence["forcedTunnel"], fw.Message)
	}
	if ov, _ := ng.Evidence["overriddenSubnets"].([]string); len(ov) != 1 || ov[0] != "vnet-app/snet-app" {
		t.Errorf("NAT gateway overriddenSubnets = %v, want [vnet-app/snet-app]: %s", ng.Evidence["overriddenSubnets"], ng.Message)
	}
	if want := "NAT gateway ng-app is unused: a 0.0.0.0/0 UDR overrides it on 1 subnet(s)"; ng.Title != want {
		t.Errorf("NAT gateway title = %q, want %q", ng.Title, want)
	}
}
