# Generates the bgp-learned scenario (README.md). Run from this directory: python3 gen.py
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
        "remoteAddressSpace":{"addressPrefixes":[remote_space]}}}
def vnet(name,space,subnets,peerings):
    return {"name":name,"id":rid("virtualNetworks",name),"type":"Microsoft.Network/virtualNetworks","location":"westeurope",
      "properties":{"provisioningState":"Succeeded","addressSpace":{"addressPrefixes":[space]},"subnets":subnets,"virtualNetworkPeerings":peerings}}
network=[
 vnet("vnet-hub","10.50.0.0/16",[subnet("vnet-hub","snet-hub","10.50.1.0/24"),subnet("vnet-hub","GatewaySubnet","10.50.255.0/27")],
   [peering("vnet-hub","hub-to-s1","vnet-s1","10.51.0.0/16",transit=True),peering("vnet-hub","hub-to-s2","vnet-s2","10.52.0.0/16",transit=True)]),
 vnet("vnet-s1","10.51.0.0/16",[subnet("vnet-s1","snet-s1","10.51.1.0/24",nsg="nsg-s1")],[peering("vnet-s1","s1-to-hub","vnet-hub","10.50.0.0/16",use_remote=True)]),
 vnet("vnet-s2","10.52.0.0/16",[subnet("vnet-s2","snet-s2","10.52.1.0/24","rt-s2")],[peering("vnet-s2","s2-to-hub","vnet-hub","10.50.0.0/16",use_remote=True)]),
 # nsg-s1 holds the default rules only: vm-s1's traffic to on-premises prefixes learned over BGP is allowed by
 # AllowVnetOutBound, whose VirtualNetwork tag holds them (service-tags-overview: "all connected on-premises address spaces").
 {"name":"nsg-s1","id":rid("networkSecurityGroups","nsg-s1"),"type":"Microsoft.Network/networkSecurityGroups","location":"westeurope",
  "properties":{"provisioningState":"Succeeded","securityRules":[],"subnets":[{"id":rid("virtualNetworks","vnet-s1")+"/subnets/snet-s1"}]}},
 {"name":"rt-s2","id":rid("routeTables","rt-s2"),"type":"Microsoft.Network/routeTables","location":"westeurope",
  "properties":{"provisioningState":"Succeeded","disableBgpRoutePropagation":True,"routes":[]}},
]
edge={"value":[
 {"name":"vgw-hub","id":rid("virtualNetworkGateways","vgw-hub"),"type":"Microsoft.Network/virtualNetworkGateways","location":"westeurope",
  "properties":{"provisioningState":"Succeeded","ipConfigurations":[{"name":"default","id":rid("virtualNetworkGateways","vgw-hub")+"/ipConfigurations/default",
    "properties":{"privateIPAllocationMethod":"Dynamic","subnet":{"id":rid("virtualNetworks","vnet-hub")+"/subnets/GatewaySubnet"},
    "publicIPAddress":{"id":rid("publicIPAddresses","pip-vgw-hub")}}}],
    "sku":{"name":"VpnGw1","tier":"VpnGw1"},"gatewayType":"Vpn","vpnType":"RouteBased","enableBgp":True,"activeActive":False,
    "bgpSettings":{"asn":65515,"bgpPeeringAddress":"10.50.255.30","peerWeight":0}}},
 {"name":"pip-vgw-hub","id":rid("publicIPAddresses","pip-vgw-hub"),"type":"Microsoft.Network/publicIPAddresses","location":"westeurope",
  "sku":{"name":"Standard"},"properties":{"provisioningState":"Succeeded","ipAddress":"20.50.0.10","publicIPAllocationMethod":"Static",
  "ipConfiguration":{"id":rid("virtualNetworkGateways","vgw-hub")+"/ipConfigurations/default"}}},
 {"name":"lng-dc","id":rid("localNetworkGateways","lng-dc"),"type":"Microsoft.Network/localNetworkGateways","location":"westeurope",
  "properties":{"provisioningState":"Succeeded","gatewayIpAddress":"203.0.113.50","localNetworkAddressSpace":{"addressPrefixes":["192.168.50.1/32"]},
  "bgpSettings":{"asn":65050,"bgpPeeringAddress":"192.168.50.1","peerWeight":0}}},
 {"name":"cn-dc","id":rid("connections","cn-dc"),"type":"Microsoft.Network/connections","location":"westeurope",
  "properties":{"connectionType":"IPsec","connectionStatus":"Connected","enableBgp":True,
   "virtualNetworkGateway1":{"id":rid("virtualNetworkGateways","vgw-hub")},"localNetworkGateway2":{"id":rid("localNetworkGateways","lng-dc")}}},
]}
def nic(vm,vnet,sub,addr):
    n=vm+"-nic"
    return {"name":n,"id":rid("networkInterfaces",n),"type":"Microsoft.Network/networkInterfaces","location":"westeurope",
      "properties":{"provisioningState":"Succeeded","ipConfigurations":[{"name":"ipconfig1","id":rid("networkInterfaces",n)+"/ipConfigurations/ipconfig1",
        "properties":{"provisioningState":"Succeeded","privateIPAddress":addr,"privateIPAllocationMethod":"Static",
        "subnet":{"id":rid("virtualNetworks",vnet)+"/subnets/"+sub},"primary":True,"privateIPAddressVersion":"IPv4"}}],
        "enableIPForwarding":False,
        "virtualMachine":{"id":"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Compute/virtualMachines/"+vm}}}
