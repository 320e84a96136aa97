package convert

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An active-active gateway's NAT rules are said to be applied to every instance, since the rule's
// ipConfigurationId (one instance per rule, VPN gateway FAQ) is not modelled; an active-standby
// gateway's are not warned about.
func TestNATRulesOfActiveActiveGatewayWarned(t *testing.T) {
	const sub = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
	gateway := func(activeActive string) string {
		return `[{"id":"` + sub + `virtualNetworks/hub","type":"Microsoft.Network/virtualNetworks","properties":{
  "addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"subnets":[{"name":"GatewaySubnet","id":"` + sub + `virtualNetworks/hub/subnets/GatewaySubnet",
  "properties":{"addressPrefix":"10.0.255.0/27"}}]}},
 {"id":"` + sub + `virtualNetworkGateways/vgw","name":"vgw","type":"Microsoft.Network/virtualNetworkGateways","properties":{"gatewayType":"Vpn",
  "activeActive":` + activeActive + `,"ipConfigurations":[{"id":"` + sub + `virtualNetworkGateways/vgw/ipConfigurations/a","properties":{"privateIPAddress":"10.0.255.4",
   "subnet":{"id":"` + sub + `virtualNetworks/hub/subnets/GatewaySubnet"}}}],
  "natRules":[{"name":"branch","id":"` + sub + `virtualNetworkGateways/vgw/natRules/branch","properties":{"type":"Static","mode":"IngressSnat",
   "internalMappings":[{"addressSpace":"10.0.1.0/24"}],"externalMappings":[{"addressSpace":"100.0.1.0/24"}],
   "ipConfigurationId":"` + sub + `virtualNetworkGateways/vgw/ipConfigurations/a"}}]}}]`
	}
	for _, c := range []struct {
		activeActive string
		want         bool
	}{{"true", true}, {"false", false}} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "gw.json"), []byte(gateway(c.activeActive)), 0o644); err != nil {
			t.Fatal(err)
		}
		n, err := Load([]string{dir}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, w := range n.Warnings {
			got = got || (w.Code == "Assumption" && strings.Contains(w.Message, "active-active and has 1 NAT rules") &&
				strings.Contains(w.Message, "ipConfigurationId"))
		}
		if got != c.want {
			t.Errorf("activeActive=%s: NAT instance warning %v, want %v (warnings %v)", c.activeActive, got, c.want, n.Warnings)
		}
	}
}
