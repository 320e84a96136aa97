package fib

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// learnedEstate is newEstate's 1,000 VNets with the hub gateway's learned-routes output holding k
// on-premises prefixes (/24s in 100.64.0.0/10 and 172.16.0.0/12, AS paths of one to three).
func learnedEstate(k int) estate {
	e := newEstate(999)
	gw := e.n.VNets[0].Gateways[0]
	gw.Learned = &model.LearnedRoutes{}
	for i := range k {
		base := [4]byte{100, byte(64 + i/256%64), byte(i % 256), 0}
		if i%2 == 1 {
			base = [4]byte{172, byte(16 + i/256%16), byte(i % 256), 0}
		}
		path := []string{"65050", "65050-65051", "65050-65051-65052"}[i%3]
		gw.Learned.Add(model.LearnedRoute{Prefix: netip.PrefixFrom(netip.AddrFrom4(base), 24), Origin: "EBgp",
			NextHop: ip("192.168.0.1"), SourcePeer: ip("192.168.0.1"), ASPath: path, ASPathLen: model.ASPathLength(path),
			File: fmt.Sprintf("learned-%d.json", i%2)})
	}
	return e
}

// BenchmarkBuildLearned is BenchmarkBuild with 10,000 learned prefixes on the hub gateway, which
// reach every spoke by gateway transit: compare with BenchmarkBuild in the same run.
func BenchmarkBuildLearned(b *testing.B) {
	e := learnedEstate(10000)
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

// BenchmarkLookupLearned is BenchmarkLookup in a spoke subnet that receives the 10,000 learned
// prefixes by gateway transit; a quarter of the destinations fall in them.
func BenchmarkLookupLearned(b *testing.B) {
	e := learnedEstate(10000)
	f, _ := Build(e.n)
	tab, dsts := f.Subnet(e.spoke), benchDsts()
	for i := range dsts {
		if i%4 == 2 { // on-premises: the learned /24s
			dsts[i] = netip.AddrFrom4([4]byte{100, byte(64 + i%39), byte(i % 256), 7})
		}
	}
	benchLookups(b, tab, dsts)
}

// BenchmarkLookupSpoke is the same lookups in the same spoke without learned routes: the baseline.
func BenchmarkLookupSpoke(b *testing.B) {
	e := newEstate(999)
	f, _ := Build(e.n)
	tab, dsts := f.Subnet(e.spoke), benchDsts()
	benchLookups(b, tab, dsts)
}
