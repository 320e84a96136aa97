package trace

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// resolverNet: a hub 10.0.0.0/16 with a DNS private resolver inbound endpoint at 10.0.2.4 in
// snet-dns-in, peered with a spoke whose vm1 is 10.1.0.4; mut changes it.
func resolverNet(mut func(n *net, dnsIn *model.Subnet)) func() *net {
	return func() *net {
		n := newNet()
		hub, spoke := n.vnet("hub", "10.0.0.0/16"), n.vnet("spoke", "10.1.0.0/16")
		dnsIn := n.subnet(hub, "snet-dns-in", "10.0.2.0/28")
		n.vm(n.subnet(spoke, "snet-app", "10.1.0.0/24"), "vm1", "10.1.0.4")
		n.peer(hub, spoke, false, false)
		in := &model.DNSResolverInbound{ID: "/dnsResolvers/dnspr/inboundEndpoints/in-hub", Name: "in-hub", Subnet: dnsIn, Addr: ip("10.0.2.4")}
		n.ResolverInbounds = append(n.ResolverInbounds, in)
		n.Index(in.ID, in)
		if mut != nil {
			mut(n, dnsIn)
		}
		return n
	}
}

// TestResolverInbound: trace delivers DNS (TCP and UDP 53) to a DNS private resolver inbound
// endpoint, which no NIC owns (spec §8 [DNSPR]); its subnet's NSG filters what arrives, other
// ports have no listener, and its answers leave by its subnet's routes.
func TestResolverInbound(t *testing.T) {
	cases := []tcase{
		{"UDP 53", resolverNet(nil), q("vm1", "10.0.2.4", udp, 53),
			"Reachable Delivered Route=System Route | Delivered Route=System Route", "Nic:vm1-nic > AzureService:in-hub", "AzureService:in-hub > Nic:vm1-nic", nil},
		{"TCP 53", resolverNet(nil), q("vm1", "10.0.2.4", tcp, 53),
			"Reachable Delivered Route=System Route | Delivered Route=System Route", "Nic:vm1-nic > AzureService:in-hub", "AzureService:in-hub > Nic:vm1-nic", nil},
		{"another port", resolverNet(nil), q("vm1", "10.0.2.4", tcp, 443),
			"Unreachable Dropped/NoListener Deliver=", "Nic:vm1-nic > AzureService:in-hub", "<nil>", nil},
		{"its subnet's NSG denies", resolverNet(func(n *net, s *model.Subnet) {
			s.NSG = n.nsg("nsg-dns-in", "deny-dns 100 In Deny Udp 10.1.0.0/16 * 53")
		}), q("vm1", "10.0.2.4", udp, 53),
			"Unreachable Dropped/NsgDenied NsgInbound=securityRules/deny-dns", "Nic:vm1-nic > AzureService:in-hub", "<nil>", nil},
		{"its answer takes its subnet's routes", resolverNet(func(n *net, s *model.Subnet) {
			n.routes("rt-dns-in", []*model.Subnet{s}, udr("drop-spoke", "10.1.0.0/16", "None"))
		}), q("vm1", "10.0.2.4", udp, 53),
			"Unreachable Delivered Route=System Route | Dropped/NextHopNone Route=drop-spoke", "Nic:vm1-nic > AzureService:in-hub", "AzureService:in-hub", nil},
		{"an address beside it has no listener", resolverNet(nil), q("vm1", "10.0.2.5", udp, 53),
			"Unreachable Dropped/NoListener Deliver=", "Nic:vm1-nic > Nic:", "<nil>", nil},
	}
	runCases(t, cases)
	a := run(t, resolverNet(func(n *net, s *model.Subnet) {
		n.routes("rt-dns-in", []*model.Subnet{s}, udr("drop-spoke", "10.1.0.0/16", "None"))
	})().plane(), "vm1", "10.0.2.4", udp, 53)
	if !slices.ContainsFunc(a.Assumptions, func(s string) bool {
		return strings.Contains(s, "in-hub is assumed to answer by the routes of its subnet snet-dns-in")
	}) {
		t.Errorf("a route table on the resolver's subnet: assumptions %q; want the routes said assumed", a.Assumptions)
	}
}

// TestResolverInboundByName: --to takes a resolver inbound endpoint by name or ID, as its address;
// as --from it is no resource that starts flows.
func TestResolverInboundByName(t *testing.T) {
	p := resolverNet(nil)().plane()
	for _, to := range []string{"in-hub", "IN-HUB", "/dnsResolvers/dnspr/inboundEndpoints/in-hub"} {
		a, err := Run(p, q("vm1", to, udp, 53))
		if err != nil || a.Verdict != Reachable {
			t.Errorf("--to %s: %+v, %v; want Reachable", to, a, err)
		}
	}
	for _, from := range []string{"in-hub", "/dnsResolvers/dnspr/inboundEndpoints/in-hub"} {
		var nf *model.NotFoundError
		if _, err := Run(p, q(from, "vm1", udp, 53)); !errors.As(err, &nf) || !strings.Contains(err.Error(), "only answers") {
			t.Errorf("--from %s: %v; want a NotFoundError saying it only answers", from, err)
		}
	}
	// Two hubs' endpoints of one name (found by review: the first was taken silently).
	twice := resolverNet(func(n *net, _ *model.Subnet) {
		s := n.subnet(n.VNets[1], "snet-dns-in2", "10.1.9.0/28")
		n.ResolverInbounds = append(n.ResolverInbounds, &model.DNSResolverInbound{ID: "/dnsResolvers/dnspr2/inboundEndpoints/in-hub",
			Name: "in-hub", Subnet: s, Addr: ip("10.1.9.4")})
	})().plane()
	var amb *model.AmbiguousError
	if _, err := Run(twice, q("vm1", "in-hub", udp, 53)); !errors.As(err, &amb) || len(amb.Candidates) != 2 {
		t.Errorf("--to in-hub with two such endpoints: %v; want an AmbiguousError naming both", err)
	}
}
