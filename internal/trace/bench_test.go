package trace_test

import (
	"math/rand"
	"net/netip"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/synth"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

var (
	estateOnce  sync.Once
	estatePlane *dataplane.Plane
	estateErr   error
)

// estate loads the synthetic 10,000-NIC estate once per test binary.
func estate(tb testing.TB) *dataplane.Plane {
	estateOnce.Do(func() {
		dir := tb.TempDir()
		if estateErr = synth.WriteDir(synth.Estate(), dir); estateErr != nil {
			return
		}
		var n *model.Network
		if n, estateErr = convert.Load([]string{dir}, convert.Options{}); estateErr == nil {
			estatePlane = dataplane.Build(n)
		}
	})
	if estateErr != nil {
		tb.Fatal(estateErr)
	}
	return estatePlane
}

// randomPairs picks NIC → NIC-address queries with a fixed seed.
func randomPairs(p *dataplane.Plane, k int) []trace.Query {
	r := rand.New(rand.NewSource(1))
	var nics []*model.NIC
	for _, n := range p.Net.NICs {
		if c := n.Primary(); c != nil && c.Subnet != nil && c.PrivateIP.IsValid() {
			nics = append(nics, n)
		}
	}
	qs := make([]trace.Query, k)
	for i := range qs {
		src, dst := nics[r.Intn(len(nics))], nics[r.Intn(len(nics))]
		qs[i] = trace.Query{From: string(src.ID), To: dst.Primary().PrivateIP.String(), Protocol: model.ProtoTCP, DestinationPort: []uint16{443, 1433, 22, 80}[r.Intn(4)]}
	}
	return qs
}

// BenchmarkTraceEstate traces random NIC pairs of the 10,000-NIC estate and reports p50/p99.
func BenchmarkTraceEstate(b *testing.B) {
	p := estate(b)
	qs := randomPairs(p, 4096)
	for _, q := range qs { // warm the lazily built route tables and rule sets (built once per snapshot)
		trace.Run(p, q)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := trace.Run(p, qs[i%len(qs)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
}

// TestHotPathsDoNotAllocate: the per-hop route lookup and rule evaluation a trace performs.
func TestHotPathsDoNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the 10,000-NIC estate")
	}
	p := estate(t)
	qs := randomPairs(p, 64)
	for _, q := range qs {
		src, _ := p.Net.FindNIC(q.From)
		c := src.Primary()
		dst := netipMust(q.To)
		tab := p.FIB.Subnet(c.Subnet)
		eff := p.ACL.ForIPConfig(c)
		f := acl.Flow{Src: c.PrivateIP, Dst: dst, Proto: model.ProtoTCP, SrcPort: 49152, DstPort: q.DestinationPort}
		if n := testing.AllocsPerRun(100, func() { tab.Lookup(dst) }); n != 0 {
			t.Errorf("route lookup allocates %v times", n)
		}
		if n := testing.AllocsPerRun(100, func() { eff.Evaluate(model.Outbound, f) }); n != 0 {
			t.Errorf("rule evaluation allocates %v times", n)
		}
	}
}

func netipMust(s string) netip.Addr { return netip.MustParseAddr(s) }
