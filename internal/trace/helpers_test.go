package trace

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/model/modeltest"
)

// Small builders for hand-made networks; IDs are synthetic and only need to be unique. The
// net methods also Index each resource, as the converter does, so that lookups by ID work.
var (
	ip   = modeltest.Addr
	pfx  = modeltest.Prefix
	pfxs = modeltest.Prefixes
	udr  = modeltest.UDR
)

type net struct{ *model.Network }

func newNet() *net {
	return &net{&model.Network{ServiceTags: map[string]*model.ServiceTag{}}}
}

func (n *net) vnet(name string, space ...string) *model.VNet {
	v := &model.VNet{ID: model.ID("/vnets/" + name), Name: name, Location: "westeurope", AddressSpace: pfxs(space...)}
	n.VNets = append(n.VNets, v)
	n.Index(v.ID, v)
	return v
}

func (n *net) subnet(v *model.VNet, name, prefix string) *model.Subnet {
	s := &model.Subnet{ID: v.ID + model.ID("/subnets/"+name), Name: name, VNet: v, Prefixes: pfxs(prefix), DefaultOutboundAccess: true}
	v.Subnets = append(v.Subnets, s)
	n.Subnets = append(n.Subnets, s)
	n.Index(s.ID, s)
	return s
}

// vm adds a VM named name with one NIC "<name>-nic" at addr in s.
func (n *net) vm(s *model.Subnet, name, addr string) *model.IPConfig {
	nic := &model.NIC{ID: model.ID("/nics/" + name + "-nic"), Name: name + "-nic", VMName: name, Tags: map[string]string{}}
	c := &model.IPConfig{ID: nic.ID + "/ipConfigurations/ipconfig1", Name: "ipconfig1", NIC: nic, Subnet: s, PrivateIP: ip(addr), Primary: true}
	nic.IPConfigs = []*model.IPConfig{c}
	n.NICs = append(n.NICs, nic)
	n.Index(nic.ID, nic)
	return c
}

// peer links a and b, both Connected, allowForwardedTraffic as given on each side.
func (n *net) peer(a, b *model.VNet, fwdA, fwdB bool) (ab, ba *model.Peering) {
	mk := func(x, y *model.VNet, fwd bool) *model.Peering {
		p := &model.Peering{ID: x.ID + "/peerings/to-" + model.ID(y.Name), Name: "to-" + y.Name, Local: x, Remote: y,
			RemoteID: y.ID, State: "Connected", PeerCompleteVNets: true, AllowVirtualNetworkAccess: true, AllowForwardedTraffic: fwd}
		x.Peerings = append(x.Peerings, p)
		return p
	}
	return mk(a, b, fwdA), mk(b, a, fwdB)
}

func (n *net) routes(name string, subnets []*model.Subnet, routes ...*model.Route) *model.RouteTable {
	return modeltest.AddRouteTable(n.Network, name, subnets, routes...)
}

// nsg makes an NSG from rule specs "name prio dir access proto src dst dport", e.g.
// "deny-ssh 100 In Deny Tcp * * 22"; ports "*" or "a-b".
func (n *net) nsg(name string, specs ...string) *model.NSG {
	g := &model.NSG{ID: model.ID("/nsgs/" + name), Name: name}
	for _, s := range specs {
		f := strings.Fields(s)
		r := &model.SecurityRule{Name: f[0], Priority: atoi(f[1]), Sources: []string{f[5]}, Destinations: []string{f[6]},
			SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{portRange(f[7])}}
		if f[2] == "Out" {
			r.Direction = model.Outbound
		}
		if f[3] == "Deny" {
			r.Access = model.Deny
		}
		r.Protocol, _ = model.ParseProtocol(f[4])
		g.Rules = append(g.Rules, r)
	}
	n.NSGs = append(n.NSGs, g)
	n.Index(g.ID, g)
	return g
}

func portRange(s string) model.PortRange {
	if s == "*" {
		return model.AllPorts
	}
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		hi = lo
	}
	return model.PortRange{Lo: uint16(atoi(lo)), Hi: uint16(atoi(hi))}
}

func atoi(s string) int {
	v := 0
	for _, c := range s {
		v = v*10 + int(c-'0')
	}
	return v
}

func (n *net) pe(s *model.Subnet, name, addr, status string) *model.PrivateEndpoint {
	pe := &model.PrivateEndpoint{ID: model.ID("/privateEndpoints/" + name), Name: name, Subnet: s, IPs: []netip.Addr{ip(addr)},
		Connections: []model.PrivateLinkConnection{{Name: "c", Target: "/storageAccounts/st1", GroupIDs: []string{"blob"}, Status: status}}}
	n.PrivateEndpoints = append(n.PrivateEndpoints, pe)
	n.Index(pe.ID, pe)
	return pe
}

