#!/usr/bin/env python3
"""Writes snapshot/ of the vwan-secured-hub scenario (README.md): ARM shapes of the REST API
examples (VirtualHubGet, AzureFirewallPutInHub, HubVirtualNetworkConnectionPut, HubRouteTablePut,
RoutingIntentPut, VpnSitePut, VpnGatewayPut)."""
import json, os

SUB = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-vwan/providers/"
N = SUB + "Microsoft.Network/"
HUB = N + "virtualHubs/hub-weu"
FW = N + "azureFirewalls/afw-hub-weu"
LOC = "westeurope"


def res(typ, name, props, rid=None):
    return {"name": name, "id": rid or N + typ + "/" + name, "type": "Microsoft.Network/" + typ,
            "location": LOC, "properties": dict(props, provisioningState="Succeeded")}


def vnet(name, prefix, subnet):
    v = res("virtualNetworks", name, {"addressSpace": {"addressPrefixes": [prefix]}, "subnets": [
        {"name": "snet-app", "id": N + "virtualNetworks/" + name + "/subnets/snet-app",
         "properties": {"addressPrefix": subnet}}]})
    # The peering Azure creates to the hub's managed VNet (not in the customer's subscription).
    v["properties"]["virtualNetworkPeerings"] = [{
        "name": "RemoteVnetToHubPeering_" + name, "id": N + "virtualNetworks/" + name + "/virtualNetworkPeerings/RemoteVnetToHubPeering_" + name,
        "properties": {"peeringState": "Connected", "allowVirtualNetworkAccess": True, "allowForwardedTraffic": False,
                       "allowGatewayTransit": False, "useRemoteGateways": True,
                       "remoteVirtualNetwork": {"id": "/subscriptions/99999999-9999-9999-9999-999999999999/resourceGroups/RG_hub-weu_1/providers/Microsoft.Network/virtualNetworks/HV_hub-weu_1"},
                       "remoteAddressSpace": {"addressPrefixes": ["10.100.0.0/23"]}}}]
    return v


def nic(vm, vnetname, ip):
    return res("networkInterfaces", vm + "-nic", {"ipConfigurations": [{
        "name": "ipconfig1", "id": N + "networkInterfaces/" + vm + "-nic/ipConfigurations/ipconfig1",
        "properties": {"privateIPAddress": ip, "privateIPAllocationMethod": "Static", "primary": True,
                       "subnet": {"id": N + "virtualNetworks/" + vnetname + "/subnets/snet-app"}}}],
        "enableIPForwarding": False,
        "virtualMachine": {"id": SUB + "Microsoft.Compute/virtualMachines/" + vm}})


def conn(name, vnetname, internet=True, static=None):
    return res("virtualHubs/hubVirtualNetworkConnections", name, {
        "remoteVirtualNetwork": {"id": N + "virtualNetworks/" + vnetname},
        "enableInternetSecurity": internet, "allowHubToRemoteVnetTransit": True, "allowRemoteVnetToUseHubVnetGateways": True,
        "routingConfiguration": {
            "associatedRouteTable": {"id": HUB + "/hubRouteTables/defaultRouteTable"},
            "propagatedRouteTables": {"labels": ["default"], "ids": [{"id": HUB + "/hubRouteTables/defaultRouteTable"}]},
            "vnetRoutes": {"staticRoutes": static or []}}}, HUB + "/hubVirtualNetworkConnections/" + name)


# vnet-spoke2's subnet has an NSG with only the default rules: AllowVnetInBound admits the other spokes and the
# branch because the hub's routes (next hop VirtualNetworkGateway) are in the VirtualNetwork tag (spec §2.4).
NSG = N + "networkSecurityGroups/nsg-spoke2"
spoke2 = vnet("vnet-spoke2", "10.2.0.0/16", "10.2.1.0/24")
spoke2["properties"]["subnets"][0]["properties"]["networkSecurityGroup"] = {"id": NSG}
# scenario-route-through-nva: vnet-indirect (10.4.0.0/16) is peered with vnet-nva only; the hub reaches it through the
# NVA (10.3.1.10) by conn-nva's static route, and vnet-indirect sends everything back to the NVA by a UDR.
def peering(local, remote, prefix, forwarded):
    return {"name": local + "-to-" + remote, "id": N + "virtualNetworks/" + local + "/virtualNetworkPeerings/" + local + "-to-" + remote,
            "properties": {"peeringState": "Connected", "allowVirtualNetworkAccess": True, "allowForwardedTraffic": forwarded,
                           "allowGatewayTransit": False, "useRemoteGateways": False,
                           "remoteVirtualNetwork": {"id": N + "virtualNetworks/" + remote},
                           "remoteAddressSpace": {"addressPrefixes": [prefix]}}}
