import json
SUB="/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network"
def rid(kind,name): return f"{SUB}/{kind}/{name}"
def subnet(vnet,name,prefix,rt=None,nsg=None):
    p={"provisioningState":"Succeeded","addressPrefix":prefix,"delegations":[],
       "privateEndpointNetworkPolicies":"Disabled","privateLinkServiceNetworkPolicies":"Enabled"}
    if rt: p["routeTable"]={"id":rid("routeTables",rt)}
    if nsg: p["networkSecurityGroup"]={"id":rid("networkSecurityGroups",nsg)}
    return {"name":name,"id":rid("virtualNetworks",vnet)+"/subnets/"+name,"type":"Microsoft.Network/virtualNetworks/subnets","properties":p}
def peering(vnet,name,remote,remote_space,transit=False,use_remote=False):
    return {"name":name,"id":rid("virtualNetworks",vnet)+"/virtualNetworkPeerings/"+name,
      "type":"Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
      "properties":{"provisioningState":"Succeeded","peeringState":"Connected","peeringSyncLevel":"FullyInSync",
        "remoteVirtualNetwork":{"id":rid("virtualNetworks",remote)},"allowVirtualNetworkAccess":True,
        "allowForwardedTraffic":True,"allowGatewayTransit":transit,"useRemoteGateways":use_remote,
        "remoteAddressSpace":{"addressPrefixes":[remote_space]},"remoteVirtualNetworkAddressSpace":{"addressPrefixes":[remote_space]}}}
def vnet(name,loc,space,subnets,peerings):
    return {"name":name,"id":rid("virtualNetworks",name),"type":"Microsoft.Network/virtualNetworks","location":loc,
      "properties":{"provisioningState":"Succeeded","addressSpace":{"addressPrefixes":[space]},"subnets":subnets,"virtualNetworkPeerings":peerings}}
def rt(name,routes,noprop=False):
    return {"name":name,"id":rid("routeTables",name),"type":"Microsoft.Network/routeTables","location":"westeurope",
      "properties":{"provisioningState":"Succeeded","disableBgpRoutePropagation":noprop,"routes":[
        {"name":n,"id":rid("routeTables",name)+"/routes/"+n,"type":"Microsoft.Network/routeTables/routes",
         "properties":{"provisioningState":"Succeeded","addressPrefix":p,"nextHopType":h}} for n,p,h in routes]}}
network=[
 vnet("vnet-hub","westeurope","10.30.0.0/16",[subnet("vnet-hub","snet-hub","10.30.1.0/24"),subnet("vnet-hub","GatewaySubnet","10.30.255.0/27")],
   [peering("vnet-hub","hub-to-s1","vnet-s1","10.31.0.0/16",transit=True),peering("vnet-hub","hub-to-s2","vnet-s2","10.32.0.0/16",transit=True)]),
 vnet("vnet-s1","westeurope","10.31.0.0/16",[subnet("vnet-s1","snet-s1","10.31.1.0/24","rt-s1"),subnet("vnet-s1","snet-pub","10.31.2.0/24","rt-pub","nsg-pub")],
   [peering("vnet-s1","s1-to-hub","vnet-hub","10.30.0.0/16",use_remote=True)]),
 vnet("vnet-s2","westeurope","10.32.0.0/16",[subnet("vnet-s2","snet-s2","10.32.1.0/24","rt-s2")],
   [peering("vnet-s2","s2-to-hub","vnet-hub","10.30.0.0/16",use_remote=True)]),
 vnet("vnet-far","northeurope","10.40.0.0/16",[subnet("vnet-far","snet-far","10.40.1.0/24"),subnet("vnet-far","GatewaySubnet","10.40.255.0/27","rt-far-gw")],[]),
 rt("rt-s1",[("to-s2-via-gateway","10.32.0.0/16","VirtualNetworkGateway")]),
 rt("rt-s2",[("to-s1-via-gateway","10.31.0.0/16","VirtualNetworkGateway")]),
 rt("rt-pub",[("forced-tunnel","0.0.0.0/0","VirtualNetworkGateway")]),
 rt("rt-far-gw",[],noprop=True),
 {"name":"nsg-pub","id":rid("networkSecurityGroups","nsg-pub"),"type":"Microsoft.Network/networkSecurityGroups","location":"westeurope",
  "properties":{"provisioningState":"Succeeded","securityRules":[{"name":"allow-https-in","id":rid("networkSecurityGroups","nsg-pub")+"/securityRules/allow-https-in",
   "type":"Microsoft.Network/networkSecurityGroups/securityRules","properties":{"provisioningState":"Succeeded","protocol":"Tcp","sourcePortRange":"*",
   "destinationPortRange":"443","sourceAddressPrefix":"Internet","destinationAddressPrefix":"*","access":"Allow","priority":100,"direction":"Inbound"}}]}},
]
def pip(name,addr,loc):
    return {"name":name,"id":rid("publicIPAddresses",name),"type":"Microsoft.Network/publicIPAddresses","location":loc,
      "sku":{"name":"Standard"},"properties":{"provisioningState":"Succeeded","ipAddress":addr,"publicIPAllocationMethod":"Static",
      "ipConfiguration":{"id":rid("virtualNetworkGateways",name.replace("pip-",""))+"/ipConfigurations/default"}}}
