package ask

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/diff"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
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
