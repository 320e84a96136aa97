package ask

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/diff"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// taggedEstate is firewallEstate(seed) where service tag Storage.WestEurope (prefixes) is read
// everywhere a tag is: a firewall network rule allows TCP to it, the first NSG denies TCP/443
// to it outbound, the spokes' route table sends it to the internet past the firewall, and the
// first spoke's first subnet has a Microsoft.Storage service endpoint (spec §1.3, §2.4).
func taggedEstate(seed uint64, prefixes ...string) *model.Network {
	n := firewallEstate(seed)
	var ps []netip.Prefix
	for _, p := range prefixes {
		ps = append(ps, netip.MustParsePrefix(p))
	}
	n.ServiceTags = map[string]*model.ServiceTag{"storage.westeurope": {Name: "Storage.WestEurope", Region: "westeurope", Prefixes: ps}}
	g := n.Firewalls[0].Policy.Groups[0]
	g.Collections = append(g.Collections, &model.RuleCollection{Name: "storage", Priority: 250, Kind: model.NetworkRules, Action: model.FwAllow,
		Rules: []*model.FirewallRule{{Name: "to-storage", Protocols: []model.Protocol{model.ProtoTCP}, Sources: []string{"10.0.0.0/8"},
			Destinations: []string{"Storage.WestEurope"}, DestPorts: []model.PortRange{model.AllPorts}}}})
	if len(n.NSGs) > 0 {
		n.NSGs[0].Rules = append(n.NSGs[0].Rules, &model.SecurityRule{Name: "deny-storage-443", Priority: 4000, Direction: model.Outbound,
			Access: model.Deny, Protocol: model.ProtoTCP, Sources: []string{"*"}, Destinations: []string{"Storage.WestEurope"},
			SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{{Lo: 443, Hi: 443}}})
	}
	for _, rt := range n.RouteTables {
		rt.Routes = append(rt.Routes, &model.Route{Name: "storage-direct", Tag: "Storage.WestEurope", NextHopType: model.HopInternet})
	}
	for _, v := range n.VNets {
		if v.Name != "hub" {
			v.Subnets[0].ServiceEndpoints = []model.ServiceEndpoint{{Service: "Microsoft.Storage", Locations: []string{"westeurope"}}}
			break
		}
	}
	n.Freeze()
	return n
}

// TestDiffServiceTags: a newer service tags file gives Storage.WestEurope one range more and one
// less, and an IPv6 range. No resource changed, yet the service endpoint's and the UDR's routes did, and flows to
// those ranges: diff lists the routes and recomputes every endpoint over the changed ranges
// only, and its rows equal full recomputation's.
func TestDiffServiceTags(t *testing.T) {
	for seed := range uint64(6) {
		nb := taggedEstate(seed, "198.51.100.0/24", "203.0.113.0/25")
		na := taggedEstate(seed, "203.0.113.0/24", "2001:db8::/48") // the IPv6 range changes no (IPv4) row
		before, after := NewSnapshot(nb), NewSnapshot(na)
		routes := diff.CompareRoutesIn(before.Plane, after.Plane, routeSubnets(diff.Resources{}, nb, na))
		if len(routes) == 0 {
			t.Fatalf("seed %d: no subnet's routes changed; the UDR and the service endpoint read the tag", seed)
		}
		sc := scopeOf(diff.Resources{}, routes, nb, na)
		want := []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.128/25")}
		if sc.global || !slices.Equal(union(sc.transit), want) {
			t.Fatalf("seed %d: scope global %v (%s), transit %v; want the tag's changed ranges %v", seed, sc.global, sc.reason, union(sc.transit), want)
		}
		againstFull(t, fmt.Sprintf("seed %d", seed), before, after, sc, "transit")
	}
}