RT_INDIRECT = N + "routeTables/rt-indirect"
indirect = res("virtualNetworks", "vnet-indirect", {"addressSpace": {"addressPrefixes": ["10.4.0.0/16"]}, "subnets": [
    {"name": "snet-app", "id": N + "virtualNetworks/vnet-indirect/subnets/snet-app",
     "properties": {"addressPrefix": "10.4.1.0/24", "routeTable": {"id": RT_INDIRECT}}}],
    "virtualNetworkPeerings": [peering("vnet-indirect", "vnet-nva", "10.3.0.0/16", True)]})
rt_indirect = res("routeTables", "rt-indirect", {"disableBgpRoutePropagation": False, "routes": [
    {"name": "default-to-nva", "id": RT_INDIRECT + "/routes/default-to-nva",
     "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.3.1.10"}}]})
nva = nic("vm-nva", "vnet-nva", "10.3.1.10")
nva["properties"]["enableIPForwarding"] = True

network = [
    vnet("vnet-spoke1", "10.1.0.0/16", "10.1.1.0/24"),
    spoke2,
    res("networkSecurityGroups", "nsg-spoke2", {"securityRules": []}),
    vnet("vnet-spoke3", "100.64.10.0/24", "100.64.10.0/25"),
    vnet("vnet-nva", "10.3.0.0/16", "10.3.1.0/24"),
    indirect,
    rt_indirect,
    nva,
    nic("vm-indirect", "vnet-indirect", "10.4.1.4"),
    nic("vm-spoke1", "vnet-spoke1", "10.1.1.4"),
    nic("vm-spoke2", "vnet-spoke2", "10.2.1.4"),
    nic("vm-spoke3", "vnet-spoke3", "100.64.10.4"),
]

for r in network:
    if r["name"] == "vnet-nva":
        r["properties"]["virtualNetworkPeerings"].append(peering("vnet-nva", "vnet-indirect", "10.4.0.0/16", True))

policy_rcg = {"name": "rcg-hub", "id": N + "firewallPolicies/fwpol-hub/ruleCollectionGroups/rcg-hub",
              "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
              "properties": {"priority": 200, "ruleCollections": [{
                  "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "allow-private", "priority": 100,
                  "action": {"type": "Allow"}, "rules": [
                      {"ruleType": "NetworkRule", "name": "spokes-https", "ipProtocols": ["TCP"],
                       "sourceAddresses": ["10.1.0.0/16", "10.2.0.0/16"], "destinationAddresses": ["10.1.0.0/16", "10.2.0.0/16"],
                       "destinationPorts": ["443"]},
                      {"ruleType": "NetworkRule", "name": "spoke1-to-indirect-https", "ipProtocols": ["TCP"],
                       "sourceAddresses": ["10.1.0.0/16"], "destinationAddresses": ["10.4.0.0/16"], "destinationPorts": ["443"]},
                      {"ruleType": "NetworkRule", "name": "spoke1-to-branch-ssh", "ipProtocols": ["TCP"],
                       "sourceAddresses": ["10.1.0.0/16"], "destinationAddresses": ["192.168.10.0/24"], "destinationPorts": ["22"]},
                      {"ruleType": "NetworkRule", "name": "spokes-to-internet-https", "ipProtocols": ["TCP"],
                       "sourceAddresses": ["10.1.0.0/16", "10.2.0.0/16"], "destinationAddresses": ["*"], "destinationPorts": ["443"]},
                      {"ruleType": "NetworkRule", "name": "branch-to-spoke1-https", "ipProtocols": ["TCP"],
                       "sourceAddresses": ["192.168.10.0/24"], "destinationAddresses": ["10.1.0.0/16"], "destinationPorts": ["443"]}]}]}}