func (n *net) pip(name, addr string) *model.PublicIP {
	p := &model.PublicIP{ID: model.ID("/publicIPAddresses/" + name), Name: name, Address: ip(addr), Sku: "Standard"}
	n.PublicIPs = append(n.PublicIPs, p)
	n.Index(p.ID, p)
	return p
}

// firewall adds an Azure Firewall in s (an AzureFirewallSubnet) with classic collections.
func (n *net) firewall(s *model.Subnet, name, addr string, pips []*model.PublicIP, colls ...*model.RuleCollection) *model.Firewall {
	fw := &model.Firewall{ID: model.ID("/azureFirewalls/" + name), Name: name, Subnet: s, PrivateIP: ip(addr), PublicIPs: pips, Classic: colls}
	n.Firewalls = append(n.Firewalls, fw)
	n.Index(fw.ID, fw)
	return fw
}

func netRules(name string, prio int, action model.FirewallAction, rules ...*model.FirewallRule) *model.RuleCollection {
	return &model.RuleCollection{Name: name, Priority: prio, Kind: model.NetworkRules, Action: action, Rules: rules}
}

func netRule(name, src, dst, ports string, protos ...model.Protocol) *model.FirewallRule {
	return &model.FirewallRule{Name: name, Protocols: protos, Sources: strings.Split(src, ","), Destinations: strings.Split(dst, ","),
		DestPorts: []model.PortRange{portRange(ports)}}
}

// plane freezes n and builds its data plane.
func (n *net) plane() *dataplane.Plane {
	n.Freeze()
	return dataplane.Build(n.Network)
}

// run traces from → to tcp/dport and fails the test on an endpoint error.
func run(t *testing.T, p *dataplane.Plane, from, to string, proto model.Protocol, dport uint16) *Answer {
	t.Helper()
	a, err := Run(p, Query{From: from, To: to, Protocol: proto, DestinationPort: dport})
	if err != nil {
		t.Fatalf("Run(%s → %s): %v", from, to, err)
	}
	return a
}

// path renders a leg as "Kind:name > Kind:name ..." for compact comparisons.
func path(l *Leg) string {
	if l == nil {
		return "<nil>"
	}
	var parts []string
	for _, h := range l.Hops {
		parts = append(parts, string(h.Kind)+":"+h.Name)
	}
	return strings.Join(parts, " > ")
}

// summary is "verdict fwdDisposition/cause deciding-rule | retDisposition/cause".
func summary(a *Answer) string {
	s := string(a.Verdict) + " " + legSummary(a.Forward)
	if a.Return != nil {
		s += " | " + legSummary(a.Return)
	}
	return s
}

func legSummary(l *Leg) string {
	s := string(l.Disposition)
	if l.DropCause != "" {
		s += "/" + string(l.DropCause)
	}
	if l.Deciding != nil {
		s += " " + string(l.Deciding.Step) + "=" + l.Deciding.Rule
	}
	return s
}

func findingCodes(a *Answer) []string {
	var out []string
	for _, f := range a.Findings {
		out = append(out, string(f.Code))
	}
	return out
}

// vpn gives v a VPN gateway in GatewaySubnet with an IPsec connection to on-premises prefixes.
func (n *net) vpn(v *model.VNet, gwSubnet, gwIP string, onPrem ...string) *model.VNetGateway {
	s := n.subnet(v, "GatewaySubnet", gwSubnet)
	gw := &model.VNetGateway{ID: v.ID + "/gw", Name: v.Name + "-gw", GatewayType: "Vpn", VNet: v, Subnet: s, PrivateIPs: []netip.Addr{ip(gwIP)}}
	lg := &model.LocalGateway{ID: model.ID("/localNetworkGateways/onprem"), Name: "lng-onprem", Prefixes: pfxs(onPrem...)}
	c := &model.Connection{ID: v.ID + "/conn", Name: "conn", Type: "IPsec", Gateway: gw, Local: lg, Status: "Connected"}
	gw.Connections = []*model.Connection{c}
	v.Gateways = append(v.Gateways, gw)
	n.VNetGateways = append(n.VNetGateways, gw)
	n.LocalGateways = append(n.LocalGateways, lg)
	n.Connections = append(n.Connections, c)
	return gw
}

func (n *net) natgw(name string, pip *model.PublicIP, subnets ...*model.Subnet) *model.NATGateway {
	g := &model.NATGateway{ID: model.ID("/natGateways/" + name), Name: name, PublicIPs: []*model.PublicIP{pip}, Subnets: subnets}
	for _, s := range subnets {
		s.NATGateway = g
	}
	n.NATGateways = append(n.NATGateways, g)
	return g
}
