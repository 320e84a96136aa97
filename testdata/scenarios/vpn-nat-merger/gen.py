import json
# Microsoft's VPN NAT example (learn.microsoft.com/azure/vpn-gateway/nat-overview "NAT example", nat-howto
# "NAT rules table"): a VNet and two branch offices, all 10.0.1.0/24, after a merger.
SUB="/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network"
def rid(kind,name): return f"{SUB}/{kind}/{name}"
GW=rid("virtualNetworkGateways","vgw-azure")
def subnet(name,prefix):
    return {"name":name,"id":rid("virtualNetworks","vnet-azure")+"/subnets/"+name,"type":"Microsoft.Network/virtualNetworks/subnets",
      "properties":{"provisioningState":"Succeeded","addressPrefix":prefix,"privateEndpointNetworkPolicies":"Disabled"}}
network=[{"name":"vnet-azure","id":rid("virtualNetworks","vnet-azure"),"type":"Microsoft.Network/virtualNetworks","location":"westeurope",
  "properties":{"provisioningState":"Succeeded","addressSpace":{"addressPrefixes":["10.0.1.0/24"]},
   "subnets":[subnet("snet-app","10.0.1.0/25"),subnet("GatewaySubnet","10.0.1.224/27")],"virtualNetworkPeerings":[]}}]
def nat(name,mode,internal,external):
    return {"name":name,"id":GW+"/natRules/"+name,"type":"Microsoft.Network/virtualNetworkGateways/natRules",
      "properties":{"provisioningState":"Succeeded","type":"Static","mode":mode,
       "internalMappings":[{"addressSpace":internal}],"externalMappings":[{"addressSpace":external}],"ipConfigurationId":""}}
def lng(name,ip):
    return {"name":name,"id":rid("localNetworkGateways",name),"type":"Microsoft.Network/localNetworkGateways","location":"westeurope",
      "properties":{"provisioningState":"Succeeded","gatewayIpAddress":ip,"localNetworkAddressSpace":{"addressPrefixes":["10.0.1.0/24"]}}}
def conn(name,local,ingress):
    return {"name":name,"id":rid("connections",name),"type":"Microsoft.Network/connections","location":"westeurope",
      "properties":{"connectionType":"IPsec","connectionStatus":"Connected","enableBgp":False,
       "virtualNetworkGateway1":{"id":GW},"localNetworkGateway2":{"id":rid("localNetworkGateways",local)},
       "ingressNatRules":[{"id":GW+"/natRules/"+ingress}],"egressNatRules":[{"id":GW+"/natRules/VNet"}]}}
edge={"value":[
 {"name":"vgw-azure","id":GW,"type":"Microsoft.Network/virtualNetworkGateways","location":"westeurope",
  "properties":{"provisioningState":"Succeeded","ipConfigurations":[{"name":"default","id":GW+"/ipConfigurations/default",
    "properties":{"privateIPAllocationMethod":"Dynamic","subnet":{"id":rid("virtualNetworks","vnet-azure")+"/subnets/GatewaySubnet"},
    "publicIPAddress":{"id":rid("publicIPAddresses","pip-vgw-azure")}}}],
    "sku":{"name":"VpnGw2","tier":"VpnGw2"},"gatewayType":"Vpn","vpnType":"RouteBased","enableBgp":False,"activeActive":False,
    "enableBgpRouteTranslationForNat":False,
    "natRules":[nat("VNet","EgressSnat","10.0.1.0/24","100.0.1.0/24"),nat("Branch1","IngressSnat","10.0.1.0/24","100.0.2.0/24"),
                nat("Branch2","IngressSnat","10.0.1.0/24","100.0.3.0/24")]}},
 {"name":"pip-vgw-azure","id":rid("publicIPAddresses","pip-vgw-azure"),"type":"Microsoft.Network/publicIPAddresses","location":"westeurope",
  "sku":{"name":"Standard"},"properties":{"ipAddress":"20.1.0.10","publicIPAllocationMethod":"Static","ipConfiguration":{"id":GW+"/ipConfigurations/default"}}},
 lng("lng-branch1","203.0.113.1"), lng("lng-branch2","203.0.113.2"),
 conn("cn-branch1","lng-branch1","Branch1"), conn("cn-branch2","lng-branch2","Branch2"),
]}
nics=[{"name":"vm-app-nic","id":rid("networkInterfaces","vm-app-nic"),"type":"Microsoft.Network/networkInterfaces","location":"westeurope",
  "properties":{"provisioningState":"Succeeded","ipConfigurations":[{"name":"ipconfig1","id":rid("networkInterfaces","vm-app-nic")+"/ipConfigurations/ipconfig1",
    "properties":{"privateIPAddress":"10.0.1.4","privateIPAllocationMethod":"Static","subnet":{"id":rid("virtualNetworks","vnet-azure")+"/subnets/snet-app"},"primary":True}}],
    "enableIPForwarding":False,
    "virtualMachine":{"id":"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Compute/virtualMachines/vm-app"}}}]
for f,d in [("network",network),("edge",edge),("nics",nics)]:
    open(f"snapshot/{f}.json","w").write(json.dumps(d,indent=1)+"\n")
def case(name,frm,to,verdict,fwd,ret,hops):
    return {"name":name,"query":{"from":frm,"to":to,"protocol":"Tcp","destinationPort":443},
      "expect":{"verdict":verdict,"forward":fwd,"return":ret,"hops":hops,"findings":None}}
q={"cases":[
 case("vnet-to-branch1-post-nat","vm-app","100.0.2.5","Reachable","ExitedToOnPremises Snat=Branch1,VNet","Delivered Route=System Route",
      "Nic > VirtualNetworkGateway > OnPremises"),
 case("vnet-to-branch2-post-nat","vm-app","100.0.3.5","Reachable","ExitedToOnPremises Snat=Branch2,VNet","Delivered Route=System Route",
      "Nic > VirtualNetworkGateway > OnPremises"),
 case("branch2-host-to-vnet","100.0.3.5","vm-app","Reachable","Delivered Route=System Route","ExitedToOnPremises Snat=Branch2,VNet",
      "OnPremises > VirtualNetworkGateway > Nic"),
 case("pre-nat-address-stays-in-the-vnet","vm-app","10.0.1.5","Unreachable","Dropped/NoListener","","Nic > Nic"),
]}
open("queries.json","w").write(json.dumps(q,indent=1)+"\n")
