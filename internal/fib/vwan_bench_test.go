package fib

import (
	"net/netip"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// vwanEstate is newEstate's 1,000 VNets with every spoke also connected to one Virtual WAN hub
// (associated with and propagating to defaultRouteTable, the default) and branches VPN sites
// of /24s; with intent, routing intent sends private traffic to the hub firewall.
func vwanEstate(branches int, intent bool) estate {
	e := newEstate(999)
	h := &model.VirtualHub{ID: "/hubs/h", Name: "h", Prefix: netip.MustParsePrefix("10.250.0.0/23"),
		RouterIPs: []netip.Addr{ip("10.250.0.68"), ip("10.250.0.69")}}
	h.DefaultTable = &model.HubRouteTable{ID: "/hubs/h/hubRouteTables/defaultRouteTable", Name: "defaultRouteTable", Hub: h, Labels: []string{"default"}}
	h.Tables = []*model.HubRouteTable{h.DefaultTable}
	for _, v := range e.n.VNets[1:] {
		h.Connections = append(h.Connections, &model.HubConnection{ID: model.ID("/hubs/h/c/" + v.Name), Name: v.Name, Hub: h, VNet: v, PropagateStatic: true})
	}
	for i := range branches {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{172, byte(16 + i/256%16), byte(i % 256), 0}), 24)
		h.Branches = append(h.Branches, &model.HubBranch{ID: model.ID("/sites/b" + p.String()), Name: "b", Hub: h, Prefixes: []netip.Prefix{p}})
	}
	if intent {
		fw := &model.Firewall{ID: "/fw", Name: "fw", PrivateIP: ip("10.250.1.4")}
		pol := &model.RoutingPolicy{Name: "PrivateTraffic", NextHop: fw.ID, Firewall: fw}
		h.Firewall, h.Intent = fw, &model.RoutingIntent{ID: "/ri", Private: pol, PrivatePrefixes: model.RFC1918}
	}
	e.n.VirtualHubs = []*model.VirtualHub{h}
	return e
}

// BenchmarkBuildVWAN is BenchmarkBuild with the 999 spokes connected to a hub and 1,000 branch
// prefixes: each spoke learns the other 998 spokes' ranges and the branches (compare with
// BenchmarkBuild in the same run; BenchmarkBuildVWANIntent: routing intent's four routes instead).
func BenchmarkBuildVWAN(b *testing.B)       { benchBuild(b, vwanEstate(1000, false)) }
func BenchmarkBuildVWANIntent(b *testing.B) { benchBuild(b, vwanEstate(1000, true)) }

// BenchmarkBuildVWAN10k: the scale, 1,000 VNets and 10,000 branch prefixes.
func BenchmarkBuildVWAN10k(b *testing.B) { benchBuild(b, vwanEstate(10000, false)) }

func benchBuild(b *testing.B, e estate) {
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

// BenchmarkLookupVWAN is BenchmarkLookup in a spoke that learns the hub's ~2,000 routes.
func BenchmarkLookupVWAN(b *testing.B) {
	e := vwanEstate(1000, false)
	f, _ := Build(e.n)
	benchLookups(b, f.Subnet(e.spoke), benchDsts())
}
