package check

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// randomAsymEstate builds a small random estate with the ingredients of asymmetric routing: a hub
// with an Azure Firewall and an appliance NIC, spokes (some peered with each other, some links
// half-built, one VNet's range overlapping another's), VMs, private endpoints, random UDRs to the
// firewall, the appliance, a missing address or None, and random NSGs.
func randomAsymEstate(r *rand.Rand) *estate {
	h := newHubSpoke()
	h.allowAll()
	e := h.e
	if r.Intn(2) == 0 {
		h.nva.IPForwarding = true
	}
	if r.Intn(3) == 0 {
		h.nva.VMName = ""
	}
	vnets := []*model.VNet{h.hub, h.spoke}
	for i := 2; i < 3+r.Intn(3); i++ {
		space := fmt.Sprintf("10.%d.0.0/16", i)
		if r.Intn(6) == 0 {
			space = "10.1.0.0/16" // an overlapping range (a merger)
		}
		v := e.vnet(fmt.Sprintf("v%d", i), "westeurope", space)
		vnets = append(vnets, v)
		switch r.Intn(4) {
		case 0: // not peered
		case 1:
			e.link(h.hub, v, "Connected")
			e.link(v, h.hub, "Initiated")
		default:
			e.peer(h.hub, v)
		}
	}
	for i := 1; i < len(vnets); i++ {
		for j := i + 1; j < len(vnets); j++ {
			if r.Intn(4) == 0 {
				e.peer(vnets[i], vnets[j])
			}
		}
	}
	var subnets []*model.Subnet
	for i, v := range vnets[1:] {
		base := v.AddressSpace[0].Addr().As4()
		for j := 0; j < 1+r.Intn(2); j++ {
			s := e.subnet(v, fmt.Sprintf("s%d", j+1), fmt.Sprintf("%d.%d.%d.0/24", base[0], base[1], 10+j))
			subnets = append(subnets, s)
			withPEs := r.Intn(3) == 0
			for k := 0; k < 1+r.Intn(2); k++ {
				host := 4 + k
				if k == 0 && !withPEs && r.Intn(5) == 0 {
					host = 200 // the address of an endpoint in an overlapping VNet's subnet (a merger)
				}
				e.nic(s, fmt.Sprintf("vm-%d-%d-%d", i, j, k), fmt.Sprintf("%d.%d.%d.%d", base[0], base[1], 10+j, host))
			}
			if withPEs { // up to three endpoints in one subnet: a class of destinations (asymdest.go)
				for m := 0; m < 1+r.Intn(3); m++ {
					e.privateEndpoint(s, fmt.Sprintf("pe-%d-%d-%d", i, j, m), fmt.Sprintf("%d.%d.%d.%d", base[0], base[1], 10+j, 200+m),
						"/subscriptions/1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st")
				}
			}
		}
	}
	shared := e.subnet(h.hub, "shared", "10.0.4.0/24")
	e.nic(shared, "vm-shared", "10.0.4.4")
	subnets = append(subnets, shared, h.app)
	hops := []struct {
		hop model.NextHopType
		ip  string
	}{{model.HopVirtualAppliance, "10.0.0.4"}, {model.HopVirtualAppliance, "10.0.1.4"},
		{model.HopVirtualAppliance, "10.9.9.9"}, {model.HopNone, ""}}
	prefixes := []string{"0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.0.4.0/24", "10.1.1.0/24", "10.2.10.200/32"}
	for k, s := range append(subnets, h.nvaSubnet, h.fwSubnet) {
		if r.Intn(3) == 0 {
			continue
		}
		var routes []*model.Route
		for m := 0; m < 1+r.Intn(3); m++ {
			h := hops[r.Intn(len(hops))]
			routes = append(routes, udr(fmt.Sprintf("u%d", m), prefixes[r.Intn(len(prefixes))], h.hop, h.ip))
		}
		s.RouteTable = e.routeTable(fmt.Sprintf("rt%d", k), routes...)
	}
	for k, s := range subnets {
		if r.Intn(4) == 0 {
			s.NSG = e.nsg(fmt.Sprintf("nsg%d", k), &model.SecurityRule{Name: "deny-some", Priority: 100, Direction: model.Inbound,
				Access: model.Deny, Protocol: model.ProtoTCP, Sources: []string{prefixes[1+r.Intn(len(prefixes)-1)]},
				Destinations: []string{"*"}, SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{model.AllPorts}})
		}
	}
	return e
}

// TestAsymmetricPairsMatchTraces is the property of issue 8: on random estates the check's pairs
// are exactly the pairs whose trace reports an asymmetric return (every pair traced, the slow
// and obviously correct twin of the candidate search).
func TestAsymmetricPairsMatchTraces(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 60
	}
	total, collisions := 0, 0 // collisions: sources whose address an endpoint elsewhere also has
	var follow assume.Set     // private endpoint replies follow UDRs: the check must agree under either value
	if err := follow.Parse("pe-reply-udr=follow"); err != nil {
		t.Fatal(err)
	}
	for seed := int64(1); seed <= int64(n); seed++ {
		p := randomAsymEstate(rand.New(rand.NewSource(seed))).fullPlane()
		srcs := subnetReps(p.Net)
		dsts := append(append([]rep(nil), srcs...), endpointReps(p.Net)...)
		for _, s := range srcs {
			if len(p.Net.Owners(s.addr)) > 1 {
				collisions++
			}
		}
		for _, as := range []assume.Set{{}, follow} {
			want := map[string]bool{}
			for _, s := range srcs {
				for _, d := range dsts {
					if d.subnet == s.subnet && d.pe == nil {
						continue
					}
					if _, ok := confirmAsymmetry(p, s, d, as); ok {
						want[s.name()+" → "+d.name()] = true
					}
				}
			}
			total += len(want)
			got := map[string]bool{}
			for _, h := range searchPairs(context.Background(), p, srcs, dsts, as).pairs() {
				got[srcs[h[0]].name()+" → "+dsts[h[1]].name()] = true
			}
			for k := range want {
				if !got[k] {
					t.Errorf("seed %d, pe-reply-udr=%s: traced asymmetric pair %s missing from the check", seed, as.Value(assume.PEReplyUDR), k)
				}
			}
			for k := range got {
				if !want[k] {
					t.Errorf("seed %d, pe-reply-udr=%s: check reports %s, which its trace does not", seed, as.Value(assume.PEReplyUDR), k)
				}
			}
		}
	}
	// The estates must exercise the property: many pairs come back asymmetric.
	if total < n {
		t.Errorf("only %d asymmetric pairs in %d estates: the generator no longer builds asymmetric routing", total, n)
	}
	if collisions == 0 {
		t.Errorf("no source shares its address with another resource: the generator no longer builds overlaps")
	}
	t.Logf("%d asymmetric pairs in %d estates, %d sources sharing their address", total, n, collisions)
}
