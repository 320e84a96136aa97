package fib

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// linearLookup is the obviously correct twin of Table.Lookup: spec §1.5 rule 3 read literally.
func linearLookup(rs []Route, dst netip.Addr) *Route {
	covered := false
	for i := range rs {
		r := &rs[i]
		switch r.NextHop {
		case model.HopVnetLocal, model.HopVNetPeering, model.HopVNetGlobalPeering, model.HopServiceEndpoint:
			covered = covered || (r.State == Active && r.Prefix.Contains(dst))
		}
	}
	var best *Route
	for i := range rs {
		r := &rs[i]
		if r.State != Active || !r.Prefix.Contains(dst) || (covered && r.Source == SourceGateway) {
			continue
		}
		if best == nil || r.Prefix.Bits() > best.Prefix.Bits() {
			best = r
		}
	}
	return best
}

// plainLPM is longest prefix match over Active routes without rule 3's exception.
func plainLPM(rs []Route, dst netip.Addr) *Route {
	var best *Route
	for i := range rs {
		r := &rs[i]
		if r.State == Active && r.Prefix.Contains(dst) && (best == nil || r.Prefix.Bits() > best.Prefix.Bits()) {
			best = r
		}
	}
	return best
}

var randomHops = []model.NextHopType{model.HopVnetLocal, model.HopVNetPeering, model.HopVNetGlobalPeering,
	model.HopInternet, model.HopNone, model.HopVirtualAppliance, model.HopVirtualNetworkGateway,
	model.HopServiceEndpoint}

// randomAddr draws from a small space (10.0.0.0/20 or 2001:db8::/116) so prefixes overlap.
func randomAddr(rng *rand.Rand, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(rng.IntN(16)), 15: byte(rng.IntN(256))})
	}
	return netip.AddrFrom4([4]byte{10, 0, byte(rng.IntN(16)), byte(rng.IntN(256))})
}

func randomRoutes(rng *rand.Rand, k int) []Route {
	rs := make([]Route, 0, k+1)
	rs = append(rs, Route{Source: SourceDefault, Prefix: defaultRoute, NextHop: model.HopInternet})
	for range k {
		v6 := rng.IntN(8) == 0
		a := randomAddr(rng, v6)
		bits := 20 + rng.IntN(13)
		if v6 {
			bits = 116 + rng.IntN(13)
		}
		r := Route{Source: Source(rng.IntN(3)), Prefix: netip.PrefixFrom(a, bits).Masked(),
			NextHop: randomHops[rng.IntN(len(randomHops))]}
		if r.Source == SourceGateway {
			r.NextHop = model.HopVirtualNetworkGateway
		}
		rs = append(rs, r)
	}
	return rs
}

// TestLookupMatchesLinear compares Lookup with its twin on random tables and destinations.
func TestLookupMatchesLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sub := &model.Subnet{Name: "random", VNet: &model.VNet{Name: "v"}}
	cases, ignored := 0, 0
	for range 300 {
		rs := randomRoutes(rng, 1+rng.IntN(60))
		tab := newTable(sub, rs, udrIndex(rs))
		for range 50 {
			dst := randomAddr(rng, rng.IntN(8) == 0)
			got, ok := tab.Lookup(dst)
			want := linearLookup(tab.All(), dst)
			cases++
			if want != nil && want != plainLPM(tab.All(), dst) {
				ignored++ // rule 3 set a more specific gateway route aside
			}
			if ok != (want != nil) || (ok && got != want) {
				t.Fatalf("Lookup(%v) = %v %v, want %v in table\n%v", dst, got, ok, want, rows(tab))
			}
		}
	}
	if cases < 10000 || ignored < 100 {
		t.Fatalf("only %d cases, %d with a gateway route set aside", cases, ignored)
	}
}

// TestDefaultRouteMatchesScan compares DefaultRoute with a scan of the listing for the Active
// 0.0.0.0/0, on random tables with no 0/0, the default Internet one, or that one and a UDR.
func TestDefaultRouteMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sub := &model.Subnet{Name: "random", VNet: &model.VNet{Name: "v"}}
	for i := range 300 {
		rs := randomRoutes(rng, 1+rng.IntN(20))
		switch i % 3 {
		case 0:
			rs = rs[1:]
		case 1:
			rs = append(rs, Route{Source: SourceUser, Prefix: defaultRoute, NextHop: randomHops[rng.IntN(len(randomHops))]})
		}
		tab := newTable(sub, rs, udrIndex(rs))
		var want *Route
		for j := range tab.All() {
			if r := &tab.All()[j]; r.State == Active && r.Prefix == defaultRoute {
				want = r
			}
		}
		if got, ok := tab.DefaultRoute(); ok != (want != nil) || got != want {
			t.Fatalf("DefaultRoute() = %v %v, want %v in table\n%v", got, ok, want, rows(tab))
		}
	}
}

// TestLookupOddInputs: an invalid or 4-in-6 address never panics.
func TestLookupOddInputs(t *testing.T) {
	n, _, s2 := workedExample()
	tab := tableOf(t, n, s2)
	if r, ok := tab.Lookup(netip.Addr{}); ok {
		t.Errorf("Lookup(zero) = %v, want no route", row(*r))
	}
	if got, want := lookupRow(tab, "::ffff:10.1.0.1"), "Default Active 10.1.0.0/16 VNetPeering"; got != want {
		t.Errorf("Lookup(4in6) = %q, want %q", got, want)
	}
	if got := lookupRow(tab, "2001:db8::1"); got != "none" {
		t.Errorf("Lookup(v6) = %q, want none", got)
	}
	f, _ := Build(n)
	if f.Subnet(&model.Subnet{Name: "foreign"}) != nil {
		t.Errorf("Subnet(foreign) != nil")
	}
}

func TestLookupAllocs(t *testing.T) {
	n, s1, s2 := workedExample()
	f, _ := Build(n)
	dsts := []netip.Addr{ip("10.0.0.9"), ip("10.10.1.1"), ip("8.8.8.8"), ip("10.1.2.3"), ip("20.38.109.1")}
	for _, s := range []*model.Subnet{s1, s2} {
		tab := f.Subnet(s)
		allocs := testing.AllocsPerRun(200, func() {
			for _, d := range dsts {
				tab.Lookup(d)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: Lookup allocates %v times per run, want 0", s.Name, allocs)
		}
	}
}

// TestConcurrentSubnet: tables are built once even when many goroutines ask at the same time.
func TestConcurrentSubnet(t *testing.T) {
	n, s1, s2 := workedExample()
	f, _ := Build(n)
	got := make(chan *Table, 16)
	for i := range 16 {
		go func() {
			s := s1
			if i%2 == 1 {
				s = s2
			}
			tab := f.Subnet(s)
			tab.Lookup(ip("10.0.0.1"))
			got <- tab
		}()
	}
	seen := map[*Table]int{}
	for range 16 {
		seen[<-got]++
	}
	if len(seen) != 2 || seen[f.Subnet(s1)] != 8 || seen[f.Subnet(s2)] != 8 {
		t.Errorf("tables handed out: %v, want two, 8 each", seen)
	}
}
