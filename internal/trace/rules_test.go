package trace

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// tcase is one flow through a hand-made network, pinned on the summary and both hop paths.
type tcase struct {
	name      string
	build     func() *net
	q         Query
	want      string
	fwd, back string
	findings  []string
}

func runCases(t *testing.T, cases []tcase) {
	t.Helper()
	for _, c := range cases {
		a, err := Run(c.build().plane(), c.q)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
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
		for _, l := range []*Leg{a.Forward, a.Return} {
			if l != nil && l.Deciding == nil {
				t.Errorf("%s: a %s leg has no deciding step (cli.md)", c.name, l.Disposition)
			}
		}
	}
}

func q(from, to string, proto model.Protocol, dport uint16) Query {
	return Query{From: from, To: to, Protocol: proto, DestinationPort: dport}
}

func TestRoutingRules(t *testing.T) {
	loop := func() *net {
		h := newHubSpoke()
		nva2 := h.n.vm(h.hub.Subnets[0], "nva2", "10.0.1.5")
		nva2.NIC.IPForwarding = true
		h.n.routes("rt-nva", []*model.Subnet{h.hub.Subnets[0]}, udr("ping", "10.2.0.0/16", "VirtualAppliance 10.0.1.5"))
		return h.n
	}
	halfPeering := func() *net {
		h := newHubSpoke()
		h.toH2.State = "Initiated"
		h.h2.State = "Initiated"
		h.sn1.RouteTable = nil
		h.n.peer(h.s1, h.s2, false, false)
		h.s1.Peerings[1].State = "Initiated"
		return h.n
	}
	plain := func() *net { return newHubSpoke().n }
	cases := []tcase{
		{"two appliances routing to each other", loop, q("vm1", "vm2", tcp, 443),
			"Unreachable Loop Route=ping", "Nic:vm1-nic > Appliance:nva-nic > Appliance:nva2-nic > Appliance:nva2-nic", "<nil>", nil},
		{"half-built peering", halfPeering, q("vm1", "vm2", tcp, 443),
			"Unreachable Dropped/NextHopNone Route=System Route", "Nic:vm1-nic", "<nil>", []string{"PeeringNotConnected"}},
		{"nothing owns the destination", plain, q("vm1", "10.2.1.50", tcp, 443),
			"Unreachable Dropped/NoListener Deliver=", "Nic:vm1-nic > Appliance:nva-nic > Nic:", "<nil>", nil},
		{"reserved address", plain, q("vm1", "10.1.1.255", tcp, 443),
			"Unreachable Dropped/PlatformBlocked Platform=", "Nic:vm1-nic > Nic:", "<nil>", nil},
		{"multicast", plain, q("vm1", "224.0.0.5", udp, 5000),
			"Unreachable Dropped/PlatformBlocked Platform=", "Nic:", "<nil>", nil},
		{"unsupported protocol", plain, Query{From: "vm1", To: "vm2", Protocol: model.ProtoOther},
			"Unreachable Dropped/PlatformBlocked Platform=", "Nic:", "<nil>", nil},
		{"wire server ignores UDRs", plain, q("vm1", "168.63.129.16", udp, 53),
			"Reachable Delivered Deliver= | Delivered Deliver=", "Nic:vm1-nic > AzureService:Azure DNS / wire server",
			"AzureService:Azure DNS / wire server > Nic:vm1-nic", nil},
		{"reserved source port: reply dropped", plain, Query{From: "vm1", To: "168.63.129.16", Protocol: udp, SourcePort: 65330, DestinationPort: 53},
			"Unreachable Delivered Deliver= | Dropped/PlatformBlocked Platform=", "Nic:vm1-nic > AzureService:Azure DNS / wire server",
			"AzureService:Azure DNS / wire server > Nic:vm1-nic", nil},
		{"reserved destination port", plain, q("vm1", "vm2", udp, 65330),
			"Unreachable Dropped/PlatformBlocked Platform=", "Nic:vm1-nic > Appliance:nva-nic > Nic:vm2-nic", "<nil>", nil},
	}
	runCases(t, cases)
}

