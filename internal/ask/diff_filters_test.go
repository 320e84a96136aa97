package ask

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/diff"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// filterEstate is two peered spokes. spoke1/s0 (NSG nsg-open: everything in) holds vm-a, in
// asg-web, and vm-b, with a Standard public IP 20.1.0.1; spoke2/s0 (NSG nsg-app: 443 from
// asg-web, nothing else from the VNets) holds vm-c.
func filterEstate() *model.Network {
	n := &model.Network{}
	web := &model.ASG{ID: tsub + "applicationSecurityGroups/asg-web", Name: "asg-web"}
	n.ASGs = append(n.ASGs, web)
	n.Index(web.ID, web)
	fromWeb := inRule("web-443", 100, model.Inbound, model.Allow, model.ProtoTCP, "*", "*", model.PortRange{Lo: 443, Hi: 443})
	fromWeb.Sources, fromWeb.SourceASGs = nil, []*model.ASG{web}
	s1, s2 := spokes(n)
	s1.NSG = addNSG(n, "nsg-open", inRule("all-in", 100, model.Inbound, model.Allow, model.ProtoAny, "*", "*", model.AllPorts))
	s2.NSG = addNSG(n, "nsg-app", fromWeb, inRule("no-vnet", 200, model.Inbound, model.Deny, model.ProtoAny, "VirtualNetwork", "*", model.AllPorts))
	tNIC(n, s1, "vm-a", "10.1.10.4").ASGs = []*model.ASG{web}
	pip := &model.PublicIP{ID: tsub + "publicIPAddresses/pip-b", Name: "pip-b", Address: netip.MustParseAddr("20.1.0.1"), Sku: "Standard"}
	n.PublicIPs = append(n.PublicIPs, pip)
	n.Index(pip.ID, pip)
	tNIC(n, s1, "vm-b", "10.1.10.5").PublicIP = pip
	tNIC(n, s2, "vm-c", "10.2.10.4")
	return n
}

// spokes adds two peered VNets, spoke1 10.1.0.0/16 and spoke2 10.2.0.0/16, each with one
// subnet s0, 10.x.10.0/24, and returns the subnets.
func spokes(n *model.Network) (s1, s2 *model.Subnet) {
	var subs []*model.Subnet
	for i := range 2 {
		v := &model.VNet{ID: model.ID(tsub + "virtualNetworks/spoke" + string(rune('1'+i))), Name: "spoke" + string(rune('1'+i)), Location: "westeurope",
			AddressSpace: []netip.Prefix{netip.MustParsePrefix("10." + string(rune('1'+i)) + ".0.0/16")}}
		s := &model.Subnet{ID: v.ID + "/subnets/s0", Name: "s0", VNet: v, DefaultOutboundAccess: true,
			Prefixes: []netip.Prefix{netip.MustParsePrefix("10." + string(rune('1'+i)) + ".10.0/24")}}
		v.Subnets = []*model.Subnet{s}
		n.VNets, n.Subnets = append(n.VNets, v), append(n.Subnets, s)
		n.Index(v.ID, v)
		n.Index(s.ID, s)
		subs = append(subs, s)
	}
	tPeer(subs[0].VNet, subs[1].VNet)
	tPeer(subs[1].VNet, subs[0].VNet)
	return subs[0], subs[1]
}

