package fib

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// bgpRow is a learned row for the tests: prefix, AS path, BGP next hop (also the source peer).
func bgpRow(prefix, asPath, nextHop string) model.LearnedRoute {
	r := model.LearnedRoute{Prefix: pfx(prefix), Origin: "EBgp", ASPath: asPath, ASPathLen: model.ASPathLength(asPath)}
	if nextHop != "" {
		r.NextHop, r.SourcePeer = ip(nextHop), ip(nextHop)
	}
	return r
}

func learn(rows ...model.LearnedRoute) *model.LearnedRoutes {
	l := &model.LearnedRoutes{}
	for _, r := range rows {
		l.Add(r)
	}
	return l
}

// addRouteServer puts a Route Server with instance addresses .4/.5 of base's /27 in v.
func addRouteServer(n *model.Network, v *model.VNet, pref string, rows ...model.LearnedRoute) *model.RouteServer {
	rs := &model.RouteServer{ID: v.ID + "/rs", Name: v.Name + "-rs", VNet: v, RoutingPreference: pref,
		IPs: []netip.Addr{ip("10.1.254.4"), ip("10.1.254.5")}, Learned: learn(rows...)}
	n.RouteServers = append(n.RouteServers, rs)
	return rs
}

// bgpHubSpoke is a hub 10.1/16 with subnet and an active-standby VPN gateway (static on-premises
// 192.168.1.0/24), a spoke 10.2/16 using its gateway, and a VNet 10.3/16 peered with the spoke only.
func bgpHubSpoke() (n *model.Network, hub, spoke *model.Subnet, gw *model.VNetGateway) {
	n = newNet()
	h := addVNet(n, "hub", "westeurope", "10.1.0.0/16")
	hub = addSubnet(n, h, "snet", "10.1.1.0/24")
	gw = addVPN(n, h, []string{"10.1.255.4"}, "192.168.1.0/24")
	s := addVNet(n, "spoke", "westeurope", "10.2.0.0/16")
	spoke = addSubnet(n, s, "snet", "10.2.1.0/24")
	hs, sh := peer(h, s, "Connected", "Connected")
	hs.AllowGatewayTransit, sh.UseRemoteGateways = true, true
	other := addVNet(n, "other", "westeurope", "10.3.0.0/16")
	addSubnet(n, other, "snet", "10.3.1.0/24")
	peer(s, other, "Connected", "Connected")
	return n, hub, spoke, gw
}

// gatewayRows are the rows of tables whose source is VirtualNetworkGateway.
func gatewayRows(t *Table) []string {
	var out []string
	for _, r := range t.All() {
		if r.Source == SourceGateway {
			out = append(out, row(r))
		}
	}
	return out
}

