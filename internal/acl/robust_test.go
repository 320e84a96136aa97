package acl

import (
	"math/rand"
	"sync"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Incomplete models (dangling references resolved to nil, missing subnets) must not panic.
func TestIncompleteModels(t *testing.T) {
	n := newNet()
	v := addVNet(n, "vnet-a", "westeurope", "10.1.0.0/16")
	s := addSubnet(n, v, "app", "10.1.1.0/24")
	odd := rule("odd", 100, in, deny, TCP, "*", "", "22")
	odd.Destinations, odd.DestASGs = nil, []*model.ASG{nil}
	empty := rule("empty", 110, in, deny, TCP, "", "", "23")
	empty.Sources, empty.Destinations = nil, nil
	s.NSG = addNSG(n, "nsg", nil, odd, empty)
	orphan := &model.Subnet{ID: "/orphan", Name: "orphan", NSG: s.NSG} // no VNet
	c := addNIC(n, "vm", s, "10.1.1.4", nil, nil)
	noSubnet := addNIC(n, "vm-nosubnet", nil, "10.9.9.9", s.NSG)
	n.AdminRules = []*model.AdminRule{nil, adminRule("x", 1, in, deny, "Nope", "*", "*", nil, v)}
	pe := &model.PrivateEndpoint{ID: "/pe", Name: "pe"}
	a, ws := build(t, n)
	f := tcp("8.8.8.8", "10.1.1.4", 23)
	for _, e := range []*Effective{a.ForIPConfig(c), a.ForIPConfig(noSubnet), a.ForIPConfig(nil),
		a.ForSubnet(orphan), a.ForSubnet(nil), a.ForPrivateEndpoint(pe), a.ForPrivateEndpoint(nil)} {
		e.Evaluate(in, f)
		e.Evaluate(out, f)
		e.Listing()
	}
	if got := describe(a.ForIPConfig(c).Evaluate(in, f)); got != "Denied AdminRule=nomatch SubnetNsg=defaultSecurityRules/DenyAllInBound" {
		t.Errorf("rule without addresses matched: %s", got)
	}
	if len(ws) != 1 || ws[0].Code != "UnknownServiceTag" {
		t.Errorf("warnings = %v, want the admin rule's unknown tag", ws)
	}
}

// Effective rules computed concurrently equal those computed one by one.
func TestConcurrentUse(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	n, cs, _ := randomNetwork(r)
	a, _ := build(t, n)
	var wg sync.WaitGroup
	got := make([][]*Effective, 4)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range cs {
				got[g] = append(got[g], a.ForIPConfig(c))
			}
		}()
	}
	wg.Wait()
	flows := make([]Flow, 200)
	for i := range flows {
		flows[i] = randomFlow(r)
	}
	for i, c := range cs {
		f, _ := fib.Build(n)
		ref, _ := Build(n, f) // a fresh ACL, used sequentially
		want := ref.ForIPConfig(c)
		for g := range got {
			if got[g][i] != got[0][i] {
				t.Fatalf("goroutine %d got a different Effective for %s", g, c.NIC.Name)
			}
		}
		for _, fl := range flows {
			if describe(got[0][i].Evaluate(in, fl)) != describe(want.Evaluate(in, fl)) {
				t.Fatalf("%s: concurrent and sequential results differ for %+v", c.NIC.Name, fl)
			}
		}
	}
}
