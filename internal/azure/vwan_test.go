package azure

import (
	"strings"
	"testing"
)

// TestVWANDecode reads a hub with inline children and separate connection, table and intent
// objects in their REST shapes.
func TestVWANDecode(t *testing.T) {
	const hub = `/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualHubs/h`
	doc := `[{"id":"` + hub + `","type":"Microsoft.Network/virtualHubs","properties":{"virtualWan":{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualWans/w"},
	  "addressPrefix":"10.100.0.0/23","virtualRouterIps":["10.100.0.68","10.100.0.69"],"azureFirewall":{"id":"fw"}}},
	 {"id":"` + hub + `/hubVirtualNetworkConnections/c","type":"Microsoft.Network/virtualHubs/hubVirtualNetworkConnections","properties":{
	  "remoteVirtualNetwork":{"id":"v"},"enableInternetSecurity":true,"routingConfiguration":{"associatedRouteTable":{"id":"` + hub + `/hubRouteTables/defaultRouteTable"},
	  "propagatedRouteTables":{"labels":["default"],"ids":[{"id":"` + hub + `/hubRouteTables/defaultRouteTable"}]},
	  "vnetRoutes":{"staticRoutesConfig":{"propagateStaticRoutes":false},"staticRoutes":[{"name":"nva","addressPrefixes":["10.9.0.0/16"],"nextHopIpAddress":"10.1.0.4"}]}}}},
	 {"id":"` + hub + `/hubRouteTables/rt","type":"Microsoft.Network/virtualHubs/hubRouteTables","properties":{"labels":["red"],
	  "routes":[{"name":"to-fw","destinationType":"CIDR","destinations":["10.0.0.0/8"],"nextHopType":"ResourceId","nextHop":"fw"}]}},
	 {"id":"` + hub + `/routingIntent/ri","type":"Microsoft.Network/virtualHubs/routingIntent","properties":{"routingPolicies":[
	  {"name":"PrivateTraffic","destinations":["PrivateTraffic"],"nextHop":"fw"}]}}]`
	s, err := DecodeFile("vwan.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	v := s.VWAN
	if len(v.Hubs) != 1 || v.Hubs[0].AddressPrefix.String() != "10.100.0.0/23" || len(v.Hubs[0].RouterIPs) != 2 || v.Hubs[0].Firewall != "fw" {
		t.Fatalf("hubs %+v", v.Hubs)
	}
	c := v.Connections[0]
	if c.RemoteVNet != "v" || !c.InternetSecurity || len(c.Routing.PropagatedIDs) != 1 || c.Routing.Labels[0] != "default" ||
		*c.Routing.PropagateStatic || c.Routing.StaticRoutes[0].NextHop.String() != "10.1.0.4" {
		t.Errorf("connection %+v", c)
	}
	if r := v.RouteTables[0]; r.Labels[0] != "red" || r.Routes[0].NextHop != "fw" || r.Routes[0].Destinations[0] != "10.0.0.0/8" {
		t.Errorf("route table %+v", r)
	}
	if p := v.Intents[0].Policies[0]; p.Destinations[0] != "PrivateTraffic" || p.NextHop != "fw" {
		t.Errorf("intent %+v", p)
	}
}

// TestVWANDecodeErrors: bad values name the file and JSON path.
func TestVWANDecodeErrors(t *testing.T) {
	const conn = `{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualHubs/h/hubVirtualNetworkConnections/c","type":"Microsoft.Network/virtualHubs/hubVirtualNetworkConnections","properties":`
	for _, c := range []struct{ doc, want string }{
		{conn + `{"routingConfiguration":{"vnetRoutes":{"staticRoutes":[{"name":"x","addressPrefixes":["10.0.0.0/33"],"nextHopIpAddress":"10.0.0.4"}]}}}}`,
			`bad.json: $.properties.routingConfiguration.vnetRoutes.staticRoutes[0].addressPrefixes[0]: invalid prefix "10.0.0.0/33"`},
		{conn + `{"routingConfiguration":{"vnetRoutes":{"staticRoutes":[{"name":"x","addressPrefixes":["10.0.0.0/16"]}]}}}}`,
			`bad.json: $.properties.routingConfiguration.vnetRoutes.staticRoutes[0]: static route "x" has no nextHopIpAddress`},
		{conn + `{"routingConfiguration":{"propagatedRouteTables":{"ids":"nope"}}}}`,
			`bad.json: $.properties.routingConfiguration.propagatedRouteTables.ids: want an array of references, got string "nope"`},
		{`{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualHubs/h/routingIntent/ri","type":"Microsoft.Network/virtualHubs/routingIntent","properties":{"routingPolicies":[{"name":"p","destinations":["Internet"]}]}}`,
			`bad.json: $.properties.routingPolicies[0]: routing policy "p" has no nextHop`},
		{`{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualHubs/h","type":"Microsoft.Network/virtualHubs","properties":{"virtualWan":{"id":"w"},"addressPrefix":"10.0.0.0"}}`,
			`bad.json: $.properties.addressPrefix: invalid prefix "10.0.0.0"`},
	} {
		_, err := DecodeFile("bad.json", []byte(c.doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %s", err, c.want)
		}
	}
}
