# Generates the route-server-nva scenario (README.md). Run from this directory: python3 gen.py
import json
SUB="/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network"
def rid(kind,name): return f"{SUB}/{kind}/{name}"
def subnet(vnet,name,prefix):
    return {"name":name,"id":rid("virtualNetworks",vnet)+"/subnets/"+name,"type":"Microsoft.Network/virtualNetworks/subnets",
      "properties":{"provisioningState":"Succeeded","addressPrefix":prefix,"delegations":[],"privateEndpointNetworkPolicies":"Disabled"}}
def peering(vnet,name,remote,remote_space,transit=False,use_remote=False):
    return {"name":name,"id":rid("virtualNetworks",vnet)+"/virtualNetworkPeerings/"+name,
      "type":"Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
      "properties":{"provisioningState":"Succeeded","peeringState":"Connected","remoteVirtualNetwork":{"id":rid("virtualNetworks",remote)},
        "allowVirtualNetworkAccess":True,"allowForwardedTraffic":True,"allowGatewayTransit":transit,"useRemoteGateways":use_remote,
        "remoteAddressSpace":{"addressPrefixes":[remote_space]}}}
def vnet(name,space,subnets,peerings):
    return {"name":name,"id":rid("virtualNetworks",name),"type":"Microsoft.Network/virtualNetworks","location":"westeurope",
      "properties":{"provisioningState":"Succeeded","addressSpace":{"addressPrefixes":[space]},"subnets":subnets,"virtualNetworkPeerings":peerings}}
network=[
 vnet("vnet-hub","10.60.0.0/16",[subnet("vnet-hub","RouteServerSubnet","10.60.0.0/27"),subnet("vnet-hub","snet-nva","10.60.1.0/24"),
   subnet("vnet-hub","snet-hub","10.60.2.0/24"),subnet("vnet-hub","GatewaySubnet","10.60.255.0/27")],
   [peering("vnet-hub","hub-to-spoke","vnet-spoke","10.61.0.0/16",transit=True)]),
 vnet("vnet-spoke","10.61.0.0/16",[subnet("vnet-spoke","snet-spoke","10.61.1.0/24")],
   [peering("vnet-spoke","spoke-to-hub","vnet-hub","10.60.0.0/16",use_remote=True)]),
]
RS=rid("virtualHubs","rs-hub")
# az network routeserver show (a virtualHubs resource without virtualWan), and az network routeserver peering list.
routeserver=[
 {"name":"rs-hub","id":RS,"type":"Microsoft.Network/virtualHubs","location":"westeurope","kind":"RouteServer",
  "properties":{"provisioningState":"Succeeded","sku":"Standard","allowBranchToBranchTraffic":True,"hubRoutingPreference":"ExpressRoute",
   "virtualRouterAsn":65515,"virtualRouterIps":["10.60.0.4","10.60.0.5"],
   "ipConfigurations":[{"id":RS+"/ipConfigurations/ipconfig1"}],"bgpConnections":[{"id":RS+"/bgpConnections/nva1"},{"id":RS+"/bgpConnections/nva2"}]}},
 {"name":"ipconfig1","id":RS+"/ipConfigurations/ipconfig1","type":"Microsoft.Network/virtualHubs/ipConfigurations",
  "properties":{"provisioningState":"Succeeded","privateIPAllocationMethod":"Dynamic","subnet":{"id":rid("virtualNetworks","vnet-hub")+"/subnets/RouteServerSubnet"}}},
]+[{"name":n,"id":RS+"/bgpConnections/"+n,"type":"Microsoft.Network/virtualHubs/bgpConnections",
    "properties":{"provisioningState":"Succeeded","peerIp":ip,"peerAsn":65001,"connectionState":"Connected"}} for n,ip in [("nva1","10.60.1.4"),("nva2","10.60.1.5")]]
gateway=[
 {"name":"vgw-hub","id":rid("virtualNetworkGateways","vgw-hub"),"type":"Microsoft.Network/virtualNetworkGateways","location":"westeurope",
  "properties":{"provisioningState":"Succeeded","gatewayType":"Vpn","vpnType":"RouteBased","enableBgp":True,"activeActive":True,
   "ipConfigurations":[{"name":n,"id":rid("virtualNetworkGateways","vgw-hub")+"/ipConfigurations/"+n,
     "properties":{"privateIPAddress":ip,"subnet":{"id":rid("virtualNetworks","vnet-hub")+"/subnets/GatewaySubnet"}}} for n,ip in [("gw0","10.60.255.4"),("gw1","10.60.255.5")]],
   "bgpSettings":{"asn":65515,"bgpPeeringAddresses":[{"ipconfigurationId":rid("virtualNetworkGateways","vgw-hub")+"/ipConfigurations/gw0","defaultBgpIpAddresses":["10.60.255.4"]},
     {"ipconfigurationId":rid("virtualNetworkGateways","vgw-hub")+"/ipConfigurations/gw1","defaultBgpIpAddresses":["10.60.255.5"]}]}}},
 {"name":"lng-branch","id":rid("localNetworkGateways","lng-branch"),"type":"Microsoft.Network/localNetworkGateways","location":"westeurope",
  "properties":{"gatewayIpAddress":"203.0.113.60","localNetworkAddressSpace":{"addressPrefixes":[]},"bgpSettings":{"asn":65100,"bgpPeeringAddress":"192.168.60.1"}}},
 {"name":"cn-branch","id":rid("connections","cn-branch"),"type":"Microsoft.Network/connections","location":"westeurope",
  "properties":{"connectionType":"IPsec","connectionStatus":"Connected","enableBgp":True,
   "virtualNetworkGateway1":{"id":rid("virtualNetworkGateways","vgw-hub")},"localNetworkGateway2":{"id":rid("localNetworkGateways","lng-branch")}}},
]
def nic(vm,vnet,sub,addr,fwd=False):
    n=vm+"-nic"
    return {"name":n,"id":rid("networkInterfaces",n),"type":"Microsoft.Network/networkInterfaces","location":"westeurope",
      "properties":{"provisioningState":"Succeeded","enableIPForwarding":fwd,"ipConfigurations":[{"name":"ipconfig1","id":rid("networkInterfaces",n)+"/ipConfigurations/ipconfig1",
        "properties":{"privateIPAddress":addr,"privateIPAllocationMethod":"Static","subnet":{"id":rid("virtualNetworks",vnet)+"/subnets/"+sub},"primary":True}}],
        "virtualMachine":{"id":"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Compute/virtualMachines/"+vm}}}
