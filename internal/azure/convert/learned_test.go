package convert

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const bgpSub = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"

// bgpBase is a hub with a GatewaySubnet, a RouteServerSubnet, a VPN gateway at 10.50.255.30, an
// ExpressRoute gateway at 10.50.255.4/.5, and a Route Server at 10.50.0.4/.5 with one NVA peer;
// "overlap" is a second VNet reusing the hub's range with a gateway at the same address.
var bgpBase = map[string]string{
	"network.json": `[
 {"id":"` + bgpSub + `virtualNetworks/hub","type":"Microsoft.Network/virtualNetworks","location":"westeurope",
  "properties":{"addressSpace":{"addressPrefixes":["10.50.0.0/16"]},"subnets":[
   {"name":"GatewaySubnet","id":"` + bgpSub + `virtualNetworks/hub/subnets/GatewaySubnet","properties":{"addressPrefix":"10.50.255.0/27"}},
   {"name":"RouteServerSubnet","id":"` + bgpSub + `virtualNetworks/hub/subnets/RouteServerSubnet","properties":{"addressPrefix":"10.50.0.0/27"}}]}},
 {"id":"` + bgpSub + `virtualNetworks/overlap","type":"Microsoft.Network/virtualNetworks","location":"westeurope",
  "properties":{"addressSpace":{"addressPrefixes":["10.50.0.0/16"]},"subnets":[
   {"name":"GatewaySubnet","id":"` + bgpSub + `virtualNetworks/overlap/subnets/GatewaySubnet","properties":{"addressPrefix":"10.50.255.0/27"}}]}},
 {"id":"` + bgpSub + `virtualNetworkGateways/vgw-hub","type":"Microsoft.Network/virtualNetworkGateways","properties":{"gatewayType":"Vpn","enableBgp":true,
  "ipConfigurations":[{"id":"` + bgpSub + `virtualNetworkGateways/vgw-hub/ipConfigurations/default","properties":{"subnet":{"id":"` + bgpSub + `virtualNetworks/hub/subnets/GatewaySubnet"}}}],
  "bgpSettings":{"asn":65515,"bgpPeeringAddress":"10.50.255.30"}}},
 {"id":"` + bgpSub + `virtualNetworkGateways/vgw-overlap","type":"Microsoft.Network/virtualNetworkGateways","properties":{"gatewayType":"Vpn","enableBgp":true,
  "ipConfigurations":[{"id":"` + bgpSub + `virtualNetworkGateways/vgw-overlap/ipConfigurations/default","properties":{"subnet":{"id":"` + bgpSub + `virtualNetworks/overlap/subnets/GatewaySubnet"}}}],
  "bgpSettings":{"asn":65515,"bgpPeeringAddress":"10.50.255.30"}}},
 {"id":"` + bgpSub + `virtualNetworkGateways/ergw","type":"Microsoft.Network/virtualNetworkGateways","properties":{"gatewayType":"ExpressRoute",
  "ipConfigurations":[{"id":"` + bgpSub + `virtualNetworkGateways/ergw/ipConfigurations/default","properties":{"privateIPAddress":"10.50.255.4","subnet":{"id":"` + bgpSub + `virtualNetworks/hub/subnets/GatewaySubnet"}}},
   {"id":"` + bgpSub + `virtualNetworkGateways/ergw/ipConfigurations/second","properties":{"privateIPAddress":"10.50.255.5","subnet":{"id":"` + bgpSub + `virtualNetworks/hub/subnets/GatewaySubnet"}}}]}},
 {"id":"` + bgpSub + `virtualHubs/rs","name":"rs","type":"Microsoft.Network/virtualHubs","kind":"RouteServer",
  "properties":{"virtualRouterAsn":65515,"virtualRouterIps":["10.50.0.4","10.50.0.5"],"allowBranchToBranchTraffic":true,
   "bgpConnections":[{"id":"` + bgpSub + `virtualHubs/rs/bgpConnections/nva1"}]}},
 {"id":"` + bgpSub + `virtualHubs/rs/bgpConnections/nva1","name":"nva1","type":"Microsoft.Network/virtualHubs/bgpConnections",
  "properties":{"peerIp":"10.50.1.4","peerAsn":65001,"connectionState":"Connected"}},
 {"id":"` + bgpSub + `virtualHubs/vwanhub","type":"Microsoft.Network/virtualHubs",
  "properties":{"addressPrefix":"10.90.0.0/23","virtualWan":{"id":"` + bgpSub + `virtualWans/wan"},"virtualRouterIps":["10.90.0.68"]}}
]`,
}

