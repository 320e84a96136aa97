package synth

import (
	"fmt"
	"net/netip"
)

// VNets, NICs, VMs and ASGs of the synthetic estate.

func hubSubnets(Config) int { return 4 }

func asgCount(c Config) int { return max(1, c.NSGs/10) }

var (
	hubShared   = netip.MustParsePrefix("10.0.4.0/22")
	hubWorkload = netip.MustParsePrefix("10.0.16.0/20")
)

func (g *gen) vnets() []O {
	hub := vnetSpec{id: synthHubVNet, name: "vnet-hub", location: weu, prefixes: []string{"10.0.0.0/16"},
		subnets: []subnetSpec{
			{name: "AzureFirewallSubnet", prefix: "10.0.1.0/26"},
			{name: "GatewaySubnet", prefix: "10.0.2.0/27"},
			{name: "snet-shared", prefix: hubShared.String()},
			{name: "snet-workload", prefix: hubWorkload.String()},
		}}
	out := make([]O, 0, g.plan.spokes+1)
	for k := 0; k < g.plan.spokes; k++ {
		sp := g.plan.spokePrefix(k).String()
		hub.peerings = append(hub.peerings, peeringSpec{name: fmt.Sprintf("peer-hub-to-spoke-%04d", k),
			remote: g.spokeID[k], remotePrefixes: []string{sp}, state: "Connected", vnetAccess: true,
			forwarded: true, gatewayTransit: true})
		out = append(out, g.spoke(k, sp).render())
	}
	return append([]O{hub.render()}, out...)
}

func (g *gen) spoke(k int, prefix string) vnetSpec {
	v := vnetSpec{id: g.spokeID[k], name: nameOf(g.spokeID[k]), location: weu, prefixes: []string{prefix},
		dns: []string{synthFwIP}, tags: O{{"landingZone", "corp"}, {"costCenter", fmt.Sprintf("cc-%03d", k%37)}},
		peerings: []peeringSpec{{name: fmt.Sprintf("peer-spoke-%04d-to-hub", k), remote: synthHubVNet,
			remotePrefixes: []string{"10.0.0.0/16"}, state: "Connected", vnetAccess: true, forwarded: true,
			useRemoteGw: true}}}
	for s, name := range spokeSubnetNames {
		sn := subnetSpec{name: name, prefix: g.plan.subnetPrefix(k, s).String()}
		if g.cfg.NSGs > 0 {
			sn.nsg = g.nsgID((3*k + s) % g.cfg.NSGs)
		}
		if s < 2 && g.cfg.RouteTables > 0 {
			sn.routeTable = g.routeTableID((2*k + s) % g.cfg.RouteTables)
		}
		if s == 2 {
			sn.serviceEndpoints = []string{"Microsoft.Storage"}
		}
		v.subnets = append(v.subnets, sn)
	}
	return v
}

// owner returns the subscription and resource group of the spoke that owns the i-th
// resource of a kind with `per` attachments per spoke (the hub's when there are no spokes).
func (g *gen) owner(i, per int) (sub, rg string) {
	if g.plan.spokes == 0 {
		return synthHubSub, synthHubRG
	}
	k := (i % (per * g.plan.spokes)) / per
	return spokeSub(k), spokeRG(k)
}

func (g *gen) nsgID(t int) string {
	sub, rg := g.owner(t, 3)
	return netID(sub, rg, "networkSecurityGroups", fmt.Sprintf("nsg-%04d", t))
}

func (g *gen) routeTableID(t int) string {
	sub, rg := g.owner(t, 2)
	return netID(sub, rg, "routeTables", fmt.Sprintf("rt-%04d", t))
}

func asgID(i int) string { return synthHubNet("applicationSecurityGroups", fmt.Sprintf("asg-%03d", i)) }

func (g *gen) asgs() []O {
	out := make([]O, asgCount(g.cfg))
	for i := range out {
		id := asgID(i)
		out[i] = resource(nameOf(id), id, "Microsoft.Network/applicationSecurityGroups", weu,
			succeeded().Set("resourceGuid", guid(id)))
	}
	return out
}

// nicSubnet returns the subnet ID, prefix and owner of the j-th NIC.
func (g *gen) nicSubnet(j int) (id string, prefix netip.Prefix, sub, rg string) {
	if g.plan.spokes == 0 {
		return synthHubVNet + "/subnets/snet-workload", hubWorkload, synthHubSub, synthHubRG
	}
	k, s := j%g.plan.spokes, (j/g.plan.spokes)%2
	return g.spokeID[k] + "/subnets/" + spokeSubnetNames[s], g.plan.subnetPrefix(k, s), spokeSub(k), spokeRG(k)
}

func (g *gen) hosts() (nics, vms []O) {
	r := g.rng(1)
	nics, vms = make([]O, 0, g.cfg.NICs), make([]O, 0, g.cfg.NICs)
	subnetNSGs := 3 * g.plan.spokes
	for j := 0; j < g.cfg.NICs; j++ {
		subnet, prefix, sub, rg := g.nicSubnet(j)
		name := fmt.Sprintf("vm-%05d", j)
		n := nicSpec{id: netID(sub, rg, "networkInterfaces", name+"-nic"), name: name + "-nic", location: weu,
			vm: armID(sub, rg, computeProvider, "virtualMachines", name), accelerated: r.IntN(4) > 0}
		cfg := ipcSpec{name: "ipconfig1", subnet: subnet, ip: g.alloc(subnet, prefix), static: r.IntN(5) == 0}
		if r.IntN(10) < 3 {
			cfg.asgs = []string{asgID(r.IntN(asgCount(g.cfg)))}
		}
		n.ipconfigs = []ipcSpec{cfg}
		if j%10 == 9 {
			n.ipconfigs = append(n.ipconfigs, ipcSpec{name: "ipconfig2", subnet: subnet, ip: g.alloc(subnet, prefix)})
		}
		// NSGs beyond one per subnet attach to NICs, as NIC-level NSGs.
		if extra := g.cfg.NSGs - subnetNSGs; extra > 0 {
			n.nsg = g.nsgID(subnetNSGs + j%extra)
		}
		nics = append(nics, n.render())
		vms = append(vms, vmSpec{id: n.vm, name: name, location: weu, size: vmSizes[j%len(vmSizes)],
			os: [2]string{"Linux", "Windows"}[r.IntN(2)], nics: []string{n.id}}.render())
	}
	return nics, vms
}

var vmSizes = []string{"Standard_D2s_v5", "Standard_D4s_v5", "Standard_B2ms", "Standard_E4s_v5", "Standard_F4s_v2"}
