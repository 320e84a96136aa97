package reach

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net/netip"
	"reflect"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestRunManyEqualsRun: on random estates (some with pods and tagged NICs), RunMany's answer for each fixed endpoint (sharing
// traces between sources with equal keys) is, class for class, what Run answers about that
// endpoint alone tracing every pair, both ways (who reaches every VM, what every VM reaches);
// classes' examples trace to their verdict and deciding step, and every row's example to the
// row's verdict.
func TestRunManyEqualsRun(t *testing.T) {
	checkMemo = true // a remembered decision that is not the rules' fails here, not only where it changes a key
	defer func() { checkMemo = false }()
	n := seeds(32, 3)
	compared, shared, sharedFrom := 0, 0, 0
	for seed := int64(1); seed <= int64(n); seed++ {
		r := rand.New(rand.NewSource(seed))
		e := randomEstate(r)
		switch {
		case seed%3 == 0:
			e = cniEstate(r) // seed 27 once had sharing name another source's NSG rule where trace names the route
		case seed%2 == 0:
			e = pooledEstate(r)
		}
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
				shared += got.Shared
				if len(q.From) > 0 {
					sharedFrom += got.Shared
				}
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
	t.Logf("%d classes compared, %d cells proved by another pair's trace (%d with the source fixed)", compared, shared, sharedFrom)
	if compared == 0 || shared == 0 || sharedFrom == 0 {
		t.Errorf("%d classes compared, %d shared (%d with the source fixed): the estates no longer exercise sharing", compared, shared, sharedFrom)
	}
}

// pooledEstate is a random estate whose spoke subnets draw their NSG and route table from a pool
// of two each, whose routes lead to the firewall rather than the other appliance, and whose VMs'
// NICs mostly have no NSG of their own: sources in different spokes then share keys, as they do
// in real estates.
func pooledEstate(r *rand.Rand) *estate {
	e := randomEstate(r)
	nsgs := e.n.NSGs[:0:0]
	for _, g := range e.n.NSGs {
		if len(nsgs) < 2 {
			nsgs = append(nsgs, g)
		}
	}
	tables := e.n.RouteTables
	for _, rt := range tables {
		for _, rr := range rt.Routes {
			if rr.NextHopIP == ip("10.0.1.4") {
				rr.NextHopIP = ip("10.0.0.4") // appliances other than the firewall are traced on their own
			}
		}
	}
	for _, s := range e.n.Subnets {
		if s.Name == "AzureFirewallSubnet" {
			continue
		}
		s.NSG, s.RouteTable = nil, nil
		if len(nsgs) > 0 && r.Intn(4) > 0 {
			s.NSG = nsgs[r.Intn(len(nsgs))]
		}
		if len(tables) > 0 && r.Intn(4) > 0 {
			s.RouteTable = tables[r.Intn(min(2, len(tables)))]
		}
	}
	for _, vm := range e.vms {
		if r.Intn(3) > 0 {
			vm.NIC.NSG = nil
		}
	}
	// The firewall tells one VM apart from its subnet's others: verdicts that differ by source
	// address inside a subnet, which sharing must not merge.
	vm := e.vms[r.Intn(len(e.vms))]
	pol := e.n.Firewalls[0].Policy
	pol.Groups[0].Collections = append(pol.Groups[0].Collections, &model.RuleCollection{Name: "one", Priority: 150,
		Kind: model.NetworkRules, Action: model.FirewallAction(r.Intn(2)), Rules: []*model.FirewallRule{{Name: "vm",
			Protocols: []model.Protocol{model.ProtoAny}, Sources: []string{vm.PrivateIP.String()},
			Destinations: []string{"10.0.0.0/8"}, DestPorts: []model.PortRange{model.AllPorts}}}})
	// A private endpoint in a spoke: a source trace drops at once, whatever the destination.
	s := e.n.Subnets[len(e.n.Subnets)-1]
	pe := &model.PrivateEndpoint{ID: model.ID(sub + "privateEndpoints/pe"), Name: "pe", Subnet: s,
		IPs: []netip.Addr{s.Prefixes[0].Addr().Next().Next().Next().Next().Next().Next()}}
	e.n.PrivateEndpoints = append(e.n.PrivateEndpoints, pe)
	e.n.Index(pe.ID, pe)
	return e
}

// TestShareTwinPooledEstates: where many sources share keys, every class still agrees with a
// trace of every packet of the universe it covers (twin), and with Run tracing every pair.
func TestShareTwinPooledEstates(t *testing.T) {
	checkMemo = true
	defer func() { checkMemo = false }()
	n := seeds(60, 16)
	shared, classes := 0, 0
	for seed := int64(1); seed <= int64(n); seed++ {
		r := rand.New(rand.NewSource(seed))
		e := pooledEstate(r)
		p := e.plane()
		m := Build(p)
		vm := e.vms[r.Intn(len(e.vms))]
		q := Query{To: []Endpoint{{Ref: vm.NIC.VMName, Trace: string(vm.NIC.ID), Addr: vm.PrivateIP, Label: vm.NIC.VMName}}}
		res, bad := twin(p, m, q)
		reportBad(t, seed, bad)
		if res == nil {
			continue
		}
		q.Space, q.Ports, q.Protocols = universe, universePorts, universeProto
		noShare = true
		want, err := Run(context.Background(), m, q)
		noShare = false
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res.Classes, want.Classes) {
			t.Errorf("seed %d: shared answer differs from tracing every pair", seed)
		}
		shared, classes = shared+res.Shared, classes+len(res.Classes)
	}
	t.Logf("%d classes, %d cells proved by another source's trace", classes, shared)
	if shared < 2*n {
		t.Errorf("only %d cells shared over %d estates: the test no longer exercises sharing", shared, n)
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