def gw(name,vnet,loc,bgp,pipname):
    return {"name":name,"id":rid("virtualNetworkGateways",name),"type":"Microsoft.Network/virtualNetworkGateways","location":loc,
      "properties":{"provisioningState":"Succeeded","ipConfigurations":[{"name":"default","id":rid("virtualNetworkGateways",name)+"/ipConfigurations/default",
        "properties":{"privateIPAllocationMethod":"Dynamic","subnet":{"id":rid("virtualNetworks",vnet)+"/subnets/GatewaySubnet"},
        "publicIPAddress":{"id":rid("publicIPAddresses",pipname)}}}],
        "sku":{"name":"VpnGw1","tier":"VpnGw1"},"gatewayType":"Vpn","vpnType":"RouteBased","enableBgp":False,"activeActive":False,
        "bgpSettings":{"asn":65515,"bgpPeeringAddress":bgp,"peerWeight":0}}}
def conn(name,typ,g1,other):
    p={"connectionType":typ,"connectionStatus":"Connected","enableBgp":False,"virtualNetworkGateway1":{"id":rid("virtualNetworkGateways",g1)}}
    if typ=="Vnet2Vnet": p["virtualNetworkGateway2"]={"id":rid("virtualNetworkGateways",other)}
    else: p["localNetworkGateway2"]={"id":rid("localNetworkGateways",other)}
    return {"name":name,"id":rid("connections",name),"type":"Microsoft.Network/connections","location":"westeurope","properties":p}
edge={"value":[
 gw("vgw-hub","vnet-hub","westeurope","10.30.255.30","pip-vgw-hub"), gw("vgw-far","vnet-far","northeurope","10.40.255.30","pip-vgw-far"),
 pip("pip-vgw-hub","20.30.0.10","westeurope"), pip("pip-vgw-far","20.40.0.10","northeurope"),
 {"name":"pip-vm-pub","id":rid("publicIPAddresses","pip-vm-pub"),"type":"Microsoft.Network/publicIPAddresses","location":"westeurope",
  "sku":{"name":"Standard"},"properties":{"provisioningState":"Succeeded","ipAddress":"20.31.0.5","publicIPAllocationMethod":"Static",
  "ipConfiguration":{"id":rid("networkInterfaces","vm-pub-nic")+"/ipConfigurations/ipconfig1"}}},
 {"name":"lng-dc","id":rid("localNetworkGateways","lng-dc"),"type":"Microsoft.Network/localNetworkGateways","location":"westeurope",
  "properties":{"provisioningState":"Succeeded","gatewayIpAddress":"203.0.113.30","localNetworkAddressSpace":{"addressPrefixes":["192.168.30.0/24"]}}},
 conn("cn-dc","IPsec","vgw-hub","lng-dc"), conn("cn-hub-far","Vnet2Vnet","vgw-hub","vgw-far"), conn("cn-far-hub","Vnet2Vnet","vgw-far","vgw-hub"),
]}
def nic(vm,vnet,sub,addr,loc="westeurope",pub=None):
    n=vm+"-nic"
    return {"name":n,"id":rid("networkInterfaces",n),"type":"Microsoft.Network/networkInterfaces","location":loc,
      "properties":{"provisioningState":"Succeeded","ipConfigurations":[{"name":"ipconfig1","id":rid("networkInterfaces",n)+"/ipConfigurations/ipconfig1",
        "type":"Microsoft.Network/networkInterfaces/ipConfigurations","properties":{"provisioningState":"Succeeded","privateIPAddress":addr,
        "privateIPAllocationMethod":"Static","subnet":{"id":rid("virtualNetworks",vnet)+"/subnets/"+sub},"primary":True,"privateIPAddressVersion":"IPv4",
        **({"publicIPAddress":{"id":rid("publicIPAddresses",pub)}} if pub else {})}}],
        "enableIPForwarding":False,"primary":True,
        "virtualMachine":{"id":"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Compute/virtualMachines/"+vm}}}
