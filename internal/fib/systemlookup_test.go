package fib

import (
	"net/netip"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// TestSystemLookupDoesNotAllocate: a private endpoint's reply picks its route by SystemLookup,
// through the index of system routes by prefix (Table.systemIndex), once per confirmation in
// AsymmetricReturn; like Lookup it must not allocate.
func TestSystemLookupDoesNotAllocate(t *testing.T) {
	n := newNet()
	hub := addVNet(n, "hub", "westeurope", "10.0.0.0/16")
	spoke := addVNet(n, "spoke", "westeurope", "10.1.0.0/16")
	pes := addSubnet(n, hub, "pe", "10.0.2.0/24")
	addSubnet(n, spoke, "app", "10.1.1.0/24")
	addPE(n, pes, "pe-hub", "10.0.2.4")
	peer(spoke, hub, "Connected", "Connected")
	f, _ := Build(n)
	tab := f.Subnet(pes)
	dsts := []netip.Addr{ip("10.1.1.4"), ip("10.0.2.5"), ip("8.8.8.8"), ip("10.9.0.1")}
	tab.SystemLookup(dsts[0])
	allocs := testing.AllocsPerRun(200, func() {
		for _, d := range dsts {
			tab.SystemLookup(d)
		}
	})
	if allocs != 0 {
		t.Errorf("SystemLookup allocates %v times per run, want 0", allocs)
	}
	if r, ok := tab.SystemLookup(ip("10.1.1.4")); !ok || r.NextHop != model.HopVNetPeering {
		t.Errorf("10.1.1.4 from the hub's endpoint subnet = %v, want the spoke's peering route", r)
	}
}
