package check

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

func TestInternetExposedManagementPort(t *testing.T) {
	p22, p3389 := model.PortRange{Lo: 22, Hi: 22}, model.PortRange{Lo: 3389, Hi: 3389}
	tests := []struct {
		name  string
		rules []*model.SecurityRule
		want  []brief
	}{
		{"SSH from any", []*model.SecurityRule{rule("allow-ssh-any", 100, model.Allow, model.ProtoTCP, "*", "*", p22)},
			[]brief{{"Error", map[string]any{"port": uint16(22), "rule": "securityRules/allow-ssh-any", "target": "vm-jump"}}}},
		{"RDP from Internet tag", []*model.SecurityRule{rule("allow-rdp", 100, model.Allow, model.ProtoTCP, "Internet", "*", p3389)},
			[]brief{{"Error", map[string]any{"port": uint16(3389), "rule": "securityRules/allow-rdp", "target": "vm-jump"}}}},
		{"SSH from the office only", []*model.SecurityRule{rule("allow-ssh-office", 100, model.Allow, model.ProtoTCP, "203.0.113.5", "*", p22)}, []brief{}},
		{"no rule", nil, []brief{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHubSpoke()
			mgmt := h.e.subnet(h.spoke, "snet-mgmt", "10.1.4.0/24")
			jump := h.e.nic(mgmt, "vm-jump", "10.1.4.4")
			jump.IPConfigs[0].PublicIP = h.e.publicIP("pip-vm-jump", "20.103.51.40")
			jump.NSG = h.e.nsg("nsg-vm-jump", tt.rules...)
			got := briefs(runCheck(t, h.e.fullPlane(), "InternetExposedManagementPort"), "port", "rule", "target")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

// TestExposedThroughFirewallDNAT: RDP published by a DNAT rule to a VM without an NSG names the
// DNAT rule as the one to remove, not the route that delivered the packet.
func TestExposedThroughFirewallDNAT(t *testing.T) {
	h := newHubSpoke()
	h.fw.Classic = []*model.RuleCollection{{Name: "dnat", Priority: 100, Kind: model.NATRules, Action: model.FwDNAT,
		Rules: []*model.FirewallRule{{Name: "rdp-to-app", Protocols: []model.Protocol{model.ProtoTCP}, Sources: []string{"*"},
			Destinations: []string{"20.0.0.1"}, DestPorts: []model.PortRange{{Lo: 3389, Hi: 3389}}, TranslatedAddress: ip("10.1.1.4"), TranslatedPort: 3389}}}}
	got := briefs(runCheck(t, h.e.fullPlane(), "InternetExposedManagementPort"), "port", "rule", "target")
	want := []brief{{"Error", map[string]any{"port": uint16(3389), "rule": "dnat/rdp-to-app", "target": "vm-app"}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}

// TestExposedThroughPoolNATRule: a public load balancer's inbound NAT rule over a backend pool
// maps frontend ports 50000-50009 to SSH on each member. web1's NSG opens 22 to any address;
// web2 has no NSG, which a Standard load balancer keeps closed. Which port reaches which member
// Azure assigns, so a trace of the frontend alone is Unknown; but every member has a port, so
// web1 is exposed, and the finding names it and the rule that opens it.
func TestExposedThroughPoolNATRule(t *testing.T) {
	h := newHubSpoke()
	web := h.e.subnet(h.spoke, "snet-web", "10.1.5.0/24")
	web1, web2 := h.e.nic(web, "web1", "10.1.5.4"), h.e.nic(web, "web2", "10.1.5.5")
	web1.NSG = h.e.nsg("nsg-web1", rule("allow-ssh-any", 100, model.Allow, model.ProtoTCP, "*", "*", model.PortRange{Lo: 22, Hi: 22}))
	lb := &model.LoadBalancer{ID: model.ID(sub + "Microsoft.Network/loadBalancers/lb-web"), Name: "lb-web", Sku: "Standard"}
	fe := &model.Frontend{ID: lb.ID + "/frontendIPConfigurations/fe", Name: "fe", LB: lb, PublicIP: h.e.publicIP("pip-lb-web", "20.103.51.60")}
	pool := &model.BackendPool{ID: lb.ID + "/backendAddressPools/pool", Name: "pool", LB: lb}
	for _, n := range []*model.NIC{web1, web2} {
		pool.IPConfigs = append(pool.IPConfigs, n.IPConfigs[0])
		n.IPConfigs[0].BackendPools = []*model.BackendPool{pool}
	}
	lb.Frontends, lb.BackendPools = []*model.Frontend{fe}, []*model.BackendPool{pool}
	lb.InboundNATRules = []*model.InboundNATRule{{Name: "ssh", Frontend: fe, Protocol: model.ProtoTCP,
		FrontendPort: 50000, FrontendPortEnd: 50009, BackendPort: 22, Pool: pool}}
	h.e.n.LoadBalancers = append(h.e.n.LoadBalancers, lb)
	h.e.n.Index(lb.ID, lb)
	got := briefs(runCheck(t, h.e.fullPlane(), "InternetExposedManagementPort"), "port", "rule", "target", "via")
	want := []brief{{"Error", map[string]any{"port": uint16(22), "rule": "securityRules/allow-ssh-any", "target": "web1",
		"via": "inbound NAT rule lb-web/ssh, frontend ports 50000-50009 of pool pool, one of which Azure gives web1-nic"}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}