nics=[nic("vm-hub","vnet-hub","snet-hub","10.50.1.4"),nic("vm-s1","vnet-s1","snet-s1","10.51.1.4"),nic("vm-s2","vnet-s2","snet-s2","10.52.1.4")]
# az network vnet-gateway list-learned-routes -g rg-net -n vgw-hub -o json (GatewayRouteListResult): the gateway's own
# networks (origin Network, sourcePeer = its own address), and what on-premises advertises over eBGP.
def row(network,origin,nexthop="",peer="192.168.50.1",aspath="65050"):
    return {"asPath":aspath if origin!="Network" else "","localAddress":"10.50.255.30","network":network,"nextHop":nexthop,
            "origin":origin,"sourcePeer":peer,"weight":32768}
learned={"value":[
 row("10.50.0.0/16","Network",peer="10.50.255.30"),
 row("192.168.50.1/32","Network",peer="10.50.255.30"),
 row("172.16.0.0/16","EBgp","192.168.50.1"),
 row("10.0.0.0/8","EBgp","192.168.50.1"),
 row("10.51.5.0/24","EBgp","192.168.50.1"),
]}
# az network vnet-gateway list-advertised-routes --peer 192.168.50.1: what the gateway tells on-premises (no sourcePeer).
advertised={"value":[{"asPath":"65515","localAddress":"10.50.255.30","network":p,"nextHop":"10.50.255.30","origin":"Igp","sourcePeer":None,"weight":0}
  for p in ["10.50.0.0/16","10.51.0.0/16","10.52.0.0/16"]]}
for f,d in [("network",network),("edge",edge),("nics",nics),("vgw-hub.learned-routes",learned),("vgw-hub.advertised-routes",advertised)]:
    open(f"snapshot/{f}.json","w").write(json.dumps(d,indent=1)+"\n")
# Expected effective routes, derived by hand from docs/azure-semantics.md §1.2-1.5 and §1.8 items 2, 10, 11 (not from the code):
# the VPN gateway is active-standby, so its routes name its public IP 20.50.0.10 (§1.8 item 2); 10.50.0.0/16 (origin Network)
# is the hub's own range and 10.51.5.0/24 falls inside the spoke: neither is programmed (§1.8 item 10); 192.168.50.1/32 is
# both the local network gateway's static prefix and a learned row: listed once; 10.0.0.0/8 learned beats the Default None
# route of the same prefix, which is removed (§1.5 rule 1); snet-s2's route table disables propagation: no gateway routes.
def r(src,prefix,hop,ips=()):
    return {"source":src,"state":"Active","addressPrefix":[prefix],"nextHopType":hop,"nextHopIpAddress":list(ips)}