// TestDiffFilterOnly: a NIC leaving an ASG and a subnet losing its NSG change only filtering
// decisions. diff asks each endpoint they touch about the packets decided otherwise ("rules"),
// with the endpoints whose NSGs name the ASG and the public IP an NSG no longer opens, and
// answers as recomputing every subnet does, in fewer traces.
func TestDiffFilterOnly(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*model.Network)
		want   ReachChange // the row whose example is pinned; the rest must equal full recomputation's
	}{{
		// nsg-app's rule names asg-web: vm-c decides vm-a's 443 otherwise, though its own NIC,
		// subnet and rules are unchanged.
		"vm-a leaves asg-web", func(n *model.Network) { n.NICs[0].IPConfigs[0].ASGs = nil },
		ReachChange{From: tsub + "virtualNetworks/spoke1/subnets/s0", To: tsub + "virtualNetworks/spoke2/subnets/s0", Protocol: "Tcp", Ports: "443",
			Before: trace.Reachable, After: trace.Unreachable, Example: trace.Query{From: "10.1.10.4", To: "10.2.10.4", Protocol: model.ProtoTCP, DestinationPort: 443}},
	}, {
		// Without an NSG on its NIC or subnet, vm-b's Standard public IP is closed to the
		// internet; every packet its private address receives is still allowed.
		"spoke1/s0 loses nsg-open", func(n *model.Network) { n.Subnets[0].NSG = nil },
		ReachChange{From: "Internet", To: tsub + "virtualNetworks/spoke1/subnets/s0", Protocol: "Tcp", Ports: "0-65535",
			Before: trace.Reachable, After: trace.Unreachable},
	}} {
		nb, na := filterEstate(), filterEstate()
		c.change(na)
		nb.Freeze()
		na.Freeze()
		sc := scopeOf(diff.Resources{}, nil, nb, na)
		if len(sc.nics) > 0 || len(sc.subnets) > 0 {
			t.Fatalf("%s: NICs %v, subnets %v recomputed whole; want their filtering decisions", c.name, sc.nics, sc.subnets)
		}
		rows, st, full := againstFull(t, c.name, NewSnapshot(nb), NewSnapshot(na), sc, "rules")
		if st.Traces >= full.Traces {
			t.Errorf("%s: %d traces, full recomputation %d; want fewer", c.name, st.Traces, full.Traces)
		}
		i := slices.IndexFunc(rows, func(r ReachChange) bool {
			return r.From == c.want.From && r.To == c.want.To && r.Protocol == c.want.Protocol && r.Before == c.want.Before && r.After == c.want.After
		})
		if i < 0 || rows[i].Ports != c.want.Ports {
			t.Fatalf("%s: rows %v; want one like %+v", c.name, rowKeys(rows), c.want)
		}
		if got := rows[i].Example; c.want.Example.From != "" && (got.From != c.want.Example.From || got.To != c.want.Example.To || got.DestinationPort != c.want.Example.DestinationPort) {
			t.Errorf("%s: example %+v; want %+v", c.name, got, c.want.Example)
		}
	}
}

// twoSpokes: spoke1/s0 (no NSG) holds vm-a 10.1.10.4; spoke2/s0 holds vm-c 10.2.10.4 and vm-d
// 10.2.10.5; the spokes are peered. hook adds the rest (before Freeze).
func twoSpokes(hook func(n *model.Network, s1, s2 *model.Subnet, a, c, d *model.IPConfig)) *model.Network {
	n := &model.Network{}
	s1, s2 := spokes(n)
	a := tNIC(n, s1, "vm-a", "10.1.10.4")
	c := tNIC(n, s2, "vm-c", "10.2.10.4")
	d := tNIC(n, s2, "vm-d", "10.2.10.5")
	hook(n, s1, s2, a, c, d)
	n.Freeze()
	return n
}

func addNSG(n *model.Network, name string, rules ...*model.SecurityRule) *model.NSG {
	g := &model.NSG{ID: model.ID(tsub + "networkSecurityGroups/" + name), Name: name, Rules: rules}
	n.NSGs = append(n.NSGs, g)
	n.Index(g.ID, g)
	return g
}

func inRule(name string, prio int, dir model.Direction, access model.Access, proto model.Protocol, src, dst string, ports model.PortRange) *model.SecurityRule {
	return &model.SecurityRule{Name: name, Priority: prio, Direction: dir, Access: access, Protocol: proto,
		Sources: []string{src}, Destinations: []string{dst}, SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{ports}}
}

