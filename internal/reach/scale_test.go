package reach

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// TestScaleEstate (VNETDOCTOR_ESTATE=DIR, e.g. from `go run ./cmd/vnetgen -out DIR`) times the
// model build and `reach --to` one VM (all addresses, TCP and UDP, every port) on a snapshot
// directory, and logs the classes and traces.
//
//	VNETDOCTOR_ESTATE=/tmp/estate go test -run ScaleEstate -v -timeout 0 ./internal/reach/
func TestScaleEstate(t *testing.T) {
	dir := os.Getenv("VNETDOCTOR_ESTATE")
	if dir == "" {
		t.Skip("set VNETDOCTOR_ESTATE=DIR to time reach on a snapshot directory")
	}
	t0 := time.Now()
	n, err := convert.Load([]string{dir}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := dataplane.Build(n)
	t1 := time.Now()
	m := Build(p)
	t2 := time.Now()
	t.Logf("load+plane %v; model build %v: %d address classes, %d shared port boundaries", t1.Sub(t0), t2.Sub(t1), m.Classes(), len(m.shared)-1)
	var vm *model.IPConfig
	for _, nic := range n.NICs {
		if c := nic.Primary(); c != nil && c.Subnet != nil && nic.VMName != "" && nic.Subnet().NSG != nil {
			vm = c
			break
		}
	}
	for _, q := range []Query{
		{To: []Endpoint{{Ref: vm.NIC.VMName, Trace: string(vm.NIC.ID), Addr: vm.PrivateIP, Label: vm.NIC.VMName}}},
		{To: []Endpoint{{Ref: vm.NIC.VMName, Trace: string(vm.NIC.ID), Addr: vm.PrivateIP, Label: vm.NIC.VMName}}, Ports: []model.PortRange{{Lo: 22, Hi: 22}, {Lo: 3389, Hi: 3389}}, Protocols: []model.Protocol{model.ProtoTCP}},
		{From: []Endpoint{{Ref: vm.NIC.VMName, Trace: string(vm.NIC.ID), Addr: vm.PrivateIP, Label: vm.NIC.VMName}}},
	} {
		t3 := time.Now()
		res, err := Run(context.Background(), m, q)
		if err != nil {
			t.Fatal(err)
		}
		rows := Rows(res, append(q.To, q.From...), len(q.To) > 0, false)
		t.Logf("to=%v from=%v ports=%v: %v, %d classes, %d traces, %d rows (not Unreachable), complete %v",
			len(q.To) > 0, len(q.From) > 0, q.Ports, time.Since(t3), len(res.Classes), res.Traces, len(rows), res.Complete())
	}
}
