package synth

// The bundled example estate, examples/hub-spoke: a hub-and-spoke landing zone in West
// Europe that reproduces every seed case (see examples/hub-spoke/README.md). The files are
// generated from this description so that IDs, addresses and back-references stay
// consistent; regenerate them with `go test ./internal/synth -run TestHubSpokeFiles -update`.

const (
	subHub    = "00000000-0000-0000-0000-000000000001"
	subApp    = "00000000-0000-0000-0000-000000000002"
	subData   = "00000000-0000-0000-0000-000000000003"
	subMerger = "00000000-0000-0000-0000-000000000004"

	rgHub     = "rg-connectivity"
	rgApp     = "rg-app"
	rgAKS     = "MC_rg-app_aks-app_westeurope"
	rgSandbox = "rg-sandbox"
	rgData    = "rg-data"
	rgMerger  = "rg-merger"

	weu = "westeurope"
	neu = "northeurope"

	fwIP = "10.0.1.4" // Azure Firewall frontend private IP: next hop and DNS proxy of every spoke
)

var (
	vnetHub     = netID(subHub, rgHub, "virtualNetworks", "vnet-hub")
	vnetApp     = netID(subApp, rgApp, "virtualNetworks", "vnet-spoke-app")
	vnetData    = netID(subData, rgData, "virtualNetworks", "vnet-spoke-data")
	vnetMerger  = netID(subMerger, rgMerger, "virtualNetworks", "vnet-merger")
	vnetSandbox = netID(subApp, rgSandbox, "virtualNetworks", "vnet-sandbox")
)

func snet(vnet, name string) string { return vnet + "/subnets/" + name }

func hubNet(typ, name string, children ...string) string {
	return netID(subHub, rgHub, typ, name, children...)
}
func appNet(typ, name string, children ...string) string {
	return netID(subApp, rgApp, typ, name, children...)
}
func dataNet(typ, name string, children ...string) string {
	return netID(subData, rgData, typ, name, children...)
}

// HubSpoke returns the example estate: file name -> indented ARM JSON.
func HubSpoke() map[string][]byte {
	e := newEstate()
	e.add("network.json", hubSpokeVNets()...)
	hostsNICs, hostsVMs := hubSpokeHosts()
	e.add("nics.json", hostsNICs...)
	e.add("vms.json", hostsVMs...)
	aksNICs, aksVMs := hubSpokeAKS()
	e.add("aks.json", aksNICs...)
	e.add("aks.json", aksVMs...)
	e.add("nsgs.json", hubSpokeNSGs()...)
	e.add("routes.json", hubSpokeRouteTables()...)
	e.add("firewall.json", hubSpokeFirewall()...)
	e.add("edge.json", hubSpokeEdge()...)
	e.add("privatelink.json", hubSpokePrivateLink()...)
	e.add("privatedns.json", hubSpokePrivateDNS()...)
	e.add("paas.json", hubSpokePaaS()...)
	e.add("netapp.json", hubSpokeNetApp()...)
	e.add("avnm.json", hubSpokeAVNM()...)
	out := e.encode(true)
	out["servicetags.json"] = append(appendPretty(nil, hubSpokeServiceTags(), 0), '\n')
	return out
}

var hubSpace = map[string][]string{
	vnetHub: {"10.0.0.0/16"}, vnetApp: {"10.1.0.0/16"}, vnetData: {"10.2.0.0/16"},
	vnetMerger: {"10.1.0.0/16"}, vnetSandbox: {"10.3.0.0/16"},
}

// link is a peering from one VNet to remote.
func link(name, remote, state string, forwarded, transit, useRemote bool) peeringSpec {
	return peeringSpec{name: name, remote: remote, remotePrefixes: hubSpace[remote], state: state,
		vnetAccess: true, forwarded: forwarded, gatewayTransit: transit, useRemoteGw: useRemote}
}

