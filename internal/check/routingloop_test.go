package check

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// loopPlane is the RoutingLoop scenario with edit applied to its JSON.
func loopPlane(t *testing.T, edit func(string) string) *dataplane.Plane {
	t.Helper()
	b, err := os.ReadFile("testdata/RoutingLoop/snapshot/resources.json")
	if err != nil {
		t.Fatal(err)
	}
	n, err := convert.FromBytes("resources.json", []byte(edit(string(b))))
	if err != nil {
		t.Fatal(err)
	}
	return dataplane.Build(n)
}

// check finds what trace finds: the scenario's trace from the app VM ends in Loop, and the check
// reports that loop once, at the appliance subnet.
func TestRoutingLoopAgreesWithTrace(t *testing.T) {
	p := loopPlane(t, func(s string) string { return s })
	a, err := trace.Run(p, trace.Query{From: "vm-app", To: "internet:1.1.1.1", DestinationPort: 443})
	if err != nil {
		t.Fatal(err)
	}
	if a.Forward.Disposition != trace.Loop {
		t.Fatalf("trace vm-app → 1.1.1.1: %s, want Loop", a.Forward.Disposition)
	}
	got := briefs(runCheck(t, p, CodeRoutingLoop), "subnet", "route", "prefix", "subnetCount")
	want := []brief{{"Error", map[string]any{"subnet": "vnet-hub/snet-nva", "route": "rt-nva/default-to-nva", "prefix": "0.0.0.0/0", "subnetCount": 2}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}

func TestRoutingLoop(t *testing.T) {
	const nvaRoute = `"nextHopIpAddress": "10.20.2.4"
      }
     }
    ]
   }
  },
  {
   "name": "vm-app-nic"`
	tests := []struct {
		name string
		edit func(string) string
		want []brief
	}{
		{"appliance subnet with its own default route to the internet", func(s string) string {
			// rt-nva's route goes to the internet: no loop.
			return strings.Replace(s, `"nextHopType": "VirtualAppliance",
       "nextHopIpAddress": "10.20.2.4"
      }
     }
    ]
   }
  },
  {
   "name": "vm-app-nic"`, `"nextHopType": "Internet"
      }
     }
    ]
   }
  },
  {
   "name": "vm-app-nic"`, 1)
		}, []brief{}},
		{"appliance without IP forwarding drops instead", func(s string) string {
			return strings.Replace(s, `"enableIPForwarding": true`, `"enableIPForwarding": false`, 1)
		}, []brief{}},
		{"two appliances pointing at each other", func(s string) string {
			// vm-app becomes a second forwarding appliance; snet-app's route already points at vm-nva, and
			// snet-nva's now points at vm-app: 1.1.1.1 goes vm-nva → vm-app → vm-nva …
			s = strings.Replace(s, `"enableIPForwarding": false`, `"enableIPForwarding": true`, 1)
			return strings.Replace(s, nvaRoute, strings.Replace(nvaRoute, "10.20.2.4", "10.20.1.4", 1), 1)
		}, []brief{{"Error", map[string]any{"subnet": "vnet-hub/snet-app", "route": "rt-app/default-to-nva", "prefix": "0.0.0.0/0", "subnetCount": 2}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := loopPlane(t, tt.edit)
			got := briefs(runCheck(t, p, CodeRoutingLoop), "subnet", "route", "prefix", "subnetCount")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
			a, err := trace.Run(p, trace.Query{From: "vm-app", To: "internet:1.1.1.1", DestinationPort: 443})
			if err != nil {
				t.Fatal(err)
			}
			if loops := a.Forward.Disposition == trace.Loop; loops != (len(tt.want) > 0) {
				t.Errorf("trace says %s, check gives %d findings: they must agree", a.Forward.Disposition, len(tt.want))
			}
		})
	}
}

// A loop through an internal load balancer (the NVAs behind it forward from their own subnet,
// whose 0/0 goes back to the load balancer) and a loop of a firewall alone (its subnet's 0/0
// names the firewall; no NIC to trace from, so the firewall's own traffic proves it).
func TestRoutingLoopThroughILBAndFirewall(t *testing.T) {
	build := func(viaFirewall bool) *dataplane.Plane {
		e := newEstate()
		v := e.vnet("vnet-hub", "westeurope", "10.30.0.0/16")
		app, nva := e.subnet(v, "snet-app", "10.30.1.0/24"), e.subnet(v, "snet-nva", "10.30.2.0/24")
		e.nic(app, "vm-app", "10.30.1.4")
		next := "10.30.2.10"
		if viaFirewall {
			fws := e.subnet(v, "AzureFirewallSubnet", "10.30.3.0/26")
			fw := e.firewall(fws, "afw", "10.30.3.4", 1)
			fw.Classic = []*model.RuleCollection{{Name: "all", Priority: 100, Kind: model.NetworkRules, Action: model.FwAllow,
				Rules: []*model.FirewallRule{{Name: "any", Protocols: []model.Protocol{model.ProtoAny}, Sources: []string{"*"},
					Destinations: []string{"*"}, DestPorts: []model.PortRange{model.AllPorts}}}}}
			fws.RouteTable = e.routeTable("rt-fw", udr("default-to-fw", "0.0.0.0/0", model.HopVirtualAppliance, "10.30.3.4"))
			app, next = nil, "10.30.3.4"
		} else {
			n1, n2 := e.nic(nva, "vm-nva1", "10.30.2.4"), e.nic(nva, "vm-nva2", "10.30.2.5")
			n1.IPForwarding, n2.IPForwarding = true, true
			e.ilb(nva, "ilb-nva", "10.30.2.10", n1, n2)
			nva.RouteTable = e.routeTable("rt-nva", udr("default-to-ilb", "0.0.0.0/0", model.HopVirtualAppliance, next))
		}
		if app != nil {
			app.RouteTable = e.routeTable("rt-app", udr("default-to-ilb", "0.0.0.0/0", model.HopVirtualAppliance, next))
		}
		e.n.Freeze()
		return dataplane.Build(e.n)
	}
	for _, tt := range []struct {
		name        string
		viaFirewall bool
		want        []brief
	}{
		{"internal load balancer", false, []brief{{"Error", map[string]any{"subnet": "vnet-hub/snet-nva", "route": "rt-nva/default-to-ilb", "subnetCount": 2}}}},
		{"firewall", true, []brief{{"Error", map[string]any{"subnet": "vnet-hub/AzureFirewallSubnet", "route": "rt-fw/default-to-fw", "subnetCount": 1}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := briefs(runCheck(t, build(tt.viaFirewall), CodeRoutingLoop), "subnet", "route", "subnetCount")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}
