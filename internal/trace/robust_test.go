package trace

import (
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// A NIC whose subnet reference dangles still answers on its public IP, but its reply has no
// routes: the return leg is dropped for lack of information, not a nil dereference (found by
// FuzzPipeline, cmd/vnetdoctor/testdata/fuzz/FuzzPipeline/aa2f3f15b0c0e7ae).
func TestReplyFromNICWithoutSubnet(t *testing.T) {
	n := edgeNet(func(n *net, s *model.Subnet, vm *model.IPConfig) {
		withPIP(n, vm)
		vm.Subnet, vm.NIC.NSG = nil, n.nsg("nsg-nic", "allow-ssh 100 In Allow Tcp * * 22")
	})()
	a := run(t, n.plane(), "internet:203.0.113.7", "20.0.0.5", tcp, 22)
	if a.Return == nil {
		t.Fatalf("forward %s: no return leg", legSummary(a.Forward))
	}
	// A leg that ends for want of information is Unknown (cli.md "Every command": input integrity).
	if got, want := a.Return.DropCause, InsufficientInformation; a.Return.Disposition != UnknownD || got != want {
		t.Errorf("return = %s %s, want Unknown %s", a.Return.Disposition, got, want)
	}
	if a.Verdict != UnknownV {
		t.Errorf("verdict %s for a reply that has no routes, want Unknown", a.Verdict)
	}
}
