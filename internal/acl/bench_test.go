package acl

import (
	"fmt"
	"math/rand"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// realisticRules makes k rules in the style of hand-written NSGs: specific /24s and hosts,
// service tags, a few ASG rules, single ports and short port lists.
func realisticRules(r *rand.Rand, k int, asgs []*model.ASG) []*model.SecurityRule {
	prios := r.Perm(3900)
	out := make([]*model.SecurityRule, k)
	for i := range out {
		addr := func() string {
			switch r.Intn(8) {
			case 0:
				return pick(r, []string{"VirtualNetwork", "Internet", "Storage", "AzureLoadBalancer"})
			case 1:
				return fmt.Sprintf("10.%d.%d.%d", r.Intn(4), r.Intn(256), r.Intn(256))
			case 2:
				return "*"
			}
			return fmt.Sprintf("10.%d.%d.0/24", r.Intn(4), r.Intn(256))
		}
		sr := rule(fmt.Sprintf("rule-%d", i), 100+prios[i], model.Direction(r.Intn(2)), model.Access(r.Intn(2)),
			pick(r, []model.Protocol{TCP, TCP, UDP, model.ProtoAny}), addr()+","+addr(), addr(),
			pick(r, []string{"22", "443", "1433", "3389", "8000-8100", "80,443", "5000-6000,7000"}))
		if r.Intn(10) == 0 {
			sr.Sources, sr.SourceASGs = nil, []*model.ASG{pick(r, asgs)}
		}
		out[i] = sr
	}
	return out
}

// storagePrefixes is a large tag, the size of a real regional Storage tag.
func storagePrefixes(r *rand.Rand, k int) []string {
	out := make([]string, k)
	for i := range out {
		out[i] = fmt.Sprintf("%d.%d.%d.0/24", 20+r.Intn(40), r.Intn(256), r.Intn(256))
	}
	return out
}

// benchEffective builds a NIC whose subnet and NIC NSGs each hold k rules, with admin rules,
// and flows that mostly fall through to the default rules (the slowest case).
func benchEffective(k int) (*Effective, []Flow) {
	r := rand.New(rand.NewSource(7))
	n := newNet()
	addTag(n, "Storage", storagePrefixes(r, 2000)...)
	v := addVNet(n, "vnet", "westeurope", "10.0.0.0/14")
	s := addSubnet(n, v, "app", "10.0.1.0/24")
	asgs := []*model.ASG{addASG(n, "g0"), addASG(n, "g1")}
	s.NSG = addNSG(n, "nsg-subnet", realisticRules(r, k, asgs)...)
	c := addNIC(n, "vm", s, "10.0.1.4", addNSG(n, "nsg-nic", realisticRules(r, k, asgs)...), asgs[0])
	n.AdminRules = []*model.AdminRule{adminRule("deny-telnet", 10, in, deny, "*", "*", "23", v),
		adminRule("deny-smb", 20, out, deny, "*", "Internet", "445", v)}
	n.Freeze()
	f, _ := fib.Build(n)
	a, _ := Build(n, f)
	var flows []Flow
	for i := 0; i < 64; i++ {
		other := netip.AddrFrom4([4]byte{byte(pick(r, []int{10, 10, 52, 20})), byte(r.Intn(4)), byte(r.Intn(256)), byte(r.Intn(256))})
		flows = append(flows, Flow{Src: other, Dst: ip("10.0.1.4"), Proto: TCP, SrcPort: 50000, DstPort: pick(r, []uint16{22, 443, 1433, 9999})})
	}
	return a.ForIPConfig(c), flows
}

// BenchmarkEvaluate measures one Evaluate (admin + two 50-rule NSGs) per op, compiled and,
// as a baseline, the naive twin that scans rules and prefixes linearly.
func BenchmarkEvaluate(b *testing.B) {
	e, flows := benchEffective(50)
	b.Run("compiled", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			e.Evaluate(model.Direction(i&1), flows[i%len(flows)])
		}
	})
	b.Run("naive", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			naiveEvaluate(e, model.Direction(i&1), flows[i%len(flows)])
		}
	})
}

// estate builds a network of vnets×10 subnets, 10 NICs per subnet, one NSG per subnet with
// rules rules each and NIC NSGs drawn from the same pool.
func estate(vnets, rules int) *model.Network {
	r := rand.New(rand.NewSource(9))
	n := newNet()
	addTag(n, "Storage", storagePrefixes(r, 2000)...)
	asgs := []*model.ASG{addASG(n, "g0"), addASG(n, "g1"), addASG(n, "g2")}
	var nsgs []*model.NSG
	for i := 0; i < vnets*10; i++ {
		nsgs = append(nsgs, addNSG(n, fmt.Sprintf("nsg-%d", i), realisticRules(r, rules, asgs)...))
	}
	for i := 0; i < vnets; i++ {
		v := addVNet(n, fmt.Sprintf("vnet-%d", i), "westeurope", fmt.Sprintf("10.%d.0.0/16", i))
		for j := 0; j < 10; j++ {
			s := addSubnet(n, v, fmt.Sprintf("s%d", j), fmt.Sprintf("10.%d.%d.0/24", i, j))
			s.NSG = nsgs[i*10+j]
			for k := 0; k < 10; k++ {
				var nicNSG *model.NSG
				if r.Intn(2) == 0 {
					nicNSG = pick(r, nsgs)
				}
				addNIC(n, fmt.Sprintf("nic-%d-%d-%d", i, j, k), s, fmt.Sprintf("10.%d.%d.%d", i, j, 4+k), nicNSG, pick(r, asgs))
			}
		}
	}
	return n
}

// BenchmarkEstate builds effective rules for every NIC of a 10,000-NIC, 1,000-NSG × 50-rule
// estate: FIB and ACL Build, then ForIPConfig for each NIC.
func BenchmarkEstate(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		n := estate(100, 50)
		n.Freeze()
		b.StartTimer()
		t0 := time.Now()
		f, _ := fib.Build(n)
		a, _ := Build(n, f)
		built := time.Since(t0)
		took := make([]time.Duration, 0, len(n.NICs))
		for _, nic := range n.NICs {
			t1 := time.Now()
			a.ForIPConfig(nic.IPConfigs[0])
			took = append(took, time.Since(t1))
		}
		first := took[0]
		slices.Sort(took)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(ms(built), "build-ms")
		b.ReportMetric(ms(first), "first-nic-ms")
		b.ReportMetric(ms(took[len(took)/2]), "p50-nic-ms")
		b.ReportMetric(ms(took[len(took)*99/100]), "p99-nic-ms")
		b.ReportMetric(ms(took[len(took)-1]), "max-nic-ms")
		b.ReportMetric(float64(len(n.NICs)), "nics")
	}
}
