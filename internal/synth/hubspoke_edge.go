package synth

// Public IPs, the VPN gateway with its on-premises side, the merger's NAT gateway, and the
// load balancers of seed case 7 (a public Standard LB chained to a Gateway LB).

// sharedKey is deliberately present, as `az network vpn-connection show` returns it:
// vnetdoctor must never keep or print it.
const sharedKey = "ExampleOnly-NeverStore-7c1e9a42"

var (
	gwlbID   = hubNet("loadBalancers", "lb-gwlb-nva")
	gwlbFE   = gwlbID + "/frontendIPConfigurations/fe-gwlb"
	webLBID  = appNet("loadBalancers", "lb-web-public")
	vgwID    = hubNet("virtualNetworkGateways", "vgw-hub")
	lngID    = hubNet("localNetworkGateways", "lng-onprem")
	natGwID  = netID(subMerger, rgMerger, "natGateways", "ng-merger")
	pipNatGw = netID(subMerger, rgMerger, "publicIPAddresses", "pip-ng-merger")
)

func hubSpokeEdge() []O {
	ngPIP := publicIP(pipNatGw, weu, "20.103.60.10")
	setProp(&ngPIP, "natGateway", ref(natGwID))
	res := []O{
		publicIP(hubNet("publicIPAddresses", "pip-afw-hub"), weu, fwPublicIP),
		publicIP(hubNet("publicIPAddresses", "pip-vgw-hub"), weu, "20.103.50.20"),
		publicIP(appNet("publicIPAddresses", "pip-lb-web"), weu, "20.103.51.30"),
		publicIP(appNet("publicIPAddresses", "pip-vm-jump"), weu, "20.103.51.40"),
		ngPIP,
		O{{"name", "ng-merger"}, {"id", natGwID}, {"type", "Microsoft.Network/natGateways"}, {"location", weu},
			{"sku", O{{"name", "Standard"}}}, {"properties", succeeded().Set("idleTimeoutInMinutes", 4).
				Set("publicIpAddresses", refs(pipNatGw))}},
	}
	res = append(res, vpn()...)
	return append(res, gatewayLB(), webLB())
}

func vpn() []O {
	cfgID := vgwID + "/ipConfigurations/default"
	cfg := child("default", cfgID, "Microsoft.Network/virtualNetworkGateways/ipConfigurations",
		succeeded().Set("privateIPAllocationMethod", "Dynamic").
			Set("publicIPAddress", ref(hubNet("publicIPAddresses", "pip-vgw-hub"))).
			Set("subnet", ref(snet(vnetHub, "GatewaySubnet"))))
	gw := resource("vgw-hub", vgwID, "Microsoft.Network/virtualNetworkGateways", weu, succeeded().
		Set("ipConfigurations", []O{cfg}).
		Set("sku", O{{"name", "VpnGw2AZ"}, {"tier", "VpnGw2AZ"}, {"capacity", 2}}).
		Set("gatewayType", "Vpn").Set("vpnType", "RouteBased").Set("vpnGatewayGeneration", "Generation2").
		Set("enableBgp", false).Set("activeActive", false).Set("enablePrivateIpAddress", false).
		Set("bgpSettings", O{{"asn", 65515}, {"bgpPeeringAddress", "10.0.2.30"}, {"peerWeight", 0},
			{"bgpPeeringAddresses", []any{O{{"ipconfigurationId", cfgID}, {"defaultBgpIpAddresses", strs("10.0.2.30")},
				{"customBgpIpAddresses", []any{}}, {"tunnelIpAddresses", strs("20.103.50.20")}}}}}))
	lng := resource("lng-onprem", lngID, "Microsoft.Network/localNetworkGateways", weu, succeeded().
		Set("localNetworkAddressSpace", O{{"addressPrefixes", strs("192.168.0.0/16")}}).
		Set("gatewayIpAddress", "203.0.113.10"))
	cnID := hubNet("connections", "cn-hub-to-onprem")
	cn := resource("cn-hub-to-onprem", cnID, "Microsoft.Network/connections", weu, succeeded().
		Set("virtualNetworkGateway1", O{{"id", vgwID}, {"properties", O{}}}).
		Set("localNetworkGateway2", O{{"id", lngID}, {"properties", O{}}}).
		Set("connectionType", "IPsec").Set("connectionProtocol", "IKEv2").Set("routingWeight", 0).
		Set("dpdTimeoutSeconds", 45).Set("sharedKey", sharedKey).Set("enableBgp", false).
		Set("useLocalAzureIpAddress", false).Set("usePolicyBasedTrafficSelectors", false).
		Set("ipsecPolicies", []any{}).Set("trafficSelectorPolicies", []any{}).
		Set("connectionStatus", "Connected").Set("ingressBytesTransferred", 48213377).
		Set("egressBytesTransferred", 51022871).Set("connectionMode", "Default"))
	return []O{gw, lng, cn}
}

