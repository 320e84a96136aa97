package check

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// randomPrefix draws from a small universe so that ranges overlap often: nested and equal IPv4
// ranges (some not masked), IPv6 ranges, IPv4-mapped IPv6 ranges (which never overlap IPv4),
// the default routes, and now and then an invalid prefix.
func randomPrefix(r *rand.Rand) netip.Prefix {
	switch k := r.IntN(20); {
	case k < 13:
		a := netip.AddrFrom4([4]byte{10, byte(r.IntN(4)), byte(r.IntN(4) * 64), byte(r.IntN(3))})
		return netip.PrefixFrom(a, []int{8, 12, 16, 17, 18, 20, 24, 26, 32}[r.IntN(9)])
	case k < 16:
		a := netip.AddrFrom16([16]byte{0xfd, 0, 0, byte(r.IntN(3)), 0, byte(r.IntN(2)), 15: byte(r.IntN(2))})
		return netip.PrefixFrom(a, []int{8, 32, 40, 48, 64, 127, 128}[r.IntN(7)])
	case k < 18:
		a := netip.AddrFrom16([16]byte{10: 0xff, 11: 0xff, 12: 10, 13: byte(r.IntN(4))})
		return netip.PrefixFrom(a, 96+[]int{8, 16, 24}[r.IntN(3)])
	case k < 19:
		if r.IntN(2) == 0 {
			return netip.MustParsePrefix("0.0.0.0/0")
		}
		return netip.MustParsePrefix("::/0")
	}
	return netip.Prefix{}
}

func randomPrefixes(r *rand.Rand, n int) []netip.Prefix {
	out := make([]netip.Prefix, n)
	for i := range out {
		out[i] = randomPrefix(r)
	}
	return out
}

// overlapSubnetNames holds case variants, including the Kelvin sign (folds to k) and the long s
// (folds to s), so subnet peering exercises Subnet.Named's case-insensitive comparison.
var overlapSubnetNames = []string{"app", "App", "APP", "db", "Db", "web", "svc", "\u017fvc", "kv", "\u212Av",
	"gw", "mgmt", "data", "ops", "edge"}

func randomSubnetNames(r *rand.Rand) []string {
	n := r.IntN(4)
	if r.IntN(4) == 0 {
		n = 9 + r.IntN(8) // long subnet lists, some names listed twice
	}
	out := make([]string, n)
	for i := range out {
		out[i] = overlapSubnetNames[r.IntN(len(overlapSubnetNames))]
	}
	return out
}

// randomOverlapEstate builds VNets with overlapping address spaces, several hubs, links in one
// or both directions in various states, self-peerings, duplicate links, links whose remote is
// unknown, subnet peerings, and VNets whose IDs differ only by case.
func randomOverlapEstate(r *rand.Rand) *estate {
	e := newEstate()
	vs := make([]*model.VNet, 2+r.IntN(30))
	for i := range vs {
		name := fmt.Sprintf("v%d", i)
		if i > 0 && r.IntN(15) == 0 {
			name = fmt.Sprintf("V%d", i-1)
		}
		v := e.vnet(name, "westeurope")
		n := r.IntN(4)
		if r.IntN(10) == 0 {
			n = 17 + r.IntN(12) // a VNet with many ranges
		}
		v.AddressSpace = randomPrefixes(r, n)
		for range r.IntN(5) {
			s := e.subnet(v, overlapSubnetNames[r.IntN(len(overlapSubnetNames))], "10.0.0.0/24")
			s.Prefixes = randomPrefixes(r, 1+r.IntN(2))
		}
		vs[i] = v
	}
	states := []string{"Connected", "Connected", "Initiated", "Disconnected", "connected"}
	link := func(a, b *model.VNet) {
		pr := e.link(a, b, states[r.IntN(len(states))])
		switch r.IntN(12) {
		case 0, 1, 2:
			pr.PeerCompleteVNets = false
			pr.LocalSubnetNames, pr.RemoteSubnetNames = randomSubnetNames(r), randomSubnetNames(r)
		case 3:
			pr.Remote, pr.RemoteAddressSpace = nil, randomPrefixes(r, 1)
		}
	}
	peer := func(a, b *model.VNet) {
		switch r.IntN(3) {
		case 0:
			link(a, b)
		case 1:
			link(b, a)
		default:
			link(a, b)
			link(b, a)
		}
	}
	for range 1 + r.IntN(4) {
		hub := vs[r.IntN(len(vs))]
		for _, v := range vs {
			if r.IntN(3) != 0 {
				peer(hub, v)
			}
		}
	}
	for range r.IntN(len(vs)) {
		peer(vs[r.IntN(len(vs))], vs[r.IntN(len(vs))]) // may be a self-peering or a duplicate
	}
	return e
}