func TestLearnedRoutesPrecedence(t *testing.T) {
	const gwHop = " " + gwPublicIP
	const staticRow = "VirtualNetworkGateway Active 192.168.1.0/24 VirtualNetworkGateway" + gwHop // the hub's static on-premises prefix
	tests := []struct {
		name       string
		setup      func(n *model.Network, hub, spoke *model.Subnet, gw *model.VNetGateway)
		hub, spoke []string // gateway-source rows of each table
	}{
		{"learned prefixes reach the hub and the spoke using its gateway (spec §1.3)",
			func(n *model.Network, _, _ *model.Subnet, gw *model.VNetGateway) {
				gw.Learned = learn(bgpRow("172.16.0.0/16", "65050", "192.168.1.1"))
			},
			[]string{staticRow,
				"VirtualNetworkGateway Active 172.16.0.0/16 VirtualNetworkGateway" + gwHop},
			[]string{staticRow,
				"VirtualNetworkGateway Active 172.16.0.0/16 VirtualNetworkGateway" + gwHop}},
		{"disableBgpRoutePropagation hides learned and static routes (spec §1.4)",
			func(n *model.Network, _, spoke *model.Subnet, gw *model.VNetGateway) {
				gw.Learned = learn(bgpRow("172.16.0.0/16", "65050", "192.168.1.1"))
				addRouteTable(n, "rt", []*model.Subnet{spoke}).DisableBGPPropagation = true
			},
			[]string{staticRow,
				"VirtualNetworkGateway Active 172.16.0.0/16 VirtualNetworkGateway" + gwHop},
			nil},
		{"item 10: equal to or inside the VNet's or a peer's range is never programmed",
			func(n *model.Network, _, _ *model.Subnet, gw *model.VNetGateway) {
				gw.Learned = learn(bgpRow("10.1.0.0/16", "65050", "192.168.1.1"), bgpRow("10.2.5.0/24", "65050", "192.168.1.1"),
					bgpRow("10.3.0.0/24", "65050", "192.168.1.1"), bgpRow("10.0.0.0/8", "65050", "192.168.1.1"))
			},
			// 10.3/24 is inside the spoke's peer, not the hub's: the hub programs it, the spoke does not.
			[]string{staticRow,
				"VirtualNetworkGateway Active 10.3.0.0/24 VirtualNetworkGateway" + gwHop,
				"VirtualNetworkGateway Active 10.0.0.0/8 VirtualNetworkGateway" + gwHop},
			[]string{staticRow,
				"VirtualNetworkGateway Active 10.0.0.0/8 VirtualNetworkGateway" + gwHop}},
		{"the static route of the same gateway is not listed twice",
			func(n *model.Network, _, _ *model.Subnet, gw *model.VNetGateway) {
				gw.Learned = learn(bgpRow("192.168.1.0/24", "", ""))
				gw.Learned.Routes[0].SourcePeer, gw.Learned.Routes[0].Origin = ip("10.1.255.4"), "Network"
			},
			[]string{staticRow},
			[]string{staticRow}},
		{"item 11: the shorter AS path wins between an NVA and the gateway (MicroHack tables)",
			func(n *model.Network, hub, _ *model.Subnet, gw *model.VNetGateway) {
				gw.Learned = learn(bgpRow("10.20.0.0/16", "65050", "192.168.1.1"), bgpRow("10.30.0.0/16", "65050-65060-65070", "192.168.1.1"))
				addRouteServer(n, hub.VNet, "ExpressRoute", bgpRow("10.20.0.0/16", "65001-65050", "10.1.1.10"),
					bgpRow("10.30.0.0/16", "65001", "10.1.1.10"))
			},
			[]string{staticRow,
				"VirtualNetworkGateway Active 10.20.0.0/16 VirtualNetworkGateway" + gwHop,
				"VirtualNetworkGateway Active 10.30.0.0/16 VirtualNetworkGateway 10.1.1.10"},
			[]string{staticRow,
				"VirtualNetworkGateway Active 10.20.0.0/16 VirtualNetworkGateway" + gwHop,
				"VirtualNetworkGateway Active 10.30.0.0/16 VirtualNetworkGateway 10.1.1.10"}},
		{"item 11: ExpressRoute over VPN whatever the AS path, by default",
			func(n *model.Network, hub, _ *model.Subnet, gw *model.VNetGateway) {
				gw.Learned = learn(bgpRow("10.40.0.0/16", "65050", "192.168.1.1"))
				addER(n, hub.VNet, "10.1.255.8", bgpRow("10.40.0.0/16", "12076-65010-65020-65030", "10.9.9.1"))
			},
			[]string{staticRow,
				"VirtualNetworkGateway Active 10.40.0.0/16 VirtualNetworkGateway 10.1.255.8"},
			[]string{staticRow,
				"VirtualNetworkGateway Active 10.40.0.0/16 VirtualNetworkGateway 10.1.255.8"}},
		{"item 11: hubRoutingPreference VpnGateway prefers VPN over ExpressRoute",
			func(n *model.Network, hub, _ *model.Subnet, gw *model.VNetGateway) {
				gw.Learned = learn(bgpRow("10.40.0.0/16", "65050-65051", "192.168.1.1"))
				addER(n, hub.VNet, "10.1.255.8", bgpRow("10.40.0.0/16", "12076", "10.9.9.1"))
				addRouteServer(n, hub.VNet, "VpnGateway")
			},
			[]string{staticRow,
				"VirtualNetworkGateway Active 10.40.0.0/16 VirtualNetworkGateway" + gwHop},
			[]string{staticRow,
				"VirtualNetworkGateway Active 10.40.0.0/16 VirtualNetworkGateway" + gwHop}},
		{"item 11: hubRoutingPreference ASPath compares AS paths only",
			func(n *model.Network, hub, _ *model.Subnet, gw *model.VNetGateway) {
				gw.Learned = learn(bgpRow("10.40.0.0/16", "65050", "192.168.1.1"))
				addER(n, hub.VNet, "10.1.255.8", bgpRow("10.40.0.0/16", "12076-65010", "10.9.9.1"))
				addRouteServer(n, hub.VNet, "ASPath")
			},
			[]string{staticRow,
				"VirtualNetworkGateway Active 10.40.0.0/16 VirtualNetworkGateway" + gwHop},
			[]string{staticRow,
				"VirtualNetworkGateway Active 10.40.0.0/16 VirtualNetworkGateway" + gwHop}},
		{"Route Server: NVAs with equal AS paths are both next hops (ECMP), a longer path is dropped",
			func(n *model.Network, hub, _ *model.Subnet, _ *model.VNetGateway) {
				addRouteServer(n, hub.VNet, "ExpressRoute", bgpRow("10.50.0.0/16", "65001", "10.1.1.11"),
					bgpRow("10.50.0.0/16", "65001", "10.1.1.10"), bgpRow("10.50.0.0/16", "65001-65001", "10.1.1.12"))
			},
			[]string{staticRow,
				"VirtualNetworkGateway Active 10.50.0.0/16 VirtualNetworkGateway 10.1.1.10 10.1.1.11"},
			[]string{staticRow,
				"VirtualNetworkGateway Active 10.50.0.0/16 VirtualNetworkGateway 10.1.1.10 10.1.1.11"}},
		{"a gateway's rows heard from the Route Server are the Route Server's to program",
			func(n *model.Network, hub, _ *model.Subnet, gw *model.VNetGateway) {
				r := bgpRow("10.60.0.0/16", "65001", "10.1.1.10")
				r.SourcePeer, r.Origin = ip("10.1.254.4"), "IBgp"
				gw.Learned = learn(r)
				addRouteServer(n, hub.VNet, "ExpressRoute", bgpRow("10.60.0.0/16", "65001", "10.1.1.10"))
			},
			[]string{staticRow,
				"VirtualNetworkGateway Active 10.60.0.0/16 VirtualNetworkGateway 10.1.1.10"},
			[]string{staticRow,
				"VirtualNetworkGateway Active 10.60.0.0/16 VirtualNetworkGateway 10.1.1.10"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, hub, spoke, gw := bgpHubSpoke()
			tc.setup(n, hub, spoke, gw)
			f, _ := Build(n)
			if got := gatewayRows(f.Subnet(hub)); strings.Join(got, "\n") != strings.Join(tc.hub, "\n") {
				t.Errorf("hub gateway routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.hub, "\n"))
			}
			if got := gatewayRows(f.Subnet(spoke)); strings.Join(got, "\n") != strings.Join(tc.spoke, "\n") {
				t.Errorf("spoke gateway routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.spoke, "\n"))
			}
		})
	}
}

// addER gives v an ExpressRoute gateway at addr (its routes name it: an active-active pair's
// first instance stands for the pair here) with learned rows.
func addER(n *model.Network, v *model.VNet, addr string, rows ...model.LearnedRoute) *model.VNetGateway {
	gw := &model.VNetGateway{ID: v.ID + "/er", Name: v.Name + "-er", GatewayType: "ExpressRoute", VNet: v,
		ActiveActive: true, PrivateIPs: []netip.Addr{ip(addr)}}
	for i := range rows {
		rows[i].ExpressRoute = true
	}
	gw.Learned = learn(rows...)
	v.Gateways = append(v.Gateways, gw)
	n.VNetGateways = append(n.VNetGateways, gw)
	return gw
}

// A learned 0.0.0.0/0 removes the default None routes (spec §1.2 DECISION) and, on an
// AzureFirewallSubnet without a 0/0 UDR, is reported: the firewall needs direct internet access.
func TestLearnedDefaultRoute(t *testing.T) {
	n, hub, _, gw := bgpHubSpoke()
	fw := addSubnet(n, hub.VNet, "AzureFirewallSubnet", "10.1.2.0/26")
	gw.Learned = learn(bgpRow("0.0.0.0/0", "65050", "192.168.1.1"))
	f, warns := Build(n)
	checkRows(t, "hub", f.Subnet(hub), []string{"Default Active 10.1.0.0/16 VnetLocal", "Default Invalid 0.0.0.0/0 Internet",
		"Default Active 10.2.0.0/16 VNetPeering",
		"VirtualNetworkGateway Active 192.168.1.0/24 VirtualNetworkGateway " + gwPublicIP,
		"VirtualNetworkGateway Active 0.0.0.0/0 VirtualNetworkGateway " + gwPublicIP})
	if r, _ := f.Subnet(hub).SystemLookup(ip("10.99.0.1")); r == nil || r.Prefix.Bits() != 0 || r.Source != SourceGateway {
		t.Errorf("SystemLookup(10.99.0.1) = %v, want the learned default route (the None routes are gone)", r)
	}
	found := false
	for _, w := range warns {
		found = found || (w.Resource == fw.ID && strings.Contains(w.Message, "learns 0.0.0.0/0 over BGP"))
	}
	if !found {
		t.Errorf("no warning about AzureFirewallSubnet learning 0.0.0.0/0: %v", warns)
	}
	addRouteTable(n, "rt-fw", []*model.Subnet{fw}, udr("internet", "0.0.0.0/0", "Internet"))
	if _, warns := Build(n); len(warns) != 0 {
		t.Errorf("with a 0/0 Internet UDR on AzureFirewallSubnet: warnings %v, want none", warns)
	}
}

// Supplied learned routes replace what fib derives for BGP over Vnet2Vnet (§1.8 item 3) and
// silence the warning that a BGP connection's routes are not in the snapshot.
func TestLearnedRoutesAreAuthoritative(t *testing.T) {
	n, hub, _, gw := bgpHubSpoke()
	gw.Connections[0].EnableBGP, gw.BGPEnabled = true, true
	_, warns := Build(n)
	if len(warns) != 1 || !strings.Contains(warns[0].Message, "BGP-learned routes of connection") {
		t.Fatalf("without learned routes: warnings %v, want the BGP connection's", warns)
	}
	gw.Learned = learn(bgpRow("172.16.0.0/16", "65050", "192.168.1.1"))
	f, warns := Build(n)
	if len(warns) != 0 { // learned prefixes are in the VirtualNetwork tag now (acl.learnedTag): no warning
		t.Errorf("with learned routes: warnings %v, want none", warns)
	}
	r, ok := f.Subnet(hub).Lookup(ip("172.16.3.3"))
	if !ok || r.Learned == nil || r.Connection != nil && r.Connection.Local == nil {
		t.Errorf("Lookup(172.16.3.3) = %v, want the learned route", r)
	}
}

// TestLearnedRoutesMatchListing is the twin test with learned routes in random estates: Lookup
// and SystemLookup select what a scan of the listing selects, one route per prefix is Active,
// and no learned route equals or falls inside the subnet's VNet or a peered VNet (item 10).
func TestLearnedRoutesMatchListing(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	cases, learned := 0, 0
	for range 300 {
		n := randomEndpointNet(rng)
		addRandomBGP(rng, n)
		f, _ := Build(n)
		var probes []netip.Addr
		for range 30 {
			probes = append(probes, randomAddr(rng, false))
		}
		for _, s := range f.Subnets() {
			tab := f.Subnet(s)
			listing := tab.All()
			active := map[netip.Prefix]int{}
			for i := range listing {
				r := &listing[i]
				if r.State == Active {
					active[r.Prefix]++
				}
				if r.Learned != nil {
					learned++
					if shadowedIn(s.VNet, r) {
						t.Fatalf("%s/%s lists learned %v inside its VNet or a peer", s.VNet.Name, s.Name, r.Prefix)
					}
				}
			}
			for p, k := range active {
				if k > 1 {
					t.Fatalf("%s/%s: %d Active routes for %v", s.VNet.Name, s.Name, k, p)
				}
			}
			for _, dst := range probes {
				cases++
				checkLookups(t, s, tab, listing, dst)
			}
		}
	}
	if cases < 20000 || learned < 2000 {
		t.Fatalf("too few cases: %d probes, %d learned routes listed", cases, learned)
	}
}

// addRandomBGP gives some VNets of n a gateway or Route Server with random learned rows (some
// inside the estate's ranges, some 0/0, ExpressRoute or VPN, AS paths of 0–3), gateway transit
// between random peered VNets, and propagation disabled on some route tables.
func addRandomBGP(rng *rand.Rand, n *model.Network) {
	rowAt := func() model.LearnedRoute {
		p := netip.PrefixFrom(randomAddr(rng, false), []int{0, 8, 16, 20, 22, 24, 26, 32}[rng.IntN(8)]).Masked()
		path := []string{"", "65001", "65001-65002", "65001-65002-65003"}[rng.IntN(4)]
		r := bgpRow(p.String(), path, fmt.Sprintf("10.0.15.%d", 1+rng.IntN(4)))
		r.ExpressRoute = rng.IntN(4) == 0
		return r
	}
	for i, v := range n.VNets {
		switch rng.IntN(4) {
		case 0:
			gw := addVPN(n, v, [][]string{{"10.0.14.4"}, {"10.0.14.4", "10.0.14.5"}}[rng.IntN(2)], rowAt().Prefix.String())
			gw.ID, gw.Name = model.ID(fmt.Sprintf("%s/gw%d", v.ID, i)), fmt.Sprintf("gw%d", i)
			gw.Learned = &model.LearnedRoutes{}
			for range rng.IntN(12) {
				gw.Learned.Add(rowAt())
			}
		case 1:
			rs := &model.RouteServer{ID: model.ID(fmt.Sprintf("%s/rs%d", v.ID, i)), Name: fmt.Sprintf("rs%d", i), VNet: v,
				RoutingPreference: []string{"ExpressRoute", "VpnGateway", "ASPath"}[rng.IntN(3)], Learned: &model.LearnedRoutes{}}
			for range rng.IntN(12) {
				rs.Learned.Add(rowAt())
			}
			n.RouteServers = append(n.RouteServers, rs)
		}
	}
	for _, v := range n.VNets {
		for _, p := range v.Peerings {
			if rng.IntN(2) == 0 {
				p.AllowGatewayTransit = true
			} else if rng.IntN(2) == 0 && len(v.Gateways) == 0 {
				p.UseRemoteGateways = true
			}
		}
	}
	for _, rt := range n.RouteTables {
		rt.DisableBGPPropagation = rng.IntN(3) == 0
	}
}

// Lookup through a table with learned routes (Route Server and gateway, rule 3 in play) does
// not allocate.
func TestLearnedLookupAllocs(t *testing.T) {
	n, hub, spoke, gw := bgpHubSpoke()
	gw.Learned = learn(bgpRow("10.0.0.0/8", "65050", "192.168.1.1"), bgpRow("172.16.0.0/16", "65050", "192.168.1.1"))
	addRouteServer(n, hub.VNet, "ExpressRoute", bgpRow("0.0.0.0/0", "65001", "10.1.1.10"), bgpRow("0.0.0.0/0", "65001", "10.1.1.11"))
	f, _ := Build(n)
	dsts := []netip.Addr{ip("10.1.1.9"), ip("10.2.1.1"), ip("8.8.8.8"), ip("10.9.2.3"), ip("172.16.0.1")}
	for _, s := range []*model.Subnet{hub, spoke} {
		tab := f.Subnet(s)
		if allocs := testing.AllocsPerRun(200, func() {
			for _, d := range dsts {
				tab.Lookup(d)
			}
		}); allocs != 0 {
			t.Errorf("%s: Lookup allocates %v times per run, want 0", s.VNet.Name, allocs)
		}
	}
}

func TestASPathLength(t *testing.T) {
	for path, want := range map[string]int{"": 0, "65001": 1, "65002-65001": 2, "12076 65020 65020": 3, "65001,65002": 2, "65001 {65002 65003}": 2} {
		if got := model.ASPathLength(path); got != want {
			t.Errorf("ASPathLength(%q) = %d, want %d", path, got, want)
		}
	}
}

// TestLearnedRoutesLabTable replays the remote VNet of a published Route Server lab (the
// "Remote VNET" of a Route Server MicroHack write-up: an active-active VPN gateway 10.2.0.4/.5
// whose `list-learned-routes` holds its own networks, eBGP routes from the branch 192.168.100.0
// and the same routes over iBGP from the other instance). Its real Active routes are 10.2.0.0/16
// VnetLocal and, through the gateway's two instances, 10.0.0.0/16, 192.168.100.0/32, 0.0.0.0/0 and
// 10.1.0.0/16; the lab lists one row per instance where this model lists one route naming both
// (§1.8 item 2).
func TestLearnedRoutesLabTable(t *testing.T) {
	n := newNet()
	v := addVNet(n, "remote-vnet", "westeurope", "10.2.0.0/16")
	s := addSubnet(n, v, "vm", "10.2.1.0/24")
	gw := &model.VNetGateway{ID: v.ID + "/VPNGW", Name: "VPNGW", GatewayType: "Vpn", VNet: v, ActiveActive: true, BGPEnabled: true,
		PrivateIPs: []netip.Addr{ip("10.2.0.4"), ip("10.2.0.5")}}
	v.Gateways = append(v.Gateways, gw)
	n.VNetGateways = append(n.VNetGateways, gw)
	lab := func(local, network, origin, nextHop, peer, path string) model.LearnedRoute {
		r := model.LearnedRoute{LocalAddress: ip(local), Prefix: pfx(network), Origin: origin, SourcePeer: ip(peer),
			ASPath: path, ASPathLen: model.ASPathLength(path)}
		if nextHop != "" {
			r.NextHop = ip(nextHop)
		}
		return r
	}
	gw.Learned = &model.LearnedRoutes{}
	for _, pair := range [][2]string{{"10.2.0.4", "10.2.0.5"}, {"10.2.0.5", "10.2.0.4"}} {
		local, other := pair[0], pair[1]
		gw.Learned.Add(lab(local, "10.2.0.0/16", "Network", "", local, ""))
		for _, p := range []struct{ network, path string }{{"10.0.0.0/16", "65555-65515"}, {"10.1.0.0/16", "65555-65515"}, {"0.0.0.0/0", "65555"}} {
			gw.Learned.Add(lab(local, p.network, "EBgp", "192.168.100.0", "192.168.100.0", p.path))
			gw.Learned.Add(lab(local, p.network, "IBgp", other, other, p.path))
		}
		gw.Learned.Add(lab(local, "192.168.100.0/32", "Network", "", local, ""))
		gw.Learned.Add(lab(local, "192.168.100.0/32", "IBgp", other, other, ""))
	}
	f, _ := Build(n)
	var active []string
	for _, r := range f.Subnet(s).All() {
		if r.State == Active {
			active = append(active, row(r))
		}
	}
	const hops = " 10.2.0.4 10.2.0.5"
	want := []string{"Default Active 10.2.0.0/16 VnetLocal",
		"VirtualNetworkGateway Active 10.0.0.0/16 VirtualNetworkGateway" + hops,
		"VirtualNetworkGateway Active 10.1.0.0/16 VirtualNetworkGateway" + hops,
		"VirtualNetworkGateway Active 0.0.0.0/0 VirtualNetworkGateway" + hops,
		"VirtualNetworkGateway Active 192.168.100.0/32 VirtualNetworkGateway" + hops}
	if strings.Join(active, "\n") != strings.Join(want, "\n") {
		t.Errorf("Active routes:\n%s\nwant (the lab's rows):\n%s", strings.Join(active, "\n"), strings.Join(want, "\n"))
	}
}