nones=[r("Default",p,"None") for p in ["100.64.0.0/10","127.0.0.0/8","172.16.0.0/12","192.168.0.0/16","198.18.0.0/15"]]
gwr=[r("VirtualNetworkGateway",p,"VirtualNetworkGateway",["20.50.0.10"]) for p in ["192.168.50.1/32","10.0.0.0/8","172.16.0.0/16"]]
expected={
 "vm-hub":[r("Default","10.50.0.0/16","VnetLocal"),r("Default","0.0.0.0/0","Internet")]+nones+
   [r("Default","10.51.0.0/16","VNetPeering"),r("Default","10.52.0.0/16","VNetPeering")]+gwr,
 "vm-s1":[r("Default","10.51.0.0/16","VnetLocal"),r("Default","0.0.0.0/0","Internet")]+nones+[r("Default","10.50.0.0/16","VNetPeering")]+gwr,
 "vm-s2":[r("Default","10.52.0.0/16","VnetLocal"),r("Default","0.0.0.0/0","Internet"),r("Default","10.0.0.0/8","None")]+nones+
   [r("Default","10.50.0.0/16","VNetPeering")],
}
for nic,rows in expected.items():
    open(f"expected/routes-{nic}.json","w").write(json.dumps({"value":rows},indent=1)+"\n")
q={"cases":[
 {"name":"spoke-reaches-onprem-by-bgp-prefix","query":{"from":"vm-s1","to":"172.16.5.10","protocol":"Tcp","destinationPort":443},
  # nsg-s1's AllowVnetOutBound decides: 172.16.5.10 is in vm-s1's VirtualNetwork tag through the learned 172.16.0.0/16
  # (without it, DenyAllOutBound would: 172.16/12 is private, so not Internet either).
  "expect":{"verdict":"Reachable","forward":"ExitedToOnPremises NsgOutbound=defaultSecurityRules/AllowVnetOutBound","return":"Delivered Route=System Route",
   "hops":"Nic > VirtualNetworkGateway > OnPremises","findings":None}},
 # A host in the learned 172.16.0.0/16 comes in through the gateway; nsg-s1's AllowVnetInBound admits it (the tag holds the
 # learned prefix), and the reply leaves by the learned route.
 {"name":"onprem-bgp-prefix-to-spoke-allowed-by-vnet-tag","query":{"from":"172.16.5.10","to":"vm-s1","protocol":"Tcp","destinationPort":22},
  "expect":{"verdict":"Reachable","forward":"Delivered NsgInbound=defaultSecurityRules/AllowVnetInBound","return":"ExitedToOnPremises Route=System Route",
   "hops":"OnPremises > VirtualNetworkGateway > Nic","findings":None}},
 {"name":"propagation-disabled-hides-bgp-prefix","query":{"from":"vm-s2","to":"172.16.5.10","protocol":"Tcp","destinationPort":443},
  "expect":{"verdict":"Unreachable","forward":"Dropped/NextHopNone Route=System Route","return":"","hops":"Nic","findings":None}},
 {"name":"hub-reaches-onprem-by-learned-supernet","query":{"from":"vm-hub","to":"10.99.0.5","protocol":"Tcp","destinationPort":22},
  "expect":{"verdict":"Reachable","forward":"ExitedToOnPremises Route=System Route","return":"Delivered Route=System Route",
   "hops":"Nic > VirtualNetworkGateway > OnPremises","findings":None}},
 {"name":"spoke-range-inside-learned-supernet-stays-local","query":{"from":"vm-hub","to":"10.51.1.4","protocol":"Tcp","destinationPort":22},
  "expect":{"verdict":"Reachable","forward":"Delivered NsgInbound=defaultSecurityRules/AllowVnetInBound","return":"Delivered Route=System Route",
   "hops":"Nic > Nic","findings":None}},
]}
open("queries.json","w").write(json.dumps(q,indent=1)+"\n")
