package model

import (
	"net/netip"
	"testing"
)

// Microsoft's NAT example (learn.microsoft.com/azure/vpn-gateway/nat-overview): Branch1's
// 10.0.1.0/24 is 100.0.2.0/24 in Azure; a static rule keeps the offset both ways, a dynamic
// rule to a smaller pool wraps into it, and prefixes translate to the same place.
func TestVPNNATMapping(t *testing.T) {
	p, a := netip.MustParsePrefix, netip.MustParseAddr
	static := &VPNNATRule{Name: "Branch1", Internal: []netip.Prefix{p("10.0.1.0/24")}, External: []netip.Prefix{p("100.0.2.0/24")}}
	dynamic := &VPNNATRule{Name: "Pool", Dynamic: true, Internal: []netip.Prefix{p("10.0.0.0/16")}, External: []netip.Prefix{p("100.0.9.0/30")}}
	for _, c := range []struct {
		r        *VPNNATRule
		in, want string
		external bool
	}{
		{static, "10.0.1.5", "100.0.2.5", true},
		{static, "100.0.2.200", "10.0.1.200", false},
		{dynamic, "10.0.7.6", "100.0.9.2", true}, // offset 0x706 modulo the 4-address pool
	} {
		var got netip.Addr
		var ok bool
		if c.external {
			got, ok = c.r.ToExternal(a(c.in))
		} else {
			got, ok = c.r.ToInternal(a(c.in))
		}
		if !ok || got != a(c.want) {
			t.Errorf("%s %s: got %v %v, want %s", c.r.Name, c.in, got, ok, c.want)
		}
	}
	if _, ok := static.ToExternal(a("10.0.2.1")); ok {
		t.Error("an address outside the internal mapping translated")
	}
	if got, ok := static.ToExternalPrefix(p("10.0.1.128/25")); !ok || got != p("100.0.2.128/25") {
		t.Errorf("prefix inside the mapping: %v %v", got, ok)
	}
	c := &Connection{IngressNAT: []*VPNNATRule{static}}
	got := c.TranslatedPrefixes([]netip.Prefix{p("10.0.1.0/24"), p("192.168.5.0/24")})
	if len(got) != 2 || got[0] != p("100.0.2.0/24") || got[1] != p("192.168.5.0/24") {
		t.Errorf("TranslatedPrefixes = %v, want the mapped range and the unmapped one unchanged", got)
	}
}
