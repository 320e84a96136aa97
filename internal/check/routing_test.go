package check

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// hubSpoke is a hub with a firewall and an appliance NIC, and one spoke with a VM.
type hubSpoke struct {
	e          *estate
	hub, spoke *model.VNet
	fwSubnet   *model.Subnet
	nvaSubnet  *model.Subnet
	app        *model.Subnet
	nva        *model.NIC
	fw         *model.Firewall
}

func newHubSpoke() *hubSpoke {
	e := newEstate()
	h := &hubSpoke{e: e}
	h.hub, h.spoke = e.vnet("hub", "westeurope", "10.0.0.0/16"), e.vnet("spoke", "westeurope", "10.1.0.0/16")
	e.peer(h.hub, h.spoke)
	h.fwSubnet = e.subnet(h.hub, "AzureFirewallSubnet", "10.0.0.0/26")
	h.nvaSubnet = e.subnet(h.hub, "nva", "10.0.1.0/24")
	h.app = e.subnet(h.spoke, "app", "10.1.1.0/24")
	h.nva = e.nic(h.nvaSubnet, "nva1", "10.0.1.4")
	h.fw = e.firewall(h.fwSubnet, "fw", "10.0.0.4", 1)
	e.nic(h.app, "vm-app", "10.1.1.4")
	return h
}