nics=[nic("vm-hub","vnet-hub","snet-hub","10.30.1.4"),nic("vm-s1","vnet-s1","snet-s1","10.31.1.4"),nic("vm-s2","vnet-s2","snet-s2","10.32.1.4"),
      nic("vm-far","vnet-far","snet-far","10.40.1.4","northeurope"),nic("vm-pub","vnet-s1","snet-pub","10.31.2.4",pub="pip-vm-pub")]
for f,d in [("network",network),("edge",edge),("nics",nics)]:
    open(f"snapshot/{f}.json","w").write(json.dumps(d,indent=1)+"\n")
q={"cases":[
 {"name":"spoke-to-spoke-via-hub-gateway","query":{"from":"vm-s1","to":"vm-s2","protocol":"Tcp","destinationPort":443},
  "expect":{"verdict":"Reachable","forward":"","return":"","hops":"Nic > VirtualNetworkGateway > Nic","findings":None}},
 {"name":"vnet2vnet-enters-peer-gateway-vnet","query":{"from":"vm-hub","to":"vm-far","protocol":"Tcp","destinationPort":22},
  "expect":{"verdict":"Reachable","forward":"","return":"","hops":"Nic > VirtualNetworkGateway > VirtualNetworkGateway > Nic","findings":None}},
 {"name":"vnet2vnet-gateway-subnet-no-propagation-broken","query":{"from":"vm-hub","to":"vm-far","protocol":"Tcp","destinationPort":22},
  "assume":["gw-subnet-no-propagation=broken"],
  "expect":{"verdict":"Unreachable","forward":"","return":"","hops":"Nic > VirtualNetworkGateway > VirtualNetworkGateway","findings":None}},
 {"name":"internet-reply-forced-to-gateway","query":{"from":"internet:198.51.100.7","to":"20.31.0.5","protocol":"Tcp","destinationPort":443},
  "expect":{"verdict":"Unreachable","forward":"","return":"","hops":"","findings":["AsymmetricReturn"]}},
 {"name":"spoke-to-onprem-exits","query":{"from":"vm-s1","to":"192.168.30.10","protocol":"Tcp","destinationPort":443},
  "expect":{"verdict":"Reachable","forward":"","return":"","hops":"Nic > VirtualNetworkGateway > OnPremises","findings":None}},
]}
exp={"spoke-to-spoke-via-hub-gateway":("Delivered Route=System Route","Delivered Route=System Route"),
 "vnet2vnet-enters-peer-gateway-vnet":("Delivered Route=System Route","Delivered Route=System Route"),
 "internet-reply-forced-to-gateway":("Delivered NsgInbound=defaultSecurityRules/AllowVnetInBound","ExitedToOnPremises Route=forced-tunnel"),
 "spoke-to-onprem-exits":("ExitedToOnPremises Route=System Route","Delivered Route=System Route"),
 "vnet2vnet-gateway-subnet-no-propagation-broken":("Dropped/PlatformBlocked Platform=rt-far-gw","")}
for c in q["cases"]:
    c["expect"]["forward"],c["expect"]["return"]=exp[c["name"]]
    if c["name"].startswith("internet"): c["expect"]["hops"]="Internet > Nic"
open("queries.json","w").write(json.dumps(q,indent=1)+"\n")
