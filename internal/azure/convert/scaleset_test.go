package convert

import (
	"fmt"
	"slices"
	"testing"
)

// TestScaleSetNIC: a Uniform scale set instance's NIC (`az vmss nic list`), whose VM the
// snapshot does not hold, takes the instance's name as Azure spells it, so that two scale
// sets' instance 2 are told apart.
func TestScaleSetNIC(t *testing.T) {
	const ss = "/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Compute/virtualMachineScaleSets/"
	nic := func(set string) string {
		vm := ss + set + "/virtualMachines/2"
		return fmt.Sprintf(`{"name":%q,"id":"%s/networkInterfaces/%s","type":"Microsoft.Network/networkInterfaces",`+
			`"properties":{"virtualMachine":{"id":%q},"ipConfigurations":[{"name":"ipconfig1","id":"%s/networkInterfaces/%s/ipConfigurations/ipconfig1"}]}}`,
			set, vm, set, vm, vm, set)
	}
	n, err := FromBytes("nics.json", []byte("["+nic("pool-a-vmss")+","+nic("pool-b-vmss")+"]"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range n.NICs {
		got = append(got, c.VMName)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"pool-a-vmss_2", "pool-b-vmss_2"}) {
		t.Errorf("VM names %q", got)
	}
}