// TestDiffServiceTagsNATGateway: a newer service tags file, and a NAT gateway attached to
// spoke2's first subnet whose public IP is in a range the tag gained. That subnet is recomputed
// whole, where the NAT gateway's address is a destination only; trace also starts a flow from
// it (an internet client, as from any public address), and a hub VM whose NSG admits the tag
// lets it in after the change. No other run holds that flow: the hub's subnet has no route
// table to change. Once, the transit run left out as sources every address the whole runs
// list, and lost that row.
func TestDiffServiceTagsNATGateway(t *testing.T) {
	pip := netip.MustParseAddr("203.0.113.200")
	for seed := range uint64(3) {
		nb := tagAdmitter(taggedEstate(seed, "198.51.100.0/24", "203.0.113.0/25"))
		na := tagAdmitter(taggedEstate(seed, "203.0.113.0/24"))
		s := na.VNets[slices.IndexFunc(na.VNets, func(v *model.VNet) bool { return v.Name == "spoke2" })].Subnets[0]
		p := &model.PublicIP{ID: tsub + "publicIPAddresses/nat-pip", Name: "nat-pip", Address: pip, Sku: "Standard"}
		g := &model.NATGateway{ID: tsub + "natGateways/nat", Name: "nat", Subnets: []*model.Subnet{s}, PublicIPs: []*model.PublicIP{p}}
		na.PublicIPs, na.NATGateways = append(na.PublicIPs, p), append(na.NATGateways, g)
		na.Index(p.ID, p)
		na.Index(g.ID, g)
		s.NATGateway = g
		nb.Freeze()
		na.Freeze()
		before, after := NewSnapshot(nb), NewSnapshot(na)
		res := diff.Resources{Added: []string{string(g.ID), string(p.ID)}, Changed: []diff.Changed{{ID: string(s.ID)}}}
		sc := scopeOf(res, diff.CompareRoutesIn(before.Plane, after.Plane, routeSubnets(res, nb, na)), nb, na)
		if !sc.subnets[s.ID.Key()] {
			t.Fatalf("seed %d: %s, which gained the NAT gateway, is not recomputed whole", seed, s.Name)
		}
		rows, _, _ := againstFull(t, fmt.Sprintf("seed %d", seed), before, after, sc, "transit")
		if !slices.ContainsFunc(rows, func(r ReachChange) bool {
			return r.Example.From == pip.String() && r.Example.To == "20.0.9.4" && r.Before == trace.Unreachable && r.After == trace.Reachable
		}) {
			t.Errorf("seed %d: no row from the NAT gateway's public IP %s to the hub VM its tag now admits: %v", seed, pip, rowKeys(rows))
		}
	}
}

// tagAdmitter adds to n's hub a subnet without route table holding a VM with public IP 20.0.9.4,
// whose NSG admits SSH from Storage.WestEurope alone.
func tagAdmitter(n *model.Network) *model.Network {
	hub := n.VNets[slices.IndexFunc(n.VNets, func(v *model.VNet) bool { return v.Name == "hub" })]
	s := &model.Subnet{ID: hub.ID + "/subnets/apps", Name: "apps", VNet: hub, DefaultOutboundAccess: true,
		Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.9.0/24")},
		NSG:      addNSG(n, "apps-nsg", inRule("ssh-from-storage", 100, model.Inbound, model.Allow, model.ProtoTCP, "Storage.WestEurope", "*", model.PortRange{Lo: 22, Hi: 22}))}
	hub.Subnets = append(hub.Subnets, s)
	n.Subnets = append(n.Subnets, s)
	n.Index(s.ID, s)
	c := tNIC(n, s, "vm-apps", "10.0.9.4")
	c.PublicIP = &model.PublicIP{ID: tsub + "publicIPAddresses/apps-pip", Name: "apps-pip", Address: netip.MustParseAddr("20.0.9.4"), Sku: "Standard"}
	n.PublicIPs = append(n.PublicIPs, c.PublicIP)
	n.Index(c.PublicIP.ID, c.PublicIP)
	return n
}

// TestDiffServiceTagsTranslated: a tag that gains a firewall's instance addresses (a flow meets
// them translated, with neither end in the tag) is not bounded: diff says so.
func TestDiffServiceTagsTranslated(t *testing.T) {
	nb, na := taggedEstate(1, "203.0.113.0/24"), taggedEstate(1, "203.0.113.0/24", "10.0.0.0/26")
	sc := scopeOf(diff.Resources{}, nil, nb, na)
	if !sc.global || sc.reason != "service tags changed for addresses a translation uses (10.0.0.0/26)" {
		t.Errorf("scope global %v, reason %q; want it global for the firewall's addresses", sc.global, sc.reason)
	}
}

// TestChangedPrefixes: a changed route bounds the flows by its IPv4 prefix; an IPv6 route bounds
// nothing (it moves only IPv6 packets, which no row holds); a prefix diff cannot read, or an
// IPv4-mapped one, cannot be bounded.
func TestChangedPrefixes(t *testing.T) {
	for _, c := range []struct {
		prefixes []string
		want     []netip.Prefix
		ok       bool
	}{
		{[]string{"10.1.2.3/24"}, []netip.Prefix{netip.MustParsePrefix("10.1.2.0/24")}, true},
		{[]string{"2001:db8::/32", "10.0.0.0/8"}, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, true},
		{[]string{"2001:db8::/32"}, nil, true},
		{[]string{"Storage"}, nil, false},
		{[]string{"::ffff:10.0.0.0/104"}, nil, false},
	} {
		got, ok := changedPrefixes(diff.SubnetRoutes{Added: []diff.Route{{AddressPrefix: c.prefixes}}})
		if ok != c.ok || !slices.Equal(got, c.want) {
			t.Errorf("changedPrefixes(%v) = %v, %v; want %v, %v", c.prefixes, got, ok, c.want, c.ok)
		}
	}
}
