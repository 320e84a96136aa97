package ask

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/diff"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// transitEstate is diffEstate(seed) with an appliance: spoke1 gets an "nva" subnet holding a
// forwarding NIC, spoke1's other subnets send spoke2 through it (a UDR), and spoke1 and spoke2
// are peered. With drop set, the appliance subnet's own route table blackholes spoke2's first
// subnet: a change in a subnet that neither starts nor ends the flows it changes.
func transitEstate(seed uint64, drop bool) *model.Network {
	n := diffEstate(seed)
	v1, v2 := n.VNets[0], n.VNets[1]
	if !slices.ContainsFunc(v1.Peerings, func(p *model.Peering) bool { return p.Remote == v2 }) {
		tPeer(v1, v2)
		tPeer(v2, v1)
	}
	toNVA := &model.RouteTable{ID: tsub + "routeTables/rt-to-nva", Name: "rt-to-nva", Routes: []*model.Route{
		{Name: "spoke2", Prefix: netip.MustParsePrefix("10.2.0.0/16"), NextHopType: model.HopVirtualAppliance, NextHopIP: netip.MustParseAddr("10.1.200.4")}}}
	n.RouteTables = append(n.RouteTables, toNVA)
	n.Index(toNVA.ID, toNVA)
	for _, s := range v1.Subnets {
		s.RouteTable = toNVA
	}
	nva := &model.Subnet{ID: v1.ID + "/subnets/nva", Name: "nva", VNet: v1, DefaultOutboundAccess: true, Prefixes: []netip.Prefix{netip.MustParsePrefix("10.1.200.0/24")}}
	v1.Subnets = append(v1.Subnets, nva)
	n.Subnets = append(n.Subnets, nva)
	n.Index(nva.ID, nva)
	tNIC(n, nva, "vm-nva", "10.1.200.4").NIC.IPForwarding = true
	rt := &model.RouteTable{ID: tsub + "routeTables/rt-nva", Name: "rt-nva"}
	if drop {
		rt.Routes = []*model.Route{{Name: "drop", Prefix: netip.MustParsePrefix("10.2.10.0/24"), NextHopType: model.HopNone}}
	}
	n.RouteTables = append(n.RouteTables, rt)
	n.Index(rt.ID, rt)
	nva.RouteTable = rt
	n.Freeze()
	return n
}

// TestDiffTransit: a route added in an appliance's subnet changes flows from spoke1 to spoke2,
// which both start and end elsewhere. diff asks every endpoint about the route's destinations
// ("transit", not skipped), finds what recomputing every subnet finds (rows from spoke1's
// subnets to spoke2's first subnet only), and each example traces to its verdicts.
func TestDiffTransit(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		nb, na := transitEstate(seed, false), transitEstate(seed, true)
		before, after := NewSnapshot(nb), NewSnapshot(na)
		sc := scopeOf(diff.Resources{}, diff.CompareRoutes(before.Plane, after.Plane), nb, na)
		rows, st, _ := againstFull(t, fmt.Sprintf("seed %d", seed), before, after, sc, "transit")
		if st.Scope != "transit" || len(rows) == 0 {
			t.Fatalf("seed %d: scope %+v, %d rows: the planted route changes no flow", seed, st, len(rows))
		}
		for _, r := range rows {
			if !strings.Contains(r.To, "/spoke2/subnets/s0") && !strings.Contains(r.From, "/spoke2/subnets/s0") {
				t.Errorf("seed %d: row %s -> %s: the change only concerns spoke2's s0", seed, r.From, r.To)
			}
		}
	}
}
