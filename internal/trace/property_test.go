package trace

import (
	"fmt"
	"math/rand"
	"net/netip"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// randomEstate builds a small random network: 3–4 VNets 10.i.0.0/16 with two subnets and two VMs
// each, random peerings (some half-built), random UDRs to random next hops, random NSGs.
func randomEstate(r *rand.Rand) (*net, []*model.IPConfig) {
	n := newNet()
	var vms []*model.IPConfig
	var subnets []*model.Subnet
	nv := 3 + r.Intn(2)
	for i := 0; i < nv; i++ {
		v := n.vnet(fmt.Sprintf("v%d", i), fmt.Sprintf("10.%d.0.0/16", i))
		for j := 0; j < 2; j++ {
			s := n.subnet(v, fmt.Sprintf("s%d", j), fmt.Sprintf("10.%d.%d.0/24", i, j))
			subnets = append(subnets, s)
			for k := 0; k < 2; k++ {
				c := n.vm(s, fmt.Sprintf("vm%d-%d-%d", i, j, k), fmt.Sprintf("10.%d.%d.%d", i, j, 4+k))
				c.NIC.IPForwarding = r.Intn(2) == 0
				vms = append(vms, c)
			}
			if r.Intn(3) == 0 {
				s.NSG = n.nsg(fmt.Sprintf("nsg-%d-%d", i, j), fmt.Sprintf("r1 %d In %s Tcp 10.%d.0.0/16 * %d", 100+r.Intn(50), pickAccess(r), r.Intn(nv), 440+r.Intn(5)))
			}
		}
	}
	for i := 0; i < nv; i++ {
		for j := i + 1; j < nv; j++ {
			if r.Intn(2) == 0 {
				ab, ba := n.peer(n.VNets[i], n.VNets[j], r.Intn(2) == 0, r.Intn(2) == 0)
				if r.Intn(4) == 0 {
					ab.State = "Initiated"
				}
				_ = ba
			}
		}
	}
	for k, s := range subnets {
		if r.Intn(2) == 0 {
			continue
		}
		var routes []*model.Route
		for m := 0; m < 1+r.Intn(3); m++ {
			prefix := []string{"0.0.0.0/0", fmt.Sprintf("10.%d.0.0/16", r.Intn(nv)), fmt.Sprintf("10.%d.%d.0/24", r.Intn(nv), r.Intn(2))}[r.Intn(3)]
			hop := []string{"VirtualAppliance " + vms[r.Intn(len(vms))].PrivateIP.String(), "VirtualAppliance 10.9.9.9", "None", "VnetLocal", "Internet"}[r.Intn(5)]
			routes = append(routes, udr(fmt.Sprintf("u%d", m), prefix, hop))
		}
		n.routes(fmt.Sprintf("rt%d", k), []*model.Subnet{s}, routes...)
	}
	return n, vms
}

func pickAccess(r *rand.Rand) string {
	if r.Intn(2) == 0 {
		return "Allow"
	}
	return "Deny"
}

// linearLookup is the obviously correct twin of spec §1.5 rule 3: longest Active prefix, but a
// gateway route loses to any covering Active VnetLocal / peering / service endpoint route.
func linearLookup(t *fib.Table, dst netip.Addr) *fib.Route {
	var best, bestLocal *fib.Route
	covered := false
	for i := range t.All() {
		r := &t.All()[i]
		if r.State != fib.Active || !r.Prefix.Contains(dst) {
			continue
		}
		switch r.NextHop {
		case model.HopVnetLocal, model.HopVNetPeering, model.HopVNetGlobalPeering, model.HopServiceEndpoint:
			covered = true
		}
		if best == nil || r.Prefix.Bits() > best.Prefix.Bits() {
			best = r
		}
		if r.Source != fib.SourceGateway && (bestLocal == nil || r.Prefix.Bits() > bestLocal.Prefix.Bits()) {
			bestLocal = r
		}
	}
	if best != nil && best.Source == fib.SourceGateway && covered {
		return bestLocal
	}
	return best
}

func TestPropertyRandomEstates(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	var decisions, reachable int
	defer func() { routeHook = nil }()
	for e := 0; e < 150; e++ {
		n, vms := randomEstate(r)
		p := n.plane()
		routeHook = func(s *model.Subnet, dst netip.Addr, got *fib.Route, systemOnly bool) {
			if systemOnly {
				return
			}
			decisions++
			if want := linearLookup(p.FIB.Subnet(s), dst); want != got {
				t.Errorf("estate %d subnet %s dst %s: trace chose %+v, linear scan %+v", e, s.Name, dst, got, want)
			}
		}
		for k := 0; k < 30; k++ {
			src, dst := vms[r.Intn(len(vms))], vms[r.Intn(len(vms))]
			a, err := Run(p, Query{From: string(src.NIC.ID), To: dst.PrivateIP.String(), Protocol: tcp, DestinationPort: uint16(440 + r.Intn(5))})
			if err != nil {
				t.Fatalf("estate %d: %v", e, err)
			}
			if a.Verdict == Reachable {
				reachable++
				checkAllAllowed(t, a)
			}
		}
	}
	t.Logf("%d route decisions, %d reachable flows", decisions, reachable)
	if decisions < 1000 || reachable < 100 {
		t.Errorf("the random estates exercised too little: %d route decisions, %d reachable flows", decisions, reachable)
	}
}

// checkAllAllowed: a Reachable flow has no step that denied or failed to match.
func checkAllAllowed(t *testing.T, a *Answer) {
	t.Helper()
	for _, l := range []*Leg{a.Forward, a.Return} {
		for _, h := range l.Hops {
			for _, s := range h.Steps {
				if s.Result != Allowed && s.Result != Matched && s.Result != Translated {
					t.Errorf("%s → %s is Reachable but step %s at %s is %s: %s", a.Query.From, a.Query.To, s.Step, h.Name, s.Result, s.Detail)
				}
			}
		}
	}
}