nics=[nic("nva1","vnet-hub","snet-nva","10.60.1.4",True),nic("nva2","vnet-hub","snet-nva","10.60.1.5",True),
      nic("vm-hub","vnet-hub","snet-hub","10.60.2.4"),nic("vm-spoke","vnet-spoke","snet-spoke","10.61.1.4")]
# az network routeserver peering list-learned-routes -g rg-net --routeserver rs-hub -n nva1 / nva2: one row per Route Server
# instance (localAddress 10.60.0.4 under RouteServiceRole_IN_0, 10.60.0.5 under _IN_1).
def rsrows(peer,rows):
    return {f"RouteServiceRole_IN_{i}":[{"asPath":a,"localAddress":local,"network":p,"nextHop":peer,"origin":"EBgp","sourcePeer":peer,"weight":32768}
             for p,a in rows] for i,local in enumerate(["10.60.0.4","10.60.0.5"])}
nva1=rsrows("10.60.1.4",[("0.0.0.0/0","65001"),("10.100.0.0/16","65001"),("10.200.0.0/16","65001-65100"),("10.61.9.0/24","65001")])
nva2=rsrows("10.60.1.5",[("0.0.0.0/0","65001"),("10.100.0.0/16","65001-65001")])
# az network vnet-gateway list-learned-routes -n vgw-hub: the branch over eBGP on both instances.
def gwrow(local,p,a="65100"):
    return {"asPath":a,"localAddress":local,"network":p,"nextHop":"192.168.60.1","origin":"EBgp","sourcePeer":"192.168.60.1","weight":32768}
gwlearned={"value":[gwrow(l,p) for l in ["10.60.255.4","10.60.255.5"] for p in ["10.200.0.0/16","192.168.60.0/24"]]}
for f,d in [("network",network),("routeserver",routeserver),("gateway",{"value":gateway}),("nics",nics),
            ("nva1.learned-routes",nva1),("nva2.learned-routes",nva2),("vgw-hub.learned-routes",gwlearned)]:
    open(f"snapshot/{f}.json","w").write(json.dumps(d,indent=1)+"\n")
# Expected effective routes, derived by hand (docs/azure-semantics.md §1.8 items 10-11 and "Route Server"):
# - 0.0.0.0/0 from nva1 and nva2 with equal AS paths: one route with both NVAs as next hops (ECMP, route-server-faq);
#   the learned 0/0 removes the default None routes and leaves 0/0 Internet Invalid (§1.2 DECISION).
# - 10.100.0.0/16: nva2's AS path is longer, nva1 alone (route-server-faq).
# - 10.200.0.0/16: the gateway's path (65100) beats nva1's (65001-65100) (§1.8 item 11, MicroHack tables); the active-active
#   gateway's routes name both instances (§1.8 item 2).
# - 10.61.9.0/24 falls inside the spoke: never programmed (§1.8 item 10).
# - the spoke uses the hub's gateway and Route Server (useRemoteGateways): the same routes (route-server-faq, peering).
def r(src,prefix,hop,ips=(),state="Active"):
    return {"source":src,"state":state,"addressPrefix":[prefix],"nextHopType":hop,"nextHopIpAddress":list(ips)}
learned=[r("VirtualNetworkGateway","10.200.0.0/16","VirtualNetworkGateway",["10.60.255.4","10.60.255.5"]),
 r("VirtualNetworkGateway","192.168.60.0/24","VirtualNetworkGateway",["10.60.255.4","10.60.255.5"]),
 r("VirtualNetworkGateway","0.0.0.0/0","VirtualNetworkGateway",["10.60.1.4","10.60.1.5"]),
 r("VirtualNetworkGateway","10.100.0.0/16","VirtualNetworkGateway",["10.60.1.4"])]
expected={
 "vm-hub":[r("Default","10.60.0.0/16","VnetLocal"),r("Default","0.0.0.0/0","Internet",state="Invalid"),r("Default","10.61.0.0/16","VNetPeering")]+learned,
 "vm-spoke":[r("Default","10.61.0.0/16","VnetLocal"),r("Default","0.0.0.0/0","Internet",state="Invalid"),r("Default","10.60.0.0/16","VNetPeering")]+learned,
}
for nic,rows in expected.items():
    open(f"expected/routes-{nic}.json","w").write(json.dumps({"value":rows},indent=1)+"\n")
