package trace

import "testing"

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
