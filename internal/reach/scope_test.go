package reach

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestRebaseTwinRandomEstates: a model rebased onto an estate with one NSG rule edited (its
// access, ports, protocol, sides: anything) agrees with a trace of every packet of the twin's
// universe, as a model built from scratch does.
func TestRebaseTwinRandomEstates(t *testing.T) {
	n := 16
	if testing.Short() {
		n = 6
	}
	edited := 0
	for seed := int64(1); seed <= int64(n); seed++ {
		eb := randomEstate(rand.New(rand.NewSource(seed)))
		r := rand.New(rand.NewSource(seed))
		ea := randomEstate(r)
		rule, what := editRule(ea, r)
		qs := filteredBy(ea, rule)
		if len(qs) == 0 {
			continue
		}
		edited++
		pb, pa := eb.plane(), ea.plane()
		m, ok := Build(pb).Rebase(pa, func(x *acl.Rule) bool { return x.Security == rule })
		if !ok {
			t.Fatalf("seed %d (%s): Rebase refused a plane whose owned addresses are the same", seed, what)
		}
		for _, q := range qs {
			_, bad := twin(pa, m, q)
			if len(bad) > 0 {
				t.Logf("seed %d: the edit was %s", seed, what)
			}
			reportBad(t, seed, bad)
		}
	}
	if edited < n/4 {
		t.Errorf("only %d of %d estates had a rule to edit", edited, n)
	}
}

// An edited rule may name what no other rule does (inside the twin's universe): boundaries a
// rebased model has only from the edited rule.
var (
	editAddrs = append([]string{"203.0.113.52/30", "10.1.10.5/32", "10.2.11.5/32", "10.3.10.4/32", "198.51.100.2/31", "10.0.1.2"}, ruleAddrs...)
	editPorts = append([]model.PortRange{{Lo: 21, Hi: 21}, {Lo: 446, Hi: 446}, {Lo: 439, Hi: 442}}, rulePorts...)
)

// editRule replaces one rule of one NSG of e by a random rule of the same name: the rule it
// returns is the new one.
func editRule(e *estate, r *rand.Rand) (*model.SecurityRule, string) {
	if len(e.n.NSGs) == 0 {
		return nil, ""
	}
	g := e.n.NSGs[r.Intn(len(e.n.NSGs))]
	i := r.Intn(len(g.Rules))
	x := *g.Rules[i]
	pick := func(xs []string) string { return xs[r.Intn(len(xs))] }
	x.Access, x.Protocol = model.Access(r.Intn(2)), model.Protocol(r.Intn(3))
	x.Sources, x.Destinations = []string{pick(editAddrs)}, []string{pick(editAddrs)}
	x.DestPorts = []model.PortRange{editPorts[r.Intn(len(editPorts))]}
	x.Priority = 90 // first: the edit decides what it matches
	g.Rules[i] = &x
	return &x, fmt.Sprintf("%s/%s now %v %v %v -> %v %v", g.Name, x.Name, x.Access, x.Protocol, x.Sources, x.Destinations, x.DestPorts)
}

// filteredBy asks who reaches, and what reaches, each VM the rule's NSG filters.
func filteredBy(e *estate, rule *model.SecurityRule) []Query {
	var out []Query
	for _, g := range e.n.NSGs {
		if !slices.Contains(g.Rules, rule) {
			continue
		}
		for _, c := range e.vms {
			if c.NIC.NSG == g || c.Subnet.NSG == g {
				f := []Endpoint{{Ref: c.NIC.VMName, Addr: c.PrivateIP, Label: c.NIC.VMName}}
				out = append(out, Query{To: f}, Query{From: f})
			}
		}
	}
	return out
}

// TestRebaseRefusesOtherOwners: a plane whose resources own other addresses is not m's with
// rules changed, and Rebase says so.
func TestRebaseRefusesOtherOwners(t *testing.T) {
	eb := randomEstate(rand.New(rand.NewSource(3)))
	ea := randomEstate(rand.New(rand.NewSource(3)))
	ea.nic(ea.vms[1].Subnet, "vm-extra", "10.0.1.9")
	if _, ok := Build(eb.plane()).Rebase(ea.plane(), func(*acl.Rule) bool { return false }); ok {
		t.Errorf("Rebase accepted a plane with a NIC more")
	}
}

// TestRebaseSplitsByEditedRule: a rule edited to deny one of two alike VMs (one subnet, one
// NSG, named by no other rule) splits them as sources; without the edited rule's sides the
// rebased model would prove both by one packet.
func TestRebaseSplitsByEditedRule(t *testing.T) {
	build := func(deny string) (*estate, *model.SecurityRule) {
		e := &estate{n: &model.Network{}}
		s := e.subnet(e.vnet("v", "10.1.0.0/16"), "s", "10.1.10.0/24")
		rule := &model.SecurityRule{Name: "edited", Priority: 100, Direction: model.Inbound, Access: model.Deny, Protocol: model.ProtoTCP,
			Sources: []string{deny}, Destinations: []string{"*"}, SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{model.AllPorts}}
		s.NSG = e.nsg("nsg", rule)
		for _, a := range []string{"10.1.10.4", "10.1.10.5", "10.1.10.6"} {
			e.vms = append(e.vms, e.nic(s, "vm"+a[len(a)-1:], a))
		}
		return e, rule
	}
	eb, _ := build("203.0.113.9")
	ea, rule := build("10.1.10.5")
	pa := ea.plane()
	m, ok := Build(eb.plane()).Rebase(pa, func(x *acl.Rule) bool { return x.Security == rule })
	if !ok {
		t.Fatal("Rebase refused")
	}
	q := Query{To: []Endpoint{{Ref: "vm6", Addr: ip("10.1.10.6"), Label: "vm6"}}, Protocols: []model.Protocol{model.ProtoTCP}}
	if _, bad := twin(pa, m, q); len(bad) > 0 {
		t.Errorf("%d disagreements, first %s", len(bad), bad[0])
	}
	res, err := Run(context.Background(), m, q)
	if err != nil {
		t.Fatal(err)
	}
	if v4, v5 := verdictAt(res, "10.1.10.4"), verdictAt(res, "10.1.10.5"); v4 != trace.Reachable || v5 != trace.Unreachable {
		t.Errorf("10.1.10.4 -> vm6 %s, 10.1.10.5 -> vm6 %s; want Reachable, Unreachable", v4, v5)
	}
}
