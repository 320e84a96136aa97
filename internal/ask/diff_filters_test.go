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
	nsg := func(name string, rules ...*model.SecurityRule) *model.NSG {
		g := &model.NSG{ID: model.ID(tsub + "networkSecurityGroups/" + name), Name: name, Rules: rules}
		n.NSGs = append(n.NSGs, g)
		n.Index(g.ID, g)
		return g
	}
	rule := func(name string, prio int, access model.Access, proto model.Protocol, ports model.PortRange) *model.SecurityRule {
		return &model.SecurityRule{Name: name, Priority: prio, Direction: model.Inbound, Access: access, Protocol: proto,
			Sources: []string{"*"}, Destinations: []string{"*"}, SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{ports}}
	}
	open := nsg("nsg-open", rule("all-in", 100, model.Allow, model.ProtoAny, model.AllPorts))
	fromWeb := rule("web-443", 100, model.Allow, model.ProtoTCP, model.PortRange{Lo: 443, Hi: 443})
	fromWeb.Sources, fromWeb.SourceASGs = nil, []*model.ASG{web}
	noVNet := rule("no-vnet", 200, model.Deny, model.ProtoAny, model.AllPorts)
	noVNet.Sources = []string{"VirtualNetwork"}
	app := nsg("nsg-app", fromWeb, noVNet)
	var vnets []*model.VNet
	for i, g := range []*model.NSG{open, app} {
		v := &model.VNet{ID: model.ID(tsub + "virtualNetworks/spoke" + string(rune('1'+i))), Name: "spoke" + string(rune('1'+i)), Location: "westeurope",
			AddressSpace: []netip.Prefix{netip.MustParsePrefix("10." + string(rune('1'+i)) + ".0.0/16")}}
		s := &model.Subnet{ID: v.ID + "/subnets/s0", Name: "s0", VNet: v, DefaultOutboundAccess: true, NSG: g,
			Prefixes: []netip.Prefix{netip.MustParsePrefix("10." + string(rune('1'+i)) + ".10.0/24")}}
		v.Subnets = []*model.Subnet{s}
		n.VNets, n.Subnets = append(n.VNets, v), append(n.Subnets, s)
		n.Index(v.ID, v)
		n.Index(s.ID, s)
		vnets = append(vnets, v)
	}
	tNIC(n, vnets[0].Subnets[0], "vm-a", "10.1.10.4").ASGs = []*model.ASG{web}
	pip := &model.PublicIP{ID: tsub + "publicIPAddresses/pip-b", Name: "pip-b", Address: netip.MustParseAddr("20.1.0.1"), Sku: "Standard"}
	n.PublicIPs = append(n.PublicIPs, pip)
	n.Index(pip.ID, pip)
	tNIC(n, vnets[0].Subnets[0], "vm-b", "10.1.10.5").PublicIP = pip
	tNIC(n, vnets[1].Subnets[0], "vm-c", "10.2.10.4")
	tPeer(vnets[0], vnets[1])
	tPeer(vnets[1], vnets[0])
	return n
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
