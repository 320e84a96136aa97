package firewall

import (
	"math/rand"
	"net/netip"
	"testing"
)

// addrSet.contains (merged, binary search) against naiveIn (as written, linear) on random sets.
func TestAddrSetMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	rnd := func() netip.Addr {
		if rng.Intn(5) == 0 {
			return netip.AddrFrom16([16]byte{0x20, 0x01, 15: byte(rng.Intn(64))})
		}
		return netip.AddrFrom4([4]byte{10, 0, byte(rng.Intn(2)), byte(rng.Intn(256))})
	}
	for range 500 {
		var s addrSet
		for range rng.Intn(8) {
			a, b := rnd(), rnd()
			if a.Is4() != b.Is4() {
				continue
			}
			if b.Less(a) {
				a, b = b, a
			}
			s.add(addrRange{a, b})
		}
		s.finish()
		for range 50 {
			a := rnd()
			if got, want := s.contains(a), naiveIn(&s, a); got != want {
				t.Fatalf("%v in %v: got %v, want %v", a, s.raw, got, want)
			}
		}
	}
}

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in     string
		lo, hi string
		ok     bool
	}{
		{"10.0.0.1", "10.0.0.1", "10.0.0.1", true},
		{" 10.0.0.0/30 ", "10.0.0.0", "10.0.0.3", true},
		{"10.0.0.7/30", "10.0.0.4", "10.0.0.7", true},
		{"10.0.0.1-10.0.0.9", "10.0.0.1", "10.0.0.9", true},
		{"::ffff:10.0.0.0/120", "10.0.0.0", "10.0.0.255", true},
		{"2001:db8::/127", "2001:db8::", "2001:db8::1", true},
		{"10.0.0.9-10.0.0.1", "", "", false},
		{"10.0.0.1-2001:db8::1", "", "", false},
		{"10.0.0.0/33", "", "", false},
		{"AzureCloud", "", "", false},
	}
	for _, tt := range tests {
		r, ok := parseAddr(tt.in)
		if ok != tt.ok || ok && (r.lo != ip(tt.lo) || r.hi != ip(tt.hi)) {
			t.Errorf("parseAddr(%q): got %v-%v %v, want %s-%s %v", tt.in, r.lo, r.hi, ok, tt.lo, tt.hi, tt.ok)
		}
	}
}
