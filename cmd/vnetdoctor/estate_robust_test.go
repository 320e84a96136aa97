package main

import (
	"fmt"
	"math/rand"
	"net/netip"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	mt "github.com/vnetdoctor/vnetdoctor/internal/model/modeltest"
)

// TestRandomAdversarialEstates builds small random networks full of what real snapshots get
// wrong (loops, dangling and half-built links, overlaps, cycles, empty resources) and asks every
// question of them: no panic, no hang, answers inside the cli.md vocabularies (exercise).
func TestRandomAdversarialEstates(t *testing.T) {
	const estates = 150
	r := rand.New(rand.NewSource(20261125))
	start := time.Now()
	total := map[string]int{}
	for i := 0; i < estates; i++ {
		g := newGen(r)
		for k, v := range exercise(t, g.build()) {
			total[k] += v
		}
		g.checkReserved(t)
		total["reserved"] += len(g.reserved)
		if t.Failed() {
			t.Fatalf("estate %d (seed 20261125) broke an invariant", i)
		}
	}
	t.Logf("%d estates in %s, %d NICs on reserved addresses: %v", estates, time.Since(start), total["reserved"], total)
	// The estates must reach the adversarial outcomes, not only the easy ones.
	for _, k := range []string{"reserved", "Reachable", "Delivered", "Loop", "NextHopUnreachable", "NextHopNone", "ExitedToInternet", "NsgDenied"} {
		if total[k] == 0 {
			t.Errorf("no trace ended %s: the generator lost that case", k)
		}
	}
}

// gen builds one random estate.
type gen struct {
	r        *rand.Rand
	n        *model.Network
	subnets  []*model.Subnet
	ipcs     []*model.IPConfig
	reserved []*model.IPConfig // ip configurations placed on a reserved address on purpose
	seq      int
}

func newGen(r *rand.Rand) *gen { return &gen{r: r, n: mt.NewNetwork()} }

func (g *gen) id(kind string) model.ID {
	g.seq++
	return model.ID(fmt.Sprintf("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/%s/x%d", kind, g.seq))
}

func (g *gen) pick(n int) int { return g.r.Intn(n) }

func (g *gen) build() *model.Network {
	mt.AddTag(g.n, "Storage", "20.60.0.0/16")
	mt.AddTag(g.n, "AzureCloud", "20.0.0.0/8", "40.64.0.0/10")
	g.vnets()
	g.peerings()
	g.nsgs()
	g.nics()
	g.firewalls()
	g.loadBalancers()
	g.edges()
	g.routes()
	g.dns()
	g.index()
	g.n.Freeze()
	return g.n
}

// vnets: 2–4 VNets, some overlapping (10.0/16 twice), one without address space; subnets
// that are empty, prefix-less, or the special platform subnets.
func (g *gen) vnets() {
	for i := 0; i < 2+g.pick(3); i++ {
		space := fmt.Sprintf("10.%d.0.0/16", g.pick(3))
		v := mt.AddVNet(g.n, fmt.Sprintf("vnet%d", i), []string{"westeurope", "northeurope"}[g.pick(2)], space)
		switch g.pick(8) {
		case 0:
			v.AddressSpace = nil
		case 1: // dual stack
			v.AddressSpace = append(v.AddressSpace, mt.Prefix(fmt.Sprintf("fd00:%d::/48", i)))
		case 2: // everything
			v.AddressSpace = mt.Prefixes("0.0.0.0/0", "::/0")
		}
		if g.pick(4) == 0 {
			v.DNSServers = []netip.Addr{mt.Addr(fmt.Sprintf("%s.4", base(space, 1)))}
		}
		names := []string{"app", "data", "AzureFirewallSubnet", "GatewaySubnet", "empty"}
		for j, name := range names[:2+g.pick(len(names)-1)] {
			s := mt.AddSubnet(g.n, v, name, fmt.Sprintf("%s.0/24", base(space, j+1)))
			s.ID, s.DefaultOutboundAccess = v.ID+model.ID("/subnets/"+name), g.pick(3) > 0
			switch {
			case name == "empty" && g.pick(2) == 0:
				s.Prefixes = nil
			case g.pick(8) == 0: // odd sizes: a single address, or half of everything
				s.Prefixes = mt.Prefixes([]string{fmt.Sprintf("%s.9/32", base(space, j+1)), "128.0.0.0/1"}[g.pick(2)])
			case g.pick(4) == 0:
				s.Prefixes = append(s.Prefixes, mt.Prefix(fmt.Sprintf("fd00:%d:%d::/64", i, j)))
			}
			s.PrivateEndpointNetworkPolicies = []string{"", "Enabled", "Disabled", "RouteTableEnabled"}[g.pick(4)]
			g.subnets = append(g.subnets, s)
		}
	}
}

