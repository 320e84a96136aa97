package reach

import (
	"context"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/synth"
)

var (
	estateOnce sync.Once
	estateNet  *model.Network
	estateErr  error
)

// estateNetwork is the 10,000-NIC estate the benchmarks share: VNETDOCTOR_ESTATE when set, else
// synth.Estate (`go run ./cmd/vnetgen -out DIR` with its defaults: 1,000 VNets, 10,000 NICs,
// 1,000 NSGs, 500 route tables, 200 private endpoints), written once and loaded. Skipped
// under -short.
func estateNetwork(b *testing.B) *model.Network {
	if testing.Short() {
		b.Skip("estate-scale benchmark: writes and loads a 10,000-NIC estate (65 MB); run without -short")
	}
	estateOnce.Do(func() {
		dir := os.Getenv("VNETDOCTOR_ESTATE")
		if dir == "" {
			tmp, err := os.MkdirTemp("", "reach-estate")
			if err != nil {
				estateErr = err
				return
			}
			defer os.RemoveAll(tmp)
			if estateErr = synth.WriteFiles(tmp, synth.Generate(synth.Estate())); estateErr != nil {
				return
			}
			dir = tmp
		}
		estateNet, estateErr = convert.Load([]string{dir}, convert.Options{})
	})
	if estateErr != nil {
		b.Fatal(estateErr)
	}
	return estateNet
}

// BenchmarkBuildEstate builds the reachability model of the 10,000-NIC estate from a fresh data
// plane (whose route and rule tables are lazy, so their building counts too).
func BenchmarkBuildEstate(b *testing.B) {
	n := estateNetwork(b)
	b.ReportAllocs()
	for b.Loop() {
		m := Build(dataplane.Build(n))
		b.ReportMetric(float64(m.Classes()), "classes")
	}
}

// estateVM is the first VM whose subnet has an NSG.
func estateVM(n *model.Network) Endpoint {
	for _, nic := range n.NICs {
		if c := nic.Primary(); c != nil && c.Subnet != nil && nic.VMName != "" && c.Subnet.NSG != nil {
			return Endpoint{Ref: nic.VMName, Trace: string(nic.ID), Addr: c.PrivateIP, Label: nic.VMName}
		}
	}
	return Endpoint{}
}

// BenchmarkReachToVMEstate is `reach --to VM` after the build: every source address, TCP and UDP,
// on the management ports (22, 3389) and on every port.
func BenchmarkReachToVMEstate(b *testing.B) {
	n := estateNetwork(b)
	m := Build(dataplane.Build(n))
	vm := estateVM(n)
	for _, c := range []struct {
		name string
		q    Query
	}{
		{"ports=22,3389", Query{To: []Endpoint{vm}, Ports: []model.PortRange{{Lo: 22, Hi: 22}, {Lo: 3389, Hi: 3389}}}},
		{"ports=all", Query{To: []Endpoint{vm}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				res, err := Run(context.Background(), m, c.q)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(res.Traces), "traces")
			}
		})
	}
}

// commonPorts are the service ports of the all-pairs benchmark.
var commonPorts = []model.PortRange{{Lo: 22, Hi: 22}, {Lo: 53, Hi: 53}, {Lo: 80, Hi: 80}, {Lo: 443, Hi: 443}, {Lo: 1433, Hi: 1433}, {Lo: 3389, Hi: 3389}}

// BenchmarkAllPairsSubnetsEstate is subnet-to-subnet reachability on the common service ports
// (TCP and UDP): for each subnet one VM as the destination, every pair of subnets answered (RunMany:
// one destination at a time) from every source address in a subnet (sources=subnets), or from
// every address there is, on-premises and Internet included (sources=all). It stops after 32
// subnets (VNETDOCTOR_ALLPAIRS_SUBNETS=N after N, 0 never) and reports the time per subnet and
// the whole estate's at that rate ("estate-s", extrapolated: the first destinations, which trace
// what later ones share, weigh on it).
func BenchmarkAllPairsSubnetsEstate(b *testing.B) {
	n := estateNetwork(b)
	m := Build(dataplane.Build(n))
	var vms []Endpoint
	seen := map[*model.Subnet]bool{}
	var inSubnets ipset.Builder
	for _, s := range n.Subnets {
		for _, p := range s.Prefixes {
			inSubnets.AddPrefix(p)
		}
	}
	for _, nic := range n.NICs {
		if c := nic.Primary(); c != nil && c.Subnet != nil && nic.VMName != "" && !seen[c.Subnet] {
			seen[c.Subnet] = true
			vms = append(vms, Endpoint{Ref: string(nic.ID), Addr: c.PrivateIP, Label: string(c.Subnet.ID)})
		}
	}
	limit := min(32, len(vms))
	if v, err := strconv.Atoi(os.Getenv("VNETDOCTOR_ALLPAIRS_SUBNETS")); err == nil && v >= 0 {
		limit = len(vms)
		if v > 0 {
			limit = min(v, len(vms))
		}
	}
	for _, c := range []struct {
		name  string
		space []netip.Prefix
	}{{"sources=subnets", inSubnets.Set().Only4().Prefixes()}, {"sources=all", nil}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				start, traces, shared := time.Now(), 0, 0
				err := RunMany(context.Background(), m, Query{To: vms[:limit], Ports: commonPorts, Space: c.space}, func(_ int, res *Result) error {
					traces, shared = traces+res.Traces, shared+res.Shared
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				per := time.Since(start).Seconds() / float64(limit)
				b.ReportMetric(float64(limit), "subnets")
				b.ReportMetric(float64(traces), "traces")
				b.ReportMetric(float64(shared), "shared")
				b.ReportMetric(per*float64(len(vms)), "estate-s")
			}
		})
	}
}

// BenchmarkReachFromVMEstate is `reach --from VM` after the build: every destination address,
// TCP and UDP, on every port.
func BenchmarkReachFromVMEstate(b *testing.B) {
	n := estateNetwork(b)
	m := Build(dataplane.Build(n))
	q := Query{From: []Endpoint{estateVM(n)}}
	for b.Loop() {
		res, err := Run(context.Background(), m, q)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Traces), "traces")
		b.ReportMetric(float64(len(res.Classes)), "classes")
	}
}
