package fib

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestListingInItsParts: every route of the listing (All) is one of Routes or Endpoints (which
// also hold the learned routes the listing leaves out), so a caller that must see every listed
// route (reach cutting the address space) can read them instead of building the listing.
func TestListingInItsParts(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	key := func(r *Route) string { return fmt.Sprint(r.Prefix, r.NextHop, r.NextHopIP, r.Source) }
	tables, endpoints, learned := 0, 0, 0
	for range 200 {
		n := randomEndpointNet(rng)
		addRandomBGP(rng, n)
		f, _ := Build(n)
		for _, s := range f.Subnets() {
			tab := f.Subnet(s)
			var all, parts []string
			for i, rs := 0, tab.All(); i < len(rs); i++ {
				all = append(all, key(&rs[i]))
			}
			for r := range tab.Routes() {
				parts = append(parts, key(r))
			}
			learned += len(tab.Learned())
			for r := range tab.Endpoints() {
				parts = append(parts, key(r))
				endpoints++
			}
			for _, r := range all {
				if !slices.Contains(parts, r) {
					t.Fatalf("%s/%s: listed route %s is in no part %v", s.VNet.Name, s.Name, r, parts)
				}
			}
			tables++
		}
	}
	if tables < 500 || endpoints < 500 || learned < 500 {
		t.Fatalf("too few cases: %d tables, %d endpoint routes, %d learned", tables, endpoints, learned)
	}
}
