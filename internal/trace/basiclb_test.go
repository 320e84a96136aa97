package trace

import (
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// A Basic internal load balancer's frontend cannot be reached over global peering; a Standard one
// can, and so can a Basic one from a VNet peered in the same region (azure-semantics.md §1.8
// item 6; virtual network peering overview).
func TestBasicLoadBalancerOverGlobalPeering(t *testing.T) {
	for _, tt := range []struct {
		sku, region string
		want        Verdict
		finding     bool
	}{
		{"Basic", "northeurope", Unreachable, true},
		{"Standard", "northeurope", Reachable, false},
		{"Basic", "westeurope", Reachable, false},
	} {
		n := newNet()
		hub := n.vnet("hub", "10.0.0.0/16")
		spoke := n.vnet("spoke", "10.1.0.0/16")
		spoke.Location = tt.region
		n.peer(hub, spoke, true, true)
		lbS := n.subnet(hub, "snet-lb", "10.0.1.0/24")
		app := n.subnet(spoke, "snet-app", "10.1.1.0/24")
		backend := n.vm(lbS, "web1", "10.0.1.4")
		n.vm(app, "client", "10.1.1.4")
		addLB(n, "ilb", tt.sku, nil, lbS, "10.0.1.10", tcp, 443, backend)
		a := run(t, n.plane(), "client", "10.0.1.10", tcp, 443)
		got := false
		for _, f := range a.Findings {
			got = got || f.Code == CodeBasicLoadBalancerGlobalPeering
		}
		if a.Verdict != tt.want || got != tt.finding {
			t.Errorf("%s ILB from %s: verdict %s, finding %v; want %s, %v (forward %s)", tt.sku, tt.region, a.Verdict, got, tt.want, tt.finding, legSummary(a.Forward))
		}
		if tt.finding && (a.Forward.DropCause != NoListener) {
			t.Errorf("%s ILB from %s: drop cause %s, want NoListener", tt.sku, tt.region, a.Forward.DropCause)
		}
	}
}

// A backend whose NSG denies the health probe from AzureLoadBalancer is out of rotation: the
// trace follows the next healthy one, and with none healthy the flow is NoListener naming the
// probe (azure-semantics.md §1.8 item 7; lab 4 step 12). Without a probe the first backend is
// followed as before.
func TestLoadBalancerHealthProbe(t *testing.T) {
	for _, tt := range []struct {
		name      string
		probe     bool
		deny      []string // backends whose NIC NSG denies the probe
		want      Verdict
		delivered string
	}{
		{"no probe", false, []string{"web1"}, Reachable, "10.0.1.4"},
		{"first backend probe-denied", true, []string{"web1"}, Reachable, "10.0.1.5"},
		{"every backend probe-denied", true, []string{"web1", "web2"}, Unreachable, ""},
	} {
		n := newNet()
		v := n.vnet("v", "10.0.0.0/16")
		s := n.subnet(v, "snet-web", "10.0.1.0/24")
		web1, web2 := n.vm(s, "web1", "10.0.1.4"), n.vm(s, "web2", "10.0.1.5")
		client := n.subnet(v, "snet-client", "10.0.2.0/24")
		n.vm(client, "client", "10.0.2.4")
		lb := addLB(n, "ilb", "Standard", nil, s, "10.0.1.10", tcp, 443, web1, web2)
		if tt.probe {
			lb.Rules[0].Probe = &model.LBProbe{ID: lb.ID + "/probes/https", Name: "https", Port: 443}
		}
		for _, c := range []*model.IPConfig{web1, web2} {
			c.NIC.NSG = n.nsg("nsg-"+c.NIC.Name, "allow-https 200 In Allow Tcp * * 443")
			for _, d := range tt.deny {
				if c.NIC.Name == d+"-nic" {
					c.NIC.NSG = n.nsg("nsg-"+c.NIC.Name, "deny-probe 100 In Deny Tcp AzureLoadBalancer * 443",
						"allow-https 200 In Allow Tcp * * 443")
				}
			}
		}
		a := run(t, n.plane(), "client", "10.0.1.10", tcp, 443)
		got := ""
		if a.Forward.FlowAtDestination != nil && a.Forward.Disposition == Delivered {
			got = a.Forward.FlowAtDestination.Destination
		}
		if a.Verdict != tt.want || got != tt.delivered {
			t.Errorf("%s: verdict %s delivered to %q; want %s, %q (%s)", tt.name, a.Verdict, got, tt.want, tt.delivered, legSummary(a.Forward))
		}
		if tt.want == Unreachable && a.Forward.DropCause != NoListener {
			t.Errorf("%s: drop cause %s, want NoListener", tt.name, a.Forward.DropCause)
		}
	}
}

// A backend VM sending to its own internal load balancer's frontend: a connection the rule maps
// back to it fails (load balancer backend traffic troubleshooting). Alone in the pool, every
// connection does (Unreachable); with another backend in rotation, some do (Intermittent, the
// trace following the other); a client outside the pool is not affected.
func TestInternalLoadBalancerSelfHairpin(t *testing.T) {
	for _, tt := range []struct {
		name, from string
		pool       []string
		want       Verdict
		delivered  string
	}{
		{"alone in the pool", "web1", []string{"web1"}, Unreachable, ""},
		{"with another backend", "web1", []string{"web1", "web2"}, Intermittent, "10.0.1.5"},
		{"the other backend", "web2", []string{"web1", "web2"}, Intermittent, "10.0.1.4"},
		{"a client outside the pool", "client", []string{"web1", "web2"}, Reachable, "10.0.1.4"},
	} {
		n := newNet()
		v := n.vnet("v", "10.0.0.0/16")
		s := n.subnet(v, "snet-web", "10.0.1.0/24")
		vms := map[string]*model.IPConfig{"web1": n.vm(s, "web1", "10.0.1.4"), "web2": n.vm(s, "web2", "10.0.1.5")}
		n.vm(n.subnet(v, "snet-client", "10.0.2.0/24"), "client", "10.0.2.4")
		var pool []*model.IPConfig
		for _, name := range tt.pool {
			pool = append(pool, vms[name])
		}
		addLB(n, "ilb", "Standard", nil, s, "10.0.1.10", tcp, 443, pool...)
		a := run(t, n.plane(), tt.from, "10.0.1.10", tcp, 443)
		if a.Verdict != tt.want {
			t.Errorf("%s: verdict %s, want %s (forward %s)", tt.name, a.Verdict, tt.want, legSummary(a.Forward))
			continue
		}
		if tt.want == Unreachable && (a.Forward.DropCause != NoListener || a.Forward.Deciding == nil || a.Forward.Deciding.Rule == "") {
			t.Errorf("%s: %s by %+v; want NoListener by the load-balancing rule", tt.name, a.Forward.DropCause, a.Forward.Deciding)
		}
		if tt.delivered != "" && (a.Forward.FlowAtDestination == nil || a.Forward.FlowAtDestination.Destination != tt.delivered) {
			t.Errorf("%s: delivered to %+v, want %s", tt.name, a.Forward.FlowAtDestination, tt.delivered)
		}
	}
}

// The self-hairpin rule is an internal load balancer's: a Gateway Load Balancer's NVA sending to
// its frontend is answered as before the rule (found rereading: the example's Gateway LB pair
// changed its rows).
func TestGatewayLoadBalancerNoSelfHairpin(t *testing.T) {
	n := newNet()
	v := n.vnet("v", "10.0.0.0/16")
	s := n.subnet(v, "snet-gwlb", "10.0.6.0/24")
	a, b := n.vm(s, "nva-a", "10.0.6.4"), n.vm(s, "nva-b", "10.0.6.5")
	addLB(n, "lb-gwlb", "Gateway", nil, s, "10.0.6.10", model.ProtoAny, 0, a, b)
	if got := run(t, n.plane(), "nva-a", "10.0.6.10", tcp, 22); got.Verdict != Reachable {
		t.Errorf("nva-a -> its Gateway LB frontend: %s; want Reachable (forward %s)", got.Verdict, legSummary(got.Forward))
	}
}

// An inbound NAT rule over the pool of a Basic public load balancer, whose members have no NSG:
// a Basic frontend is open by default, so the members do not all drop the flow and the mapping
// decides (Unknown). Found rereading: every member counted as closed by default, as behind a
// Standard one, and the trace followed the first member to Reachable.
func TestPoolNATRuleBasicOpenByDefault(t *testing.T) {
	for _, tt := range []struct {
		sku  string
		want Verdict
	}{{"Basic", UnknownV}, {"Standard", Unreachable}} {
		n := newNet()
		v := n.vnet("v", "10.0.0.0/16")
		s := n.subnet(v, "snet-web", "10.0.1.0/24")
		web1, web2 := n.vm(s, "web1", "10.0.1.4"), n.vm(s, "web2", "10.0.1.5")
		lb := addLB(n, "lb", tt.sku, n.pip("pip-lb", "20.0.0.30"), nil, "", tcp, 443, web1, web2)
		lb.InboundNATRules = []*model.InboundNATRule{{Name: "ssh", Frontend: lb.Frontends[0], Protocol: model.ProtoTCP,
			FrontendPort: 50000, FrontendPortEnd: 50009, BackendPort: 22, Pool: lb.BackendPools[0]}}
		if a := run(t, n.plane(), "internet:198.51.100.7", "20.0.0.30", tcp, 50003); a.Verdict != tt.want {
			t.Errorf("%s load balancer, members without an NSG: %s, want %s (forward %s)", tt.sku, a.Verdict, tt.want, legSummary(a.Forward))
		}
	}
}

// TestRunMappedPoolNATRule: behind a Standard load balancer, an inbound NAT rule over a pool maps
// SSH ports to web1, whose NSG opens 22, and web2, which has none (closed by default). Run cannot
// tell which member a port reaches (Unknown); RunMapped follows the member it names, through the
// rule, to that member's verdict.
func TestRunMappedPoolNATRule(t *testing.T) {
	n := newNet()
	v := n.vnet("v", "10.0.0.0/16")
	s := n.subnet(v, "snet-web", "10.0.1.0/24")
	web1, web2 := n.vm(s, "web1", "10.0.1.4"), n.vm(s, "web2", "10.0.1.5")
	web1.NIC.NSG = n.nsg("nsg-web1", "allow-ssh 100 In Allow Tcp * * 22")
	lb := addLB(n, "lb", "Standard", n.pip("pip-lb", "20.0.0.30"), nil, "", tcp, 443, web1, web2)
	lb.InboundNATRules = []*model.InboundNATRule{{Name: "ssh", Frontend: lb.Frontends[0], Protocol: model.ProtoTCP,
		FrontendPort: 50000, FrontendPortEnd: 50009, BackendPort: 22, Pool: lb.BackendPools[0]}}
	p := n.plane()
	q := Query{From: "internet:198.51.100.7", To: "20.0.0.30", Protocol: tcp, DestinationPort: 50003}
	if a := run(t, p, q.From, q.To, tcp, 50003); a.Verdict != UnknownV {
		t.Errorf("unmapped: %s, want Unknown (forward %s)", a.Verdict, legSummary(a.Forward))
	}
	for _, tt := range []struct {
		member *model.IPConfig
		want   Verdict
	}{{web1, Reachable}, {web2, Unreachable}} {
		a, err := RunMapped(p, q, tt.member)
		if err != nil {
			t.Fatal(err)
		}
		last := a.Forward.Hops[len(a.Forward.Hops)-1]
		if a.Verdict != tt.want || last.Name != tt.member.NIC.Name {
			t.Errorf("mapped to %s: %s ending at %s, want %s there (forward %s)", tt.member.NIC.Name, a.Verdict, last.Name, tt.want, legSummary(a.Forward))
		}
	}
}

// TestNATRuleFloatingIP: an inbound NAT rule with floating IP hands web1 the packet still
// addressed to the frontend (learn.microsoft.com/azure/load-balancer/load-balancer-floating-ip),
// so web1's NSG, which opens SSH to its own address only, drops it; without floating IP the
// destination is web1's address and SSH is allowed.
func TestNATRuleFloatingIP(t *testing.T) {
	for _, floating := range []bool{false, true} {
		n := newNet()
		v := n.vnet("v", "10.0.0.0/16")
		s := n.subnet(v, "snet-web", "10.0.1.0/24")
		web1 := n.vm(s, "web1", "10.0.1.4")
		web1.NIC.NSG = n.nsg("nsg-web1", "allow-ssh 100 In Allow Tcp * 10.0.1.4 22")
		lb := addLB(n, "lb", "Standard", n.pip("pip-lb", "20.0.0.30"), nil, "", tcp, 443, web1)
		lb.InboundNATRules = []*model.InboundNATRule{{Name: "ssh", Frontend: lb.Frontends[0], Protocol: model.ProtoTCP,
			FrontendPort: 22, BackendPort: 22, Target: web1, FloatingIP: floating}}
		want := Reachable
		if floating {
			want = Unreachable
		}
		a := run(t, n.plane(), "internet:198.51.100.7", "20.0.0.30", tcp, 22)
		if a.Verdict != want || a.Forward.FlowAtDestination == nil && want == Reachable {
			t.Errorf("floating IP %v: %s, want %s (forward %s)", floating, a.Verdict, want, legSummary(a.Forward))
		}
		if want == Reachable && a.Forward.FlowAtDestination.Destination != "10.0.1.4" {
			t.Errorf("without floating IP the packet reaches %s, want 10.0.1.4", a.Forward.FlowAtDestination.Destination)
		}
		// The same rule over web1's pool: with floating IP every member drops the packet, so the
		// mapping Azure keeps does not matter; without, web1 opens it and the mapping decides.
		lb.InboundNATRules[0].Target, lb.InboundNATRules[0].Pool, lb.InboundNATRules[0].FrontendPortEnd = nil, lb.BackendPools[0], 23
		if floating {
			want = Unreachable
		} else {
			want = UnknownV
		}
		if a := run(t, n.plane(), "internet:198.51.100.7", "20.0.0.30", tcp, 22); a.Verdict != want {
			t.Errorf("floating IP %v over a pool: %s, want %s (forward %s)", floating, a.Verdict, want, legSummary(a.Forward))
		}
	}
}
