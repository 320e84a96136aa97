package main

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	mt "github.com/vnetdoctor/vnetdoctor/internal/model/modeltest"
)

// The firewall, load balancer, edge and DNS parts of the random adversarial estates.

// firewalls: with no rules at all, classic rules, or a policy whose base policies form a cycle;
// DNS proxies that forward to themselves; DNAT to the firewall itself.
func (g *gen) firewalls() {
	for _, s := range g.subnets {
		if s.Name != "AzureFirewallSubnet" || g.pick(4) == 0 {
			continue
		}
		fw := &model.Firewall{ID: g.id("azureFirewalls"), Name: fmt.Sprintf("fw%d", g.seq), Subnet: s,
			PrivateIP: g.addrIn(s, 4), SkuTier: "Standard", DNSProxy: g.pick(2) == 0}
		if g.pick(5) == 0 {
			fw.Subnet = nil
		}
		fw.DNSServers = []netip.Addr{fw.PrivateIP}
		switch g.pick(3) {
		case 0: // neither policy nor classic rules
		case 1:
			fw.Classic = g.collections(fw)
		default:
			fw.Policy = g.policyCycle(fw)
		}
		if g.pick(2) == 0 {
			fw.PublicIPs = []*model.PublicIP{g.publicIP()}
		}
		g.n.Firewalls = append(g.n.Firewalls, fw)
	}
}

func (g *gen) policyCycle(fw *model.Firewall) *model.FirewallPolicy {
	a := &model.FirewallPolicy{ID: g.id("firewallPolicies"), Name: "pol-a", DNSProxy: fw.DNSProxy, DNSServers: fw.DNSServers}
	b := &model.FirewallPolicy{ID: g.id("firewallPolicies"), Name: "pol-b", Base: a}
	a.Base = []*model.FirewallPolicy{b, a, nil}[g.pick(3)]
	for _, p := range []*model.FirewallPolicy{a, b} {
		p.Groups = []*model.RuleCollectionGroup{{ID: p.ID + "/ruleCollectionGroups/g", Name: "g", Priority: 100,
			Collections: g.collections(fw)}}
		g.n.FirewallPolicies = append(g.n.FirewallPolicies, p)
	}
	return a
}

func (g *gen) collections(fw *model.Firewall) []*model.RuleCollection {
	anyProto := []model.Protocol{model.ProtoAny}
	target := fw.PrivateIP
	if len(g.ipcs) > 0 && g.pick(2) == 0 {
		target = g.ipcs[g.pick(len(g.ipcs))].PrivateIP
	}
	return []*model.RuleCollection{
		{Name: "dnat", Priority: 100, Kind: model.NATRules, Action: model.FwDNAT, Rules: []*model.FirewallRule{{Name: "in",
			Protocols: []model.Protocol{model.ProtoTCP}, Sources: []string{"*"}, Destinations: []string{"20.1.0.1", "*"},
			DestPorts: []model.PortRange{{Lo: 443, Hi: 443}}, TranslatedAddress: target, TranslatedPort: 443}}},
		{Name: "net", Priority: 200, Kind: model.NetworkRules, Action: model.FirewallAction(g.pick(2)), Rules: []*model.FirewallRule{
			{Name: "n", Protocols: anyProto, Sources: []string{tags[g.pick(len(tags))]}, Destinations: []string{tags[g.pick(len(tags))]},
				DestGroups: []*model.IPGroup{{ID: g.id("ipGroups"), Name: "empty"}}, DestFQDNs: []string{"www.example.com"}, DestPorts: []model.PortRange{model.AllPorts}}}},
		{Name: "app", Priority: 300, Kind: model.ApplicationRules, Action: model.FwAllow, Rules: []*model.FirewallRule{{Name: "a",
			AppProtocols: []model.AppProtocol{{Type: "Https", Port: 443}}, Sources: []string{"*"}, TargetFQDNs: []string{"*"},
			FQDNTags: []string{"WindowsUpdate"}, WebCategories: []string{"news"}}}},
	}
}

