package acl

import (
	"math/rand"
	"net/netip"
	"slices"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// TestBoundsSeparateDecisions: on random networks, two addresses that no bound of a level's side
// separates (and alike for PlatformMode) get one decision from every level (the other end, protocol and ports fixed), and the
// bounds separate addresses whose decisions differ somewhere (the test can fail).
func TestBoundsSeparateDecisions(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	pairs, differ := 0, 0
	for iter := 0; iter < 100; iter++ {
		n, cs, _ := randomNetwork(r)
		a, _ := build(t, n)
		for _, c := range cs {
			e := a.ForIPConfig(c)
			for _, dir := range []model.Direction{model.Inbound, model.Outbound} {
				for _, src := range []bool{true, false} {
					for k := 0; k < 20; k++ {
						f := randomFlow(r)
						x, y := ip(pick(r, addrPool)), ip(pick(r, addrPool))
						if !x.Is4() || !y.Is4() {
							continue
						}
						fx, fy := f, f
						if src {
							fx.Src, fy.Src = x, y
						} else {
							fx.Dst, fy.Dst = x, y
						}
						same := src || PlatformMode(dir, x) == PlatformMode(dir, y)
						e.Levels(dir, func(_ Level, rs *RuleSet) {
							same = same && !separated(rs, dir, src, x, y)
						})
						rx, ry := e.Evaluate(dir, fx), e.Evaluate(dir, fy)
						if same {
							pairs++
							if rx != ry {
								t.Fatalf("iter %d %v src=%v: %s and %s share every level's range but get\n %s\n %s", iter, dir, src, x, y, describe(rx), describe(ry))
							}
						} else if rx != ry {
							differ++
						}
					}
				}
			}
		}
	}
	if pairs == 0 || differ == 0 {
		t.Fatalf("%d pairs in one range, %d separated pairs decided apart: the generator is degenerate", pairs, differ)
	}
}

// separated reports whether a bound of rs's side lies in (min(x,y), max(x,y)].
func separated(rs *RuleSet, dir model.Direction, src bool, x, y netip.Addr) bool {
	if x.Compare(y) > 0 {
		x, y = y, x
	}
	var bs []netip.Addr
	rs.Bounds(dir, src, func(r ipset.Range) {
		bs = append(bs, r.From)
		if next := r.To.Next(); next.IsValid() {
			bs = append(bs, next)
		}
	})
	return slices.ContainsFunc(bs, func(b netip.Addr) bool { return x.Less(b) && b.Compare(y) <= 0 })
}