func TestNextHopUnreachable(t *testing.T) {
	tests := []struct {
		name    string
		nextHop string
		want    []brief
	}{
		{"firewall", "10.0.0.4", []brief{}},
		{"nva NIC in peered hub", "10.0.1.4", []brief{}},
		{"nobody", "10.0.1.99", []brief{{"Error", map[string]any{"nextHopIp": "10.0.1.99", "subnets": []string{"spoke/app"}}}}},
		{"VM in a VNet not directly peered", "10.9.0.4", []brief{{"Error", map[string]any{"nextHopIp": "10.9.0.4", "subnets": []string{"spoke/app"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHubSpoke()
			far := h.e.vnet("far", "westeurope", "10.9.0.0/16")
			h.e.peer(h.hub, far)
			h.e.nic(h.e.subnet(far, "x", "10.9.0.0/24"), "vm-far", "10.9.0.4")
			h.app.RouteTable = h.e.routeTable("rt-app", udr("default", "0.0.0.0/0", model.HopVirtualAppliance, tt.nextHop))
			got := briefs(runCheck(t, h.e.plane(), "NextHopUnreachable"), "nextHopIp", "subnets")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

func TestNextHopIPForwardingDisabled(t *testing.T) {
	tests := []struct {
		name       string
		forwarding bool
		nextHop    string
		want       []brief
	}{
		{"forwarding on", true, "10.0.1.4", []brief{}},
		{"forwarding off", false, "10.0.1.4", []brief{{"Error", map[string]any{"nic": "nva1-nic", "routes": []string{"rt-app/default"}}}}},
		{"firewall needs no flag", false, "10.0.0.4", []brief{}},
		{"ILB with backend off", false, "10.0.1.10", []brief{{"Error", map[string]any{"nic": "nva1-nic", "routes": []string{"rt-app/default"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHubSpoke()
			h.nva.IPForwarding = tt.forwarding
			h.e.ilb(h.nvaSubnet, "ilb-nva", "10.0.1.10", h.nva)
			h.app.RouteTable = h.e.routeTable("rt-app", udr("default", "0.0.0.0/0", model.HopVirtualAppliance, tt.nextHop))
			got := briefs(runCheck(t, h.e.plane(), "NextHopIpForwardingDisabled"), "nic", "routes")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

func TestGatewaySubnetMisconfigured(t *testing.T) {
	tests := []struct {
		name  string
		build func(h *hubSpoke)
		want  []brief
	}{
		{"clean", func(h *hubSpoke) {
			gw := h.e.subnet(h.hub, "GatewaySubnet", "10.0.2.0/27")
			gw.RouteTable = h.e.routeTable("rt-gw", udr("to-spoke", "10.1.0.0/16", model.HopVirtualAppliance, "10.0.0.4"))
		}, []brief{}},
		{"0/0 and propagation off on GatewaySubnet", func(h *hubSpoke) {
			gw := h.e.subnet(h.hub, "GatewaySubnet", "10.0.2.0/27")
			gw.RouteTable = h.e.routeTable("rt-gw", udr("default", "0.0.0.0/0", model.HopVirtualAppliance, "10.0.0.4"))
			gw.RouteTable.DisableBGPPropagation = true
		}, []brief{{"Error", map[string]any{"issue": "DefaultRouteOnGatewaySubnet"}}, {"Warning", map[string]any{"issue": "PropagationDisabledOnGatewaySubnet"}}}},
		{"NSG on firewall subnet", func(h *hubSpoke) { h.fwSubnet.NSG = h.e.nsg("nsg-fw") },
			[]brief{{"Error", map[string]any{"issue": "NsgOnFirewallSubnet"}}}},
		{"NSG on GatewaySubnet", func(h *hubSpoke) { h.e.subnet(h.hub, "GatewaySubnet", "10.0.2.0/27").NSG = h.e.nsg("nsg-gw") },
			[]brief{{"Warning", map[string]any{"issue": "NsgOnGatewaySubnet"}}}},
		{"firewall subnet forced to an NVA", func(h *hubSpoke) {
			h.fwSubnet.RouteTable = h.e.routeTable("rt-fw", udr("default", "0.0.0.0/0", model.HopVirtualAppliance, "10.0.1.4"))
		}, []brief{{"Error", map[string]any{"issue": "DefaultRouteOnFirewallSubnet"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHubSpoke()
			tt.build(h)
			got := briefs(runCheck(t, h.e.plane(), "GatewaySubnetMisconfigured"), "issue")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

// TestPropagationDisabledFollowsAssume: check agrees with trace under either value of
// --assume gw-subnet-no-propagation (azure-semantics.md §1.8 item 8): a Warning while the gateway
// is assumed to work, an Error when it is assumed broken.
func TestPropagationDisabledFollowsAssume(t *testing.T) {
	for _, tt := range []struct{ value, sev string }{{"works", "Warning"}, {"broken", "Error"}} {
		h := newHubSpoke()
		gw := h.e.subnet(h.hub, "GatewaySubnet", "10.0.2.0/27")
		gw.RouteTable = h.e.routeTable("rt-gw", udr("to-spoke", "10.1.0.0/16", model.HopVirtualAppliance, "10.0.0.4"))
		gw.RouteTable.DisableBGPPropagation = true
		opts := DefaultOptions()
		if err := opts.Assume.Parse("gw-subnet-no-propagation=" + tt.value); err != nil {
			t.Fatal(err)
		}
		c, _ := Lookup(CodeGatewaySubnetMisconfigured)
		fs := RunOne(context.Background(), c, h.e.plane(), opts)
		if len(fs) != 1 || fmt.Sprint(fs[0].Severity) != tt.sev || fs[0].Evidence["assume"] != "gw-subnet-no-propagation="+tt.value {
			t.Errorf("%s: findings %+v, want one %s naming the switch", tt.value, fs, tt.sev)
		}
	}
}

func TestDefaultOutboundReliance(t *testing.T) {
	tests := []struct {
		name  string
		build func(h *hubSpoke)
		want  []brief
	}{
		{"relies", func(h *hubSpoke) {}, []brief{{"Warning", map[string]any{"vms": []string{"vm-app"}}}}},
		{"0/0 to firewall", func(h *hubSpoke) {
			h.app.RouteTable = h.e.routeTable("rt", udr("default", "0.0.0.0/0", model.HopVirtualAppliance, "10.0.0.4"))
		}, []brief{}},
		{"NAT gateway", func(h *hubSpoke) { h.app.NATGateway = &model.NATGateway{Name: "ng"} }, []brief{}},
		{"instance public IP", func(h *hubSpoke) {
			h.e.n.NICs[len(h.e.n.NICs)-1].IPConfigs[0].PublicIP = h.e.publicIP("vm-pip", "20.1.1.1")
		}, []brief{}},
		{"private subnet", func(h *hubSpoke) { h.app.DefaultOutboundAccess = false }, []brief{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHubSpoke()
			h.nvaSubnet.DefaultOutboundAccess = false // keep the appliance out of the picture
			tt.build(h)
			got := briefs(runCheck(t, h.e.plane(), "DefaultOutboundReliance"), "vms")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

func TestSnatCapacity(t *testing.T) {
	tests := []struct {
		name  string
		build func(h *hubSpoke)
		want  []brief
	}{
		{"firewall with one IP and a spoke behind", func(h *hubSpoke) {
			h.app.RouteTable = h.e.routeTable("rt", udr("default", "0.0.0.0/0", model.HopVirtualAppliance, "10.0.0.4"))
		}, []brief{{"Warning", map[string]any{"totalPorts": 4992, "publicIps": 1, "instances": 2, "subnets": []string{"spoke/app"}}}}},
		{"firewall with nobody behind", func(h *hubSpoke) {}, []brief{{"Info", map[string]any{"totalPorts": 4992, "publicIps": 1, "instances": 2, "subnets": []string{}}}}},
		{"NAT gateway on the firewall subnet", func(h *hubSpoke) {
			h.app.RouteTable = h.e.routeTable("rt", udr("default", "0.0.0.0/0", model.HopVirtualAppliance, "10.0.0.4"))
			ng := &model.NATGateway{ID: sub + "Microsoft.Network/natGateways/ng", Name: "ng", Subnets: []*model.Subnet{h.fwSubnet},
				PublicIPs: []*model.PublicIP{h.e.publicIP("ng1", "20.2.0.1"), h.e.publicIP("ng2", "20.2.0.2")}}
			h.fwSubnet.NATGateway = ng
			h.e.n.NATGateways = append(h.e.n.NATGateways, ng)
		}, []brief{{"Info", map[string]any{"totalPorts": 129024, "publicIps": 2, "instances": 1, "subnets": []string{"spoke/app"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHubSpoke()
			h.fw.Instances = 0 // Azure's minimum of two applies
			tt.build(h)
			fs := runCheck(t, h.e.plane(), "SnatCapacity")
			got := briefs(fs, "totalPorts", "publicIps", "instances", "subnets")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
			for _, f := range fs {
				if f.Severity == Warning && !strings.Contains(f.Message, "4 × 2496 ports × 2 instances = 19968 ports") {
					t.Errorf("warning does not say the numbers: %s", f.Message)
				}
			}
		})
	}
}
