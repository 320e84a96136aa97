package forward

import (
	"net/netip"
	"testing"
)

// TestMemoAgreesWithLeave asks every question twice (the second answer comes from the memo) and
// compares both with Leave, for both route views.
func TestMemoAgreesWithLeave(t *testing.T) {
	p, _, _ := estate(t)
	m := NewMemo(p)
	dsts := []string{"10.0.0.4", "10.0.1.4", "10.1.1.9", "10.2.0.1", "10.3.0.1", "8.8.8.8", "10.0.5.5"}
	for round := 0; round < 2; round++ {
		for _, s := range p.Net.Subnets {
			for _, d := range dsts {
				dst := netip.MustParseAddr(d)
				for _, sys := range []bool{false, true} {
					if got, want := m.Leave(s, dst, sys), Leave(p, s, dst, sys); got != want {
						t.Errorf("round %d: Memo.Leave(%s, %s, system=%v) = %+v, Leave = %+v", round, s.Name, d, sys, got, want)
					}
				}
			}
		}
	}
	if got := m.Leave(nil, netip.MustParseAddr("10.0.0.4"), false); got.Kind != NoTable {
		t.Errorf("nil subnet: %v, want NoTable", got.Kind)
	}
	if len(m.follow) == 0 {
		t.Error("memo kept nothing")
	}
}
