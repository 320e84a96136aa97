package ask

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/diff"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestDiffPeering: a hub-and-spoke peering changed (a link's access, forwarded traffic or state,
// or the peering removed both ways) is recomputed over the spoke's subnets whole, the side that
// forwards nothing: every packet crossing the peering starts or ends there. The rows are those
// recomputing every subnet finds, and sampled flows outside them keep their verdicts.
func TestDiffPeering(t *testing.T) {
	rows := 0
	for seed := uint64(1); seed <= 12; seed++ {
		nb, na := firewallEstate(seed), firewallEstate(seed)
		what := mutatePeering(na, rand.New(rand.NewPCG(seed, 19)))
		nb.Freeze()
		na.Freeze()
		before, after := NewSnapshot(nb), NewSnapshot(na)
		sc := scopeOf(diff.Resources{}, diff.CompareRoutes(before.Plane, after.Plane), nb, na)
		if sc.global {
			t.Fatalf("seed %d (%s): scope global: %s", seed, what, sc.reason)
		}
		want := "endpoints"
		if len(sc.transit) > 0 {
			want = "transit"
		}
		got, _, _ := againstFull(t, fmt.Sprintf("seed %d (%s)", seed, what), before, after, sc, want)
		sampleOutsideRows(t, seed, what, before, after, got, rand.New(rand.NewPCG(seed, 23)))
		rows += len(got)
	}
	if rows < 12 {
		t.Errorf("only %d rows over all seeds: the peering changes change too little to test anything", rows)
	}
}

// TestDiffPeeringBetweenForwarders: a peering between two VNets that both forward others' flows
// (the hub and a spoke given an appliance) loses forwarded traffic. What may cross it is both
// VNets' ranges and the routes from one to a next hop in the other: with the spokes sending
// 0.0.0.0/0 to the hub's firewall that is every address, over diff's budget, so skipped with
// the estimate; with them sending only 10.0.0.0/8 there, the rows are what recomputing every
// subnet finds.
func TestDiffPeeringBetweenForwarders(t *testing.T) {
	build := func(narrow bool) func(uint64, bool) *model.Network {
		return func(seed uint64, after bool) *model.Network {
			n := firewallEstate(seed)
			tNIC(n, n.VNets[0].Subnets[0], "nva", "10.1.10.200").NIC.IPForwarding = true
			for _, rt := range n.RouteTables {
				for _, r := range rt.Routes {
					if narrow && r.NextHopType == model.HopVirtualAppliance {
						r.Prefix = netip.MustParsePrefix("10.0.0.0/8")
					}
				}
			}
			if after {
				peeringLink(n, n.VNets[0].Name, "hub").AllowForwardedTraffic = false
			}
			n.Freeze()
			return n
		}
	}
	wide := build(false)
	nb, na := wide(3, false), wide(3, true)
	before, after := NewSnapshot(nb), NewSnapshot(na)
	sc := scopeOf(diff.Resources{}, nil, nb, na)
	if _, st, err := diffReach(context.Background(), before, after, sc, DefaultOptions()); err != nil || st.Scope != "skipped" || !strings.Contains(st.Reason, "0.0.0.0/0") {
		t.Errorf("a peering between two forwarding VNets, 0.0.0.0/0 through the hub: %+v, %v; want skipped over 0.0.0.0/0", st, err)
	}
	seedCase{seeds: 4, build: build(true), want: "transit", min: 1,
		shows: []rowTest{flow(trace.Reachable, trace.Unreachable, "", "")}}.run(t)
}

// mutatePeering changes one hub-and-spoke peering of a firewallEstate: a spoke's or the hub's
// link loses virtual network access or forwarded traffic, or is disconnected, or the peering
// is removed both ways, or becomes a subnet peering of the spoke's first subnet only.
func mutatePeering(n *model.Network, r *rand.Rand) string {
	var hub *model.VNet
	var spokes []*model.VNet
	for _, v := range n.VNets {
		if v.Name == "hub" {
			hub = v
		} else {
			spokes = append(spokes, v)
		}
	}
	spoke := spokes[r.IntN(len(spokes))]
	link := func(from, to *model.VNet) *model.Peering { return peeringLink(n, from.Name, to.Name) }
	l := link(spoke, hub)
	if r.IntN(2) == 0 {
		l = link(hub, spoke)
	}
	switch r.IntN(5) {
	case 3:
		sn := []string{spoke.Subnets[0].Name}
		for _, x := range []*model.Peering{link(spoke, hub), link(hub, spoke)} {
			x.PeerCompleteVNets = false
			x.LocalSubnetNames, x.RemoteSubnetNames = []string{"AzureFirewallSubnet"}, sn
			if x.Local == spoke {
				x.LocalSubnetNames, x.RemoteSubnetNames = sn, []string{"AzureFirewallSubnet"}
			}
		}
		return "peering " + spoke.Name + " <-> hub of " + sn[0] + " only"
	case 0:
		l.AllowVirtualNetworkAccess = false
		return l.Name + " without virtual network access"
	case 1:
		l.AllowForwardedTraffic = false
		return l.Name + " without forwarded traffic"
	case 2:
		l.State = "Disconnected"
		return l.Name + " disconnected"
	}
	for _, v := range []*model.VNet{spoke, hub} {
		v.Peerings = slices.DeleteFunc(v.Peerings, func(p *model.Peering) bool { return p.Remote == spoke || p.Remote == hub })
	}
	return "peering " + spoke.Name + " <-> hub removed"
}

