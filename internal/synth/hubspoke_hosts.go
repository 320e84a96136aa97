package synth

import (
	"fmt"
	"net/netip"
)

// host is one VM with a single-NIC, single-ipconfig network setup.
type host struct {
	sub, rg, name, location, subnet, ip string
	os                                  string
	nsg, publicIP                       string
	asgs, pools                         []string
	ipForwarding                        bool
	tags                                O
}

func (h host) nicID() string { return netID(h.sub, h.rg, "networkInterfaces", h.name+"-nic") }
func (h host) vmID() string {
	return armID(h.sub, h.rg, computeProvider, "virtualMachines", h.name)
}

func (h host) render() (nic, vm O) {
	n := nicSpec{id: h.nicID(), name: h.name + "-nic", location: h.location, vm: h.vmID(), nsg: h.nsg,
		ipForwarding: h.ipForwarding, accelerated: true, tags: h.tags,
		ipconfigs: []ipcSpec{{name: "ipconfig1", subnet: h.subnet, ip: h.ip, static: true,
			publicIP: h.publicIP, asgs: h.asgs, pools: h.pools}}}
	os := h.os
	if os == "" {
		os = "Linux"
	}
	v := vmSpec{id: h.vmID(), name: h.name, location: h.location, size: "Standard_D2s_v5", os: os,
		nics: []string{h.nicID()}}
	return n.render(), v.render()
}

// hubSpokeHostList is every VM of the example except the AKS nodes.
func hubSpokeHostList() []host {
	hs := snet(vnetHub, "snet-dns")
	asgWeb, asgApp := appNet("applicationSecurityGroups", "asg-web"), appNet("applicationSecurityGroups", "asg-app")
	gwlbPool := hubNet("loadBalancers", "lb-gwlb-nva", "backendAddressPools", "be-nva")
	webPool := appNet("loadBalancers", "lb-web-public", "backendAddressPools", "be-web")
	return []host{
		// Seed case 1: the DNS servers the firewall's DNS proxy forwards to.
		{sub: subHub, rg: rgHub, name: "vm-dns1", location: weu, subnet: hs, ip: "10.0.3.4", os: "Windows"},
		{sub: subHub, rg: rgHub, name: "vm-dns2", location: weu, subnet: hs, ip: "10.0.3.5", os: "Windows"},
		// A legacy appliance used as a next hop by rt-spoke-app, without IP forwarding.
		{sub: subHub, rg: rgHub, name: "vm-nva-legacy", location: weu, subnet: snet(vnetHub, "snet-nva"), ip: "10.0.5.4"},
		// Seed case 7: the NVAs behind the Gateway Load Balancer.
		{sub: subHub, rg: rgHub, name: "vm-nva-gw1", location: weu, subnet: snet(vnetHub, "snet-gwlb"), ip: "10.0.6.4",
			ipForwarding: true, pools: []string{gwlbPool}},
		{sub: subHub, rg: rgHub, name: "vm-nva-gw2", location: weu, subnet: snet(vnetHub, "snet-gwlb"), ip: "10.0.6.5",
			ipForwarding: true, pools: []string{gwlbPool}},
		{sub: subApp, rg: rgApp, name: "vm-web1", location: weu, subnet: snet(vnetApp, "snet-web"), ip: "10.1.1.4", asgs: []string{asgWeb}},
		{sub: subApp, rg: rgApp, name: "vm-web2", location: weu, subnet: snet(vnetApp, "snet-web"), ip: "10.1.1.5", asgs: []string{asgWeb}},
		{sub: subApp, rg: rgApp, name: "vm-app1", location: weu, subnet: snet(vnetApp, "snet-app"), ip: "10.1.2.4", asgs: []string{asgApp}},
		{sub: subApp, rg: rgApp, name: "vm-app2", location: weu, subnet: snet(vnetApp, "snet-app"), ip: "10.1.2.5", asgs: []string{asgApp}},
		{sub: subApp, rg: rgApp, name: "vm-webpub1", location: weu, subnet: snet(vnetApp, "snet-edge"), ip: "10.1.3.4", pools: []string{webPool}},
		// SSH (and RDP) open to the internet on the NIC's own NSG, with an instance public IP.
		{sub: subApp, rg: rgApp, name: "vm-jump", location: weu, subnet: snet(vnetApp, "snet-mgmt"), ip: "10.1.4.4",
			nsg: appNet("networkSecurityGroups", "nsg-vm-jump"), publicIP: appNet("publicIPAddresses", "pip-vm-jump")},
		{sub: subData, rg: rgData, name: "vm-data1", location: weu, subnet: snet(vnetData, "snet-data"), ip: "10.2.1.4"},
		// A private subnet (defaultOutboundAccess=false) with no NAT gateway, UDR or public IP.
		{sub: subData, rg: rgData, name: "vm-batch1", location: weu, subnet: snet(vnetData, "snet-batch"), ip: "10.2.3.4"},
		{sub: subMerger, rg: rgMerger, name: "vm-merger1", location: weu, subnet: snet(vnetMerger, "snet-workload"),
			ip: "10.1.0.4", os: "Windows"},
		{sub: subApp, rg: rgSandbox, name: "vm-sandbox1", location: neu, subnet: snet(vnetSandbox, "snet-default"), ip: "10.3.1.4"},
	}
}

func hubSpokeHosts() (nics, vms []O) {
	for _, h := range hubSpokeHostList() {
		n, v := h.render()
		nics, vms = append(nics, n), append(vms, v)
	}
	return nics, vms
}

// AKS node pool with Azure CNI (seed case 3): every node NIC has 31 ip configurations
// (the node plus 30 pods), so spoke-app alone uses 998 addresses and the hub plus its
// directly peered spokes use more than 1,000 — over the Basic-network-features limit of
// the hub's Azure NetApp Files volume.
const (
	aksNodes      = 32
	aksIPsPerNode = 31
)

func hubSpokeAKS() (nics, vms []O) {
	base := netip.MustParseAddr("10.1.16.4")
	subnet := snet(vnetApp, "snet-aks")
	for i := 0; i < aksNodes; i++ {
		name := fmt.Sprintf("aks-nodepool1-vm%02d", i)
		nicID := netID(subApp, rgAKS, "networkInterfaces", name+"-nic")
		vmID := armID(subApp, rgAKS, computeProvider, "virtualMachines", name)
		cfgs := make([]ipcSpec, aksIPsPerNode)
		for j := range cfgs {
			cfgs[j] = ipcSpec{name: fmt.Sprintf("ipconfig%d", j+1), subnet: subnet, ip: base.String()}
			base = base.Next()
		}
		n := nicSpec{id: nicID, name: name + "-nic", location: weu, vm: vmID, accelerated: true, ipconfigs: cfgs,
			tags: O{{"aks-managed-poolName", "nodepool1"}}}
		v := vmSpec{id: vmID, name: name, location: weu, size: "Standard_D4s_v5", os: "Linux", nics: []string{nicID}}
		nics, vms = append(nics, n.render()), append(vms, v.render())
	}
	return nics, vms
}
