package fib

import (
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Virtual Network Manager connected groups (learn.microsoft.com/azure/virtual-network-manager/concept-connectivity-configuration):
// each member lists the other members' ranges with next hop ConnectedGroup, source Default; a
// member it also peers with keeps its peering route only, and one met in two groups is listed once.
func TestConnectedGroupRoutes(t *testing.T) {
	n := newNet()
	a := addVNet(n, "a", "westeurope", "10.50.0.0/16")
	b := addVNet(n, "b", "westeurope", "10.51.0.0/16", "10.151.0.0/16")
	c := addVNet(n, "c", "westeurope", "10.52.0.0/16")
	d := addVNet(n, "d", "westeurope", "10.53.0.0/16")
	sa := addSubnet(n, a, "s", "10.50.1.0/24")
	peer(a, c, "Connected", "Connected")
	g1 := &model.ConnectedGroup{Name: "cc/g1", Members: []*model.VNet{a, b, c}}
	g2 := &model.ConnectedGroup{Name: "cc/g2", Members: []*model.VNet{a, b, d}}
	for _, v := range []*model.VNet{a, b, c} {
		v.ConnectedGroups = append(v.ConnectedGroups, g1)
	}
	for _, v := range []*model.VNet{a, b, d} {
		v.ConnectedGroups = append(v.ConnectedGroups, g2)
	}
	tab := tableOf(t, n, sa)
	checkRows(t, "mesh member a", tab, append(defaults("10.50.0.0/16"),
		"Default Active 10.52.0.0/16 VNetPeering",
		"Default Active 10.51.0.0/16 ConnectedGroup", "Default Active 10.151.0.0/16 ConnectedGroup",
		"Default Active 10.53.0.0/16 ConnectedGroup"))
	if r, ok := tab.Lookup(ip("10.151.2.3")); !ok || r.NextHop != model.HopConnectedGroup {
		t.Errorf("lookup 10.151.2.3: %v %v, want ConnectedGroup", r, ok)
	}
	if allocs := testing.AllocsPerRun(200, func() { tab.Lookup(ip("10.53.0.9")) }); allocs != 0 {
		t.Errorf("Lookup allocates %v times per run, want 0", allocs)
	}
}
