package ask

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"strconv"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/diff"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

var (
	fwAddrs = []string{"*", "10.0.0.0/8", "10.1.0.0/16", "10.2.10.0/24", "10.1.10.4", "203.0.113.0/27", "198.51.100.0/29", "10.3.0.0/16"}
	fwPorts = []model.PortRange{model.AllPorts, {Lo: 22, Hi: 22}, {Lo: 443, Hi: 443}, {Lo: 80, Hi: 80}, {Lo: 440, Hi: 445}}
)

const rcgID = tsub + "firewallPolicies/pol/ruleCollectionGroups/g"

// firewallEstate is diffEstate(seed) with a hub: an Azure Firewall (a public IP, a policy of
// random network rules, an allow-all fallback and a DNAT rule to spoke1's first VM) peered with
// every spoke, whose subnets send everything through it; the firewall's subnet reaches the
// internet. Built twice from one seed, the two are equal.
func firewallEstate(seed uint64) *model.Network {
	n := diffEstate(seed)
	r := rand.New(rand.NewPCG(seed, 11))
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	hub := &model.VNet{ID: tsub + "virtualNetworks/hub", Name: "hub", Location: "westeurope", AddressSpace: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}}
	fwSubnet := &model.Subnet{ID: hub.ID + "/subnets/AzureFirewallSubnet", Name: "AzureFirewallSubnet", VNet: hub, DefaultOutboundAccess: true,
		Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/26")}}
	hub.Subnets = []*model.Subnet{fwSubnet}
	n.VNets = append(n.VNets, hub)
	n.Subnets = append(n.Subnets, fwSubnet)
	n.Index(hub.ID, hub)
	n.Index(fwSubnet.ID, fwSubnet)
	pip := &model.PublicIP{ID: tsub + "publicIPAddresses/fw-pip", Name: "fw-pip", Address: netip.MustParseAddr("20.0.0.1"), Sku: "Standard"}
	n.PublicIPs = append(n.PublicIPs, pip)
	n.Index(pip.ID, pip)
	net := &model.RuleCollection{Name: "net", Priority: 200, Kind: model.NetworkRules, Action: model.FirewallAction(r.IntN(2))}
	for m := range 2 + r.IntN(3) {
		net.Rules = append(net.Rules, &model.FirewallRule{Name: fmt.Sprintf("n%d", m), Protocols: []model.Protocol{model.Protocol(r.IntN(3))},
			Sources: []string{pick(fwAddrs)}, Destinations: []string{pick(fwAddrs)}, DestPorts: []model.PortRange{fwPorts[r.IntN(len(fwPorts))]}})
	}
	allow := &model.RuleCollection{Name: "allow", Priority: 300, Kind: model.NetworkRules, Action: model.FwAllow,
		Rules: []*model.FirewallRule{{Name: "vnets", Protocols: []model.Protocol{model.ProtoAny}, Sources: []string{"10.0.0.0/8"},
			Destinations: []string{"10.0.0.0/8", "203.0.113.0/24"}, DestPorts: []model.PortRange{model.AllPorts}}}}
	dnat := &model.RuleCollection{Name: "dnat", Priority: 100, Kind: model.NATRules, Action: model.FwDNAT,
		Rules: []*model.FirewallRule{{Name: "ssh", Protocols: []model.Protocol{model.ProtoTCP}, Sources: []string{"*"},
			Destinations: []string{"20.0.0.1"}, DestPorts: []model.PortRange{{Lo: 2222, Hi: 2222}},
			TranslatedAddress: netip.MustParseAddr("10.1.10.4"), TranslatedPort: 22}}}
	pol := &model.FirewallPolicy{ID: tsub + "firewallPolicies/pol", Name: "pol", Groups: []*model.RuleCollectionGroup{{ID: rcgID, Name: "g", Priority: 100,
		Collections: []*model.RuleCollection{dnat, net}}}}
	if r.IntN(2) == 0 {
		pol.Groups[0].Collections = append(pol.Groups[0].Collections, allow)
	}
	fw := &model.Firewall{ID: tsub + "azureFirewalls/fw", Name: "fw", Subnet: fwSubnet, PrivateIP: netip.MustParseAddr("10.0.0.4"), Instances: 2,
		PublicIPs: []*model.PublicIP{pip}, Policy: pol}
	n.Firewalls = append(n.Firewalls, fw)
	n.Index(fw.ID, fw)
	rt := &model.RouteTable{ID: tsub + "routeTables/to-fw", Name: "to-fw", Routes: []*model.Route{
		{Name: "all", Prefix: netip.MustParsePrefix("0.0.0.0/0"), NextHopType: model.HopVirtualAppliance, NextHopIP: fw.PrivateIP}}}
	n.RouteTables = append(n.RouteTables, rt)
	n.Index(rt.ID, rt)
	for _, v := range n.VNets {
		if v == hub {
			continue
		}
		tPeer(hub, v)
		tPeer(v, hub)
		for _, s := range v.Subnets {
			s.RouteTable = rt
		}
	}
	return n
}

