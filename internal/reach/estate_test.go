package reach

import (
	"fmt"
	"math/rand"
	"net/netip"
	"os"
	"strconv"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// estate builds small models in Go for the twin tests (after internal/check's builder).
type estate struct {
	n   *model.Network
	vms []*model.IPConfig
}

const sub = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/"

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

func (e *estate) vnet(name, prefix string) *model.VNet {
	v := &model.VNet{ID: model.ID(sub + "virtualNetworks/" + name), Name: name, Location: "westeurope", AddressSpace: []netip.Prefix{pfx(prefix)}}
	e.n.VNets = append(e.n.VNets, v)
	e.n.Index(v.ID, v)
	return v
}

func (e *estate) subnet(v *model.VNet, name, prefix string) *model.Subnet {
	s := &model.Subnet{ID: v.ID + "/subnets/" + model.ID(name), Name: name, VNet: v, Prefixes: []netip.Prefix{pfx(prefix)}, DefaultOutboundAccess: true}
	v.Subnets = append(v.Subnets, s)
	e.n.Subnets = append(e.n.Subnets, s)
	e.n.Index(s.ID, s)
	return s
}

func (e *estate) link(a, b *model.VNet, state string) {
	p := &model.Peering{ID: a.ID + "/virtualNetworkPeerings/" + model.ID(a.Name+"-to-"+b.Name), Name: a.Name + "-to-" + b.Name,
		Local: a, Remote: b, RemoteID: b.ID, State: state, AllowVirtualNetworkAccess: true, AllowForwardedTraffic: true, PeerCompleteVNets: true}
	a.Peerings = append(a.Peerings, p)
}

func (e *estate) peer(a, b *model.VNet) {
	e.link(a, b, "Connected")
	e.link(b, a, "Connected")
}

func (e *estate) nic(s *model.Subnet, vm, addr string) *model.IPConfig {
	n := &model.NIC{ID: model.ID(sub + "networkInterfaces/" + vm + "-nic"), Name: vm + "-nic", VMName: vm}
	c := &model.IPConfig{ID: n.ID + "/ipConfigurations/ipconfig1", Name: "ipconfig1", NIC: n, Subnet: s, PrivateIP: ip(addr), Primary: true}
	n.IPConfigs = []*model.IPConfig{c}
	e.n.NICs = append(e.n.NICs, n)
	e.n.Index(n.ID, n)
	return c
}

func (e *estate) publicIP(name, addr string) *model.PublicIP {
	p := &model.PublicIP{ID: model.ID(sub + "publicIPAddresses/" + name), Name: name, Address: ip(addr), Sku: "Standard"}
	e.n.PublicIPs = append(e.n.PublicIPs, p)
	e.n.Index(p.ID, p)
	return p
}

func (e *estate) nsg(name string, rules ...*model.SecurityRule) *model.NSG {
	g := &model.NSG{ID: model.ID(sub + "networkSecurityGroups/" + name), Name: name, Rules: rules}
	e.n.NSGs = append(e.n.NSGs, g)
	e.n.Index(g.ID, g)
	return g
}

func (e *estate) routeTable(name string, routes ...*model.Route) *model.RouteTable {
	rt := &model.RouteTable{ID: model.ID(sub + "routeTables/" + name), Name: name, Routes: routes}
	e.n.RouteTables = append(e.n.RouteTables, rt)
	e.n.Index(rt.ID, rt)
	return rt
}

func (e *estate) plane() *dataplane.Plane {
	e.n.Freeze()
	return dataplane.Build(e.n)
}

// The pieces random rules are made of: addresses inside the estate, on the internet (inside the
// test universe 203.0.113.0/26 and 198.51.100.0/28) and tags.
var (
	ruleAddrs = []string{"*", "Internet", "VirtualNetwork", "10.0.0.0/8", "10.1.0.0/16", "10.2.10.0/24", "10.1.10.4/32",
		"203.0.113.0/27", "203.0.113.32/28", "203.0.113.40/30", "198.51.100.8/29", "10.0.0.0/26",
		"10.1.10.5/32", "10.2.10.4/32", "10.2.11.4/31"} // single VMs: sources of one subnet that rules tell apart
	fwAddrs   = []string{"*", "10.0.0.0/8", "10.1.0.0/16", "203.0.113.0/28", "203.0.113.16-203.0.113.21", "198.51.100.0/29", "10.2.10.5", "10.1.10.4"}
	rulePorts = []model.PortRange{model.AllPorts, {Lo: 440, Hi: 440}, {Lo: 441, Hi: 443}, {Lo: 443, Hi: 445}, {Lo: 22, Hi: 22}, {Lo: 444, Hi: 447}}
)

// randomEstate: a hub (Azure Firewall with a random policy, an appliance NIC), two or three spokes
// with VMs (some with public IPs), random peerings (some half-built), random UDRs and random NSGs
// whose rules name internal and internet prefixes, tags and port ranges.
func randomEstate(r *rand.Rand) *estate {
	e := &estate{n: &model.Network{}}
	pick := func(xs []string) string { return xs[r.Intn(len(xs))] }
	hub := e.vnet("hub", "10.0.0.0/16")
	fwSubnet := e.subnet(hub, "AzureFirewallSubnet", "10.0.0.0/26")
	nvaSubnet := e.subnet(hub, "nva", "10.0.1.0/24")
	nva := e.nic(nvaSubnet, "nva", "10.0.1.4")
	nva.NIC.IPForwarding = r.Intn(2) == 0
	e.vms = append(e.vms, nva)
	fw := &model.Firewall{ID: model.ID(sub + "azureFirewalls/fw"), Name: "fw", Subnet: fwSubnet, PrivateIP: ip("10.0.0.4"), Instances: 2,
		PublicIPs: []*model.PublicIP{e.publicIP("fw-pip", "20.0.0.1")}}
	fw.Policy = randomPolicy(r, pick)
	e.n.Firewalls = append(e.n.Firewalls, fw)
	e.n.Index(fw.ID, fw)
	vnets := []*model.VNet{hub}
	var subnets []*model.Subnet
	for i := 1; i <= 2+r.Intn(2); i++ {
		v := e.vnet(fmt.Sprintf("spoke%d", i), fmt.Sprintf("10.%d.0.0/16", i))
		switch r.Intn(4) {
		case 0:
		case 1:
			e.link(hub, v, "Connected")
			e.link(v, hub, "Initiated")
		default:
			e.peer(hub, v)
		}
		vnets = append(vnets, v)
		for j := 0; j < 1+r.Intn(2); j++ {
			s := e.subnet(v, fmt.Sprintf("s%d", j), fmt.Sprintf("10.%d.%d.0/24", i, 10+j))
			subnets = append(subnets, s)
			for k := 0; k < 2; k++ {
				c := e.nic(s, fmt.Sprintf("vm-%d-%d-%d", i, j, k), fmt.Sprintf("10.%d.%d.%d", i, 10+j, 4+k))
				e.vms = append(e.vms, c)
				if r.Intn(4) == 0 {
					c.PublicIP = e.publicIP(fmt.Sprintf("pip-%d-%d-%d", i, j, k), fmt.Sprintf("20.%d.%d.%d", i, j, k+1))
				}
				if r.Intn(4) == 0 {
					c.NIC.NSG = randomNSG(e, r, pick, fmt.Sprintf("nsg-nic-%d-%d-%d", i, j, k))
				}
			}
		}
	}
	if len(vnets) > 2 && r.Intn(2) == 0 {
		e.peer(vnets[1], vnets[2])
	}
	hops := []*model.Route{
		{NextHopType: model.HopVirtualAppliance, NextHopIP: ip("10.0.0.4")}, {NextHopType: model.HopVirtualAppliance, NextHopIP: ip("10.0.1.4")},
		{NextHopType: model.HopNone}, {NextHopType: model.HopInternet}, {NextHopType: model.HopVirtualAppliance, NextHopIP: ip("10.9.9.9")}}
	routePrefixes := []string{"0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16", "203.0.113.0/27", "10.1.10.0/25", "198.51.100.0/29", "10.1.10.5/32", "10.2.10.4/32", "10.2.11.5/32"}
	if r.Intn(2) == 0 {
		// The firewall's own table tells VMs of one spoke subnet apart on the way back.
		h := *hops[1+r.Intn(3)]
		h.Name, h.Prefix = "fw-one", pfx(pick([]string{"10.1.10.5/32", "10.2.10.4/32", "10.2.11.5/32"}))
		fwSubnet.RouteTable = e.routeTable("rt-fw", &h)
	}
	if r.Intn(3) == 0 {
		// Overlapping address space (a merger): the hub claims one spoke VM's address too, so
		// peering and firewall-VNet tests tell it from its subnet's others.
		hub.AddressSpace = append(hub.AddressSpace, pfx(pick([]string{"10.1.10.4/32", "10.2.10.5/32"})))
	}
	for k, s := range append(subnets, nvaSubnet) {
		if r.Intn(2) == 0 {
			var routes []*model.Route
			for m := 0; m < 1+r.Intn(3); m++ {
				h := *hops[r.Intn(len(hops))]
				h.Name, h.Prefix = fmt.Sprintf("u%d", m), pfx(pick(routePrefixes))
				routes = append(routes, &h)
			}
			s.RouteTable = e.routeTable(fmt.Sprintf("rt%d", k), routes...)
		}
		if r.Intn(2) == 0 {
			s.NSG = randomNSG(e, r, pick, fmt.Sprintf("nsg%d", k))
		}
	}
	return e
}

// withResolver adds to a random estate's hub a DNS private resolver inbound endpoint at
// 10.0.2.4, which trace delivers to without an owner, maybe behind an NSG and a route table.
func withResolver(e *estate, r *rand.Rand) *estate {
	hub := e.n.VNets[0]
	dnsIn := e.subnet(hub, "dns-in", "10.0.2.0/28")
	e.n.ResolverInbounds = append(e.n.ResolverInbounds, &model.DNSResolverInbound{ID: model.ID(sub + "dnsResolvers/dnspr/inboundEndpoints/in"),
		Name: "in", Subnet: dnsIn, Addr: ip("10.0.2.4")})
	pick := func(xs []string) string { return xs[r.Intn(len(xs))] }
	if r.Intn(2) == 0 {
		dnsIn.NSG = randomNSG(e, r, pick, "nsg-dns-in")
	}
	if r.Intn(2) == 0 {
		hops := []*model.Route{{NextHopType: model.HopVirtualAppliance, NextHopIP: ip("10.0.0.4")}, {NextHopType: model.HopNone},
			{NextHopType: model.HopVirtualAppliance, NextHopIP: ip("10.0.1.4")}}
		h := *hops[r.Intn(len(hops))]
		h.Name, h.Prefix = "dns-back", pfx(pick([]string{"0.0.0.0/0", "10.1.0.0/16", "10.2.10.0/24"}))
		dnsIn.RouteTable = e.routeTable("rt-dns", &h)
	}
	return e
}

// withDelegated adds to a random estate's hub a subnet at 10.0.2.0/28 delegated to a random
// service, maybe behind an NSG: trace says Unknown of an address nothing holds there when the
// service places unlisted instances in it (once the NSG lets the packet in), NoListener else.
// A NetApp subnet may hold a volume's mount target at 10.0.2.4 (Basic or Standard), and a route
// table its answers take or not.
func withDelegated(e *estate, r *rand.Rand) *estate {
	s := e.subnet(e.n.VNets[0], "delegated", "10.0.2.0/28")
	svcs := []string{"Microsoft.Netapp/volumes", "Microsoft.Sql/managedInstances", "Microsoft.Web/serverFarms", "Microsoft.Network/dnsResolvers", model.AppGatewayService}
	s.Delegations = []string{svcs[r.Intn(len(svcs))]}
	pick := func(xs []string) string { return xs[r.Intn(len(xs))] }
	if s.Delegations[0] == model.AppGatewayService { // not a delegation: an application gateway runs there
		s.Delegations = nil
		g := &model.AppGateway{ID: model.ID(sub + "applicationGateways/agw"), Name: "agw", Subnet: s, PrivateIPs: []netip.Addr{ip("10.0.2.10")}}
		if r.Intn(2) == 0 {
			pip := e.publicIP("agw-pip", "20.0.0.30")
			pip.AttachedTo = g.ID + "/frontendIPConfigurations/public"
			g.PublicIPs = []*model.PublicIP{pip}
		}
		s.AppGateways = []*model.AppGateway{g}
		e.n.AppGateways = append(e.n.AppGateways, g)
		e.n.Index(g.ID, g)
	}
	if r.Intn(3) > 0 {
		s.NSG = randomNSG(e, r, pick, "nsg-delegated")
	}
	if len(s.Delegations) > 0 && s.Delegations[0] == svcs[0] && r.Intn(3) > 0 { // a NetApp volume's mount target, which trace delivers to
		e.n.NetAppVolumes = append(e.n.NetAppVolumes, &model.NetAppVolume{ID: model.ID(sub + "netAppAccounts/anf/capacityPools/p/volumes/v"),
			Name: "v", Subnet: s, NetworkFeatures: pick([]string{"Basic", "Standard"}), MountTargets: []netip.Addr{ip("10.0.2.4")}})
		if r.Intn(2) == 0 {
			h := model.Route{Name: "anf-back", Prefix: pfx(pick([]string{"0.0.0.0/0", "10.1.0.0/16"})), NextHopType: model.HopNone}
			s.RouteTable = e.routeTable("rt-anf", &h)
		}
	}
	return e
}

// cniEstate is randomEstate with AKS-like NICs: some tagged, and the first VM of some subnets
// with a secondary ip configuration at .7 (an Azure CNI pod; pooledEstate puts a private
// endpoint at .6).
func cniEstate(r *rand.Rand) *estate {
	e := randomEstate(r)
	for _, c := range e.vms {
		if r.Intn(3) == 0 {
			c.NIC.Tags = map[string]string{"aks-managed-poolName": "pool1"}
		}
		if a := c.PrivateIP.As4(); a[3] == 4 && r.Intn(2) == 0 && c.PublicIP == nil {
			a[3] = 7
			secondary(c, netip.AddrFrom4(a))
		}
	}
	return e
}

// secondary gives c's NIC a second ip configuration at a, in c's subnet.
func secondary(c *model.IPConfig, a netip.Addr) {
	nic := c.NIC
	nic.IPConfigs = append(nic.IPConfigs, &model.IPConfig{ID: nic.ID + "/ipConfigurations/ipconfig2", Name: "ipconfig2", NIC: nic, Subnet: c.Subnet, PrivateIP: a})
}

func randomNSG(e *estate, r *rand.Rand, pick func([]string) string, name string) *model.NSG {
	var rules []*model.SecurityRule
	for m := 0; m < 1+r.Intn(4); m++ {
		rules = append(rules, &model.SecurityRule{Name: fmt.Sprintf("r%d", m), Priority: 100 + 10*m,
			Direction: model.Direction(r.Intn(2)), Access: model.Access(r.Intn(2)), Protocol: model.Protocol(r.Intn(3)),
			Sources: []string{pick(ruleAddrs)}, Destinations: []string{pick(ruleAddrs)},
			SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{rulePorts[r.Intn(len(rulePorts))]}})
	}
	return e.nsg(name, rules...)
}

func randomPolicy(r *rand.Rand, pick func([]string) string) *model.FirewallPolicy {
	net := &model.RuleCollection{Name: "net", Priority: 200, Kind: model.NetworkRules, Action: model.FirewallAction(r.Intn(2))}
	for m := 0; m < 1+r.Intn(3); m++ {
		net.Rules = append(net.Rules, &model.FirewallRule{Name: fmt.Sprintf("n%d", m), Protocols: []model.Protocol{model.Protocol(r.Intn(3))},
			Sources: []string{pick(fwAddrs)}, Destinations: []string{pick(fwAddrs)}, DestPorts: []model.PortRange{rulePorts[r.Intn(len(rulePorts))]}})
	}
	allow := &model.RuleCollection{Name: "allow", Priority: 300, Kind: model.NetworkRules, Action: model.FwAllow,
		Rules: []*model.FirewallRule{{Name: "vnet", Protocols: []model.Protocol{model.ProtoAny}, Sources: []string{pick(fwAddrs)},
			Destinations: []string{"10.0.0.0/8"}, DestPorts: []model.PortRange{model.AllPorts}}}}
	dnat := &model.RuleCollection{Name: "dnat", Priority: 100, Kind: model.NATRules, Action: model.FwDNAT,
		Rules: []*model.FirewallRule{{Name: "web", Protocols: []model.Protocol{model.ProtoTCP}, Sources: []string{pick(fwAddrs)},
			Destinations: []string{"20.0.0.1"}, DestPorts: []model.PortRange{{Lo: 443, Hi: 443}},
			TranslatedAddress: ip("10.1.10.4"), TranslatedPort: 8443}}}
	return &model.FirewallPolicy{ID: model.ID(sub + "firewallPolicies/pol"), Name: "pol",
		Groups: []*model.RuleCollectionGroup{{ID: model.ID(sub + "firewallPolicies/pol/ruleCollectionGroups/g"), Name: "g", Priority: 100,
			Collections: []*model.RuleCollection{dnat, net, allow}}}}
}

// seeds is how many random estates a test builds: def, short under -short, or
// VNETDOCTOR_REACH_SEEDS when set (more than CI runs, when changing sharing or the classes).
func seeds(def, short int) int {
	if n, err := strconv.Atoi(os.Getenv("VNETDOCTOR_REACH_SEEDS")); err == nil && n > 0 {
		return n
	}
	if testing.Short() {
		return short
	}
	return def
}