func TestEdgeRules(t *testing.T) {
	onPrem := func(transit bool) func() *net {
		return func() *net {
			h := newHubSpoke()
			h.n.vpn(h.hub, "10.0.255.0/27", "10.0.255.4", "192.168.0.0/16")
			h.toH1.AllowGatewayTransit, h.h1.UseRemoteGateways = transit, transit
			return h.n
		}
	}
	pe := func(status, policies string) func() *net {
		return func() *net {
			h := newHubSpoke()
			s := h.n.subnet(h.s1, "snet-pe", "10.1.2.0/24")
			s.PrivateEndpointNetworkPolicies = policies
			s.NSG = h.n.nsg("nsg-pe", "deny-all-in 100 In Deny * * * *")
			h.n.pe(s, "pe-blob", "10.1.2.4", status)
			h.sn1.RouteTable.Routes = append(h.sn1.RouteTable.Routes, udr("to-pe", "10.1.2.0/24", "VirtualAppliance 10.0.1.4"))
			return h.n
		}
	}
	peTagged := func() *net {
		n := pe("Approved", "")()
		n.FindNIC("nva")
		nic, _ := n.FindNIC("nva")
		nic.Tags["disableSnatOnPL"] = "true"
		return n
	}
	cases := []tcase{
		{"to on-premises over gateway transit", onPrem(true), q("vm1", "192.168.1.10", tcp, 443),
			"Reachable ExitedToOnPremises Route=System Route | Delivered Route=System Route",
			"Nic:vm1-nic > VirtualNetworkGateway:hub-gw > OnPremises:lng-onprem",
			"OnPremises:lng-onprem > VirtualNetworkGateway:hub-gw > Nic:vm1-nic", nil},
		{"from on-premises", onPrem(true), q("192.168.1.10", "vm1", tcp, 443),
			"Reachable Delivered Route=System Route | ExitedToOnPremises Route=System Route",
			"OnPremises:lng-onprem > VirtualNetworkGateway:hub-gw > Nic:vm1-nic",
			"Nic:vm1-nic > VirtualNetworkGateway:hub-gw > OnPremises:lng-onprem", nil},
		{"no gateway transit", onPrem(false), q("vm1", "192.168.1.10", tcp, 443),
			"Unreachable Dropped/NextHopNone Route=System Route", "Nic:vm1-nic", "<nil>", nil},
		{"private endpoint pending", pe("Pending", ""), q("vm1", "pe-blob", tcp, 443),
			"Unreachable Dropped/PrivateEndpointNotApproved Platform=", "Nic:vm1-nic > PrivateEndpoint:pe-blob", "<nil>", nil},
		{"private endpoint reply dropped by system routes", func() *net {
			h := newHubSpoke()
			s := h.n.subnet(h.s2, "snet-pe", "10.2.2.0/24")
			h.n.pe(s, "pe-sql", "10.2.2.5", "Approved")
			return h.n
		}, q("vm1", "pe-sql", tcp, 1433),
			"Unreachable Delivered Route=System Route | Dropped/NextHopNone Route=System Route",
			"Nic:vm1-nic > Appliance:nva-nic > PrivateEndpoint:pe-sql", "PrivateEndpoint:pe-sql", []string{"AsymmetricReturn"}},
		{"private endpoint NSG ignored without policies", pe("Approved", ""), q("vm1", "pe-blob", tcp, 443),
			"Reachable Delivered Route=System Route | Delivered Route=System Route",
			"Nic:vm1-nic > PrivateEndpoint:pe-blob", "PrivateEndpoint:pe-blob > Nic:vm1-nic", nil},
		{"private endpoint NSG with policies", pe("Approved", "NetworkSecurityGroupEnabled"), q("vm1", "pe-blob", tcp, 443),
			"Unreachable Dropped/NsgDenied NsgInbound=securityRules/deny-all-in", "Nic:vm1-nic > PrivateEndpoint:pe-blob", "<nil>", nil},
		{"UDR over private endpoint: reply bypasses the NVA", pe("Approved", "RouteTableEnabled"), q("vm1", "pe-blob", tcp, 443),
			"Unreachable Delivered Route=System Route | Delivered Route=System Route",
			"Nic:vm1-nic > Appliance:nva-nic > PrivateEndpoint:pe-blob", "PrivateEndpoint:pe-blob > Nic:vm1-nic", []string{"AsymmetricReturn"}},
		{"disableSnatOnPL returns through the NVA", func() *net {
			n := peTagged()
			for _, s := range n.Subnets {
				if s.Name == "snet-pe" {
					s.PrivateEndpointNetworkPolicies = "RouteTableEnabled"
				}
			}
			return n
		}, q("vm1", "pe-blob", tcp, 443),
			"Reachable Delivered Route=System Route | Delivered Route=System Route",
			"Nic:vm1-nic > Appliance:nva-nic > PrivateEndpoint:pe-blob", "PrivateEndpoint:pe-blob > Appliance:nva-nic > Nic:vm1-nic", nil},
	}
	runCases(t, cases)
}
