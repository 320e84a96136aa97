package azure

import (
	"math/rand"
	"net/netip"
	"testing"
)

// TestRangePrefixesTwin compares the CIDR cover of a range with a slow twin: enumerate
// every address of a /20 and check it is covered exactly when it lies in the range, and
// that no two prefixes could merge (the cover is minimal).
func TestRangePrefixesTwin(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	base := netip.MustParseAddr("10.20.16.0")
	nth := func(i int) netip.Addr {
		a := base.As4()
		v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]) + uint32(i)
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	for iter := 0; iter < 300; iter++ {
		lo, hi := r.Intn(4096), r.Intn(4096)
		if lo > hi {
			lo, hi = hi, lo
		}
		ps, ok := addressPrefixes(nth(lo).String() + "-" + nth(hi).String())
		if !ok {
			t.Fatalf("range %d-%d rejected", lo, hi)
		}
		for i := 0; i < 4096; i++ {
			n := 0
			for _, p := range ps {
				if p.Contains(nth(i)) {
					n++
				}
			}
			if want := lo <= i && i <= hi; (n == 1) != want || n > 1 {
				t.Fatalf("range %d-%d: address %d covered %d times by %v", lo, hi, i, n, ps)
			}
		}
		for i := 1; i < len(ps); i++ {
			a, b := ps[i-1], ps[i]
			if a.Bits() == b.Bits() {
				if m, _ := a.Addr().Prefix(a.Bits() - 1); m.Addr() == a.Addr() && m.Contains(b.Addr()) {
					t.Fatalf("range %d-%d: %v and %v could merge", lo, hi, a, b)
				}
			}
		}
	}
	if _, ok := addressPrefixes("10.0.0.9-10.0.0.1"); ok {
		t.Error("a reversed range was accepted")
	}
	if ps, ok := addressPrefixes("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"); !ok || len(ps) != 1 || ps[0].Bits() != 0 {
		t.Errorf("the whole IPv6 space = %v", ps)
	}
}