// base returns "10.x.j" for space "10.x.0.0/16".
func base(space string, j int) string {
	p := mt.Prefix(space).Addr().As4()
	return fmt.Sprintf("%d.%d.%d", p[0], p[1], j)
}

// peerings: full, half-built (one side missing or Initiated), to a VNet not in the snapshot,
// with and without forwarded traffic and gateway transit.
func (g *gen) peerings() {
	vs := g.n.VNets
	for i := range vs {
		for j := i + 1; j < len(vs); j++ {
			if g.pick(3) == 0 {
				continue
			}
			states := []string{"Connected", "Initiated", "Disconnected", ""}
			ab, ba := mt.Peer(vs[i], vs[j], states[g.pick(2)*g.pick(3)], states[g.pick(2)*g.pick(4)])
			for _, p := range []*model.Peering{ab, ba} {
				if p != nil {
					p.AllowForwardedTraffic, p.AllowGatewayTransit, p.UseRemoteGateways = g.pick(2) == 0, g.pick(3) == 0, g.pick(3) == 0
				}
			}
		}
		if g.pick(8) == 0 {
			mt.Peer(vs[i], vs[i], "Connected", "") // a VNet peered with itself
		}
		if g.pick(3) == 0 {
			ghost := &model.Peering{ID: vs[i].ID + "/virtualNetworkPeerings/ghost", Name: "ghost", Local: vs[i],
				RemoteID: "/vnets/ghost", State: "Connected", RemoteAddressSpace: mt.Prefixes("10.200.0.0/16"),
				PeerCompleteVNets: g.pick(2) == 0, RemoteSubnetNames: []string{"nope"}, LocalSubnetNames: []string{"app"}}
			vs[i].Peerings = append(vs[i].Peerings, ghost)
		}
	}
}

// tags is every address form an NSG rule may name, including a tag nobody defines.
var tags = []string{"*", "VirtualNetwork", "Internet", "AzureLoadBalancer", "Storage", "Storage.WestEurope",
	"AzureCloud", "AzurePlatformDNS", "GatewayManager", "NoSuchTag", "10.0.0.0/8", "10.1.1.4", "0.0.0.0/0", ""}

func (g *gen) nsgs() {
	for _, s := range g.subnets {
		if g.pick(2) == 0 {
			continue
		}
		nsg := &model.NSG{ID: g.id("networkSecurityGroups"), Name: "nsg-" + s.Name}
		for k := 0; k < 1+g.pick(6); k++ {
			nsg.Rules = append(nsg.Rules, g.rule(k))
		}
		g.n.NSGs = append(g.n.NSGs, nsg)
		s.NSG = nsg
	}
}

func (g *gen) rule(k int) *model.SecurityRule {
	asg := &model.ASG{ID: g.id("applicationSecurityGroups"), Name: "asg"}
	ru := &model.SecurityRule{Name: fmt.Sprintf("r%d", k), Priority: 100 + g.pick(40)*10,
		Direction: model.Direction(g.pick(2)), Access: model.Access(g.pick(2)), Protocol: model.Protocol(g.pick(4)),
		Sources: []string{tags[g.pick(len(tags))]}, Destinations: []string{tags[g.pick(len(tags))]},
		SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{{Lo: 443, Hi: uint16(443 + g.pick(2)*1000)}}}
	if g.pick(4) == 0 {
		ru.SourceASGs, ru.Sources = []*model.ASG{asg}, nil
		g.n.ASGs = append(g.n.ASGs, asg)
	}
	return ru
}

