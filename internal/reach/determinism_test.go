package reach

import (
	"context"
	"math/rand"
	"reflect"
	"runtime"
	"testing"
)

// TestFiguresDoNotDependOnWorkers: Traces and Shared count each shared key's trace once, so one
// worker and four give the same figures, as well as the same classes (a CLI answer and serve's
// must be byte for byte the same).
func TestFiguresDoNotDependOnWorkers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	shared := 0
	for seed := int64(1); seed <= 20; seed++ {
		r := rand.New(rand.NewSource(seed))
		e := pooledEstate(r)
		m := Build(e.plane())
		for _, vm := range e.vms[:min(3, len(e.vms))] {
			q := Query{To: []Endpoint{{Ref: vm.NIC.VMName, Trace: string(vm.NIC.ID), Addr: vm.PrivateIP, Label: vm.NIC.VMName}}}
			var got [2]*Result
			for k, procs := range []int{1, 4} {
				runtime.GOMAXPROCS(procs)
				res, err := Run(context.Background(), m, q)
				if err != nil {
					t.Fatal(err)
				}
				got[k] = res
			}
			if got[0].Traces != got[1].Traces || got[0].Shared != got[1].Shared || !reflect.DeepEqual(got[0].Classes, got[1].Classes) {
				t.Fatalf("seed %d, %+v: 1 worker %d traces, %d shared, %d classes; 4 workers %d, %d, %d", seed, q,
					got[0].Traces, got[0].Shared, len(got[0].Classes), got[1].Traces, got[1].Shared, len(got[1].Classes))
			}
			shared += got[0].Shared
		}
	}
	if shared == 0 {
		t.Fatal("no class was shared: the estates no longer exercise sharing")
	}
}
