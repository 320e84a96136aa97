package fib

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// estate is a synthetic hub-and-spoke network at the scale the data plane must handle: one
// hub with a VPN gateway and gateway transit, 999 spokes of three subnets (10% in another
// region), 500 route tables of 20 routes, 200 private endpoints (half in the hub, so their
// /32s land in every spoke), Storage service endpoints on some subnets.
type estate struct {
	n             *model.Network
	hubSub, spoke *model.Subnet // a hub subnet (~1,000 peering routes) and a spoke subnet
}

func spokeRange(i int) netip.Prefix { // spoke i owns 10.64.0.0/12's i-th /22
	base := 10<<24 | 64<<16 + i*1024
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(base >> 24), byte(base >> 16), byte(base >> 8), 0}), 22)
}

func subnetOf(p netip.Prefix, j int) netip.Prefix {
	a := p.Addr().As4()
	a[2] += byte(j)
	return netip.PrefixFrom(netip.AddrFrom4(a), 24)
}

func newEstate(spokes int) estate {
	rng := rand.New(rand.NewPCG(7, 7))
	n := newNet()
	var storage []string
	for i := range 100 {
		storage = append(storage, fmt.Sprintf("20.%d.%d.0/24", 38+i/50, i%50*4))
	}
	addTag(n, "Storage.WestEurope", storage...)
	hub := addVNet(n, "hub", "westeurope", "10.0.0.0/16")
	addSubnet(n, hub, "GatewaySubnet", "10.0.0.0/27")
	addSubnet(n, hub, "AzureFirewallSubnet", "10.0.1.0/26")
	hubSub := addSubnet(n, hub, "shared", "10.0.2.0/24")
	pe := addSubnet(n, hub, "pe", "10.0.3.0/24")
	pe.PrivateEndpointNetworkPolicies = "RouteTableEnabled"
	addVPN(n, hub, []string{"10.0.0.4", "10.0.0.5"}, "192.168.0.0/20", "172.20.0.0/16", "10.200.0.0/16", "10.0.0.0/8")
	tables := estateRouteTables(n, rng)
	for i := range spokes {
		loc := "westeurope"
		if i%10 == 9 {
			loc = "northeurope"
		}
		r := spokeRange(i)
		v := addVNet(n, fmt.Sprintf("spoke%03d", i), loc, r.String())
		for j := range 3 {
			s := addSubnet(n, v, fmt.Sprintf("snet%d", j), subnetOf(r, j).String())
			if j < 2 {
				s.RouteTable = tables[(2*i+j)%len(tables)]
			}
			if j == 1 && i%4 == 0 {
				s.ServiceEndpoints = []model.ServiceEndpoint{{Service: "Microsoft.Storage"}}
			}
		}
		toHub, toSpoke := peer(v, hub, "Connected", "Connected")
		toHub.UseRemoteGateways, toSpoke.AllowGatewayTransit, toHub.AllowForwardedTraffic = true, true, true
		if i%10 == 0 && len(n.PrivateEndpoints) < 100 {
			addPE(n, v.Subnets[2], fmt.Sprintf("pe-%s", v.Name), subnetOf(r, 2).Addr().Next().Next().Next().Next().String())
		}
	}
	for i := range 100 {
		addPE(n, pe, fmt.Sprintf("pe-hub-%d", i), fmt.Sprintf("10.0.3.%d", 4+i))
	}
	return estate{n: n, hubSub: hubSub, spoke: n.VNets[1].Subnets[0]}
}

// estateRouteTables makes 500 route tables of 20 routes: a 0/0 to the hub firewall, a tag
// route, and /24s towards other spokes through the firewall or black-holed.
func estateRouteTables(n *model.Network, rng *rand.Rand) []*model.RouteTable {
	out := make([]*model.RouteTable, 0, 500)
	for t := range 500 {
		routes := []*model.Route{udr("default", "0.0.0.0/0", "VirtualAppliance 10.0.1.4"),
			udr("storage", "Storage.WestEurope", "Internet")}
		for k := range 18 {
			hop := "VirtualAppliance 10.0.1.4"
			if k%6 == 5 {
				hop = "None"
			}
			routes = append(routes, udr(fmt.Sprintf("r%d", k), subnetOf(spokeRange(rng.IntN(999)), rng.IntN(4)).String(), hop))
		}
		rt := addRouteTable(n, fmt.Sprintf("rt%03d", t), nil, routes...)
		rt.DisableBGPPropagation = t%5 == 0
		out = append(out, rt)
	}
	return out
}