// nics: VMs in random subnets, some without subnet or ip configuration, some appliances
// (IP forwarding), a few on reserved addresses.
func (g *gen) nics() {
	for i := 0; i < 3+g.pick(6); i++ {
		nic := &model.NIC{ID: g.id("networkInterfaces"), Name: fmt.Sprintf("nic%d", i), VMName: fmt.Sprintf("vm%d", i),
			IPForwarding: g.pick(2) == 0}
		g.n.NICs = append(g.n.NICs, nic)
		if g.pick(8) == 0 {
			continue // no ip configuration at all
		}
		c := &model.IPConfig{ID: nic.ID + "/ipConfigurations/ipconfig1", Name: "ipconfig1", NIC: nic, Primary: true}
		nic.IPConfigs = []*model.IPConfig{c}
		if g.pick(8) == 0 { // no subnet (a dangling reference), yet reachable on a public IP
			c.PrivateIP, c.PublicIP = mt.Addr("10.9.9.9"), g.publicIP()
			nic.NSG = &model.NSG{ID: g.id("networkSecurityGroups"), Name: "nsg-nic", Rules: []*model.SecurityRule{{Name: "https",
				Priority: 100, Access: model.Allow, Sources: []string{"*"}, Destinations: []string{"*"},
				SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{model.AllPorts}}}}
			g.n.NSGs = append(g.n.NSGs, nic.NSG)
			continue
		}
		c.Subnet = g.subnets[g.pick(len(g.subnets))]
		c.PrivateIP = g.addrIn(c.Subnet, 4+g.pick(6))
		if g.pick(10) == 0 {
			c.PrivateIP = g.addrIn(c.Subnet, []int{0, 1, 3, 255}[g.pick(4)])
			if c.Subnet.Reserved(c.PrivateIP) {
				g.reserved = append(g.reserved, c)
			}
		}
		if g.pick(3) == 0 {
			c.PublicIP = g.publicIP()
		}
		if p := c.Subnet.Prefixes; len(p) > 1 && g.pick(2) == 0 { // an IPv6 ip configuration, sometimes primary
			c6 := &model.IPConfig{ID: nic.ID + "/ipConfigurations/v6", Name: "v6", NIC: nic, Subnet: c.Subnet,
				PrivateIP: p[1].Addr().Next().Next().Next().Next(), Primary: g.pick(2) == 0}
			nic.IPConfigs = append([]*model.IPConfig{c6}, nic.IPConfigs...)
		}
		g.ipcs = append(g.ipcs, c)
	}
}

// addrIn is offset off of the subnet's first prefix (an unrelated address when it has none).
func (g *gen) addrIn(s *model.Subnet, off int) netip.Addr {
	if len(s.Prefixes) == 0 {
		return mt.Addr(fmt.Sprintf("10.250.0.%d", off))
	}
	a := s.Prefixes[0].Masked().Addr().As4()
	a[3] += byte(off)
	return netip.AddrFrom4(a)
}

func (g *gen) publicIP() *model.PublicIP {
	p := &model.PublicIP{ID: g.id("publicIPAddresses"), Name: fmt.Sprintf("pip%d", g.seq), Sku: "Standard",
		Address: netip.AddrFrom4([4]byte{20, 1, 0, byte(g.seq)})}
	if g.pick(5) == 0 {
		p.Address = netip.Addr{}
	}
	g.n.PublicIPs = append(g.n.PublicIPs, p)
	return p
}

// routes: UDRs to appliances (loops between them), to addresses nothing owns, None, service
// tags, gateways that do not exist.
func (g *gen) routes() {
	for k, s := range g.subnets {
		if g.pick(2) == 0 {
			continue
		}
		var routes []*model.Route
		for m := 0; m < 1+g.pick(3); m++ {
			prefix := []string{"0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.0.1.0/24", "Storage", "10.2.1.4/32"}[g.pick(6)]
			routes = append(routes, mt.UDR(fmt.Sprintf("u%d", m), prefix, g.hop()))
		}
		rt := mt.AddRouteTable(g.n, fmt.Sprintf("rt%d", k), []*model.Subnet{s}, routes...)
		rt.ID, rt.DisableBGPPropagation = g.id("routeTables"), g.pick(2) == 0
	}
}

func (g *gen) hop() string {
	switch g.pick(6) {
	case 0, 1:
		if hops := g.applianceAddrs(); len(hops) > 0 {
			return "VirtualAppliance " + hops[g.pick(len(hops))].String()
		}
	case 2:
		return "VirtualAppliance 10.99.99.99"
	case 3:
		return "None"
	case 4:
		return "VirtualNetworkGateway"
	}
	return []string{"Internet", "VnetLocal"}[g.pick(2)]
}

// applianceAddrs are the addresses a UDR may name as its virtual appliance: VMs, firewall and
// load balancer frontends, private endpoints and gateways (the last few are never valid hops).
func (g *gen) applianceAddrs() []netip.Addr {
	var out []netip.Addr
	for _, c := range g.ipcs {
		out = append(out, c.PrivateIP)
	}
	for _, fw := range g.n.Firewalls {
		out = append(out, fw.PrivateIP)
	}
	for _, lb := range g.n.LoadBalancers {
		out = append(out, lb.Frontends[0].PrivateIP)
	}
	for _, pe := range g.n.PrivateEndpoints {
		out = append(out, pe.IPs...)
	}
	for _, gw := range g.n.VNetGateways {
		out = append(out, gw.PrivateIPs...)
	}
	var valid []netip.Addr
	for _, a := range out {
		if a.IsValid() && a.Is4() {
			valid = append(valid, a)
		}
	}
	return valid
}
