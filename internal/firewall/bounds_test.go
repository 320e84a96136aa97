package firewall

import (
	"fmt"
	"math/rand"
	"net/netip"
	"slices"
	"testing"
)

// TestBoundsCutEqualClasses: two addresses with no bound between them get the same verdict,
// as source or as destination, on random policies; and the bounds do cut (a packet moved
// across one changes some verdict in the same rounds).
func TestBoundsCutEqualClasses(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	cuts := 0
	for round := range 6 {
		g := newGen(rng)
		e, _ := Compile(testFirewall(g.policy(3+round, 4, 12+round*10)), g.net)
		var bounds []netip.Addr
		e.Bounds(func(a netip.Addr) { bounds = append(bounds, a) })
		slices.SortFunc(bounds, netip.Addr.Compare)
		atom := func(a netip.Addr) int {
			i, _ := slices.BinarySearchFunc(bounds, a, func(b, a netip.Addr) int {
				if b.Compare(a) <= 0 {
					return -1
				}
				return 1
			})
			return i
		}
		verdict := func(p Packet) string { r := e.Evaluate(p); return fmt.Sprint(r.Kind, r.RuleID, r.SNAT) }
		for range 3000 {
			p := g.packet()
			for _, moveDst := range []bool{false, true} {
				q := p
				a := &q.Src
				if moveDst {
					a = &q.Dst
				}
				if !a.IsValid() || !a.Is4() {
					continue
				}
				b := a.As4()
				b[3] ^= byte(1 + rng.Intn(255))
				moved := netip.AddrFrom4(b)
				same := atom(*a) == atom(moved)
				*a = moved
				if same && verdict(p) != verdict(q) {
					t.Fatalf("round %d: %v and %v share an atom but are decided %s and %s", round, p, q, verdict(p), verdict(q))
				}
				if !same && verdict(p) != verdict(q) {
					cuts++
				}
			}
		}
	}
	if cuts == 0 {
		t.Fatal("no packet moved across a bound changed verdict: the test does not exercise the bounds")
	}
}
