import json
SUB="/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network"
def rid(kind,name): return f"{SUB}/{kind}/{name}"
def subnet(vnet,name,prefix):
    return {"name":name,"id":rid("virtualNetworks",vnet)+"/subnets/"+name,"type":"Microsoft.Network/virtualNetworks/subnets",
      "properties":{"provisioningState":"Succeeded","addressPrefix":prefix,"privateEndpointNetworkPolicies":"Disabled"}}
def vnet(name,space,subnets):
    return {"name":name,"id":rid("virtualNetworks",name),"type":"Microsoft.Network/virtualNetworks","location":"westeurope",
      "properties":{"provisioningState":"Succeeded","addressSpace":{"addressPrefixes":[space]},"subnets":subnets,"virtualNetworkPeerings":[]}}
AVNM=rid("networkManagers","avnm-corp")
def group(name,members):
    out=[{"name":name,"id":AVNM+"/networkGroups/"+name,"type":"Microsoft.Network/networkManagers/networkGroups",
          "properties":{"provisioningState":"Succeeded","memberType":"VirtualNetwork"}}]
    for m in members:
        out.append({"name":"sm-"+m,"id":AVNM+"/networkGroups/"+name+"/staticMembers/sm-"+m,
          "type":"Microsoft.Network/networkManagers/networkGroups/staticMembers",
          "properties":{"provisioningState":"Succeeded","resourceId":rid("virtualNetworks",m)}})
    return out
# The hub with a VPN gateway to on-premises 192.168.70.0/24; spokes p1, p2 in ng-prod (direct connectivity, hub as
# gateway), p3 in ng-test (neither). The snapshot was exported before deployment: no peerings yet.
network=[
 vnet("vnet-hub","10.70.0.0/16",[subnet("vnet-hub","snet-hub","10.70.1.0/24"),subnet("vnet-hub","GatewaySubnet","10.70.255.0/27")]),
 vnet("vnet-p1","10.71.0.0/16",[subnet("vnet-p1","snet-p1","10.71.1.0/24")]),
 vnet("vnet-p2","10.72.0.0/16",[subnet("vnet-p2","snet-p2","10.72.1.0/24")]),
 vnet("vnet-p3","10.73.0.0/16",[subnet("vnet-p3","snet-p3","10.73.1.0/24")]),
]
edge=[
 {"name":"vgw-hub","id":rid("virtualNetworkGateways","vgw-hub"),"type":"Microsoft.Network/virtualNetworkGateways","location":"westeurope",
  "properties":{"provisioningState":"Succeeded","ipConfigurations":[{"name":"default","id":rid("virtualNetworkGateways","vgw-hub")+"/ipConfigurations/default",
    "properties":{"privateIPAllocationMethod":"Dynamic","subnet":{"id":rid("virtualNetworks","vnet-hub")+"/subnets/GatewaySubnet"},
    "publicIPAddress":{"id":rid("publicIPAddresses","pip-vgw-hub")}}}],
    "sku":{"name":"VpnGw1","tier":"VpnGw1"},"gatewayType":"Vpn","vpnType":"RouteBased","enableBgp":False,"activeActive":False,
    "bgpSettings":{"asn":65515,"bgpPeeringAddress":"10.70.255.30","peerWeight":0}}},
 {"name":"pip-vgw-hub","id":rid("publicIPAddresses","pip-vgw-hub"),"type":"Microsoft.Network/publicIPAddresses","location":"westeurope",
  "sku":{"name":"Standard"},"properties":{"ipAddress":"20.70.0.10","publicIPAllocationMethod":"Static",
  "ipConfiguration":{"id":rid("virtualNetworkGateways","vgw-hub")+"/ipConfigurations/default"}}},
 {"name":"lng-dc","id":rid("localNetworkGateways","lng-dc"),"type":"Microsoft.Network/localNetworkGateways","location":"westeurope",
  "properties":{"gatewayIpAddress":"203.0.113.70","localNetworkAddressSpace":{"addressPrefixes":["192.168.70.0/24"]}}},
 {"name":"cn-dc","id":rid("connections","cn-dc"),"type":"Microsoft.Network/connections","location":"westeurope",
  "properties":{"connectionType":"IPsec","connectionStatus":"Connected","enableBgp":False,
   "virtualNetworkGateway1":{"id":rid("virtualNetworkGateways","vgw-hub")},"localNetworkGateway2":{"id":rid("localNetworkGateways","lng-dc")}}},
]
avnm=group("ng-prod",["vnet-p1","vnet-p2"])+group("ng-test",["vnet-p3"])+[
 {"name":"cc-hub","id":AVNM+"/connectivityConfigurations/cc-hub","type":"Microsoft.Network/networkManagers/connectivityConfigurations",
  "properties":{"connectivityTopology":"HubAndSpoke","isGlobal":"False","deleteExistingPeering":"True",
   "hubs":[{"resourceId":rid("virtualNetworks","vnet-hub"),"resourceType":"Microsoft.Network/virtualNetworks"}],
   "appliesToGroups":[
    {"networkGroupId":AVNM+"/networkGroups/ng-prod","useHubGateway":"True","groupConnectivity":"DirectlyConnected","isGlobal":"False"},
    {"networkGroupId":AVNM+"/networkGroups/ng-test","useHubGateway":"False","groupConnectivity":"None","isGlobal":"False"}],
   "provisioningState":"Succeeded"}}]