// loadBalancers: frontends without pools, rules and outbound rules without pools or
// frontends, a Gateway Load Balancer chained to itself and chained to from NICs.
func (g *gen) loadBalancers() {
	for i := 0; i < g.pick(3); i++ {
		lb := &model.LoadBalancer{ID: g.id("loadBalancers"), Name: fmt.Sprintf("lb%d", i), Sku: []string{"Standard", "Gateway", "Basic"}[g.pick(3)]}
		s := g.subnets[g.pick(len(g.subnets))]
		fe := &model.Frontend{ID: lb.ID + "/frontendIPConfigurations/fe", Name: "fe", LB: lb, Subnet: s, PrivateIP: g.addrIn(s, 10+i)}
		if g.pick(3) == 0 {
			fe.Subnet, fe.PrivateIP, fe.PublicIP = nil, netip.Addr{}, g.publicIP()
		}
		lb.Frontends = []*model.Frontend{fe}
		if lb.IsGateway() {
			fe.GatewayLB = fe // a chain that references itself
			for _, c := range g.ipcs {
				if g.pick(3) == 0 {
					c.GatewayLB = fe
				}
			}
		}
		pool := &model.BackendPool{ID: lb.ID + "/backendAddressPools/pool", Name: "pool", LB: lb,
			Tunnels: []model.TunnelInterface{{Port: 10800, Identifier: 800, Protocol: "VXLAN", Type: "Internal"}}}
		if g.pick(2) == 0 && len(g.ipcs) > 0 {
			c := g.ipcs[g.pick(len(g.ipcs))]
			pool.IPConfigs, c.BackendPools = []*model.IPConfig{c}, append(c.BackendPools, pool)
			lb.BackendPools = []*model.BackendPool{pool}
		}
		lb.Rules = []*model.LBRule{{Name: "ha", Frontend: fe, Pool: []*model.BackendPool{nil, pool}[g.pick(2)]},
			{Name: "web", Frontend: nil, Pool: pool, Protocol: model.ProtoTCP, FrontendPort: 443, BackendPort: 8443}}
		lb.InboundNATRules = []*model.InboundNATRule{{Name: "ssh", Frontend: fe, Protocol: model.ProtoTCP, FrontendPort: 2222, BackendPort: 22}}
		lb.OutboundRules = []*model.OutboundRule{{Name: "out", Frontends: []*model.Frontend{fe}, Pool: []*model.BackendPool{nil, pool}[g.pick(2)]}}
		g.n.LoadBalancers = append(g.n.LoadBalancers, lb)
	}
}

// edges: gateways without a subnet, connections with missing ends, on-premises prefixes that
// overlap the VNets, NAT gateways without IPs, private endpoints without IPs or subnet,
// admin rules for missing VNets, NetApp volumes without a subnet.
func (g *gen) edges() {
	var gw *model.VNetGateway
	for _, s := range g.subnets {
		if s.Name == "GatewaySubnet" && gw == nil {
			gw = &model.VNetGateway{ID: g.id("virtualNetworkGateways"), Name: "gw", GatewayType: "Vpn", VNet: s.VNet,
				Subnet: []*model.Subnet{s, nil}[g.pick(2)], PrivateIPs: []netip.Addr{g.addrIn(s, 4)}}
			s.VNet.Gateways = append(s.VNet.Gateways, gw)
			g.n.VNetGateways = append(g.n.VNetGateways, gw)
		}
	}
	lg := &model.LocalGateway{ID: g.id("localNetworkGateways"), Name: "onprem",
		Prefixes: mt.Prefixes("192.168.0.0/16", []string{"10.0.0.0/8", "172.16.0.0/12"}[g.pick(2)])}
	g.n.LocalGateways = append(g.n.LocalGateways, lg)
	conn := &model.Connection{ID: g.id("connections"), Name: "conn", Type: "IPsec", Gateway: gw, Local: []*model.LocalGateway{lg, nil}[g.pick(4)/3]}
	g.n.Connections = append(g.n.Connections, conn, &model.Connection{ID: g.id("connections"), Name: "v2v", Type: "Vnet2Vnet", Gateway: gw, Peer: gw})
	if gw != nil {
		gw.Connections = g.n.Connections
	}
	nat := &model.NATGateway{ID: g.id("natGateways"), Name: "nat", PublicIPPrefixes: mt.Prefixes("20.9.0.0/31")}
	g.n.NATGateways = append(g.n.NATGateways, nat)
	g.privateEndpoints()
	vs := g.n.VNets[:g.pick(len(g.n.VNets)+1)]
	g.n.AdminRules = append(g.n.AdminRules, &model.AdminRule{ID: g.id("securityAdminConfigurations"), Name: "always",
		Configuration: "cfg", Collection: "col", Priority: 1, Direction: model.Inbound, Access: model.Access(g.pick(3)),
		Sources: []model.AdminAddress{{Prefix: "Internet", IsTag: true}, {Prefix: "*"}}, Destinations: []model.AdminAddress{{Prefix: "*"}},
		DestPorts: []model.PortRange{{Lo: 22, Hi: 22}}, AppliesTo: vs})
	g.n.NetAppVolumes = append(g.n.NetAppVolumes, &model.NetAppVolume{ID: g.id("volumes"), Name: "vol", NetworkFeatures: "Basic"})
	for _, s := range g.subnets {
		if g.pick(4) == 0 {
			s.NATGateway, nat.Subnets = nat, append(nat.Subnets, s)
		}
		if g.pick(5) == 0 {
			g.n.NetAppVolumes = append(g.n.NetAppVolumes, &model.NetAppVolume{ID: g.id("volumes"), Name: "v", Subnet: s, NetworkFeatures: "Basic"})
		}
	}
}