// TestDiffPeeringExample: on the bundled estate (a firewall, gateways, private endpoints, load
// balancers), a spoke's peering with the hub removed, as a planned change would, is recomputed
// over the spoke: every row's example traces to its verdicts, and sampled flows
// outside the rows keep theirs. (Recomputing every subnet of this estate takes too long for a
// test; the random estates above compare with that.)
func TestDiffPeeringExample(t *testing.T) {
	if testing.Short() {
		t.Skip("traces about 4 million packets (the hub's firewall and gateway subnets lose a spoke's routes): run without -short")
	}
	ctx, opts := context.Background(), DefaultOptions()
	before, after := example(t), example(t)
	na := after.Plane.Net
	spoke := peeringLink(na, "vnet-spoke-data", "vnet-hub").Local
	spoke.Peerings = slices.DeleteFunc(spoke.Peerings, func(p *model.Peering) bool { return p.Remote != nil && p.Remote.Name == "vnet-hub" })
	na.Freeze()
	after = NewSnapshot(na)
	what := "vnet-spoke-data's peering with the hub removed"
	sc := scopeOf(diff.Resources{}, diff.CompareRoutes(before.Plane, after.Plane), before.Plane.Net, na)
	rows, st, err := diffReach(ctx, before, after, sc, opts)
	if err != nil || st.Scope == "skipped" || len(rows) == 0 {
		t.Fatalf("%s: %d rows, %+v, %v; want rows recomputed", what, len(rows), st, err)
	}
	for _, r := range rows {
		if vb, va := verdictOrUnreachable(t, before, r.Example), verdictOrUnreachable(t, after, r.Example); vb != r.Before || va != r.After {
			t.Errorf("%s: row %+v: example traces to %s before, %s after", what, r, vb, va)
		}
	}
	sampleOutsideRows(t, 0, what, before, after, rows, rand.New(rand.NewPCG(0, 29)))
	t.Logf("%s: scope %s, %d rows, %d traces", what, st.Scope, len(rows), st.Traces)
}

// peeringLink is the link of the peering from VNet from to VNet to (by name) in n.
func peeringLink(n *model.Network, from, to string) *model.Peering {
	for _, v := range n.VNets {
		for _, p := range v.Peerings {
			if v.Name == from && p.Remote != nil && p.Remote.Name == to {
				return p
			}
		}
	}
	panic("no peering " + from + " -> " + to)
}

// TestDiffTransitBudget: transit destinations whose every endpoint's questions are worth more
// traces than the budget are skipped, with the estimate; under it they are recomputed.
func TestDiffTransitBudget(t *testing.T) {
	nb, na := firewallEstate(2), firewallEstate(2)
	peeringLink(na, "hub", "spoke1").State = "Disconnected"
	nb.Freeze()
	na.Freeze()
	before, after := NewSnapshot(nb), NewSnapshot(na)
	sc := scopeOf(diff.Resources{}, diff.CompareRoutes(before.Plane, after.Plane), nb, na)
	if len(sc.transit) == 0 {
		t.Fatalf("hub-to-spoke1 disconnected: no transit destinations in %+v", sc)
	}
	ctx, opts := context.Background(), DefaultOptions()
	defer func(b int) { transitBudgetWork = b }(transitBudgetWork)
	for _, budget := range []int{1000, transitBudgetWork} {
		transitBudgetWork = budget
		rows, st, err := diffReach(ctx, before, after, sc, opts)
		switch {
		case err != nil:
			t.Fatal(err)
		case budget == 1000 && (st.Scope != "skipped" || rows != nil || !strings.Contains(st.Reason, "traces, over diff's budget of 1000")):
			t.Errorf("budget %d: %d rows, %+v; want skipped with the estimate", budget, len(rows), st)
		case budget != 1000 && (st.Scope != "transit" || len(rows) == 0):
			t.Errorf("budget %d: %d rows, %+v; want transit rows", budget, len(rows), st)
		}
	}
}
