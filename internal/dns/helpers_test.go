package dns

import (
	"net/netip"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// A hand-made estate for the §8 rules. IDs are synthetic.
//
//	hub 10.0.0.0/16: AzureFirewallSubnet 10.0.1.0/26 (fw-hub 10.0.1.4, DNS proxy on, upstream Azure DNS),
//	                 snet-dns (dns1 10.0.2.4, a custom DNS VM), snet-inbound (resolver inbound 10.0.3.4),
//	                 snet-pe (pe-stdata 10.0.4.5), snet-vm (vm-hub 10.0.5.4, no DNS settings)
//	spoke1 10.1.0.0/16, dhcpOptions DNS 10.0.1.4 (the firewall): vm-a 10.1.0.4
//	spoke2 10.2.0.0/16, dhcpOptions DNS 10.0.1.4; vm-b's NIC says 10.0.2.4
//	spoke3 10.3.0.0/16, no DNS settings, linked to ruleset rs-spoke: vm-c 10.3.0.4
//	zone privatelink.blob.core.windows.net linked to hub: stdata A 10.0.4.5
type estate struct {
	*model.Network
	hub, spoke1, spoke2, spoke3    *model.VNet
	fw                             *model.Firewall
	dnsSubnet                      *model.Subnet
	vmHub, vmA, vmB, vmC, dns1     *model.NIC
	dns2                           *model.NIC // nil unless a test adds it
	blobZone                       *model.PrivateDNSZone
	ruleset                        *model.DNSForwardingRuleset
	inbound                        *model.DNSResolverInbound
	corpRule, contosoRule, offRule *model.ForwardingRule
	hubLink                        *model.DNSZoneLink
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func newEstate() *estate {
	e := &estate{Network: &model.Network{ServiceTags: map[string]*model.ServiceTag{}}}
	e.hub = e.vnet("hub", "10.0.0.0/16")
	e.spoke1 = e.vnet("spoke1", "10.1.0.0/16")
	e.spoke2 = e.vnet("spoke2", "10.2.0.0/16")
	e.spoke3 = e.vnet("spoke3", "10.3.0.0/16")
	for _, s := range []*model.VNet{e.spoke1, e.spoke2, e.spoke3} {
		e.peer(e.hub, s)
	}
	fwSubnet := e.subnet(e.hub, "AzureFirewallSubnet", "10.0.1.0/26")
	e.fw = &model.Firewall{ID: "/azureFirewalls/fw-hub", Name: "fw-hub", Subnet: fwSubnet, PrivateIP: ip("10.0.1.4"), DNSProxy: true,
		Classic: []*model.RuleCollection{{Name: "allow-all", Priority: 100, Kind: model.NetworkRules, Action: model.FwAllow,
			Rules: []*model.FirewallRule{{Name: "any", Protocols: []model.Protocol{model.ProtoAny}, Sources: []string{"*"},
				Destinations: []string{"*"}, DestPorts: []model.PortRange{model.AllPorts}}}}}}
	e.Firewalls = append(e.Firewalls, e.fw)
	e.Index(e.fw.ID, e.fw)
	e.dnsSubnet = e.subnet(e.hub, "snet-dns", "10.0.2.0/24")
	e.dns1 = e.vm(e.dnsSubnet, "dns1", "10.0.2.4")
	inSubnet := e.subnet(e.hub, "snet-inbound", "10.0.3.0/28")
	e.inbound = &model.DNSResolverInbound{ID: "/dnsResolvers/dnspr/inboundEndpoints/in1", Name: "in1", Subnet: inSubnet, Addr: ip("10.0.3.4")}
	e.ResolverInbounds = append(e.ResolverInbounds, e.inbound)
	peSubnet := e.subnet(e.hub, "snet-pe", "10.0.4.0/24")
	pe := &model.PrivateEndpoint{ID: "/privateEndpoints/pe-stdata", Name: "pe-stdata", Subnet: peSubnet, IPs: []netip.Addr{ip("10.0.4.5")},
		Connections: []model.PrivateLinkConnection{{Name: "c", Target: "/storageAccounts/stdata", GroupIDs: []string{"blob"}, Status: "Approved"}}}
	e.PrivateEndpoints = append(e.PrivateEndpoints, pe)
	e.vmHub = e.vm(e.subnet(e.hub, "snet-vm", "10.0.5.0/24"), "vm-hub", "10.0.5.4")
	e.spoke1.DNSServers = []netip.Addr{ip("10.0.1.4")}
	e.vmA = e.vm(e.subnet(e.spoke1, "snet-app", "10.1.0.0/24"), "vm-a", "10.1.0.4")
	e.spoke2.DNSServers = []netip.Addr{ip("10.0.1.4")}
	e.vmB = e.vm(e.subnet(e.spoke2, "snet-app", "10.2.0.0/24"), "vm-b", "10.2.0.4")
	e.vmB.DNSServers = []netip.Addr{ip("10.0.2.4")}
	e.vmC = e.vm(e.subnet(e.spoke3, "snet-app", "10.3.0.0/24"), "vm-c", "10.3.0.4")
	e.blobZone, e.hubLink = e.zone("privatelink.blob.core.windows.net", e.hub)
	e.blobZone.Records = append(e.blobZone.Records, &model.DNSRecord{Name: "stdata", Type: "A", Addrs: []netip.Addr{ip("10.0.4.5")}})
	e.corpRule = &model.ForwardingRule{Name: "corp", Domain: "corp.contoso.com.", Targets: []netip.AddrPort{netip.MustParseAddrPort("192.168.1.10:53")}, Enabled: true}
	e.contosoRule = &model.ForwardingRule{Name: "contoso", Domain: "contoso.com.", Targets: []netip.AddrPort{netip.MustParseAddrPort("10.0.2.4:53")}, Enabled: true}
	e.offRule = &model.ForwardingRule{Name: "lab-off", Domain: "lab.corp.contoso.com.", Targets: []netip.AddrPort{netip.MustParseAddrPort("10.0.3.4:53")}, Enabled: false}
	e.ruleset = &model.DNSForwardingRuleset{ID: "/dnsForwardingRulesets/rs-spoke", Name: "rs-spoke",
		Rules: []*model.ForwardingRule{e.contosoRule, e.offRule, e.corpRule}, VNets: []*model.VNet{e.spoke3}}
	e.ForwardingRulesets = append(e.ForwardingRulesets, e.ruleset)
	return e
}

func (e *estate) vnet(name, space string) *model.VNet {
	v := &model.VNet{ID: model.ID("/vnets/" + name), Name: name, Location: "westeurope",
		AddressSpace: []netip.Prefix{netip.MustParsePrefix(space)}}
	e.VNets = append(e.VNets, v)
	e.Index(v.ID, v)
	return v
}

func (e *estate) subnet(v *model.VNet, name, prefix string) *model.Subnet {
	s := &model.Subnet{ID: v.ID + model.ID("/subnets/"+name), Name: name, VNet: v,
		Prefixes: []netip.Prefix{netip.MustParsePrefix(prefix)}, DefaultOutboundAccess: true}
	v.Subnets = append(v.Subnets, s)
	e.Subnets = append(e.Subnets, s)
	e.Index(s.ID, s)
	return s
}

func (e *estate) vm(s *model.Subnet, name, addr string) *model.NIC {
	nic := &model.NIC{ID: model.ID("/nics/" + name + "-nic"), Name: name + "-nic", VMName: name}
	c := &model.IPConfig{ID: nic.ID + "/ipConfigurations/ipconfig1", Name: "ipconfig1", NIC: nic, Subnet: s, PrivateIP: ip(addr), Primary: true}
	nic.IPConfigs = []*model.IPConfig{c}
	e.NICs = append(e.NICs, nic)
	e.Index(nic.ID, nic)
	return nic
}

func (e *estate) peer(a, b *model.VNet) {
	mk := func(x, y *model.VNet) {
		x.Peerings = append(x.Peerings, &model.Peering{ID: x.ID + "/peerings/to-" + model.ID(y.Name), Name: "to-" + y.Name,
			Local: x, Remote: y, RemoteID: y.ID, State: "Connected", PeerCompleteVNets: true,
			AllowVirtualNetworkAccess: true, AllowForwardedTraffic: true})
	}
	mk(a, b)
	mk(b, a)
}

func (e *estate) zone(name string, linked ...*model.VNet) (*model.PrivateDNSZone, *model.DNSZoneLink) {
	z := &model.PrivateDNSZone{ID: model.ID("/privateDnsZones/" + name), Name: name}
	for _, v := range linked {
		z.Links = append(z.Links, &model.DNSZoneLink{ID: z.ID + "/virtualNetworkLinks/link-" + model.ID(v.Name),
			Name: "link-" + v.Name, Zone: z, VNet: v, VNetID: v.ID})
	}
	e.PrivateDNSZones = append(e.PrivateDNSZones, z)
	e.Index(z.ID, z)
	if len(z.Links) == 0 {
		return z, nil
	}
	return z, z.Links[0]
}

func (e *estate) plane() *dataplane.Plane {
	e.Freeze()
	return dataplane.Build(e.Network)
}

func resolve(t *testing.T, e *estate, nic *model.NIC, name string) *Answer {
	t.Helper()
	a, err := Resolve(e.plane(), nic, name)
	if err != nil {
		t.Fatalf("Resolve(%s, %q): %v", nic.Name, name, err)
	}
	return a
}

func addrs(ss ...string) []netip.Addr {
	out := []netip.Addr{}
	for _, s := range ss {
		out = append(out, ip(s))
	}
	return out
}

func kinds(a *Answer) []ServerKind {
	out := []ServerKind{}
	for _, s := range a.Servers {
		out = append(out, s.Kind)
	}
	return out
}
