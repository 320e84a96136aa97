package model

import (
	"net/netip"
	"testing"
)

// No resource owns one of a subnet's five reserved addresses (spec §2.6): Freeze ignores such a
// claim with a ReservedAddress warning instead of indexing it silently.
func TestReservedAddressesHaveNoOwner(t *testing.T) {
	tests := []struct {
		addr     string
		reserved bool
	}{
		{"10.0.1.0", true}, {"10.0.1.1", true}, {"10.0.1.2", true}, {"10.0.1.3", true},
		{"10.0.1.4", false}, {"10.0.1.254", false}, {"10.0.1.255", true}, {"10.0.2.1", false},
	}
	for _, tt := range tests {
		n, a, _ := tiny()
		a.IPConfigs[0].PrivateIP = netip.MustParseAddr(tt.addr)
		n.Warnings = nil
		n.Freeze()
		s := a.IPConfigs[0].Subnet
		_, owned := n.OwnerIn(s.VNet, a.IPConfigs[0].PrivateIP)
		warned := len(n.Warnings) == 1 && n.Warnings[0].Code == "ReservedAddress" && n.Warnings[0].Resource == a.ID
		if got := s.Reserved(a.IPConfigs[0].PrivateIP); got != tt.reserved {
			t.Errorf("Reserved(%s) = %v, want %v", tt.addr, got, tt.reserved)
		}
		if owned == tt.reserved || warned != tt.reserved {
			t.Errorf("%s: owned %v, warned %v (%v); want owned %v, warned %v", tt.addr, owned, warned, n.Warnings, !tt.reserved, tt.reserved)
		}
	}
}