// mutateFirewall changes one rule of the policy: a collection's action, a rule's ports, sources
// or destinations, a rule added or removed, the DNAT rule's port.
func mutateFirewall(n *model.Network, r *rand.Rand) string {
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	g := n.Firewalls[0].Policy.Groups[0]
	dnat, net := g.Collections[0], g.Collections[1]
	x := *net.Rules[r.IntN(len(net.Rules))]
	switch k := r.IntN(7); k {
	case 0:
		net.Action = 1 - net.Action
		return "net collection's action flipped"
	case 1:
		x.DestPorts = []model.PortRange{fwPorts[r.IntN(len(fwPorts))]}
	case 2:
		x.Sources = []string{pick(fwAddrs)}
	case 3:
		x.Destinations = []string{pick(fwAddrs)}
	case 4:
		net.Rules = append(net.Rules, &model.FirewallRule{Name: "new", Protocols: []model.Protocol{model.ProtoTCP},
			Sources: []string{pick(fwAddrs)}, Destinations: []string{pick(fwAddrs)}, DestPorts: []model.PortRange{fwPorts[r.IntN(len(fwPorts))]}})
		return "rule added"
	case 5:
		net.Rules = net.Rules[1:]
		return "rule removed"
	default:
		d := *dnat.Rules[0]
		d.DestPorts = []model.PortRange{{Lo: 2200, Hi: 2200}}
		dnat.Rules[0] = &d
		return "DNAT port changed"
	}
	for i, y := range net.Rules {
		if y.Name == x.Name {
			net.Rules[i] = &x
		}
	}
	return "rule " + x.Name + " changed"
}

// TestDiffFirewallRules: a changed firewall rule is recomputed over the packets the rule's old
// and new versions match ("firewall", not skipped), with the rows recomputing every subnet and
// every firewall public IP finds; every row's example traces to its verdicts and no sampled flow
// changes outside the rows.
func TestDiffFirewallRules(t *testing.T) {
	rows, seeds := 0, uint64(24)
	if n, err := strconv.ParseUint(os.Getenv("VNETDOCTOR_DIFF_SEEDS"), 10, 64); err == nil {
		seeds = n // more seeds than CI runs, when changing the incremental scope
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		nb, na := firewallEstate(seed), firewallEstate(seed)
		what := mutateFirewall(na, rand.New(rand.NewPCG(seed, 13)))
		nb.Freeze()
		na.Freeze()
		before, after := NewSnapshot(nb), NewSnapshot(na)
		sc := scopeOf(diff.Resources{Changed: []diff.Changed{{ID: rcgID}}}, nil, nb, na)
		got, _, _ := againstFull(t, fmt.Sprintf("seed %d (%s)", seed, what), before, after, sc, "firewall")
		sampleOutsideRows(t, seed, what, before, after, got, rand.New(rand.NewPCG(seed, 17)))
		rows += len(got)
	}
	if rows < 24 {
		t.Errorf("only %d rows over all seeds: the rule changes change too little to test anything", rows)
	}
}

// TestDiffFirewallRuleOrder: two DNAT rules of one collection match the same packets and the
// change swaps them: the first match moves, though no rule changed.
func TestDiffFirewallRuleOrder(t *testing.T) {
	build := func(swap bool) *model.Network {
		n := firewallEstate(1)
		dnat := n.Firewalls[0].Policy.Groups[0].Collections[0]
		other := *dnat.Rules[0]
		other.Name = "ssh-elsewhere"
		other.TranslatedAddress = netip.MustParseAddr("10.1.10.99")
		other.TranslatedPort = 2223
		dnat.Rules = append(dnat.Rules, &other)
		if swap {
			dnat.Rules[0], dnat.Rules[1] = dnat.Rules[1], dnat.Rules[0]
		}
		n.Freeze()
		return n
	}
	nb, na := build(false), build(true)
	before, after := NewSnapshot(nb), NewSnapshot(na)
	sc := scopeOf(diff.Resources{Changed: []diff.Changed{{ID: rcgID}}}, nil, nb, na)
	if rows, _, _ := againstFull(t, "DNAT rules swapped", before, after, sc, "firewall"); len(rows) == 0 {
		t.Errorf("swapping the DNAT rules changes no row")
	}
}
