package reach

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestRunManyEqualsRun: on random estates, RunMany's answer for each fixed endpoint (sharing
// traces between sources with equal keys) is, class for class, what Run answers about that
// endpoint alone tracing every pair, both ways (who reaches every VM, what every VM reaches);
// classes' examples trace to their verdict and deciding step, and every row's example to the
// row's verdict.
func TestRunManyEqualsRun(t *testing.T) {
	n := 8
	if testing.Short() {
		n = 3
	}
	compared := 0
	for seed := int64(1); seed <= int64(n); seed++ {
		r := rand.New(rand.NewSource(seed))
		e := randomEstate(r)
		p := e.plane()
		m := Build(p)
		var vms []Endpoint
		for _, vm := range e.vms {
			vms = append(vms, Endpoint{Ref: vm.NIC.VMName, Trace: string(vm.NIC.ID), Addr: vm.PrivateIP, Label: vm.NIC.VMName})
		}
		for _, q := range []Query{{To: vms}, {From: vms}} {
			q.Space, q.Ports = universe, universePorts
			fixed := append(q.To, q.From...)
			seen := 0
			err := RunMany(context.Background(), m, q, func(i int, got *Result) error {
				if i != seen {
					return fmt.Errorf("endpoint %d emitted after %d", i, seen)
				}
				seen++
				one := q
				if len(q.To) > 0 {
					one.To = fixed[i : i+1]
				} else {
					one.From = fixed[i : i+1]
				}
				noShare = true // the reference traces every pair
				want, err := Run(context.Background(), m, one)
				noShare = false
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(got.Classes, want.Classes) || !reflect.DeepEqual(got.Skipped, want.Skipped) {
					t.Errorf("seed %d %s: RunMany has %d classes (skipped %v), Run %d (skipped %v)", seed, fixed[i].Ref,
						len(got.Classes), got.Skipped, len(want.Classes), want.Skipped)
				}
				for _, c := range got.Classes[:min(len(got.Classes), 40)] {
					a, err := trace.RunBrief(p, c.Example)
					if err != nil || a.Verdict != c.Verdict || !reflect.DeepEqual(a.Forward.Deciding, c.Deciding) {
						t.Errorf("seed %d: example %+v traces to %v (%v), the class says %s", seed, c.Example, verdictOf(a), err, c.Verdict)
					}
				}
				checkRows(t, p, one, got) // every row's example traces to its verdict
				compared += len(got.Classes)
				return nil
			})
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if seen != len(fixed) {
				t.Errorf("seed %d: %d of %d endpoints emitted", seed, seen, len(fixed))
			}
		}
	}
	if compared == 0 {
		t.Errorf("nothing compared")
	}
}

// TestRunManyStops: an error from emit ends the run and is returned; a fixed endpoint trace
// cannot reach is an error before anything is emitted.
func TestRunManyStops(t *testing.T) {
	e := randomEstate(rand.New(rand.NewSource(3)))
	m := Build(e.plane())
	vm := Endpoint{Ref: e.vms[1].NIC.VMName, Addr: e.vms[1].PrivateIP}
	stop := errors.New("stop")
	calls := 0
	err := RunMany(context.Background(), m, Query{To: []Endpoint{vm, vm}, Space: universe, Ports: universePorts}, func(int, *Result) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("err %v after %d calls, want stop after 1", err, calls)
	}
	err = RunMany(context.Background(), m, Query{To: []Endpoint{vm, {Ref: "no-such-vm"}}}, func(int, *Result) error {
		t.Errorf("emitted before the fixed endpoints were checked")
		return nil
	})
	var nf *model.NotFoundError
	if !errors.As(err, &nf) {
		t.Errorf("err %v, want a NotFoundError", err)
	}
}