func (g *gen) privateEndpoints() {
	for i := 0; i < g.pick(3); i++ {
		s := g.subnets[g.pick(len(g.subnets))]
		pe := &model.PrivateEndpoint{ID: g.id("privateEndpoints"), Name: fmt.Sprintf("pe%d", i), Subnet: s,
			NICID: g.id("networkInterfaces"), Connections: []model.PrivateLinkConnection{{Name: "c", Target: "/storageAccounts/st",
				GroupIDs: []string{"blob"}, Status: []string{"Approved", "Pending", ""}[g.pick(3)]}}}
		switch g.pick(3) {
		case 0: // no IPs
		case 1:
			pe.IPs = []netip.Addr{g.addrIn(s, 20+i)}
		default:
			pe.Subnet, pe.IPs = nil, []netip.Addr{mt.Addr("10.0.1.20")}
		}
		g.n.PrivateEndpoints = append(g.n.PrivateEndpoints, pe)
	}
}

// dns: a zone with a CNAME loop and links to missing VNets, a forwarding ruleset that forwards
// to an inbound endpoint of a VNet it is linked to (a forwarding loop), an inbound endpoint
// without a subnet.
func (g *gen) dns() {
	z := &model.PrivateDNSZone{ID: g.id("privateDnsZones"), Name: "privatelink.blob.core.windows.net"}
	z.Records = []*model.DNSRecord{
		{Name: "vm1", Type: "CNAME", CNAME: "vm2.privatelink.blob.core.windows.net"},
		{Name: "vm2", Type: "CNAME", CNAME: "vm1.privatelink.blob.core.windows.net"},
		{Name: "x", Type: "CNAME", CNAME: "x.blob.core.windows.net"},
		{Name: "st", Type: "A", Addrs: []netip.Addr{mt.Addr("10.0.1.20")}}}
	for _, v := range append([]*model.VNet{nil}, g.n.VNets...) {
		z.Links = append(z.Links, &model.DNSZoneLink{ID: z.ID + "/virtualNetworkLinks/l", Name: "l", Zone: z, VNet: v, VNetID: "/vnets/gone"})
	}
	g.n.PrivateDNSZones = append(g.n.PrivateDNSZones, z)
	s := g.subnets[g.pick(len(g.subnets))]
	in := &model.DNSResolverInbound{ID: g.id("inboundEndpoints"), Name: "in", Subnet: s, Addr: g.addrIn(s, 30)}
	g.n.ResolverInbounds = append(g.n.ResolverInbounds, in, &model.DNSResolverInbound{ID: g.id("inboundEndpoints"), Name: "in2"})
	rs := &model.DNSForwardingRuleset{ID: g.id("dnsForwardingRulesets"), Name: "rs", VNets: g.n.VNets,
		Rules: []*model.ForwardingRule{{Name: "all", Domain: ".", Enabled: true, Targets: []netip.AddrPort{netip.AddrPortFrom(in.Addr, 53)}},
			{Name: "com", Domain: "com.", Enabled: true}}}
	g.n.ForwardingRulesets = append(g.n.ForwardingRulesets, rs)
	for _, v := range g.n.VNets {
		if g.pick(3) == 0 {
			v.DNSServers = append(v.DNSServers, in.Addr)
		}
	}
}

// index registers every resource by ID, as the converter does.
func (g *gen) index() {
	n := g.n
	for _, v := range n.VNets {
		n.Index(v.ID, v)
	}
	for _, s := range n.Subnets {
		n.Index(s.ID, s)
	}
	for _, x := range n.NICs {
		n.Index(x.ID, x)
	}
	for _, x := range n.PrivateEndpoints {
		n.Index(x.ID, x)
	}
	for _, x := range n.Firewalls {
		n.Index(x.ID, x)
	}
	for _, x := range n.LoadBalancers {
		n.Index(x.ID, x)
	}
	for _, x := range n.PublicIPs {
		n.Index(x.ID, x)
	}
	for _, x := range n.VNetGateways {
		n.Index(x.ID, x)
	}
}

// checkReserved: an ip configuration placed on a reserved address owns nothing, and a
// ReservedAddress warning names its NIC (spec §2.6; nothing silent).
func (g *gen) checkReserved(t *testing.T) {
	t.Helper()
	for _, c := range g.reserved {
		for _, o := range g.n.Owners(c.PrivateIP) {
			if o.Kind == model.OwnerNIC && o.IPConfig == c {
				t.Errorf("%s owns reserved address %s of %s", c.NIC.Name, c.PrivateIP, c.Subnet.Name)
			}
		}
		warned := false
		for _, w := range g.n.Warnings {
			warned = warned || (w.Code == "ReservedAddress" && w.Resource == c.NIC.ID)
		}
		if !warned {
			t.Errorf("%s on reserved address %s of %s: no ReservedAddress warning", c.NIC.Name, c.PrivateIP, c.Subnet.Name)
		}
	}
}