// TestAddressSpaceOverlapMatchesPairwise runs the sweep and its pairwise twin
// (overlap_twin_test.go) on many random estates and requires byte-identical findings, in the
// same order.
func TestAddressSpaceOverlapMatchesPairwise(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 1))
	ctx, opts := context.Background(), DefaultOptions()
	twin := Check{Code: addressSpaceOverlap.Code, Run: slowAddressSpaceOverlap}
	var peered, hubbed int
	for i := range 1500 {
		p := randomOverlapEstate(r).plane()
		got, want := RunOne(ctx, addressSpaceOverlap, p, opts), RunOne(ctx, twin, p, opts)
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Fatalf("estate %d: sweep and pairwise twin differ (-twin +sweep):\n%s", i, cmp.Diff(want, got))
		}
		for _, f := range got {
			if strings.HasSuffix(f.Title, "are peered") {
				peered++
			} else {
				hubbed++
			}
		}
	}
	if peered < 5000 || hubbed < 20000 {
		t.Errorf("random estates too tame: %d peered and %d shared-hub findings", peered, hubbed)
	}
	t.Logf("%d peered and %d shared-hub findings agree", peered, hubbed)
}

// TestOverlappingPairs compares the sweep with every pair of VNets compared prefix by prefix.
func TestOverlappingPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 2))
	for range 1000 {
		vs := make([]*model.VNet, r.IntN(25))
		for i := range vs {
			vs[i] = &model.VNet{AddressSpace: randomPrefixes(r, r.IntN(4))}
		}
		var want [][2]int
		for i := range vs {
			for j := i + 1; j < len(vs); j++ {
				if _, ok := firstOverlap(vs[i].AddressSpace, vs[j].AddressSpace); ok {
					want = append(want, [2]int{i, j})
				}
			}
		}
		if d := cmp.Diff(want, overlappingPairs(vs), cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("overlapping pairs (-pairwise +sweep):\n%s", d)
		}
	}
}

// BenchmarkAddressSpaceOverlapHub times the check on one hub with 1,000 connected spokes in
// overlapping groups of ten (4,500 findings), against the pairwise twin.
func BenchmarkAddressSpaceOverlapHub(b *testing.B) {
	e := newEstate()
	hub := e.vnet("hub", "westeurope", "172.16.0.0/16")
	for i := range 1000 {
		s := e.vnet(fmt.Sprintf("spoke%04d", i), "westeurope", fmt.Sprintf("10.%d.0.0/16", i%100))
		if i%5 == 0 {
			s.AddressSpace = append(s.AddressSpace, pfx(fmt.Sprintf("10.%d.%d.0/18", i%100, i%4*64)))
		}
		e.peer(hub, s)
	}
	p := e.plane()
	ctx, opts := context.Background(), DefaultOptions()
	for _, c := range []Check{addressSpaceOverlap, {Code: "pairwise", Run: slowAddressSpaceOverlap}} {
		b.Run(string(c.Code), func(b *testing.B) {
			for b.Loop() {
				RunOne(ctx, c, p, opts)
			}
		})
	}
}