func addILB(n *model.Network, s *model.Subnet, addr string, floating bool, probe *model.LBProbe, backends ...*model.IPConfig) *model.LoadBalancer {
	lb := &model.LoadBalancer{ID: model.ID(tsub + "loadBalancers/ilb"), Name: "ilb", Sku: "Standard"}
	fe := &model.Frontend{ID: lb.ID + "/frontendIPConfigurations/fe", Name: "fe", LB: lb, Subnet: s, PrivateIP: netip.MustParseAddr(addr)}
	pool := &model.BackendPool{ID: lb.ID + "/backendAddressPools/pool", Name: "pool", LB: lb, IPConfigs: backends}
	for _, b := range backends {
		b.BackendPools = append(b.BackendPools, pool)
	}
	lb.Frontends, lb.BackendPools = []*model.Frontend{fe}, []*model.BackendPool{pool}
	lb.Rules = []*model.LBRule{{Name: "rule", Frontend: fe, Pool: pool, Protocol: model.ProtoTCP, FrontendPort: 80, BackendPort: 80, FloatingIP: floating, Probe: probe}}
	n.LoadBalancers = append(n.LoadBalancers, lb)
	n.Index(lb.ID, lb)
	return lb
}

// spoke2 has a VPN gateway whose connection translates the site's 192.168.1.0/24 to
// 172.30.1.0/24 (IngressSnat): vm-c's rules see the site's flows from 172.30.1.x.
func vpnEstate(mode string, after bool) *model.Network {
	return twoSpokes(func(n *model.Network, s1, s2 *model.Subnet, a, c, d *model.IPConfig) {
		v := s2.VNet
		gs := &model.Subnet{ID: v.ID + "/subnets/GatewaySubnet", Name: "GatewaySubnet", VNet: v, Prefixes: []netip.Prefix{netip.MustParsePrefix("10.2.255.0/27")}}
		v.Subnets = append(v.Subnets, gs)
		n.Subnets = append(n.Subnets, gs)
		n.Index(gs.ID, gs)
		gw := &model.VNetGateway{ID: tsub + "virtualNetworkGateways/gw", Name: "gw", GatewayType: "Vpn", VNet: v, Subnet: gs, PrivateIPs: []netip.Addr{netip.MustParseAddr("10.2.255.4")}}
		lg := &model.LocalGateway{ID: tsub + "localNetworkGateways/onprem", Name: "onprem", Prefixes: []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}}
		conn := &model.Connection{ID: tsub + "connections/conn", Name: "conn", Type: "IPsec", Gateway: gw, Local: lg, Status: "Connected"}
		r := &model.VPNNATRule{ID: gw.ID + "/natRules/site", Name: "site", Internal: []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}, External: []netip.Prefix{netip.MustParsePrefix("172.30.1.0/24")}}
		gw.NATRules, conn.IngressNAT, gw.Connections = []*model.VPNNATRule{r}, []*model.VPNNATRule{r}, []*model.Connection{conn}
		v.Gateways = append(v.Gateways, gw)
		n.VNetGateways, n.LocalGateways, n.Connections = append(n.VNetGateways, gw), append(n.LocalGateways, lg), append(n.Connections, conn)
		n.Index(gw.ID, gw)
		n.Index(lg.ID, lg)
		n.Index(conn.ID, conn)
		deny := inRule("no-site", 100, model.Inbound, model.Deny, model.ProtoTCP, "172.30.1.0/24", "*", model.PortRange{Lo: 443, Hi: 443})
		switch mode {
		case "swap":
			x, y := addNSG(n, "nsg-x", deny), addNSG(n, "nsg-y")
			s2.NSG = x
			if after {
				s2.NSG = y
			}
		case "edit":
			if after {
				deny.Access = model.Allow
			}
			s2.NSG = addNSG(n, "nsg-x", deny)
		}
	})
}

