package trace

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const tcp, udp = model.ProtoTCP, model.ProtoUDP

// hubSpoke: hub 10.0/16 with an NVA at 10.0.1.4 (snet-nva); spoke1 10.1/16 (vm1 10.1.1.4),
// spoke2 10.2/16 (vm2 10.2.1.4); spokes route each other through the NVA.
type hubSpoke struct {
	n                  *net
	hub, s1, s2        *model.VNet
	nva, vm1, vm2      *model.IPConfig
	h1, h2, toH1, toH2 *model.Peering // spoke links to the hub (h*) and the hub's links to them (toH*)
	sn1, sn2           *model.Subnet
}

func newHubSpoke() *hubSpoke {
	n := newNet()
	h := &hubSpoke{n: n}
	h.hub, h.s1, h.s2 = n.vnet("hub", "10.0.0.0/16"), n.vnet("spoke1", "10.1.0.0/16"), n.vnet("spoke2", "10.2.0.0/16")
	h.nva = n.vm(n.subnet(h.hub, "snet-nva", "10.0.1.0/24"), "nva", "10.0.1.4")
	h.nva.NIC.IPForwarding = true
	h.sn1, h.sn2 = n.subnet(h.s1, "snet1", "10.1.1.0/24"), n.subnet(h.s2, "snet2", "10.2.1.0/24")
	h.vm1, h.vm2 = n.vm(h.sn1, "vm1", "10.1.1.4"), n.vm(h.sn2, "vm2", "10.2.1.4")
	h.toH1, h.h1 = n.peer(h.hub, h.s1, false, true)
	h.toH2, h.h2 = n.peer(h.hub, h.s2, false, true)
	n.routes("rt-spoke1", []*model.Subnet{h.sn1}, udr("to-spoke2", "10.2.0.0/16", "VirtualAppliance 10.0.1.4"))
	n.routes("rt-spoke2", []*model.Subnet{h.sn2}, udr("to-spoke1", "10.1.0.0/16", "VirtualAppliance 10.0.1.4"))
	return h
}

func TestSameVNet(t *testing.T) {
	n := newNet()
	v := n.vnet("v", "10.0.0.0/16")
	s := n.subnet(v, "s", "10.0.1.0/24")
	n.vm(s, "a", "10.0.1.4")
	n.vm(s, "b", "10.0.1.5")
	s.NSG = n.nsg("nsg-s", "deny-ssh 100 In Deny Tcp * * 22")
	p := n.plane()
	cases := []struct {
		dport     uint16
		want      string
		fwd, back string
	}{
		{443, "Reachable Delivered NsgInbound=defaultSecurityRules/AllowVnetInBound | Delivered Route=System Route", "Nic:a-nic > Nic:b-nic", "Nic:b-nic > Nic:a-nic"},
		{22, "Unreachable Dropped/NsgDenied NsgInbound=securityRules/deny-ssh", "Nic:a-nic > Nic:b-nic", "<nil>"},
	}
	for _, c := range cases {
		a := run(t, p, "a", "b", tcp, c.dport)
		if got := summary(a); got != c.want {
			t.Errorf("dport %d: got %q, want %q", c.dport, got, c.want)
		}
		if got := path(a.Forward); got != c.fwd {
			t.Errorf("dport %d forward: got %q, want %q", c.dport, got, c.fwd)
		}
		if got := path(a.Return); got != c.back {
			t.Errorf("dport %d return: got %q, want %q", c.dport, got, c.back)
		}
	}
}

func TestApplianceHubSpoke(t *testing.T) {
	cases := []struct {
		name      string
		mutate    func(h *hubSpoke)
		want      string
		fwd, back string
		findings  []string
	}{
		{"through the NVA", func(h *hubSpoke) {},
			"Reachable Delivered Route=System Route | Delivered Route=System Route",
			"Nic:vm1-nic > Appliance:nva-nic > Nic:vm2-nic", "Nic:vm2-nic > Appliance:nva-nic > Nic:vm1-nic", nil},
		{"ip forwarding off", func(h *hubSpoke) { h.nva.NIC.IPForwarding = false },
			"Unreachable Dropped/IpForwardingDisabled Platform=enableIPForwarding",
			"Nic:vm1-nic > Appliance:nva-nic", "<nil>", nil},
		{"forwarded traffic blocked", func(h *hubSpoke) { h.h2.AllowForwardedTraffic = false },
			"Unreachable Dropped/ForwardedTrafficBlocked Platform=to-hub",
			"Nic:vm1-nic > Appliance:nva-nic", "<nil>", nil},
		{"return bypasses the NVA", func(h *hubSpoke) { h.sn2.RouteTable = nil; h.n.peer(h.s1, h.s2, false, false) },
			"Unreachable Delivered Route=System Route | Delivered Route=System Route",
			"Nic:vm1-nic > Appliance:nva-nic > Nic:vm2-nic", "Nic:vm2-nic > Nic:vm1-nic", []string{"AsymmetricReturn"}},
		{"next hop nobody owns", func(h *hubSpoke) { h.sn1.RouteTable.Routes[0].NextHopIP = ip("10.0.1.99") },
			"Unreachable Dropped/NextHopUnreachable Route=to-spoke2",
			"Nic:vm1-nic", "<nil>", nil},
	}
	for _, c := range cases {
		h := newHubSpoke()
		c.mutate(h)
		a := run(t, h.n.plane(), "vm1", "vm2", tcp, 443)
		if got := summary(a); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
		if got := path(a.Forward); got != c.fwd {
			t.Errorf("%s forward: got %q, want %q", c.name, got, c.fwd)
		}
		if got := path(a.Return); got != c.back {
			t.Errorf("%s return: got %q, want %q", c.name, got, c.back)
		}
		if d := cmp.Diff(c.findings, findingCodes(a)); d != "" {
			t.Errorf("%s findings (-want +got):\n%s", c.name, d)
		}
	}
}
