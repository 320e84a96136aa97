package convert

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// TestAppGateway: an application gateway runs in the subnet of its gateway ip configuration,
// whose addresses the snapshot does not list are then its instances' (UnlistedService); its
// frontends' private addresses and public IPs are read (the shape of
// learn.microsoft.com/rest/api/application-gateway/application-gateways/get). A subnet the
// snapshot lacks is a dangling reference.
func TestAppGateway(t *testing.T) {
	const rg = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
	agw := func(name, subnet string) string {
		return fmt.Sprintf(`{"name":%q,"id":"%[2]sapplicationGateways/%[1]s","type":"Microsoft.Network/applicationGateways","properties":{`+
			`"sku":{"name":"WAF_v2","tier":"WAF_v2"},`+
			`"gatewayIPConfigurations":[{"name":"gwip","id":"%[2]sapplicationGateways/%[1]s/gatewayIPConfigurations/gwip","properties":{"subnet":{"id":"%[2]svirtualNetworks/vnet/subnets/%[3]s"}}}],`+
			`"frontendIPConfigurations":[`+
			`{"name":"private","id":"%[2]sapplicationGateways/%[1]s/frontendIPConfigurations/private","properties":{"privateIPAddress":"10.0.1.10","privateIPAllocationMethod":"Static","subnet":{"id":"%[2]svirtualNetworks/vnet/subnets/%[3]s"}}},`+
			`{"name":"public","id":"%[2]sapplicationGateways/%[1]s/frontendIPConfigurations/public","properties":{"publicIPAddress":{"id":"%[2]spublicIPAddresses/pip-agw"}}}],`+
			`"httpListeners":[{"name":"l","properties":{"frontendPort":{"id":"x"}}}]}}`, name, rg, subnet)
	}
	docs := []string{
		fmt.Sprintf(`{"name":"vnet","id":"%svirtualNetworks/vnet","type":"Microsoft.Network/virtualNetworks","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},`+
			`"subnets":[{"name":"snet-agw","id":"%svirtualNetworks/vnet/subnets/snet-agw","properties":{"addressPrefix":"10.0.1.0/24"}}]}}`, rg, rg),
		fmt.Sprintf(`{"name":"pip-agw","id":"%spublicIPAddresses/pip-agw","type":"Microsoft.Network/publicIPAddresses","sku":{"name":"Standard"},`+
			`"properties":{"ipAddress":"20.0.0.20","ipConfiguration":{"id":"%sapplicationGateways/agw/frontendIPConfigurations/public"}}}`, rg, rg),
		agw("agw", "snet-agw"),
		agw("agw-lost", "snet-gone"),
	}
	n, err := FromBytes("estate.json", []byte("["+strings.Join(docs, ",")+"]"))
	if err != nil {
		t.Fatal(err)
	}
	if len(n.AppGateways) != 2 {
		t.Fatalf("%d application gateways; want 2", len(n.AppGateways))
	}
	g := n.AppGateways[0]
	if g.Name != "agw" || g.Subnet == nil || g.Subnet.Name != "snet-agw" || !slices.Equal(g.PrivateIPs, []netip.Addr{netip.MustParseAddr("10.0.1.10")}) ||
		len(g.PublicIPs) != 1 || g.PublicIPs[0].Name != "pip-agw" {
		t.Errorf("agw: subnet %v, private %v, public %v; want snet-agw, 10.0.1.10, pip-agw", g.Subnet, g.PrivateIPs, g.PublicIPs)
	}
	if s := g.Subnet; s == nil || s.UnlistedService() != model.AppGatewayService || !slices.Contains(s.AppGateways, g) {
		t.Errorf("snet-agw: unlisted service %q; want %q, with agw", s.UnlistedService(), model.AppGatewayService)
	}
	if r, ok := n.Lookup(g.ID); !ok || r != g {
		t.Errorf("Lookup(%s) = %v; want agw (a public IP's holder)", g.ID, r)
	}
	lost := n.AppGateways[1]
	if lost.Subnet != nil || !slices.ContainsFunc(n.Warnings, func(w model.Warning) bool {
		return w.Code == model.WarnDanglingReference && strings.Contains(w.Message, "snet-gone")
	}) {
		t.Errorf("agw-lost: subnet %v, warnings %v; want none and a dangling reference to snet-gone", lost.Subnet, n.Warnings)
	}
}