vwan = [
    res("virtualWans", "vwan-corp", {"type": "Standard", "allowBranchToBranchTraffic": True}),
    res("virtualHubs", "hub-weu", {
        "virtualWan": {"id": N + "virtualWans/vwan-corp"}, "addressPrefix": "10.100.0.0/23", "sku": "Standard",
        "routingState": "Provisioned", "virtualRouterAsn": 65515, "virtualRouterIps": ["10.100.0.68", "10.100.0.69"],
        "azureFirewall": {"id": FW}, "vpnGateway": {"id": N + "vpnGateways/vpngw-hub-weu"},
        "virtualHubRouteTableV2s": [], "hubRoutingPreference": "ExpressRoute", "allowBranchToBranchTraffic": False}),
    res("virtualHubs/hubRouteTables", "defaultRouteTable", {
        "labels": ["default"],
        "routes": [
            {"name": "_policy_PublicTraffic", "destinationType": "CIDR", "destinations": ["0.0.0.0/0"], "nextHopType": "ResourceId", "nextHop": FW},
            {"name": "_policy_PrivateTraffic", "destinationType": "CIDR", "destinations": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
             "nextHopType": "ResourceId", "nextHop": FW}]}, HUB + "/hubRouteTables/defaultRouteTable"),
    res("virtualHubs/hubRouteTables", "noneRouteTable", {"labels": ["none"], "routes": []}, HUB + "/hubRouteTables/noneRouteTable"),
    res("virtualHubs/routingIntent", "hub-weu-RoutingIntent", {"routingPolicies": [
        {"name": "PublicTraffic", "destinations": ["Internet"], "nextHop": FW},
        {"name": "PrivateTraffic", "destinations": ["PrivateTraffic"], "nextHop": FW}]}, HUB + "/routingIntent/hub-weu-RoutingIntent"),
    conn("conn-spoke1", "vnet-spoke1"),
    conn("conn-spoke2", "vnet-spoke2"),
    conn("conn-spoke3", "vnet-spoke3"),
    conn("conn-nva", "vnet-nva", static=[{"name": "indirect-via-nva", "addressPrefixes": ["10.4.0.0/16"], "nextHopIpAddress": "10.3.1.10"}]),
    res("vpnSites", "site-branch1", {"virtualWan": {"id": N + "virtualWans/vwan-corp"},
                                     "addressSpace": {"addressPrefixes": ["192.168.10.0/24"]},
                                     "vpnSiteLinks": [{"name": "link1", "properties": {"ipAddress": "203.0.113.10", "linkProperties": {"linkSpeedInMbps": 100}}}]}),
    res("vpnGateways", "vpngw-hub-weu", {"virtualHub": {"id": HUB}, "connections": [{
        "name": "conn-branch1", "id": N + "vpnGateways/vpngw-hub-weu/vpnConnections/conn-branch1",
        "properties": {"remoteVpnSite": {"id": N + "vpnSites/site-branch1"},
                       "routingConfiguration": {
                           "associatedRouteTable": {"id": HUB + "/hubRouteTables/defaultRouteTable"},
                           "propagatedRouteTables": {"labels": ["default"], "ids": [{"id": HUB + "/hubRouteTables/defaultRouteTable"}]}}}}],
        "bgpSettings": {"asn": 65515}}),
    res("azureFirewalls", "afw-hub-weu", {
        "sku": {"name": "AZFW_Hub", "tier": "Standard"}, "threatIntelMode": "Alert", "virtualHub": {"id": HUB},
        "firewallPolicy": {"id": N + "firewallPolicies/fwpol-hub"},
        "hubIPAddresses": {"publicIPs": {"addresses": [{"address": "20.50.10.20"}], "count": 1}, "privateIPAddress": "10.100.1.4"}}),
    res("firewallPolicies", "fwpol-hub", {"threatIntelMode": "Alert", "ruleCollectionGroups": [{"id": policy_rcg["id"]}]}),
    policy_rcg,
]

here = os.path.dirname(os.path.abspath(__file__))
for name, doc in (("network.json", network), ("vwan.json", vwan)):
    with open(os.path.join(here, "snapshot", name), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
