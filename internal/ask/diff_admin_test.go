package ask

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
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

// adminRule is a security admin rule for vnets, its sides one entry each (a CIDR or a name).
func adminRule(name string, dir model.Direction, acc model.Access, proto model.Protocol, src, dst string, sports, dports model.PortRange, vnets ...*model.VNet) *model.AdminRule {
	side := func(e string) []model.AdminAddress {
		a := model.AdminAddress{Prefix: e}
		if p, err := netip.ParsePrefix(e); err == nil {
			a.Canonical = p
		} else {
			a.IsTag = e != "*"
		}
		return []model.AdminAddress{a}
	}
	return &model.AdminRule{ID: model.ID(tsub + "networkManagers/m/securityAdminConfigurations/c/ruleCollections/rc/rules/" + name), Name: name,
		Configuration: "c", Collection: "rc", Priority: 10, Direction: dir, Access: acc, Protocol: proto, Sources: side(src), Destinations: side(dst),
		SourcePorts: []model.PortRange{sports}, DestPorts: []model.PortRange{dports}, AppliesTo: vnets}
}

// backendNSG gives ilbEstate's first subnet (the load balancer's backends) an NSG with rules.
func backendNSG(n *model.Network, rules ...*model.SecurityRule) {
	g := &model.NSG{ID: tsub + "networkSecurityGroups/backend", Name: "backend", Rules: rules}
	n.NSGs = append(n.NSGs, g)
	n.Index(g.ID, g)
	n.Subnets[0].NSG = g
}

// TestDiffRuleFrontends: a changed rule that limits source ports has no decision delta, so its
// endpoints are asked about every packet it may match; a backend listening on 8443 behind
// frontend port 443 is asked about through the frontend too, on every port, as with a delta
// (the 443 flows were missed; found by review). An admin rule and an NSG rule alike.
func TestDiffRuleFrontends(t *testing.T) {
	build := func(deny bool, admin bool) *model.Network {
		n := ilbEstate(false)
		n.LoadBalancers[0].Rules[0].BackendPort = 8443
		var rules []*model.SecurityRule
		switch {
		case deny && admin:
			n.AdminRules = []*model.AdminRule{adminRule("deny", model.Inbound, model.Deny, model.ProtoTCP, "*", "*",
				model.PortRange{Lo: 1024, Hi: 65535}, model.PortRange{Lo: 8443, Hi: 8443}, n.VNets[0])}
		case deny:
			rules = append(rules, &model.SecurityRule{Name: "deny", Priority: 100, Direction: model.Inbound, Access: model.Deny, Protocol: model.ProtoTCP,
				Sources: []string{"*"}, Destinations: []string{"*"}, SourcePorts: []model.PortRange{{Lo: 1024, Hi: 65535}}, DestPorts: []model.PortRange{{Lo: 8443, Hi: 8443}}})
		}
		backendNSG(n, rules...)
		return n
	}
	for _, admin := range []bool{true, false} {
		nb, na := build(false, admin), build(true, admin)
		sc := scopeOf(diff.Resources{}, nil, nb, na)
		rows, _, _ := againstFull(t, fmt.Sprintf("admin %v", admin), NewSnapshot(nb), NewSnapshot(na), sc, "rules")
		if !slices.ContainsFunc(rows, func(r ReachChange) bool { return r.Ports == "443" || strings.HasPrefix(r.Ports, "443,") }) {
			t.Errorf("admin %v: no row for the frontend's port 443 among %q", admin, rowKeys(rows))
		}
	}
}

// TestDiffInternetTagStatic: a changed rule naming Internet, at a subnet whose UDR to
// 52.0.0.0/8 takes that range out of the tag's default reading but not out of the static one
// (--assume internet-tag=static, spec §2.4): the decision delta reads the default, so under the
// other reading the rule's packets are asked whole; the rows equal full recomputation's both
// ways (52/8 was missed; found by review). An admin rule and an NSG rule alike.
func TestDiffInternetTagStatic(t *testing.T) {
	allow80 := func() *model.SecurityRule {
		return &model.SecurityRule{Name: "allow80", Priority: 100, Direction: model.Inbound, Access: model.Allow, Protocol: model.ProtoTCP,
			Sources: []string{"*"}, Destinations: []string{"*"}, SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{{Lo: 80, Hi: 80}}}
	}
	build := func(deny, admin bool) *model.Network {
		n := ilbEstate(false)
		n.RouteTables[0].Routes = append(n.RouteTables[0].Routes, &model.Route{Name: "52", Prefix: netip.MustParsePrefix("52.0.0.0/8"), NextHopType: model.HopInternet})
		p := &model.PublicIP{ID: tsub + "publicIPAddresses/b-pip", Name: "b-pip", Address: netip.MustParseAddr("20.1.1.1"), Sku: "Standard"}
		n.PublicIPs = append(n.PublicIPs, p)
		n.Index(p.ID, p)
		n.NICs[0].IPConfigs[0].PublicIP = p
		rules := []*model.SecurityRule{allow80()}
		switch {
		case deny && admin:
			n.AdminRules = []*model.AdminRule{adminRule("deny", model.Inbound, model.Deny, model.ProtoTCP, "Internet", "*",
				model.AllPorts, model.PortRange{Lo: 80, Hi: 80}, n.VNets[0])}
		case deny:
			rules = append(rules, &model.SecurityRule{Name: "deny", Priority: 90, Direction: model.Inbound, Access: model.Deny, Protocol: model.ProtoTCP,
				Sources: []string{"Internet"}, Destinations: []string{"*"}, SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{{Lo: 80, Hi: 80}}})
		}
		backendNSG(n, rules...)
		return n
	}
	for _, admin := range []bool{true, false} {
		nb, na := build(false, admin), build(true, admin)
		sc := scopeOf(diff.Resources{}, nil, nb, na)
		for _, v := range []string{"internet-tag=complement", "internet-tag=static"} {
			opts := DefaultOptions()
			if err := opts.Assume.Parse(v); err != nil {
				t.Fatal(err)
			}
			againstFullWith(t, fmt.Sprintf("admin %v, %s", admin, v), NewSnapshot(nb), NewSnapshot(na), sc, "rules", opts)
		}
	}
}