// TestDiffFilterFrontends: an NSG swapped (both exist on both sides) where the flows it decides
// reach the backend under another destination or from another source than the packet's own
// (found by review): a floating IP rule keeps the load balancer frontend as the destination the
// backend's rules see; a firewall DNAT rule hands its public IP's flows to an internal load
// balancer frontend, and that one to the backend; a VPN connection's IngressSnat rule rewrites
// on-premises sources to its external range [VPNNAT] (an edited rule too: that path missed it
// before). Each must answer as recomputing every subnet does.
func TestDiffFilterFrontends(t *testing.T) {
	floating := func(after bool) *model.Network {
		return twoSpokes(func(n *model.Network, s1, s2 *model.Subnet, a, c, d *model.IPConfig) {
			x := addNSG(n, "nsg-x", inRule("deny-fe", 100, model.Inbound, model.Deny, model.ProtoAny, "*", "10.2.10.100", model.AllPorts))
			y := addNSG(n, "nsg-y")
			s2.NSG = x
			if after {
				s2.NSG = y
			}
			addILB(n, s2, "10.2.10.100", true, nil, c)
		})
	}
	dnat := func(subnet bool) func(bool) *model.Network {
		return func(deny bool) *model.Network {
			n := firewallEstate(1)
			n.Firewalls[0].Policy.Groups[0].Collections[0].Rules[0].TranslatedAddress = netip.MustParseAddr("10.1.10.100")
			s := n.VNets[0].Subnets[0]
			var backend *model.IPConfig
			for _, nic := range n.NICs {
				if nic.IPConfigs[0].PrivateIP == netip.MustParseAddr("10.1.10.4") {
					backend = nic.IPConfigs[0]
				}
			}
			lb := addILB(n, s, "10.1.10.100", false, nil, backend)
			lb.Rules[0].FrontendPort, lb.Rules[0].BackendPort = 22, 22
			g := addNSG(n, "nsg-deny-ssh", inRule("deny-ssh", 100, model.Inbound, model.Deny, model.ProtoTCP, "*", "*", model.PortRange{Lo: 22, Hi: 22}))
			switch {
			case deny && subnet:
				s.NSG = g
			case deny:
				backend.NIC.NSG = g
			}
			n.Freeze()
			return n
		}
	}
	for _, c := range []struct {
		name  string
		build func(after bool) *model.Network
		flow  trace.Query // a flow whose verdict changes, which a row must hold
	}{
		{"floating IP, subnet NSG swapped", floating, trace.Query{From: "10.1.10.4", To: "10.2.10.100", Protocol: model.ProtoTCP, DestinationPort: 80}},
		{"DNAT to a load balancer frontend, NIC NSG attached", dnat(false), trace.Query{From: "198.51.100.9", To: "20.0.0.1", Protocol: model.ProtoTCP, DestinationPort: 2222}},
		{"DNAT to a load balancer frontend, subnet NSG attached", dnat(true), trace.Query{From: "198.51.100.9", To: "20.0.0.1", Protocol: model.ProtoTCP, DestinationPort: 2222}},
		{"VPN IngressSnat sources, subnet NSG swapped", func(after bool) *model.Network { return vpnEstate("swap", after) },
			trace.Query{From: "192.168.1.9", To: "10.2.10.4", Protocol: model.ProtoTCP, DestinationPort: 443}},
		{"VPN IngressSnat sources, rule edited", func(after bool) *model.Network { return vpnEstate("edit", after) },
			trace.Query{From: "192.168.1.9", To: "10.2.10.4", Protocol: model.ProtoTCP, DestinationPort: 443}},
	} {
		nb, na := c.build(false), c.build(true)
		before, after := NewSnapshot(nb), NewSnapshot(na)
		vb, va := verdictOrUnreachable(t, before, c.flow), verdictOrUnreachable(t, after, c.flow)
		if vb == va {
			t.Fatalf("%s: %+v is %s on both sides; the scenario changes nothing", c.name, c.flow, vb)
		}
		rows, _, _ := againstFull(t, c.name, before, after, scopeOf(diff.Resources{}, nil, nb, na), "rules")
		if !rowFor(before, after, rows, c.flow, vb, va) {
			t.Errorf("%s: %+v goes %s -> %s, in no row of %q", c.name, c.flow, vb, va, rowKeys(rows))
		}
	}
}
