import json
SUB="/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network"
def rid(kind,name): return f"{SUB}/{kind}/{name}"
def subnet(vnet,name,prefix,nsg=None):
    p={"provisioningState":"Succeeded","addressPrefix":prefix,"privateEndpointNetworkPolicies":"Disabled"}
    if nsg: p["networkSecurityGroup"]={"id":rid("networkSecurityGroups",nsg)}
    return {"name":name,"id":rid("virtualNetworks",vnet)+"/subnets/"+name,"type":"Microsoft.Network/virtualNetworks/subnets","properties":p}
def rule(nsg,name,prio,access,src,port):
    return {"name":name,"id":rid("networkSecurityGroups",nsg)+"/securityRules/"+name,"type":"Microsoft.Network/networkSecurityGroups/securityRules",
      "properties":{"protocol":"Tcp","sourcePortRange":"*","destinationPortRange":port,"sourceAddressPrefix":src,
       "destinationAddressPrefix":"*","access":access,"priority":prio,"direction":"Inbound"}}
def vnet(name,loc,space,subnets):
    return {"name":name,"id":rid("virtualNetworks",name),"type":"Microsoft.Network/virtualNetworks","location":loc,
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
# Mesh over five VNets: a, b, d, e in westeurope, c in northeurope; d and e overlap (10.60/16).
network=[
 vnet("vnet-a","westeurope","10.50.0.0/16",[subnet("vnet-a","snet-a","10.50.1.0/24")]),
 vnet("vnet-b","westeurope","10.51.0.0/16",[subnet("vnet-b","snet-b","10.51.1.0/24","nsg-b")]),
 # vnet-a is in vm-b's VirtualNetwork tag only through the ConnectedGroup route (spec §2.4).
 {"name":"nsg-b","id":rid("networkSecurityGroups","nsg-b"),"type":"Microsoft.Network/networkSecurityGroups","location":"westeurope",
  "properties":{"securityRules":[rule("nsg-b","allow-vnet-https",100,"Allow","VirtualNetwork","443"),rule("nsg-b","deny-rest",4000,"Deny","*","*")]}},
 vnet("vnet-c","northeurope","10.52.0.0/16",[subnet("vnet-c","snet-c","10.52.1.0/24")]),
 vnet("vnet-d","westeurope","10.60.0.0/16",[subnet("vnet-d","snet-d","10.60.1.0/24")]),
 vnet("vnet-e","westeurope","10.60.0.0/16",[subnet("vnet-e","snet-e","10.60.1.0/24")]),
]
avnm=group("ng-mesh",["vnet-a","vnet-b","vnet-c","vnet-d","vnet-e"])+[
 {"name":"cc-mesh","id":AVNM+"/connectivityConfigurations/cc-mesh","type":"Microsoft.Network/networkManagers/connectivityConfigurations",
  "properties":{"connectivityTopology":"Mesh","isGlobal":"False","deleteExistingPeering":"False","hubs":[],
   "appliesToGroups":[{"networkGroupId":AVNM+"/networkGroups/ng-mesh","useHubGateway":"False","groupConnectivity":"None","isGlobal":"False"}],
   "provisioningState":"Succeeded"}}]
def nic(vm,vnet,sub,addr,loc="westeurope"):
    n=vm+"-nic"
    return {"name":n,"id":rid("networkInterfaces",n),"type":"Microsoft.Network/networkInterfaces","location":loc,
      "properties":{"provisioningState":"Succeeded","ipConfigurations":[{"name":"ipconfig1","id":rid("networkInterfaces",n)+"/ipConfigurations/ipconfig1",
        "properties":{"privateIPAddress":addr,"privateIPAllocationMethod":"Static","subnet":{"id":rid("virtualNetworks",vnet)+"/subnets/"+sub},"primary":True}}],
        "enableIPForwarding":False,
        "virtualMachine":{"id":"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Compute/virtualMachines/"+vm}}}
nics=[nic("vm-a","vnet-a","snet-a","10.50.1.4"),nic("vm-b","vnet-b","snet-b","10.51.1.4"),nic("vm-c","vnet-c","snet-c","10.52.1.4","northeurope"),
      nic("vm-d","vnet-d","snet-d","10.60.1.4"),nic("vm-e","vnet-e","snet-e","10.60.1.5")]
for f,d in [("network",network),("avnm",{"value":avnm}),("nics",nics)]:
    open(f"snapshot/{f}.json","w").write(json.dumps(d,indent=1)+"\n")
def case(name,frm,to,port,verdict,fwd,ret,hops):
    return {"name":name,"query":{"from":frm,"to":to,"protocol":"Tcp","destinationPort":port},
      "expect":{"verdict":verdict,"forward":fwd,"return":ret,"hops":hops,"findings":None}}
q={"cases":[
 case("mesh-members-reach-each-other","vm-a","vm-b",443,"Reachable","Delivered NsgInbound=securityRules/allow-vnet-https",
      "Delivered Route=System Route","Nic > Nic"),
 case("regional-mesh-stops-at-the-region","vm-a","vm-c",443,"Unreachable","Dropped/NextHopNone Route=System Route","","Nic"),
 case("overlapping-members-are-dropped","vm-a","10.60.1.4",443,"Unreachable","Dropped/NoListener Platform=cc-mesh/ng-mesh/westeurope","","Nic > Nic"),
]}
open("queries.json","w").write(json.dumps(q,indent=1)+"\n")
