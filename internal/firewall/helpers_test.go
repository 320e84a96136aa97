package firewall

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Small builders for Go-built firewall models.

const rgID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"

func ip(s string) netip.Addr     { return netip.MustParseAddr(s) }
func pfx(s string) netip.Prefix  { return netip.MustParsePrefix(s) }
func policyID(n string) model.ID { return model.ID(rgID + "firewallPolicies/" + n) }

func policy(name string, base *model.FirewallPolicy, groups ...*model.RuleCollectionGroup) *model.FirewallPolicy {
	return &model.FirewallPolicy{ID: policyID(name), Name: name, Base: base, Groups: groups}
}

func group(name string, prio int, colls ...*model.RuleCollection) *model.RuleCollectionGroup {
	return &model.RuleCollectionGroup{ID: model.ID(rgID + "x/ruleCollectionGroups/" + name), Name: name, Priority: prio, Collections: colls}
}

func coll(kind model.RuleKind, name string, prio int, act model.FirewallAction, rules ...*model.FirewallRule) *model.RuleCollection {
	return &model.RuleCollection{Name: name, Priority: prio, Kind: kind, Action: act, Rules: rules}
}

func netColl(name string, prio int, act model.FirewallAction, rules ...*model.FirewallRule) *model.RuleCollection {
	return coll(model.NetworkRules, name, prio, act, rules...)
}

func appColl(name string, prio int, act model.FirewallAction, rules ...*model.FirewallRule) *model.RuleCollection {
	return coll(model.ApplicationRules, name, prio, act, rules...)
}

func natColl(name string, prio int, rules ...*model.FirewallRule) *model.RuleCollection {
	return coll(model.NATRules, name, prio, model.FwDNAT, rules...)
}

// netRule: sources and destinations are comma-separated; ports "*" or "80,443,1000-2000".
func netRule(name, src, dst string, proto model.Protocol, ports string) *model.FirewallRule {
	return &model.FirewallRule{Name: name, Sources: split(src), Destinations: split(dst),
		Protocols: []model.Protocol{proto}, DestPorts: parsePorts(ports)}
}

func appRule(name, src, fqdns string, ports ...uint16) *model.FirewallRule {
	r := &model.FirewallRule{Name: name, Sources: split(src), TargetFQDNs: split(fqdns)}
	for _, p := range ports {
		r.AppProtocols = append(r.AppProtocols, model.AppProtocol{Type: "Https", Port: p})
	}
	return r
}

func natRule(name, src, dst string, port uint16, to string, toPort uint16) *model.FirewallRule {
	return &model.FirewallRule{Name: name, Sources: split(src), Destinations: split(dst),
		Protocols: []model.Protocol{model.ProtoTCP}, DestPorts: []model.PortRange{{Lo: port, Hi: port}},
		TranslatedAddress: ip(to), TranslatedPort: toPort}
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func parsePorts(s string) []model.PortRange {
	var out []model.PortRange
	for _, p := range split(s) {
		if p == "*" {
			out = append(out, model.AllPorts)
			continue
		}
		lo, hi, ok := strings.Cut(p, "-")
		if !ok {
			hi = lo
		}
		out = append(out, model.PortRange{Lo: atou16(lo), Hi: atou16(hi)})
	}
	return out
}

func atou16(s string) uint16 {
	var n uint16
	for _, c := range s {
		n = n*10 + uint16(c-'0')
	}
	return n
}

// testFirewall is a firewall in 10.0.0.0/26 with frontend 10.0.0.4 and public IP 20.0.0.1.
func testFirewall(p *model.FirewallPolicy) *model.Firewall {
	vnet := &model.VNet{ID: model.ID(rgID + "virtualNetworks/hub"), Name: "hub", AddressSpace: []netip.Prefix{pfx("10.0.0.0/16")}}
	sub := &model.Subnet{ID: vnet.ID + "/subnets/AzureFirewallSubnet", Name: "AzureFirewallSubnet", VNet: vnet,
		Prefixes: []netip.Prefix{pfx("10.0.0.0/26")}}
	return &model.Firewall{ID: model.ID(rgID + "azureFirewalls/fw"), Name: "fw", Subnet: sub, PrivateIP: ip("10.0.0.4"),
		PublicIPs: []*model.PublicIP{{ID: model.ID(rgID + "publicIPAddresses/fw-pip"), Name: "fw-pip", Address: ip("20.0.0.1")}},
		Policy:    p}
}

func tcp(src, dst string, port uint16, fqdn string) Packet {
	return Packet{Src: ip(src), Dst: ip(dst), Proto: model.ProtoTCP, SrcPort: 49152, DstPort: port, FQDN: fqdn}
}

func udp(src, dst string, port uint16) Packet {
	return Packet{Src: ip(src), Dst: ip(dst), Proto: model.ProtoUDP, SrcPort: 49152, DstPort: port}
}

func candidateIDs(r Result) []string {
	var out []string
	for _, c := range r.Candidates {
		out = append(out, c.ID)
	}
	return out
}
