package check

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// brief summarises a finding for comparisons: severity, and selected evidence.
type brief struct {
	Sev      string
	Evidence map[string]any
}

func briefs(fs []Finding, keys ...string) []brief {
	out := []brief{}
	for _, f := range fs {
		b := brief{Sev: f.Severity.String(), Evidence: map[string]any{}}
		for _, k := range keys {
			b.Evidence[k] = f.Evidence[k]
		}
		out = append(out, b)
	}
	return out
}

func TestAddressSpaceOverlap(t *testing.T) {
	tests := []struct {
		name  string
		build func(e *estate)
		want  []brief
	}{
		{"peered overlap", func(e *estate) {
			a, b := e.vnet("a", "westeurope", "10.0.0.0/16"), e.vnet("b", "westeurope", "10.0.128.0/17")
			e.peer(a, b)
		}, []brief{{"Error", map[string]any{"prefix": "10.0.128.0/17"}}}},
		{"attempt only", func(e *estate) {
			a, b := e.vnet("a", "westeurope", "10.0.0.0/16"), e.vnet("b", "westeurope", "10.0.5.0/24")
			e.link(a, b, "Initiated")
		}, []brief{{"Error", map[string]any{"prefix": "10.0.5.0/24"}}}},
		{"distinct", func(e *estate) {
			a, b := e.vnet("a", "westeurope", "10.0.0.0/16"), e.vnet("b", "westeurope", "10.1.0.0/16")
			e.peer(a, b)
		}, []brief{}},
		{"overlap but not connected", func(e *estate) {
			e.vnet("a", "westeurope", "10.0.0.0/16")
			e.vnet("b", "westeurope", "10.0.0.0/16")
		}, []brief{}},
		{"subnet peering of distinct subnets", func(e *estate) {
			a, b := e.vnet("a", "westeurope", "10.0.0.0/16"), e.vnet("b", "westeurope", "10.0.0.0/16")
			e.subnet(a, "app", "10.0.1.0/24")
			e.subnet(b, "db", "10.0.2.0/24")
			p := e.link(a, b, "Connected")
			p.PeerCompleteVNets, p.LocalSubnetNames, p.RemoteSubnetNames = false, []string{"app"}, []string{"db"}
			q := e.link(b, a, "Connected")
			q.PeerCompleteVNets, q.LocalSubnetNames, q.RemoteSubnetNames = false, []string{"db"}, []string{"app"}
		}, []brief{}},
		{"spokes share a hub", func(e *estate) {
			hub := e.vnet("hub", "westeurope", "10.0.0.0/16")
			s1, s2 := e.vnet("s1", "westeurope", "10.1.0.0/16"), e.vnet("s2", "westeurope", "10.1.0.0/24")
			e.peer(hub, s1)
			e.peer(hub, s2)
		}, []brief{{"Error", map[string]any{"prefix": "10.1.0.0/24"}}}},
		{"merger: a reused range tries to peer with the hub", func(e *estate) {
			hub := e.vnet("hub", "westeurope", "10.0.0.0/16")
			app, merger := e.vnet("app", "westeurope", "10.1.0.0/16"), e.vnet("merger", "westeurope", "10.1.0.0/16")
			e.peer(hub, app)
			e.link(merger, hub, "Initiated")
		}, []brief{{"Error", map[string]any{"prefix": "10.1.0.0/16"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEstate()
			tt.build(e)
			got := briefs(runCheck(t, e.plane(), "AddressSpaceOverlap"), "prefix")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

func TestPeeringNotConnected(t *testing.T) {
	tests := []struct {
		name  string
		build func(e *estate)
		want  []brief
	}{
		{"connected", func(e *estate) { e.peer(e.vnet("a", "", "10.0.0.0/16"), e.vnet("b", "", "10.1.0.0/16")) }, []brief{}},
		{"initiated, no link back", func(e *estate) {
			e.link(e.vnet("a", "", "10.0.0.0/16"), e.vnet("b", "", "10.1.0.0/16"), "Initiated")
		}, []brief{{"Error", map[string]any{"state": "Initiated", "remoteState": "Missing"}}}},
		{"disconnected back", func(e *estate) {
			a, b := e.vnet("a", "", "10.0.0.0/16"), e.vnet("b", "", "10.1.0.0/16")
			e.link(a, b, "Connected")
			e.link(b, a, "Disconnected")
		}, []brief{{"Error", map[string]any{"state": "Connected", "remoteState": "Disconnected"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEstate()
			tt.build(e)
			got := briefs(runCheck(t, e.plane(), "PeeringNotConnected"), "state", "remoteState")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

func TestNetAppBasicIPLimit(t *testing.T) {
	tests := []struct {
		name     string
		features string
		nics     int // NICs in the peered spoke
		want     []brief
	}{
		{"basic under", "Basic", 900, []brief{}},
		{"basic over: volume + firewall + 997 NICs", "Basic", 997, []brief{{"Error", map[string]any{"ipCount": 1001, "limit": 1000}}}},
		{"standard over", "Standard", 2000, []brief{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEstate()
			hub, spoke, far := e.vnet("hub", "", "10.0.0.0/16"), e.vnet("spoke", "", "10.1.0.0/16"), e.vnet("far", "", "10.2.0.0/16")
			e.peer(hub, spoke)
			e.peer(spoke, far)                                                                   // not directly peered with hub: not counted
			e.firewall(e.subnet(hub, "AzureFirewallSubnet", "10.0.0.0/26"), "fw", "10.0.0.4", 1) // 3 IPs
			anf := e.subnet(hub, "anf", "10.0.1.0/24")
			e.volume(anf, "vol1", tt.features)
			s, fs := e.subnet(spoke, "app", "10.1.0.0/16"), e.subnet(far, "app", "10.2.0.0/16")
			for i := 0; i < tt.nics; i++ {
				e.nic(s, "vm"+itoa(i), addrIn("10.1.0.0", i+4))
				e.nic(fs, "far"+itoa(i), addrIn("10.2.0.0", i+4))
			}
			got := briefs(runCheck(t, e.plane(), "NetAppBasicIpLimit"), "ipCount", "limit")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}