// TestEstate checks the synthetic estate's tables have the expected shape.
func TestEstate(t *testing.T) {
	e := newEstate(999)
	f, warns := Build(e.n)
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns[:1])
	}
	count := func(tab *Table, hop model.NextHopType) (k int) {
		for _, r := range tab.All() {
			if r.NextHop == hop && r.State == Active {
				k++
			}
		}
		return k
	}
	hub := f.Subnet(e.hubSub)
	if got := count(hub, model.HopVNetPeering) + count(hub, model.HopVNetGlobalPeering); got != 999 {
		t.Errorf("hub peering routes = %d, want 999", got)
	}
	if got := count(hub, model.HopVNetGlobalPeering); got != 99 {
		t.Errorf("hub global peering routes = %d, want 99", got)
	}
	if got := count(hub, model.HopInterfaceEndpoint); got != 200 {
		t.Errorf("hub endpoint routes = %d, want 200", got)
	}
	// on-premises advertises 10.0.0.0/8: it replaces the None route, loses to VNet ranges (rule 3)
	if hub.noGW == nil {
		t.Errorf("hub table has no rule 3 index")
	}
	for dst, want := range map[string]string{"10.64.4.9": "Default Active 10.64.4.0/22 VNetPeering",
		"10.0.2.200": "Default Active 10.0.0.0/16 VnetLocal",
		"10.9.0.1":   "VirtualNetworkGateway Active 10.0.0.0/8 VirtualNetworkGateway 10.0.0.4 10.0.0.5"} {
		if got := lookupRow(hub, dst); got != want {
			t.Errorf("hub lookup %s = %q, want %q", dst, got, want)
		}
	}
	// spoke000/snet0 has rt000 (propagation disabled, 0/0 to the firewall, UDRs containing
	// hub endpoints? no: UDRs are spoke /24s), its own endpoint and the hub's 100.
	sp := f.Subnet(e.spoke)
	if got := count(sp, model.HopInterfaceEndpoint); got != 101 {
		t.Errorf("spoke endpoint routes = %d, want 101", got)
	}
	if got := count(sp, model.HopVirtualNetworkGateway); got != 0 {
		t.Errorf("spoke gateway routes with propagation disabled = %d, want 0", got)
	}
	if got := count(sp, model.HopNone); got == 0 {
		t.Errorf("spoke has no None UDRs")
	}
	allSubnets := 0
	for _, s := range e.n.Subnets {
		if f.Subnet(s) != nil {
			allSubnets++
		}
	}
	if allSubnets != 4+3*999 {
		t.Errorf("tables = %d, want %d", allSubnets, 4+3*999)
	}
}

// BenchmarkBuild builds the estate's FIB and every subnet's table (the eager cost: what a
// check over all subnets pays). BenchmarkBuildLazy is Build alone (what one query pays before
// its first table).
func BenchmarkBuild(b *testing.B) {
	e := newEstate(999)
	b.ReportAllocs()
	var f *FIB
	for b.Loop() {
		f, _ = Build(e.n)
		for _, s := range e.n.Subnets {
			f.Subnet(s)
		}
	}
	b.ReportMetric(float64(retained(func() { f = nil }))/(1<<20), "retained-MB")
}

// retained is the heap that release frees: what the FIB keeps alive.
func retained(release func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	release()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return before.HeapAlloc - after.HeapAlloc
}

func BenchmarkBuildLazy(b *testing.B) {
	e := newEstate(999)
	b.ReportAllocs()
	for b.Loop() {
		Build(e.n)
	}
}

// benchDsts are destinations spread over the estate: spokes, hub endpoints, on-premises, internet.
func benchDsts() []netip.Addr {
	rng := rand.New(rand.NewPCG(3, 3))
	out := make([]netip.Addr, 1024)
	for i := range out {
		switch i % 4 {
		case 0:
			a := spokeRange(rng.IntN(999)).Addr().As4()
			out[i] = netip.AddrFrom4([4]byte{a[0], a[1], a[2] + byte(rng.IntN(4)), byte(rng.IntN(256))})
		case 1:
			out[i] = netip.AddrFrom4([4]byte{10, 0, 3, byte(rng.IntN(256))})
		case 2:
			out[i] = netip.AddrFrom4([4]byte{192, 168, byte(rng.IntN(32)), byte(rng.IntN(256))})
		default:
			out[i] = netip.AddrFrom4([4]byte{byte(1 + rng.IntN(223)), byte(rng.IntN(256)), byte(rng.IntN(256)), 1})
		}
	}
	return out
}

// BenchmarkLookup looks up in the hub subnet's table (~1,300 routes, gateway routes present).
func BenchmarkLookup(b *testing.B) {
	e := newEstate(999)
	f, _ := Build(e.n)
	tab, dsts := f.Subnet(e.hubSub), benchDsts()
	benchLookups(b, tab, dsts)
}

// benchLookups times tab.Lookup over the 1,024 destinations dsts, round robin.
func benchLookups(b *testing.B, tab *Table, dsts []netip.Addr) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tab.Lookup(dsts[i&1023])
		i++
	}
}

// BenchmarkLookupLinear is the twin on the same table, as a baseline.
func BenchmarkLookupLinear(b *testing.B) {
	e := newEstate(999)
	f, _ := Build(e.n)
	tab, dsts := f.Subnet(e.hubSub), benchDsts()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		linearLookup(tab.All(), dsts[i&1023])
		i++
	}
}
