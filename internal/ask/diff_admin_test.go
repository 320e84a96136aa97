package ask

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/diff"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// adminEstate is diffEstate(seed) with security admin rules (spec §2.5), each for a random
// choice of its VNets.
func adminEstate(seed uint64) *model.Network {
	n := diffEstate(seed)
	r := rand.New(rand.NewPCG(seed, 13))
	addr := func() []model.AdminAddress {
		e := tAddrs[r.IntN(len(tAddrs))]
		if e == "Internet" || e == "VirtualNetwork" {
			e = "*"
		}
		a := model.AdminAddress{Prefix: e}
		if p, err := netip.ParsePrefix(e); err == nil {
			a.Canonical = p
		}
		return []model.AdminAddress{a}
	}
	for i := range 2 + r.IntN(3) {
		ar := &model.AdminRule{ID: model.ID(fmt.Sprintf("%snetworkManagers/m/securityAdminConfigurations/c/ruleCollections/rc/rules/a%d", tsub, i)),
			Name: fmt.Sprintf("a%d", i), Configuration: "c", Collection: "rc", Priority: 10 + i, Direction: model.Direction(r.IntN(2)),
			Access: []model.Access{model.Allow, model.Deny, model.AlwaysAllow}[r.IntN(3)], Protocol: model.Protocol(r.IntN(3)),
			Sources: addr(), Destinations: addr(), SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{tPorts[r.IntN(len(tPorts))]}}
		for _, v := range n.VNets {
			if r.IntN(2) == 0 {
				ar.AppliesTo = append(ar.AppliesTo, v)
			}
		}
		n.AdminRules = append(n.AdminRules, ar)
	}
	return n
}

// mutateAdmin changes one admin rule: its access, ports, destination, or the VNets it applies to.
func mutateAdmin(n *model.Network, r *rand.Rand) string {
	ar := n.AdminRules[r.IntN(len(n.AdminRules))]
	switch r.IntN(4) {
	case 0:
		ar.Access = []model.Access{model.Allow, model.Deny, model.AlwaysAllow}[(int(ar.Access)+1+r.IntN(2))%3]
		return ar.Name + "'s access"
	case 1:
		ar.DestPorts = []model.PortRange{tPorts[r.IntN(len(tPorts))]}
		return ar.Name + "'s ports"
	case 2:
		ar.Destinations = []model.AdminAddress{{Prefix: "10.2.0.0/16", Canonical: netip.MustParsePrefix("10.2.0.0/16")}}
		return ar.Name + "'s destination"
	}
	v := n.VNets[r.IntN(len(n.VNets))]
	for i, x := range ar.AppliesTo {
		if x == v {
			ar.AppliesTo = append(ar.AppliesTo[:i:i], ar.AppliesTo[i+1:]...)
			return ar.Name + " no longer for " + v.Name
		}
	}
	ar.AppliesTo = append(ar.AppliesTo, v)
	return ar.Name + " now for " + v.Name
}

// TestDiffAdminRules: one security admin rule changed; the endpoints of the VNets it applies to
// on either side are asked about the packets whose decision changed there, and the rows equal
// full recomputation's.
func TestDiffAdminRules(t *testing.T) {
	for seed := range uint64(12) {
		nb, na := adminEstate(seed), adminEstate(seed)
		what := mutateAdmin(na, rand.New(rand.NewPCG(seed, 17)))
		nb.Freeze()
		na.Freeze()
		sc := scopeOf(diff.Resources{}, nil, nb, na)
		if sc.global {
			t.Fatalf("seed %d (%s): global (%s); want the rule's VNets' endpoints", seed, what, sc.reason)
		}
		againstFull(t, fmt.Sprintf("seed %d (%s)", seed, what), NewSnapshot(nb), NewSnapshot(na), sc, "rules")
	}
}

// TestDiffAdminRulesBounded: an admin rule changed for a VNet that forwards others' flows (a
// firewall's) is not bounded, and diff says which.
func TestDiffAdminRulesBounded(t *testing.T) {
	nb, na := firewallEstate(1), firewallEstate(1)
	for _, n := range []*model.Network{nb, na} {
		n.AdminRules = []*model.AdminRule{{ID: tsub + "networkManagers/m/securityAdminConfigurations/c/ruleCollections/rc/rules/deny", Name: "deny",
			Configuration: "c", Collection: "rc", Priority: 10, Direction: model.Inbound, Access: model.Deny, Protocol: model.ProtoTCP,
			Sources: []model.AdminAddress{{Prefix: "*"}}, Destinations: []model.AdminAddress{{Prefix: "*"}},
			SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{{Lo: 22, Hi: 22}}, AppliesTo: n.VNets}}
	}
	na.AdminRules[0].DestPorts = []model.PortRange{{Lo: 3389, Hi: 3389}}
	sc := scopeOf(diff.Resources{}, nil, nb, na)
	if !sc.global || !strings.HasPrefix(sc.reason, "security admin rules changed for ") || !strings.HasSuffix(sc.reason, ", which forwards others' flows") {
		t.Errorf("global %v, reason %q; want it global, naming a VNet that forwards", sc.global, sc.reason)
	}
}
