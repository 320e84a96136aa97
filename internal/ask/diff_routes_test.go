package ask

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/diff"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// routedEstate is diffEstate(seed) with a route table on spoke1's first subnet (which forwards
// nothing): a None route to spoke2's first subnet and an Internet route for part of the test
// internet. With change set, the table changes as seed picks: the None route removed, the
// Internet route turned to None, or a None route added for more internet addresses.
func routedEstate(seed uint64, change bool) *model.Network {
	n := diffEstate(seed)
	routes := []*model.Route{
		{Name: "drop-spoke2", Prefix: netip.MustParsePrefix("10.2.10.0/24"), NextHopType: model.HopNone},
		{Name: "web", Prefix: netip.MustParsePrefix("203.0.113.0/27"), NextHopType: model.HopInternet},
	}
	if change {
		switch seed % 3 {
		case 0:
			routes = routes[1:]
		case 1:
			routes[1] = &model.Route{Name: "web", Prefix: routes[1].Prefix, NextHopType: model.HopNone}
		case 2:
			routes = append(routes, &model.Route{Name: "drop-docs", Prefix: netip.MustParsePrefix("198.51.100.0/28"), NextHopType: model.HopNone})
		}
	}
	rt := &model.RouteTable{ID: tsub + "routeTables/rt-spoke1", Name: "rt-spoke1", Routes: routes}
	n.RouteTables = append(n.RouteTables, rt)
	n.Index(rt.ID, rt)
	n.VNets[0].Subnets[0].RouteTable = rt
	n.Freeze()
	return n
}

// TestDiffRoutes: a route table change in a subnet that forwards nothing is recomputed over the
// changed routes' addresses only ("routes"), with the rows recomputing every subnet finds, in
// fewer traces; every row's example traces to its verdicts and no sampled flow changes outside
// the rows.
func TestDiffRoutes(t *testing.T) {
	rows := 0
	for seed := uint64(1); seed <= 9; seed++ {
		nb, na := routedEstate(seed, false), routedEstate(seed, true)
		before, after := NewSnapshot(nb), NewSnapshot(na)
		sc := scopeOf(diff.Resources{}, diff.CompareRoutes(before.Plane, after.Plane), nb, na)
		name := fmt.Sprintf("seed %d", seed)
		got, st, fst := againstFull(t, name, before, after, sc, "routes")
		if st.Traces >= fst.Traces {
			t.Errorf("%s: %d traces, no fewer than recomputing every subnet (%d)", name, st.Traces, fst.Traces)
		}
		sampleOutsideRows(t, seed, "route table", before, after, got, rand.New(rand.NewPCG(seed, 5)))
		rows += len(got)
	}
	if rows < 9 {
		t.Errorf("only %d rows over all seeds: the route changes change too little to test anything", rows)
	}
}

// againstFull is diff's incremental reachability over sc (whose scope must be want), checked
// against recomputing every subnet: the same rows, each example tracing to its verdicts. It
// returns the rows and both runs' figures.
func againstFull(t *testing.T, name string, before, after *Snapshot, sc diffScope, want string) ([]ReachChange, ReachDiffStats, ReachDiffStats) {
	t.Helper()
	return againstFullWith(t, name, before, after, sc, want, DefaultOptions())
}

