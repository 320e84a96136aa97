package fib

import (
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// lookupRow returns the row of the route Lookup picks, or "none".
func lookupRow(tab *Table, dst string) string {
	r, ok := tab.Lookup(ip(dst))
	if !ok {
		return "none"
	}
	return row(*r)
}

// Spec §1.2: default None routes and the VNet's own ranges.
func TestNoneRoutesAndVNetRanges(t *testing.T) {
	tests := []struct {
		name   string
		ranges []string
		want   []string // None prefixes listed
		look   map[string]string
	}{
		{"inside: both listed", []string{"192.168.1.0/24"},
			[]string{"10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "198.18.0.0/15"},
			map[string]string{"192.168.1.5": "VnetLocal", "192.168.2.5": "None"}},
		{"equal: becomes VnetLocal", []string{"10.0.0.0/8", "100.64.0.0/10"},
			[]string{"127.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "198.18.0.0/15"},
			map[string]string{"10.200.0.1": "VnetLocal", "100.64.0.1": "VnetLocal"}},
		{"containing: not listed", []string{"172.0.0.0/8", "198.0.0.0/8"},
			[]string{"10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "192.168.0.0/16"},
			map[string]string{"172.16.0.1": "VnetLocal", "198.18.0.1": "VnetLocal", "127.0.0.1": "None"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNet()
			v := addVNet(n, "v", "westeurope", tt.ranges...)
			s := addSubnet(n, v, "s", tt.ranges[0])
			tab := tableOf(t, n, s)
			var want []string
			for _, r := range tt.ranges {
				want = append(want, "Default Active "+r+" VnetLocal")
			}
			want = append(want, "Default Active 0.0.0.0/0 Internet")
			for _, p := range tt.want {
				want = append(want, "Default Active "+p+" None")
			}
			checkRows(t, tt.name, tab, want)
			for dst, hop := range tt.look {
				if got := lookupRow(tab, dst); !strings.HasSuffix(got, " "+hop) {
					t.Errorf("lookup %s = %q, want next hop %s", dst, got, hop)
				}
			}
		})
	}
}

// Spec §1.2 DECISION and §1.5 rule 1: which 0/0 routes remove the default None routes.
func TestDefaultRouteRemovesNone(t *testing.T) {
	tests := []struct {
		name       string
		udr        *model.Route // nil: no UDR
		onPrem     string       // local gateway prefix ("" = no gateway)
		noProp     bool
		wantNone   bool
		wantActive string // the Active 0/0 route
	}{
		{"no 0/0 UDR", nil, "", false, true, "Default Active 0.0.0.0/0 Internet"},
		{"UDR to appliance", udr("d", "0.0.0.0/0", "VirtualAppliance 10.0.9.4"), "", false, false,
			"User Active 0.0.0.0/0 VirtualAppliance 10.0.9.4"},
		{"UDR to gateway", udr("d", "0.0.0.0/0", "VirtualNetworkGateway"), "", false, false,
			"User Active 0.0.0.0/0 VirtualNetworkGateway"},
		{"UDR to Internet", udr("d", "0.0.0.0/0", "Internet"), "", false, true, "User Active 0.0.0.0/0 Internet"},
		{"UDR to None", udr("d", "0.0.0.0/0", "None"), "", false, true, "User Active 0.0.0.0/0 None"},
		{"learned 0/0", nil, "0.0.0.0/0", false, false,
			"VirtualNetworkGateway Active 0.0.0.0/0 VirtualNetworkGateway " + gwPublicIP},
		{"learned 0/0, propagation disabled", nil, "0.0.0.0/0", true, true, "Default Active 0.0.0.0/0 Internet"},
		{"learned 0/0 under UDR to Internet", udr("d", "0.0.0.0/0", "Internet"), "0.0.0.0/0", false, true,
			"User Active 0.0.0.0/0 Internet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNet()
			v := addVNet(n, "v", "westeurope", "10.0.0.0/16")
			s := addSubnet(n, v, "s", "10.0.0.0/24")
			if tt.onPrem != "" {
				addVPN(n, v, []string{"10.0.255.4"}, tt.onPrem)
			}
			var routes []*model.Route
			if tt.udr != nil {
				routes = append(routes, tt.udr)
			}
			addRouteTable(n, "rt", []*model.Subnet{s}, routes...).DisableBGPPropagation = tt.noProp
			tab := tableOf(t, n, s)
			nones, active, internet := 0, "", ""
			for _, r := range tab.All() {
				if isDefaultNone(&r) {
					nones++
				}
				if r.Prefix == defaultRoute && r.State == Active {
					active = row(r)
				}
				if r.Prefix == defaultRoute && r.NextHop == model.HopInternet && r.Source == SourceDefault {
					internet = row(r)
				}
			}
			if got := nones > 0; got != tt.wantNone || (got && nones != 6) {
				t.Errorf("default None routes listed = %d, want present=%v (6)", nones, tt.wantNone)
			}
			if active != tt.wantActive {
				t.Errorf("active 0/0 = %q, want %q", active, tt.wantActive)
			}
			if internet == "" {
				t.Errorf("default 0/0 Internet not listed")
			}
		})
	}
}

// Spec §1.5 rule 1: same prefix, User > VirtualNetworkGateway > Default; a Default None loser is removed.
func TestSamePrefixPriority(t *testing.T) {
	n := newNet()
	v := addVNet(n, "v", "westeurope", "10.0.0.0/16")
	s := addSubnet(n, v, "s", "10.0.0.0/24")
	addVPN(n, v, []string{"10.0.255.4"}, "192.168.0.0/16", "172.16.0.0/12", "10.50.0.0/16")
	addRouteTable(n, "rt", []*model.Subnet{s},
		udr("onprem", "10.50.0.0/16", "VirtualAppliance 10.0.9.4"),
		udr("blackhole", "100.64.0.0/10", "None"),
		udr("local", "10.0.0.0/16", "VnetLocal"))
	want := []string{
		"Default Invalid 10.0.0.0/16 VnetLocal",
		"Default Active 0.0.0.0/0 Internet",
		"Default Active 10.0.0.0/8 None",
		"Default Active 127.0.0.0/8 None",
		"Default Active 198.18.0.0/15 None",
		"VirtualNetworkGateway Active 192.168.0.0/16 VirtualNetworkGateway " + gwPublicIP,
		"VirtualNetworkGateway Active 172.16.0.0/12 VirtualNetworkGateway " + gwPublicIP,
		"VirtualNetworkGateway Invalid 10.50.0.0/16 VirtualNetworkGateway " + gwPublicIP,
		"User Active 10.50.0.0/16 VirtualAppliance 10.0.9.4",
		"User Active 100.64.0.0/10 None",
		"User Active 10.0.0.0/16 VnetLocal",
	}
	checkRows(t, "s", tableOf(t, n, s), want)
}

// Spec §1.3: peering routes need both links Connected; regions decide Global.
func TestPeeringStates(t *testing.T) {
	tests := []struct {
		name           string
		stateA, stateB string
		locB           string
		want           string // "" = no peering route
	}{
		{"both connected", "Connected", "Connected", "westeurope", "Default Active 10.1.0.0/16 VNetPeering"},
		{"global", "Connected", "Connected", "northeurope", "Default Active 10.1.0.0/16 VNetGlobalPeering"},
		{"remote initiated", "Connected", "Initiated", "westeurope", ""},
		{"local initiated", "Initiated", "Connected", "westeurope", ""},
		{"no reverse link", "Connected", "", "westeurope", ""},
		{"disconnected", "Disconnected", "Connected", "westeurope", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNet()
			a := addVNet(n, "a", "westeurope", "10.0.0.0/16")
			b := addVNet(n, "b", tt.locB, "10.1.0.0/16")
			s := addSubnet(n, a, "s", "10.0.0.0/24")
			sb := addSubnet(n, b, "sb", "10.1.0.0/24")
			addPE(n, sb, "pe-b", "10.1.0.5")
			peer(a, b, tt.stateA, tt.stateB)
			want := defaults("10.0.0.0/16")
			if tt.want != "" {
				hop := strings.Fields(tt.want)[3]
				want = append(want, tt.want)
				want = append(want, "Default Active 10.1.0.5/32 InterfaceEndpoint")
				if got := lookupRow(tableOf(t, n, s), "10.1.2.3"); got != tt.want {
					t.Errorf("lookup 10.1.2.3 = %q, want %s", got, hop)
				}
			}
			checkRows(t, tt.name, tableOf(t, n, s), want)
		})
	}
}

// Spec §1.3: subnet peering installs only the listed remote subnets, in the listed local subnets.
func TestSubnetPeering(t *testing.T) {
	n := newNet()
	a := addVNet(n, "a", "westeurope", "10.0.0.0/16")
	b := addVNet(n, "b", "westeurope", "10.1.0.0/16")
	a1 := addSubnet(n, a, "a1", "10.0.1.0/24")
	a2 := addSubnet(n, a, "a2", "10.0.2.0/24")
	b1 := addSubnet(n, b, "b1", "10.1.1.0/24")
	addSubnet(n, b, "b2", "10.1.2.0/24")
	addPE(n, b1, "pe-in-b1", "10.1.1.9")
	ab, ba := peer(a, b, "Connected", "Connected")
	for _, p := range []*model.Peering{ab, ba} {
		p.PeerCompleteVNets = false
	}
	ab.LocalSubnetNames, ab.RemoteSubnetNames = []string{"a1"}, []string{"b1"}
	ba.LocalSubnetNames, ba.RemoteSubnetNames = []string{"b1"}, []string{"a1"}
	checkRows(t, "a1", tableOf(t, n, a1), append(defaults("10.0.0.0/16"),
		"Default Active 10.1.1.0/24 VNetPeering", "Default Active 10.1.1.9/32 InterfaceEndpoint"))
	checkRows(t, "a2", tableOf(t, n, a2), defaults("10.0.0.0/16"))
}

// A Connected link to a VNet outside the snapshot uses its recorded ranges, with a warning.
func TestPeeringToVNetOutsideSnapshot(t *testing.T) {
	n := newNet()
	a := addVNet(n, "a", "westeurope", "10.0.0.0/16")
	s := addSubnet(n, a, "s", "10.0.0.0/24")
	a.Peerings = append(a.Peerings, &model.Peering{ID: "/p", Name: "p", Local: a, RemoteID: "/other",
		State: "Connected", PeerCompleteVNets: true, RemoteAddressSpace: pfxs("10.9.0.0/16")})
	f, warns := Build(n)
	checkRows(t, "s", f.Subnet(s), append(defaults("10.0.0.0/16"), "Default Active 10.9.0.0/16 VNetPeering"))
	if len(warns) != 1 || warns[0].Code != "Assumption" || warns[0].Resource != "/p" {
		t.Errorf("warnings = %v, want one Assumption on /p", warns)
	}
}

// A model whose lists miss referenced resources, or that has dangling pointers, still routes
// and never panics.
func TestIncompleteModel(t *testing.T) {
	n := newNet()
	v := addVNet(n, "v", "westeurope", "10.0.0.0/16")
	s := addSubnet(n, v, "s", "10.0.0.0/24")
	n.VNets = nil                                                                                                // only reachable through the subnet
	rt := &model.RouteTable{ID: "/rt", Routes: []*model.Route{udr("x", "10.9.0.0/16", "None"), {Name: "empty"}}} // not in n.RouteTables; a route with no prefix
	s.RouteTable = rt
	v.Peerings = []*model.Peering{{ID: "/p", Name: "p", Local: v, State: "Initiated", UseRemoteGateways: true}}
	n.PrivateEndpoints = []*model.PrivateEndpoint{nil, {ID: "/pe"}}
	n.Connections = []*model.Connection{{ID: "/c", Type: "IPsec"}, {ID: "/c2", Type: "Vnet2Vnet", Gateway: &model.VNetGateway{}}}
	n.Subnets = append(n.Subnets, nil, &model.Subnet{Name: "orphan"})
	checkRows(t, "s", tableOf(t, n, s), append(defaults("10.0.0.0/16"), "User Active 10.9.0.0/16 None"))
}
