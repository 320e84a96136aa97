# Generates the route-server-nva scenario (README.md) and its twin ../route-server-no-b2b, the same estate with the
# Route Server's allowBranchToBranchTraffic off. Run from this directory: python3 gen.py
import json, os
SUB="/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network"
def rid(kind,name): return f"{SUB}/{kind}/{name}"
def subnet(vnet,name,prefix,rt=None):
    p={"provisioningState":"Succeeded","addressPrefix":prefix,"delegations":[],"privateEndpointNetworkPolicies":"Disabled"}
    if rt: p["routeTable"]={"id":rid("routeTables",rt)}
    return {"name":name,"id":rid("virtualNetworks",vnet)+"/subnets/"+name,"type":"Microsoft.Network/virtualNetworks/subnets","properties":p}
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
 vnet("vnet-hub","10.60.0.0/16",[subnet("vnet-hub","RouteServerSubnet","10.60.0.0/27"),subnet("vnet-hub","snet-nva","10.60.1.0/24","rt-nva"),
   subnet("vnet-hub","snet-hub","10.60.2.0/24","rt-hub"),subnet("vnet-hub","GatewaySubnet","10.60.255.0/27")],
   [peering("vnet-hub","hub-to-spoke","vnet-spoke","10.61.0.0/16",transit=True),
    peering("vnet-hub","hub-to-spoke2","vnet-spoke2","10.62.0.0/16",transit=True)]),
 vnet("vnet-spoke","10.61.0.0/16",[subnet("vnet-spoke","snet-spoke","10.61.1.0/24")],
   [peering("vnet-spoke","spoke-to-hub","vnet-hub","10.60.0.0/16",use_remote=True)]),
 vnet("vnet-spoke2","10.62.0.0/16",[subnet("vnet-spoke2","snet-spoke2","10.62.1.0/24")],
   [peering("vnet-spoke2","spoke2-to-hub","vnet-hub","10.60.0.0/16",use_remote=True)]),
 # troubleshoot-route-server: an NVA that advertises 0.0.0.0/0 needs a 0.0.0.0/0 UDR with next hop Internet on its own
 # subnet, or its internet-bound traffic returns to itself.
 # azure-semantics.md §1.8 item 1: a VirtualAppliance UDR may name a gateway instance; the gateway hairpins the packet back
 # into Azure (vm-hub -> vm-spoke2 through vgw-hub's first instance).
 {"name":"rt-hub","id":rid("routeTables","rt-hub"),"type":"Microsoft.Network/routeTables","location":"westeurope",
  "properties":{"disableBgpRoutePropagation":False,"routes":[{"name":"spoke2-via-gateway","id":rid("routeTables","rt-hub")+"/routes/spoke2-via-gateway",
    "properties":{"addressPrefix":"10.62.0.0/16","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.60.255.4"}}],
    "subnets":[{"id":rid("virtualNetworks","vnet-hub")+"/subnets/snet-hub"}]}},
 {"name":"rt-nva","id":rid("routeTables","rt-nva"),"type":"Microsoft.Network/routeTables","location":"westeurope",
  "properties":{"disableBgpRoutePropagation":False,"routes":[{"name":"internet","id":rid("routeTables","rt-nva")+"/routes/internet",
    "properties":{"addressPrefix":"0.0.0.0/0","nextHopType":"Internet"}}],
    "subnets":[{"id":rid("virtualNetworks","vnet-hub")+"/subnets/snet-nva"}]}},
]
RS=rid("virtualHubs","rs-hub")
# az network routeserver show (a virtualHubs resource without virtualWan), and az network routeserver peering list.
def routeserver(b2b):
  return [
 {"name":"rs-hub","id":RS,"type":"Microsoft.Network/virtualHubs","location":"westeurope","kind":"RouteServer",
  "properties":{"provisioningState":"Succeeded","sku":"Standard","allowBranchToBranchTraffic":b2b,"hubRoutingPreference":"ExpressRoute",
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
 # The branch's range is also in the local network gateway (a static route the gateway lists once, §1.10 rule 3), so a
 # trace can start there.
 {"name":"lng-branch","id":rid("localNetworkGateways","lng-branch"),"type":"Microsoft.Network/localNetworkGateways","location":"westeurope",
  "properties":{"gatewayIpAddress":"203.0.113.60","localNetworkAddressSpace":{"addressPrefixes":["192.168.60.0/24"]},"bgpSettings":{"asn":65100,"bgpPeeringAddress":"192.168.60.1"}}},
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
      nic("vm-hub","vnet-hub","snet-hub","10.60.2.4"),nic("vm-spoke","vnet-spoke","snet-spoke","10.61.1.4"),
      nic("vm-spoke2","vnet-spoke2","snet-spoke2","10.62.1.4")]
# az network routeserver peering list-learned-routes -g rg-net --routeserver rs-hub -n nva1 / nva2: one row per Route Server
# instance (localAddress 10.60.0.4 under RouteServiceRole_IN_0, 10.60.0.5 under _IN_1).
def rsrows(peer,rows):
    return {f"RouteServiceRole_IN_{i}":[{"asPath":a,"localAddress":local,"network":p,"nextHop":peer,"origin":"EBgp","sourcePeer":peer,"weight":32768}
             for p,a in rows] for i,local in enumerate(["10.60.0.4","10.60.0.5"])}
# Both NVAs advertise 0.0.0.0/0 and the supernet 10.0.0.0/8 (route-injection-in-spokes, "Inspecting private traffic through
# the NVA": a supernet of the VNets attracts spoke-to-spoke traffic) with equal AS paths: ECMP.
nva1=rsrows("10.60.1.4",[("0.0.0.0/0","65001"),("10.0.0.0/8","65001"),("10.100.0.0/16","65001"),("10.200.0.0/16","65001-65100"),("10.61.9.0/24","65001")])
nva2=rsrows("10.60.1.5",[("0.0.0.0/0","65001"),("10.0.0.0/8","65001"),("10.100.0.0/16","65001-65001")])
# az network vnet-gateway list-learned-routes -n vgw-hub: the branch over eBGP on both instances; with branch-to-branch on,
# also what the NVAs advertise, heard from the Route Server's instances over iBGP (expressroute-vpn-support: "Once you
# enable the route exchange, ExpressRoute and the NVA will learn each other's routes"). Those rows are the Route Server's
# to program (§1.10 rule 2): they change no VM route.
def gwrow(local,p,a="65100",hop="192.168.60.1",peer="192.168.60.1",origin="EBgp"):
    return {"asPath":a,"localAddress":local,"network":p,"nextHop":hop,"origin":origin,"sourcePeer":peer,"weight":32768}
def gwlearned(b2b):
    rows=[gwrow(l,p) for l in ["10.60.255.4","10.60.255.5"] for p in ["10.200.0.0/16","192.168.60.0/24"]]
    if b2b:
        rows+=[gwrow(l,p,"65001","10.60.1.4",rs,"IBgp") for l in ["10.60.255.4","10.60.255.5"] for rs in ["10.60.0.4","10.60.0.5"]
               for p in ["10.0.0.0/8","10.100.0.0/16"]]
    return {"value":rows}
for d,b2b in [(".",True),("../route-server-no-b2b",False)]:
    os.makedirs(d+"/snapshot",exist_ok=True)
    for f,v in [("network",network),("routeserver",routeserver(b2b)),("gateway",{"value":gateway}),("nics",nics),
                ("nva1.learned-routes",nva1),("nva2.learned-routes",nva2),("vgw-hub.learned-routes",gwlearned(b2b))]:
        open(f"{d}/snapshot/{f}.json","w").write(json.dumps(v,indent=1)+"\n")
# Expected effective routes, derived by hand (docs/azure-semantics.md §1.8 items 10-11 and §1.10):
# - the gateway's static route for lng-branch's 192.168.60.0/24 first (it lists the learned row of the same prefix once);
#   the active-active gateway's routes name both instances (§1.8 item 2).
# - 10.200.0.0/16: the gateway's path (65100) beats nva1's (65001-65100) (§1.8 item 11, MicroHack tables).
# - 0.0.0.0/0 and 10.0.0.0/8 from nva1 and nva2 with equal AS paths: one route each with both NVAs as next hops (ECMP,
#   route-server-faq); the learned 0/0 removes the default None routes and leaves 0/0 Internet Invalid (§1.2 DECISION).
# - 10.100.0.0/16: nva2's AS path is longer, nva1 alone (route-server-faq).
# - 10.61.9.0/24 falls inside the spoke: never programmed (§1.8 item 10).
# - the spokes use the hub's gateway and Route Server (useRemoteGateways): the same routes (route-server-faq, peering).
def r(src,prefix,hop,ips=(),state="Active"):
    return {"source":src,"state":state,"addressPrefix":[prefix],"nextHopType":hop,"nextHopIpAddress":list(ips)}
GW=["10.60.255.4","10.60.255.5"]; NVAS=["10.60.1.4","10.60.1.5"]
learned=[r("VirtualNetworkGateway","192.168.60.0/24","VirtualNetworkGateway",GW),
 r("VirtualNetworkGateway","10.200.0.0/16","VirtualNetworkGateway",GW),
 r("VirtualNetworkGateway","0.0.0.0/0","VirtualNetworkGateway",NVAS),
 r("VirtualNetworkGateway","10.0.0.0/8","VirtualNetworkGateway",NVAS),
 r("VirtualNetworkGateway","10.100.0.0/16","VirtualNetworkGateway",["10.60.1.4"])]
internet=r("Default","0.0.0.0/0","Internet",state="Invalid")
expected={
 # rt-hub's UDR for 10.62.0.0/16 wins over the peering route of the same prefix, which stays listed Invalid (§1.5 rule 1).
 "vm-hub":[r("Default","10.60.0.0/16","VnetLocal"),internet,r("Default","10.61.0.0/16","VNetPeering"),
   r("Default","10.62.0.0/16","VNetPeering",state="Invalid")]+learned+[r("User","10.62.0.0/16","VirtualAppliance",["10.60.255.4"])],
 "vm-spoke":[r("Default","10.61.0.0/16","VnetLocal"),internet,r("Default","10.60.0.0/16","VNetPeering")]+learned,
}
for nic,rows in expected.items():
    open(f"expected/routes-{nic}.json","w").write(json.dumps({"value":rows},indent=1)+"\n")
# Traces (queries.json), expectations by hand:
def case(name,src,dst,verdict,fwd,ret,hops,port=443):
    return {"name":name,"query":{"from":src,"to":dst,"protocol":"Tcp","destinationPort":port},
            "expect":{"verdict":verdict,"forward":fwd,"return":ret,"hops":hops,"findings":None}}
S="Route=System Route"
queries={"cases":[
 # route-injection-in-spokes, "Inspecting private traffic through the NVA": the NVAs' 10.0.0.0/8 takes spoke-to-spoke
 # traffic to nva1 (ECMP: the first by address); nva1's subnet reaches vnet-spoke2 by its peering. The reply comes back the
 # same way (route-server-faq: "The data traffic goes directly from the NVA to the destination VM and directly from the VM
 # to the NVA").
 case("spoke-to-spoke-through-nva-supernet","vm-spoke","vm-spoke2","Reachable","Delivered "+S,"Delivered "+S,"Nic > Appliance > Nic"),
 # 10.100.0.0/16 is advertised by nva1 alone: the branch behind it. At nva1 the route names nva1 itself, so the packet
 # leaves through the NVA's own path (azure-semantics.md §1.10 DECISION); the reply enters at nva1.
 case("spoke-to-nva-branch","vm-spoke","10.100.0.5","Reachable","ExitedToOnPremises "+S,"Delivered "+S,"Nic > Appliance > OnPremises"),
 # route-injection-in-spokes, "Connectivity to on-premises through virtual network gateways": the gateway's longer
 # 192.168.60.0/24 overrides the NVAs' 0.0.0.0/0.
 case("spoke-to-vpn-branch-skips-nva","vm-spoke","192.168.60.10","Reachable","ExitedToOnPremises "+S,"Delivered "+S,
      "Nic > VirtualNetworkGateway > OnPremises"),
 # Branch to branch (allowBranchToBranchTraffic, expressroute-vpn-support): the VPN gateway learned 10.100.0.0/16 from the
 # Route Server and sends the branch's packet to nva1; the reply returns through nva1 and the gateway.
 case("vpn-branch-to-nva-branch","192.168.60.10","10.100.0.5","Reachable","ExitedToOnPremises "+S,"ExitedToOnPremises "+S,
      "OnPremises > VirtualNetworkGateway > Appliance > OnPremises"),
 # The NVAs' 0.0.0.0/0 takes vm-hub's internet traffic to nva1, whose subnet's 0/0 UDR (troubleshoot-route-server)
 # sends it out.
 case("hub-internet-through-nva","vm-hub","8.8.8.8","Reachable","ExitedToInternet Route=internet","Delivered "+S,
      "Nic > Appliance > Internet"),
 # §1.8 item 1: rt-hub sends vnet-spoke2's range to vgw-hub's first instance; the gateway hairpins it into the peered spoke.
 # The reply takes the peering straight back (the gateway keeps no session).
 case("hub-to-spoke2-via-gateway-instance-udr","vm-hub","vm-spoke2","Reachable","Delivered "+S,"Delivered "+S,
      "Nic > VirtualNetworkGateway > Nic"),
 # A host behind nva1 (inside the 10.100.0.0/16 it advertises) comes in through nva1 and is answered through it.
 case("nva-branch-to-spoke","10.100.0.5","vm-spoke","Reachable","Delivered "+S,"ExitedToOnPremises "+S,
      "OnPremises > Appliance > Nic",22),
 # The other way of branch to branch: nva1's subnet reaches the VPN branch by the gateway's route; the reply enters at the
 # gateway, whose GatewaySubnet has nva1's 10.100.0.0/16 (branch-to-branch on).
 case("nva-branch-to-vpn-branch","10.100.0.5","192.168.60.10","Reachable","ExitedToOnPremises "+S,"ExitedToOnPremises "+S,
      "OnPremises > Appliance > VirtualNetworkGateway > OnPremises",22),
]}
open("queries.json","w").write(json.dumps(queries,indent=1)+"\n")
# With branch-to-branch off the gateway does not learn the NVAs' routes: the branch's packet for 10.100.0.5 finds only the
# default 10.0.0.0/8 None route in GatewaySubnet; the VMs still reach the NVA's branch.
nob2b={"cases":[
 case("vpn-branch-to-nva-branch-needs-b2b","192.168.60.10","10.100.0.5","Unreachable","Dropped/NextHopNone "+S,"",
      "OnPremises > VirtualNetworkGateway"),
 case("spoke-to-nva-branch","vm-spoke","10.100.0.5","Reachable","ExitedToOnPremises "+S,"Delivered "+S,"Nic > Appliance > OnPremises"),
 # nva1's branch reaches the VPN branch, but the reply entering the gateway finds no route back to nva1.
 dict(case("nva-branch-to-vpn-branch-reply-needs-b2b","10.100.0.5","192.168.60.10","Unreachable","ExitedToOnPremises "+S,
      "Dropped/NextHopNone "+S,"OnPremises > Appliance > VirtualNetworkGateway > OnPremises",22)),
]}
for c in nob2b["cases"]:
    if c["name"]=="nva-branch-to-vpn-branch-reply-needs-b2b": c["expect"]["findings"]=["AsymmetricReturn"]
open("../route-server-no-b2b/queries.json","w").write(json.dumps(nob2b,indent=1)+"\n")