// againstFullWith is againstFull under opts (--assume choices).
func againstFullWith(t *testing.T, name string, before, after *Snapshot, sc diffScope, want string, opts Options) ([]ReachChange, ReachDiffStats, ReachDiffStats) {
	t.Helper()
	ctx := context.Background()
	got, st, err := diffReach(ctx, before, after, sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	if st.Scope != want && st.Scope != "none" {
		t.Fatalf("%s: scope %+v; want %s", name, st, want)
	}
	full := diffScope{subnets: map[string]bool{}, nics: map[string]bool{}}
	for _, s := range after.Plane.Net.Subnets {
		full.subnets[s.ID.Key()] = true
	}
	all, fst, err := diffReach(ctx, before, after, full, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rowKeys(got), rowKeys(all)) {
		g, f := rowKeys(got), rowKeys(all)
		var miss, extra []string
		for _, k := range f {
			if !slices.Contains(g, k) {
				miss = append(miss, k)
			}
		}
		for _, k := range g {
			if !slices.Contains(f, k) {
				extra = append(extra, k)
			}
		}
		t.Errorf("%s: %s rows (%d traces) differ from full recomputation (%d traces): missing %q, extra %q", name, want, st.Traces, fst.Traces, miss, extra)
	}
	for _, r := range got {
		if vb, va := verdictOrUnreachable(t, before, r.Example), verdictOrUnreachable(t, after, r.Example); vb != r.Before || va != r.After {
			t.Errorf("%s: row %+v: example traces to %s before, %s after", name, r, vb, va)
		}
	}
	t.Logf("%s: scope %s, %d rows, %d traces (full recomputation: %d)", name, st.Scope, len(got), st.Traces, fst.Traces)
	return got, st, fst
}

// TestDiffRoutesNearFirewall: a changed route towards a firewall's subnet (whose addresses a
// firewall translates sources to) makes the subnet recomputed whole: a reply to a translated
// packet leaves it towards the firewall whatever the packet's first source.
func TestDiffRoutesNearFirewall(t *testing.T) {
	nb, na := routedEstate(2, false), routedEstate(2, true)
	for _, n := range []*model.Network{nb, na} {
		v := n.VNets[1]
		s := &model.Subnet{ID: v.ID + "/subnets/AzureFirewallSubnet", Name: "AzureFirewallSubnet", VNet: v, Prefixes: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/26")}}
		n.Firewalls = append(n.Firewalls, &model.Firewall{ID: tsub + "azureFirewalls/fw", Name: "fw", Subnet: s})
	}
	k := nb.VNets[0].Subnets[0].ID.Key()
	routes := []diff.SubnetRoutes{{Subnet: string(nb.VNets[0].Subnets[0].ID), Added: []diff.Route{{Name: "drop-docs", AddressPrefix: []string{"198.51.100.0/28"}}}}}
	sc := scopeOf(diff.Resources{}, routes, nb, na)
	if !sc.subnets[k] || sc.routed[k] != nil {
		t.Errorf("a route into a firewall's subnet: subnets %v, routed %v; want the subnet whole", sc.subnets, sc.routed)
	}
	routes[0].Added[0].AddressPrefix = []string{"203.0.113.64/28"}
	sc = scopeOf(diff.Resources{}, routes, nb, na)
	if sc.subnets[k] || !slices.Equal(sc.routed[k], []netip.Prefix{netip.MustParsePrefix("203.0.113.64/28")}) {
		t.Errorf("a route elsewhere: subnets %v, routed %v; want the subnet bounded by the route", sc.subnets, sc.routed)
	}
}

func v4(s string) uint32 {
	b := netip.MustParseAddr(s).As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// TestChangeRowsExample: a row's example does not send from an endpoint to itself when another
// of its cells, or another address of the cell, does not; the deciding step is the example's.
func TestChangeRowsExample(t *testing.T) {
	vm := reach.Endpoint{Ref: "10.1.10.4", Addr: netip.MustParseAddr("10.1.10.4"), Label: "s0"}
	cell := func(lo, hi, from string, rule string) reach.Cell {
		return reach.Cell{Fixed: vm, ToFixed: true, Label: "s0", Protocol: model.ProtoTCP, Ports: model.PortRange{Lo: 22, Hi: 22},
			Span: reach.Span{Lo: v4(lo), Hi: v4(hi)}, Before: trace.Reachable, After: trace.Unreachable,
			Example: trace.Query{From: from, To: vm.Ref, Protocol: model.ProtoTCP, DestinationPort: 22}, Deciding: &trace.Deciding{Rule: rule}}
	}
	for _, c := range []struct {
		name      string
		cells     []reach.Cell
		from, why string
	}{
		{"another cell", []reach.Cell{cell("10.1.10.4", "10.1.10.4", "10.1.10.4", "a"), cell("10.1.10.5", "10.1.10.5", "10.1.10.5", "b")}, "10.1.10.5", "b"},
		{"another address", []reach.Cell{cell("10.1.10.0", "10.1.10.7", "10.1.10.4", "a")}, "10.1.10.0", "a"},
		{"alone", []reach.Cell{cell("10.1.10.4", "10.1.10.4", "10.1.10.4", "a")}, "10.1.10.4", "a"},
	} {
		rows := changeRows(c.cells)
		if len(rows) != 1 || rows[0].Example.From != c.from || rows[0].Deciding.Rule != c.why {
			t.Errorf("%s: rows %+v; want one row from %s deciding %s", c.name, rows, c.from, c.why)
		}
	}
}

// ilbEstate: spoke1/s0 holds backend B (10.1.10.4) and a route table; spoke1/s1 holds an
// internal LB frontend F (10.1.11.100) whose pool is B; spoke2/s0 holds client C (10.2.10.4).
// With change, s0's table gets a None route for C's subnet.
func ilbEstate(change bool) *model.Network {
	n := &model.Network{}
	mk := func(i int) *model.VNet {
		v := &model.VNet{ID: model.ID(tsub + "virtualNetworks/spoke" + string(rune('0'+i))), Name: "spoke" + string(rune('0'+i)), Location: "westeurope",
			AddressSpace: []netip.Prefix{netip.MustParsePrefix("10." + string(rune('0'+i)) + ".0.0/16")}}
		n.VNets = append(n.VNets, v)
		n.Index(v.ID, v)
		return v
	}
	sub := func(v *model.VNet, name, p string) *model.Subnet {
		s := &model.Subnet{ID: v.ID + model.ID("/subnets/"+name), Name: name, VNet: v, DefaultOutboundAccess: true, Prefixes: []netip.Prefix{netip.MustParsePrefix(p)}}
		v.Subnets = append(v.Subnets, s)
		n.Subnets = append(n.Subnets, s)
		n.Index(s.ID, s)
		return s
	}
	v1, v2 := mk(1), mk(2)
	s0, s1, c0 := sub(v1, "s0", "10.1.10.0/24"), sub(v1, "s1", "10.1.11.0/24"), sub(v2, "s0", "10.2.10.0/24")
	tPeer(v1, v2)
	tPeer(v2, v1)
	b := tNIC(n, s0, "backend", "10.1.10.4")
	tNIC(n, c0, "client", "10.2.10.4")
	tNIC(n, s1, "other", "10.1.11.4")
	lb := &model.LoadBalancer{ID: model.ID(tsub + "loadBalancers/ilb"), Name: "ilb", Sku: "Standard"}
	fe := &model.Frontend{ID: lb.ID + "/frontendIPConfigurations/fe", Name: "fe", LB: lb, Subnet: s1, PrivateIP: netip.MustParseAddr("10.1.11.100")}
	pool := &model.BackendPool{ID: lb.ID + "/backendAddressPools/pool", Name: "pool", LB: lb, IPConfigs: []*model.IPConfig{b}}
	b.BackendPools = append(b.BackendPools, pool)
	lb.Frontends, lb.BackendPools = []*model.Frontend{fe}, []*model.BackendPool{pool}
	lb.Rules = []*model.LBRule{{Name: "rule", Frontend: fe, Pool: pool, Protocol: model.ProtoTCP, FrontendPort: 443, BackendPort: 443}}
	n.LoadBalancers = append(n.LoadBalancers, lb)
	n.Index(lb.ID, lb)
	var routes []*model.Route
	if change {
		routes = append(routes, &model.Route{Name: "drop-client", Prefix: netip.MustParsePrefix("10.2.10.0/24"), NextHopType: model.HopNone})
	} else {
		routes = append(routes, &model.Route{Name: "other", Prefix: netip.MustParsePrefix("198.51.100.0/24"), NextHopType: model.HopNone})
	}
	rt := &model.RouteTable{ID: tsub + "routeTables/rt", Name: "rt", Routes: routes}
	n.RouteTables = append(n.RouteTables, rt)
	n.Index(rt.ID, rt)
	s0.RouteTable = rt
	n.Freeze()
	return n
}

// TestDiffRoutesLoadBalancerBackend: a route change in the subnet of a load balancer's backend
// changes flows to the frontend, which sits in another subnet: the reply leaves by the backend's
// routes. The frontend is asked about too.
func TestDiffRoutesLoadBalancerBackend(t *testing.T) {
	nb, na := ilbEstate(false), ilbEstate(true)
	before, after := NewSnapshot(nb), NewSnapshot(na)
	sc := scopeOf(diff.Resources{}, diff.CompareRoutes(before.Plane, after.Plane), nb, na)
	rows, _, _ := againstFull(t, "load balancer backend", before, after, sc, "routes")
	if !slices.ContainsFunc(rows, func(r ReachChange) bool { return r.Example.To == "10.1.11.100" }) {
		t.Errorf("no row to the frontend 10.1.11.100: %v", rowKeys(rows))
	}
}

// TestDiffRoutesNearVPNNAT: a changed route over a VPN gateway's IngressSnat external mapping
// makes the subnet recomputed whole: replies to on-premises sources head for their translated
// addresses, which the flows' own sources do not tell.
func TestDiffRoutesNearVPNNAT(t *testing.T) {
	nb, na := routedEstate(2, false), routedEstate(2, true)
	for _, n := range []*model.Network{nb, na} {
		n.VNetGateways = append(n.VNetGateways, &model.VNetGateway{ID: tsub + "virtualNetworkGateways/vpn", Name: "vpn",
			NATRules: []*model.VPNNATRule{{Name: "in", Internal: []netip.Prefix{netip.MustParsePrefix("192.168.0.0/24")},
				External: []netip.Prefix{netip.MustParsePrefix("100.64.0.0/24")}}}})
	}
	k := nb.VNets[0].Subnets[0].ID.Key()
	routes := []diff.SubnetRoutes{{Subnet: string(nb.VNets[0].Subnets[0].ID), Added: []diff.Route{{Name: "drop", AddressPrefix: []string{"100.64.0.0/16"}}}}}
	if sc := scopeOf(diff.Resources{}, routes, nb, na); !sc.subnets[k] || sc.routed[k] != nil {
		t.Errorf("a route over an ingress NAT mapping: subnets %v, routed %v; want the subnet whole", sc.subnets, sc.routed)
	}
}
