package check

import (
	"math/rand"
	"net/netip"
	"slices"
	"testing"
)

// TestRouteViewMatchesLookups: which members route to which addresses, read by ranges of each
// member's routes, is what one lookup per (member, address) says, on random estates.
func TestRouteViewMatchesLookups(t *testing.T) {
	checked := 0
	for seed := int64(1); seed <= 200; seed++ {
		r := rand.New(rand.NewSource(seed))
		p := randomAsymEstate(r).fullPlane()
		view := &dnsView{}
		for _, s := range p.Net.Subnets {
			view.members = append(view.members, viewMember{subnet: s, routes: p.FIB.Subnet(s)})
		}
		var addrs []netip.Addr
		for _, pe := range p.Net.PrivateEndpoints {
			addrs = append(addrs, pe.IPs...)
		}
		for _, nic := range p.Net.NICs {
			if c := nic.Primary(); c != nil && c.PrivateIP.IsValid() {
				addrs = append(addrs, c.PrivateIP)
			}
		}
		for range 30 {
			addrs = append(addrs, netip.AddrFrom4([4]byte{10, byte(r.Intn(4)), byte(r.Intn(256)), byte(r.Intn(256))}))
		}
		addrs = append(addrs, netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("192.168.1.1"))
		slices.SortFunc(addrs, netip.Addr.Compare)
		u := newUniverse(slices.Compact(addrs))
		vr := routeView(view, &u)
		all := make([]int, len(u.addrs))
		for i := range all {
			all[i] = i
		}
		const max = 3
		firsts := vr.firstMembers(all, max)
		for pos, a := range u.addrs {
			var want []int
			for mi, m := range view.members {
				if rt, ok := m.routes.Lookup(a); ok && routable(rt) {
					want = append(want, mi)
				}
			}
			first := int32(-1)
			if len(want) > 0 {
				first = int32(want[0])
			}
			if vr.first[pos] != first || int(vr.count[pos]) != len(want) {
				t.Fatalf("seed %d, %s: first member %d of %d routing, want %d of %d", seed, a, vr.first[pos], vr.count[pos], first, len(want))
			}
			if got, w := firsts[pos], want[:min(max, len(want))]; !slices.Equal(got, w) {
				t.Fatalf("seed %d, %s: first members %v, want %v", seed, a, got, w)
			}
			checked += len(want)
		}
	}
	if checked < 10000 {
		t.Fatalf("only %d (member, address) routes checked: the estates no longer exercise the view", checked)
	}
}
