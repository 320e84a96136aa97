package reach

import (
	"context"
	"maps"
	"math/rand"
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// TestCompareEachEqualsOneAtATime: CompareEach, cutting each side's varying addresses once for
// every fixed endpoint and running both sides at once, emits for each endpoint, in order, the
// cells comparing the two sides' answers about that endpoint alone, both ways, and walks no more
// packets. The two sides are different random estates: endpoints one side lacks are Unreachable
// there (a side rejects the whole query, and CompareEach asks one endpoint at a time); with only
// the endpoints both hold, both sides take the batch.
func TestCompareEachEqualsOneAtATime(t *testing.T) {
	ctx := context.Background()
	batched := 0
	for seed := int64(1); seed <= 6; seed++ {
		eb, ea := randomEstate(rand.New(rand.NewSource(seed))), randomEstate(rand.New(rand.NewSource(seed+1000)))
		mb, ma := Build(eb.plane()), Build(ea.plane())
		sides := map[netip.Addr]int{} // 1 before, 2 after, 3 both
		for k, vms := range [][]*model.IPConfig{eb.vms, ea.vms} {
			for _, c := range vms {
				sides[c.PrivateIP] |= 1 << k
			}
		}
		var all, common []Endpoint
		for _, a := range slices.SortedFunc(maps.Keys(sides), netip.Addr.Compare) {
			e := Endpoint{Ref: a.String(), Addr: a, Label: a.String()}
			all = append(all, e)
			if sides[a] == 3 {
				common = append(common, e)
			}
		}
		for _, fixed := range [][]Endpoint{all, common} {
			for _, to := range []bool{true, false} {
				q := Query{Space: universe, Ports: universePorts}
				if to {
					q.To = fixed
				} else {
					q.From = fixed
				}
				next, traces := 0, 0
				n, err := CompareEach(ctx, mb, ma, q, func(i int, got []Cell) error {
					if i != next {
						t.Fatalf("seed %d: endpoint %d emitted after %d", seed, i, next)
					}
					next++
					one := q
					if to {
						one.To = fixed[i : i+1]
					} else {
						one.From = fixed[i : i+1]
					}
					cb, ca, m, err := compareOne(ctx, mb, ma, one)
					if err != nil {
						return err
					}
					traces += m
					if want := overlay(fixed[i], to, cb, ca, mb, ma); !reflect.DeepEqual(got, want) {
						t.Errorf("seed %d %s (to %v): %d cells batched, %d alone", seed, fixed[i].Ref, to, len(got), len(want))
					}
					return nil
				})
				if err != nil || next != len(fixed) {
					t.Fatalf("seed %d: %v after %d of %d endpoints", seed, err, next, len(fixed))
				}
				if n > traces {
					t.Errorf("seed %d: %d packets walked batched, %d one endpoint at a time", seed, n, traces)
				}
			}
		}
		if _, done, err := compareMany(ctx, mb, ma, Query{To: common, Space: universe, Ports: universePorts}, common, true, func(int, []Cell) error { return nil }); done && err == nil && len(common) > 1 {
			batched++
		}
	}
	if batched == 0 {
		t.Error("no seed had two endpoints both sides take in one batch")
	}
}