func hubSpokeVNets() []O {
	rtShared, rtGw := hubNet("routeTables", "rt-hub-shared"), hubNet("routeTables", "rt-hub-gateway")
	nsgNVA := hubNet("networkSecurityGroups", "nsg-hub-nva")
	hub := vnetSpec{id: vnetHub, name: "vnet-hub", location: weu, prefixes: hubSpace[vnetHub],
		tags: O{{"landingZone", "connectivity"}},
		subnets: []subnetSpec{
			{name: "AzureFirewallSubnet", prefix: "10.0.1.0/26"},
			{name: "GatewaySubnet", prefix: "10.0.2.0/27", routeTable: rtGw},
			{name: "snet-dns", prefix: "10.0.3.0/24", nsg: hubNet("networkSecurityGroups", "nsg-hub-dns"), routeTable: rtShared},
			{name: "snet-shared", prefix: "10.0.4.0/24", nsg: hubNet("networkSecurityGroups", "nsg-hub-shared"), routeTable: rtShared},
			{name: "snet-nva", prefix: "10.0.5.0/24", nsg: nsgNVA},
			{name: "snet-gwlb", prefix: "10.0.6.0/24", nsg: nsgNVA},
			{name: "snet-anf", prefix: "10.0.8.0/26", delegation: "Microsoft.Netapp/volumes"},
		},
		peerings: []peeringSpec{
			link("peer-hub-to-spoke-app", vnetApp, "Connected", true, true, false),
			link("peer-hub-to-spoke-data", vnetData, "Connected", true, true, false),
			// Half-built: the sandbox team deleted its side, so this link shows Disconnected.
			link("peer-hub-to-sandbox", vnetSandbox, "Disconnected", true, true, false),
		}}
	rtApp, rtData := appNet("routeTables", "rt-spoke-app"), dataNet("routeTables", "rt-spoke-data")
	app := vnetSpec{id: vnetApp, name: "vnet-spoke-app", location: weu, prefixes: hubSpace[vnetApp],
		dns: []string{fwIP}, tags: O{{"landingZone", "corp"}},
		subnets: []subnetSpec{
			{name: "snet-web", prefix: "10.1.1.0/24", nsg: appNet("networkSecurityGroups", "nsg-app-web"), routeTable: rtApp},
			{name: "snet-app", prefix: "10.1.2.0/24", nsg: appNet("networkSecurityGroups", "nsg-app-app"), routeTable: rtApp},
			{name: "snet-edge", prefix: "10.1.3.0/24", nsg: appNet("networkSecurityGroups", "nsg-app-edge")},
			{name: "snet-mgmt", prefix: "10.1.4.0/24"},
			{name: "snet-aks", prefix: "10.1.16.0/20", nsg: appNet("networkSecurityGroups", "nsg-app-aks"), routeTable: rtApp},
		},
		peerings: []peeringSpec{link("peer-spoke-app-to-hub", vnetHub, "Connected", true, false, true)}}
	// vnet-spoke-data uses Azure-provided DNS (no dhcpOptions servers) and is not linked to the SQL
	// zone (hubspoke_dns.go).
	data := vnetSpec{id: vnetData, name: "vnet-spoke-data", location: weu, prefixes: hubSpace[vnetData],
		tags: O{{"landingZone", "corp"}},
		subnets: []subnetSpec{
			{name: "snet-data", prefix: "10.2.1.0/24", nsg: dataNet("networkSecurityGroups", "nsg-data-db"), routeTable: rtData},
			{name: "snet-pe", prefix: "10.2.2.0/24", nsg: dataNet("networkSecurityGroups", "nsg-data-pe"), routeTable: rtData},
			{name: "snet-batch", prefix: "10.2.3.0/24", nsg: dataNet("networkSecurityGroups", "nsg-data-db"), private: true},
		},
		peerings: []peeringSpec{link("peer-spoke-data-to-hub", vnetHub, "Connected", true, false, true)}}
	merger := vnetSpec{id: vnetMerger, name: "vnet-merger", location: weu, prefixes: hubSpace[vnetMerger],
		tags: O{{"origin", "acquired-contoso"}},
		subnets: []subnetSpec{{name: "snet-workload", prefix: "10.1.0.0/24",
			nsg:        netID(subMerger, rgMerger, "networkSecurityGroups", "nsg-merger"),
			natGateway: netID(subMerger, rgMerger, "natGateways", "ng-merger"), serviceEndpoints: []string{"Microsoft.Storage"}}},
		// The merger team asked for a peering; the hub side was never created (overlap with spoke-app).
		peerings: []peeringSpec{link("peer-merger-to-hub", vnetHub, "Initiated", false, false, false)}}
	sandbox := vnetSpec{id: vnetSandbox, name: "vnet-sandbox", location: neu, prefixes: hubSpace[vnetSandbox],
		subnets: []subnetSpec{{name: "snet-default", prefix: "10.3.1.0/24"}}}
	return []O{hub.render(), app.render(), data.render(), merger.render(), sandbox.render()}
}