func loadBGP(t *testing.T, extra map[string]string) *model.Network {
	t.Helper()
	dir := t.TempDir()
	for name, text := range bgpBase {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range extra {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, err := Load([]string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// learnedPrefixes lists an owner's learned rows as "prefix aspath(len) [ER]".
func learnedPrefixes(l *model.LearnedRoutes) []string {
	if l == nil {
		return nil
	}
	var out []string
	for _, r := range l.Routes {
		s := r.Prefix.String() + " " + r.ASPath
		if r.ExpressRoute {
			s += " ER"
		}
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

func TestLearnedRoutesShapes(t *testing.T) {
	const gwRows = `[{"asPath":"65050","localAddress":"10.50.255.30","network":"172.16.0.0/16","nextHop":"192.168.50.1","origin":"EBgp","sourcePeer":"192.168.50.1","weight":32768},
	  {"asPath":"","localAddress":"10.50.255.30","network":"10.50.0.0/16","nextHop":"","origin":"Network","sourcePeer":"10.50.255.30","weight":32768}]`
	const rsRow = `{"asPath":"65001","localAddress":"10.50.0.4","network":"10.101.0.0/16","nextHop":"10.50.1.4","origin":"EBgp","sourcePeer":"10.50.1.4","weight":32768}`
	tests := []struct {
		name, file, text string
		gw, rs, er       []string
	}{
		{"az vnet-gateway list-learned-routes", "vgw-hub.learned-routes.json", `{"value":` + gwRows + `}`,
			[]string{"10.50.0.0/16", "172.16.0.0/16 65050"}, nil, nil},
		{"a bare array of rows (--query value)", "vgw-hub.learned-routes.json", gwRows,
			[]string{"10.50.0.0/16", "172.16.0.0/16 65050"}, nil, nil},
		{"az routeserver peering list-learned-routes", "nva1.json", `{"RouteServiceRole_IN_0":[` + rsRow + `],"RouteServiceRole_IN_1":[` +
			strings.Replace(rsRow, "10.50.0.4", "10.50.0.5", 1) + `],"value":null}`,
			nil, []string{"10.101.0.0/16 65001", "10.101.0.0/16 65001"}, nil},
		{"REST example of VirtualRouterPeerListLearnedRoute", "example.json", `{"parameters":{"hubName":"rs","connectionName":"nva1"},
			"responses":{"202":{"headers":{}},"200":{"body":{"RouteServiceRole_IN_0":[` + rsRow + `]}}}}`,
			nil, []string{"10.101.0.0/16 65001"}, nil},
		{"express-route list-route-tables (the circuit names the gateway by its next hops)", "circuit.json", `{"nextLink":null,"value":[
			{"locPrf":"","network":"10.50.0.0/16","nextHop":"10.50.255.4","path":"","weight":0},
			{"locPrf":"","network":"10.50.0.0/16","nextHop":"10.50.255.5","path":"","weight":0},
			{"locPrf":"100","network":"192.168.7.0/24","nextHop":"172.16.1.1","path":"65020","weight":0}]}`,
			nil, nil, []string{"192.168.7.0/24 12076 65020 ER"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := loadBGP(t, map[string]string{tc.file: tc.text})
			gw := lookup[*model.VNetGateway](t, n, bgpSub+"virtualNetworkGateways/vgw-hub")
			er := lookup[*model.VNetGateway](t, n, bgpSub+"virtualNetworkGateways/ergw")
			rs := lookup[*model.RouteServer](t, n, bgpSub+"virtualHubs/rs")
			for _, c := range []struct {
				who       string
				got, want []string
			}{{"gateway", learnedPrefixes(gw.Learned), tc.gw}, {"route server", learnedPrefixes(rs.Learned), tc.rs},
				{"expressroute gateway", learnedPrefixes(er.Learned), tc.er}} {
				if strings.Join(c.got, "|") != strings.Join(c.want, "|") {
					t.Errorf("%s learned %q, want %q (warnings %v)", c.who, c.got, c.want, n.Warnings)
				}
			}
		})
	}
}

func TestRouteServerModel(t *testing.T) {
	n := loadBGP(t, nil)
	if len(n.RouteServers) != 1 {
		t.Fatalf("route servers %d, want 1 (the Virtual WAN hub is not one)", len(n.RouteServers))
	}
	rs := n.RouteServers[0]
	if rs.VNet == nil || rs.VNet.Name != "hub" || rs.Subnet == nil || !rs.Subnet.Named("RouteServerSubnet") {
		t.Errorf("route server in %v, want hub's RouteServerSubnet (found by its addresses)", rs.Subnet)
	}
	if !rs.BranchToBranch || rs.RoutingPreference != "ExpressRoute" || rs.ASN != 65515 {
		t.Errorf("route server %+v: want branch-to-branch, default preference ExpressRoute, ASN 65515", rs)
	}
	if len(rs.Peers) != 1 || rs.Peers[0].IP.String() != "10.50.1.4" || rs.Peers[0].ASN != 65001 {
		t.Errorf("peers %+v, want nva1 10.50.1.4 AS 65001 (merged from the reference and the separate object)", rs.Peers)
	}
	if len(n.VirtualHubs) != 1 || n.Counts["Microsoft.Network/virtualHubs"] != 2 {
		t.Errorf("unknown %v counts %v: want the Virtual WAN hub read as one (vwan.go) and the Route Server as the other", n.Unknown, n.Counts)
	}
}

func TestLearnedRoutesOwnerByContent(t *testing.T) {
	const row = `{"value":[{"asPath":"65050","localAddress":"%s","network":"172.16.0.0/16","nextHop":"192.168.50.1","origin":"EBgp","sourcePeer":"192.168.50.1","weight":32768}]}`
	at := func(a string) string { return strings.Replace(row, "%s", a, 1) }
	// vgw-hub and vgw-overlap share 10.50.255.30: only the file name can tell them apart.
	n := loadBGP(t, map[string]string{"learned.json": at("10.50.255.30")})
	if !hasWarning(n, "InsufficientInformation", "belongs to more than one gateway") {
		t.Errorf("ambiguous localAddress: warnings %v, want one naming both gateways", n.Warnings)
	}
	n = loadBGP(t, map[string]string{"vgw-overlap.learned-routes.json": at("10.50.255.30")})
	gw := lookup[*model.VNetGateway](t, n, bgpSub+"virtualNetworkGateways/vgw-overlap")
	if gw.Learned == nil || len(gw.Learned.Routes) != 1 {
		t.Errorf("a file named after vgw-overlap: learned %v, want its one row", gw.Learned)
	}
	n = loadBGP(t, map[string]string{"learned.json": at("10.77.0.1")})
	if !hasWarning(n, "InsufficientInformation", "is the address of no virtual network gateway") {
		t.Errorf("unknown localAddress: warnings %v, want one saying so", n.Warnings)
	}
	adv := `{"value":[{"asPath":"65515","localAddress":"10.50.255.30","network":"10.50.0.0/16","nextHop":"10.50.255.30","origin":"Igp","sourcePeer":null,"weight":0}]}`
	n = loadBGP(t, map[string]string{"adv.json": adv})
	if !hasWarning(n, "Ignored", "1 advertised routes") || lookup[*model.VNetGateway](t, n, bgpSub+"virtualNetworkGateways/vgw-hub").Learned != nil {
		t.Errorf("advertised routes: warnings %v, want them ignored with a warning", n.Warnings)
	}
	circuit := `{"value":[{"locPrf":"","network":"192.168.7.0/24","nextHop":"172.16.1.1","path":"65020","weight":0}]}`
	n = loadBGP(t, map[string]string{"circuit.json": circuit})
	if !hasWarning(n, "InsufficientInformation", "which gateway it feeds is unknown") {
		t.Errorf("a circuit table naming no gateway: warnings %v, want one saying so", n.Warnings)
	}
}

func TestLearnedRoutesBadInput(t *testing.T) {
	_, err := azure.DecodeFile("bad.json", []byte(`{"value":[{"localAddress":"10.50.255.30","network":"10.0.0.0/33","sourcePeer":"1.2.3.4"}]}`))
	var ie *azure.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "$.value[0].network") || !strings.Contains(err.Error(), "invalid prefix") {
		t.Errorf("err = %v, want an input error at $.value[0].network", err)
	}
	_, err = azure.DecodeFile("bad.json", []byte(`{"RouteServiceRole_IN_0":[{"localAddress":"10.50.0.x","network":"10.0.0.0/16","sourcePeer":"1.2.3.4"}]}`))
	if err == nil || !strings.Contains(err.Error(), "localAddress") {
		t.Errorf("err = %v, want an input error naming localAddress", err)
	}
}

// The rows a gateway learns do not depend on the order of the files or of their rows.
func TestLearnedRoutesOrder(t *testing.T) {
	a := `{"value":[{"asPath":"65050","localAddress":"10.50.255.30","network":"172.16.0.0/16","nextHop":"192.168.50.1","origin":"EBgp","sourcePeer":"192.168.50.1"},
	  {"asPath":"65051","localAddress":"10.50.255.30","network":"172.17.0.0/16","nextHop":"192.168.50.2","origin":"EBgp","sourcePeer":"192.168.50.2"}]}`
	b := `{"value":[{"asPath":"65051","localAddress":"10.50.255.30","network":"172.17.0.0/16","nextHop":"192.168.50.2","origin":"EBgp","sourcePeer":"192.168.50.2"},
	  {"asPath":"65050","localAddress":"10.50.255.30","network":"172.16.0.0/16","nextHop":"192.168.50.1","origin":"EBgp","sourcePeer":"192.168.50.1"}]}`
	g := func(text string) string {
		n := loadBGP(t, map[string]string{"vgw-hub.learned-routes.json": text})
		return strings.Join(learnedPrefixes(lookup[*model.VNetGateway](t, n, bgpSub+"virtualNetworkGateways/vgw-hub").Learned), "|")
	}
	if x, y := g(a), g(b); x != y {
		t.Errorf("row order changes the answer: %q vs %q", x, y)
	}
}
