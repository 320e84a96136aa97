package fib

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// linearSystemLookup is the twin of SystemLookup: the best non-UDR route of the listing and
// the removed None routes, longest prefix first, then rank, first listed on a tie, with rule 3.
func linearSystemLookup(listing, removedNone []Route, dst netip.Addr) *Route {
	pick := func(skipGW bool) (best *Route, local bool) {
		for _, rs := range [][]Route{removedNone, listing} {
			for i := range rs {
				r := &rs[i]
				if r.Source == SourceUser || !r.Prefix.Contains(dst) || (skipGW && r.Source == SourceGateway) {
					continue
				}
				local = local || coversForGateway(r.NextHop)
				if best == nil || r.Prefix.Bits() > best.Prefix.Bits() ||
					(r.Prefix.Bits() == best.Prefix.Bits() && rank(r) > rank(best)) {
					best = r
				}
			}
		}
		return best, local
	}
	best, local := pick(false)
	if best != nil && best.Source == SourceGateway && local {
		best, _ = pick(true)
	}
	return best
}

// randomEndpointNet is a small estate where private endpoints collide: a few VNets in
// 10.0.0.0/20 with overlapping ranges, endpoints sharing addresses, UDRs of every length
// (rule 2), same-prefix /32 UDRs (rule 1), subnet peering and half-built links.
func randomEndpointNet(rng *rand.Rand) *model.Network {
	n := newNet()
	var subs []*model.Subnet
	var vnets []*model.VNet
	for i := range 2 + rng.IntN(4) {
		base := rng.IntN(4) * 4
		v := addVNet(n, fmt.Sprintf("v%d", i), "westeurope", fmt.Sprintf("10.0.%d.0/22", base))
		vnets = append(vnets, v)
		for j := range 1 + rng.IntN(3) {
			s := addSubnet(n, v, fmt.Sprintf("s%d", j), fmt.Sprintf("10.0.%d.%d/26", base+rng.IntN(4), 64*j))
			s.PrivateEndpointNetworkPolicies = []string{"", "Disabled", "Enabled", "RouteTableEnabled"}[rng.IntN(4)]
			subs = append(subs, s)
		}
	}
	states := []string{"Connected", "Connected", "Connected", "Initiated"}
	for range rng.IntN(2 * len(vnets)) {
		a, b := vnets[rng.IntN(len(vnets))], vnets[rng.IntN(len(vnets))]
		ab, _ := peer(a, b, states[rng.IntN(4)], states[rng.IntN(4)])
		if rng.IntN(3) == 0 { // subnet peering: one local and one remote subnet
			ab.PeerCompleteVNets = false
			ab.RemoteSubnetNames = []string{b.Subnets[rng.IntN(len(b.Subnets))].Name}
			ab.LocalSubnetNames = []string{a.Subnets[rng.IntN(len(a.Subnets))].Name}
		}
	}
	var used []netip.Addr // endpoints often share an address (overlapping VNets)
	addr := func() string {
		a := randomAddr(rng, false)
		if len(used) > 0 && rng.IntN(3) == 0 {
			a = used[rng.IntN(len(used))]
		}
		used = append(used, a)
		return a.String()
	}
	for i := range rng.IntN(12) {
		addPE(n, subs[rng.IntN(len(subs))], fmt.Sprintf("pe%d", i), addr(), addr())
	}
	for _, s := range subs {
		if rng.IntN(2) == 0 {
			continue
		}
		var us []*model.Route
		for k := range rng.IntN(4) {
			p := netip.PrefixFrom(randomAddr(rng, false), []int{0, 16, 20, 22, 24, 26, 32}[rng.IntN(7)]).Masked()
			if len(used) > 0 && rng.IntN(3) == 0 { // a host UDR on an endpoint's address (rule 1)
				p = netip.PrefixFrom(used[rng.IntN(len(used))], 32)
			}
			us = append(us, udr(fmt.Sprintf("u%d", k), p.String(), "VirtualAppliance 10.0.0.4"))
		}
		addRouteTable(n, "rt-"+s.VNet.Name+s.Name, []*model.Subnet{s}, us...)
	}
	return n
}