def nic(vm,vnet,sub,addr):
    n=vm+"-nic"
    return {"name":n,"id":rid("networkInterfaces",n),"type":"Microsoft.Network/networkInterfaces","location":"westeurope",
      "properties":{"provisioningState":"Succeeded","ipConfigurations":[{"name":"ipconfig1","id":rid("networkInterfaces",n)+"/ipConfigurations/ipconfig1",
        "properties":{"privateIPAddress":addr,"privateIPAllocationMethod":"Static","subnet":{"id":rid("virtualNetworks",vnet)+"/subnets/"+sub},"primary":True}}],
        "enableIPForwarding":False,
        "virtualMachine":{"id":"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Compute/virtualMachines/"+vm}}}
nics=[nic("vm-hub","vnet-hub","snet-hub","10.70.1.4"),nic("vm-p1","vnet-p1","snet-p1","10.71.1.4"),
      nic("vm-p2","vnet-p2","snet-p2","10.72.1.4"),nic("vm-p3","vnet-p3","snet-p3","10.73.1.4")]
for f,d in [("network",network),("edge",{"value":edge}),("avnm",{"value":avnm}),("nics",nics)]:
    open(f"snapshot/{f}.json","w").write(json.dumps(d,indent=1)+"\n")
def case(name,frm,to,port,verdict,fwd,ret,hops):
    return {"name":name,"query":{"from":frm,"to":to,"protocol":"Tcp","destinationPort":port},
      "expect":{"verdict":verdict,"forward":fwd,"return":ret,"hops":hops,"findings":None}}
q={"cases":[
 case("spoke-to-spoke-direct-connectivity","vm-p1","vm-p2",443,"Reachable","Delivered Route=System Route","Delivered Route=System Route","Nic > Nic"),
 case("spoke-to-hub-over-anm-peering","vm-p1","vm-hub",443,"Reachable","Delivered Route=System Route","Delivered Route=System Route","Nic > Nic"),
 case("spoke-to-onprem-through-hub-gateway","vm-p1","192.168.70.10",443,"Reachable","ExitedToOnPremises Route=System Route",
      "Delivered Route=System Route","Nic > VirtualNetworkGateway > OnPremises"),
 case("test-spoke-not-in-connected-group","vm-p3","vm-p1",443,"Unreachable","Dropped/NextHopNone Route=System Route","","Nic"),
 case("test-spoke-without-hub-gateway","vm-p3","192.168.70.10",443,"Unreachable","Dropped/NextHopNone Route=System Route","","Nic"),
]}
open("queries.json","w").write(json.dumps(q,indent=1)+"\n")