func lbChild(lbID, kind, name string, props O) O {
	return child(name, lbID+"/"+kind+"/"+name, "Microsoft.Network/loadBalancers/"+kind, props)
}

func lbResource(name, id, sku string, props O) O {
	return O{{"name", name}, {"id", id}, {"type", "Microsoft.Network/loadBalancers"}, {"location", weu},
		{"sku", O{{"name", sku}, {"tier", "Regional"}}}, {"properties", props}}
}

// gatewayLB is the provider side: a Gateway LB whose pool carries the VXLAN tunnel
// interfaces (spec §6) and whose HA-ports rule sends everything to the NVAs.
func gatewayLB() O {
	pool := gwlbID + "/backendAddressPools/be-nva"
	probe := gwlbID + "/probes/probe-nva"
	tunnels := []any{
		O{{"port", 10800}, {"identifier", 800}, {"protocol", "VXLAN"}, {"type", "Internal"}},
		O{{"port", 10801}, {"identifier", 801}, {"protocol", "VXLAN"}, {"type", "External"}},
	}
	return lbResource("lb-gwlb-nva", gwlbID, "Gateway", succeeded().
		Set("frontendIPConfigurations", []O{lbChild(gwlbID, "frontendIPConfigurations", "fe-gwlb", succeeded().
			Set("privateIPAddress", "10.0.6.10").Set("privateIPAllocationMethod", "Static").
			Set("privateIPAddressVersion", "IPv4").Set("subnet", ref(snet(vnetHub, "snet-gwlb"))))}).
		Set("backendAddressPools", []O{lbChild(gwlbID, "backendAddressPools", "be-nva",
			succeeded().Set("tunnelInterfaces", tunnels))}).
		Set("loadBalancingRules", []O{lbChild(gwlbID, "loadBalancingRules", "ha-ports", succeeded().
			Set("frontendIPConfiguration", ref(gwlbFE)).Set("backendAddressPools", refs(pool)).
			Set("protocol", "All").Set("frontendPort", 0).Set("backendPort", 0).Set("enableFloatingIP", true).
			Set("idleTimeoutInMinutes", 4).Set("loadDistribution", "Default").Set("probe", ref(probe)))}).
		Set("probes", []O{lbChild(gwlbID, "probes", "probe-nva", succeeded().Set("protocol", "Tcp").
			Set("port", 8080).Set("intervalInSeconds", 5).Set("numberOfProbes", 2).Set("probeThreshold", 1))}).
		Set("inboundNatRules", []any{}).Set("outboundRules", []any{}))
}

// webLB is the consumer side: a public Standard LB whose frontend is chained to the
// Gateway LB frontend, in front of vm-webpub1.
func webLB() O {
	fe := webLBID + "/frontendIPConfigurations/fe-web"
	pool := webLBID + "/backendAddressPools/be-web"
	probe := webLBID + "/probes/probe-https"
	return lbResource("lb-web-public", webLBID, "Standard", succeeded().
		Set("frontendIPConfigurations", []O{lbChild(webLBID, "frontendIPConfigurations", "fe-web", succeeded().
			Set("publicIPAddress", ref(appNet("publicIPAddresses", "pip-lb-web"))).
			Set("gatewayLoadBalancer", ref(gwlbFE)))}).
		Set("backendAddressPools", []O{lbChild(webLBID, "backendAddressPools", "be-web", succeeded())}).
		Set("loadBalancingRules", []O{lbChild(webLBID, "loadBalancingRules", "https", succeeded().
			Set("frontendIPConfiguration", ref(fe)).Set("backendAddressPool", ref(pool)).
			Set("protocol", "Tcp").Set("frontendPort", 443).Set("backendPort", 443).Set("enableFloatingIP", false).
			Set("idleTimeoutInMinutes", 4).Set("disableOutboundSnat", true).Set("loadDistribution", "Default").
			Set("probe", ref(probe)))}).
		Set("probes", []O{lbChild(webLBID, "probes", "probe-https", succeeded().Set("protocol", "Tcp").
			Set("port", 443).Set("intervalInSeconds", 5).Set("numberOfProbes", 2).Set("probeThreshold", 1))}).
		Set("inboundNatRules", []any{}).Set("outboundRules", []any{}))
}