// TestEndpointRoutesMatchListing: on random estates, Lookup and SystemLookup, which consult
// the shared endpoint index, select exactly what a scan of the full listing selects.
func TestEndpointRoutesMatchListing(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cases, viaPeer, invalid, shared := 0, 0, 0, 0
	for range 400 {
		n := randomEndpointNet(rng)
		f, _ := Build(n)
		var probes []netip.Addr
		for _, pe := range n.PrivateEndpoints {
			probes = append(probes, pe.IPs...)
		}
		for range 20 {
			probes = append(probes, randomAddr(rng, false))
		}
		for _, at := range f.b.pes.at {
			shared += len(at) - 1
		}
		for _, s := range n.Subnets {
			tab := f.Subnet(s)
			listing := tab.All()
			held := map[netip.Addr]bool{}
			for as := range tab.EndpointAddrs {
				if !slices.IsSortedFunc(as, netip.Addr.Compare) {
					t.Fatalf("%s: EndpointAddrs yields an unsorted list %v", s.Name, as)
				}
				for _, a := range as {
					held[a] = true
				}
			}
			for _, r := range listing {
				if r.NextHop == model.HopInterfaceEndpoint && r.State == Invalid {
					invalid++
				}
				if r.NextHop == model.HopInterfaceEndpoint && !held[r.Prefix.Addr()] {
					t.Fatalf("%s: endpoint route %v is not among EndpointAddrs", s.Name, r.Prefix)
				}
			}
			for _, dst := range probes {
				cases++
				got, ok := checkLookups(t, s, tab, listing, dst)
				if ok && got.NextHop == model.HopInterfaceEndpoint && tab.Via(got) != nil {
					viaPeer++
				}
			}
		}
	}
	if cases < 20000 || viaPeer < 200 || invalid < 200 || shared < 200 {
		t.Fatalf("too few cases: %d probes, %d endpoint routes across a peering, %d Invalid endpoint routes, "+
			"%d shared endpoint addresses", cases, viaPeer, invalid, shared)
	}
}

// checkLookups fails t unless tab's Lookup and SystemLookup select for dst what a scan of
// listing selects (linearLookup, linearSystemLookup); it returns SystemLookup's answer.
func checkLookups(t *testing.T, s *model.Subnet, tab *Table, listing []Route, dst netip.Addr) (*Route, bool) {
	t.Helper()
	got, ok := tab.Lookup(dst)
	if want := linearLookup(listing, dst); !sameRoute(got, ok, want) {
		t.Fatalf("%s/%s Lookup(%v) = %v, want %v in\n%v", s.VNet.Name, s.Name, dst, got, want, rows(tab))
	}
	got, ok = tab.SystemLookup(dst)
	want := linearSystemLookup(listing, tab.removedNone, dst)
	if want != nil && want.NextHop == model.HopInterfaceEndpoint {
		w := *want
		w.State = Active // with UDRs ignored nothing invalidates it (SystemLookup's doc)
		want = &w
	}
	if !sameRoute(got, ok, want) {
		t.Fatalf("%s/%s SystemLookup(%v) = %v, want %v in\n%v", s.VNet.Name, s.Name, dst, got, want, rows(tab))
	}
	return got, ok
}

// sameRoute compares a lookup's answer with the listing's by content: endpoint routes are
// shared, so the listing holds copies.
func sameRoute(got *Route, ok bool, want *Route) bool {
	if ok != (want != nil) {
		return false
	}
	return !ok || (got.Prefix == want.Prefix && got.Source == want.Source && got.NextHop == want.NextHop &&
		got.PrivateEndpoint == want.PrivateEndpoint && got.Table == want.Table && got.Name == want.Name &&
		got.Peering == want.Peering && got.State == want.State)
}

// Lookup and Via through the shared endpoint index allocate nothing, own and peered endpoints
// alike (route lookup is a hot path).
func TestEndpointLookupAllocs(t *testing.T) {
	n := newNet()
	hub := addVNet(n, "hub", "westeurope", "10.0.0.0/16")
	spoke := addVNet(n, "spoke", "westeurope", "10.1.0.0/16")
	pes := addSubnet(n, hub, "pe", "10.0.2.0/24")
	app := addSubnet(n, spoke, "app", "10.1.1.0/24")
	addPE(n, pes, "pe-hub", "10.0.2.4")
	addPE(n, app, "pe-spoke", "10.1.1.4")
	peer(spoke, hub, "Connected", "Connected")
	f, _ := Build(n)
	tab := f.Subnet(app)
	dsts := []netip.Addr{ip("10.0.2.4"), ip("10.1.1.4"), ip("10.0.2.5"), ip("8.8.8.8")}
	allocs := testing.AllocsPerRun(200, func() {
		for _, d := range dsts {
			if r, ok := tab.Lookup(d); ok {
				tab.Via(r)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("Lookup through endpoint routes allocates %v times per run, want 0", allocs)
	}
	if r, _ := tab.Lookup(ip("10.0.2.4")); r.NextHop != model.HopInterfaceEndpoint {
		t.Errorf("10.0.2.4 from the spoke = %v, want the hub endpoint's route", r.NextHop)
	}
}
