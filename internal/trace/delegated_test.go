package trace

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// delegatedNet is resolverNet with snet-anf (10.0.8.0/26) in the hub delegated to service svc;
// mut changes that subnet.
func delegatedNet(svc string, mut func(n *net, s *model.Subnet)) func() *net {
	return resolverNet(func(n *net, dnsIn *model.Subnet) {
		dnsIn.Delegations = []string{"Microsoft.Network/dnsResolvers"}
		s := n.subnet(n.VNets[0], "snet-anf", "10.0.8.0/26")
		s.Delegations = []string{svc}
		if mut != nil {
			mut(n, s)
		}
	})
}

// TestDelegatedSubnetAddress: an address nothing in the snapshot holds, in a subnet delegated to
// a service that places instances of its own there (NetApp volumes, SQL managed instances, ...),
// may be one of them: once the subnet's NSG lets the packet in, the trace is Unknown, naming the
// service. The NSG decides first, but not in a NetApp subnet, where a Basic volume escapes it. An
// App Service integration subnet takes no inbound traffic, and a resolver's subnet holds only the
// listed endpoints: there, nothing listens.
func TestDelegatedSubnetAddress(t *testing.T) {
	anf := delegatedNet("Microsoft.Netapp/volumes", nil)
	cases := []tcase{
		{"NetApp volumes' subnet", anf, q("vm1", "10.0.8.4", tcp, 445),
			"Unknown Unknown/InsufficientInformation Deliver=", "Nic:vm1-nic > AzureService:Microsoft.Netapp/volumes", "<nil>", nil},
		{"its NSG denies first", delegatedNet("Microsoft.Sql/managedInstances", func(n *net, s *model.Subnet) {
			s.NSG = n.nsg("nsg-sqlmi", "deny-spoke 100 In Deny Tcp 10.1.0.0/16 * 1433")
		}), q("vm1", "10.0.8.4", tcp, 1433),
			"Unreachable Dropped/NsgDenied NsgInbound=securityRules/deny-spoke", "Nic:vm1-nic > AzureService:Microsoft.Sql/managedInstances", "<nil>", nil},
		{"what its NSG lets in", delegatedNet("Microsoft.Sql/managedInstances", func(n *net, s *model.Subnet) {
			s.NSG = n.nsg("nsg-sqlmi", "deny-spoke 100 In Deny Tcp 10.1.0.0/16 * 1433")
		}), q("vm1", "10.0.8.4", tcp, 11000),
			"Unknown Unknown/InsufficientInformation Deliver=", "Nic:vm1-nic > AzureService:Microsoft.Sql/managedInstances", "<nil>", nil},
		{"a NetApp subnet's NSG may not apply", delegatedNet("Microsoft.Netapp/volumes", func(n *net, s *model.Subnet) {
			s.NSG = n.nsg("nsg-anf", "deny-spoke 100 In Deny Tcp 10.1.0.0/16 * 2049")
		}), q("vm1", "10.0.8.4", tcp, 2049),
			"Unknown Unknown/InsufficientInformation Deliver=", "Nic:vm1-nic > AzureService:Microsoft.Netapp/volumes", "<nil>", nil},
		{"an App Service integration subnet", delegatedNet("Microsoft.Web/serverFarms", nil), q("vm1", "10.0.8.4", tcp, 443),
			"Unreachable Dropped/NoListener Deliver=", "Nic:vm1-nic > Nic:", "<nil>", nil},
		{"a resolver's subnet", anf, q("vm1", "10.0.2.5", udp, 53),
			"Unreachable Dropped/NoListener Deliver=", "Nic:vm1-nic > Nic:", "<nil>", nil},
		{"a subnet reserved address", anf, q("vm1", "10.0.8.3", tcp, 445),
			"Unreachable Dropped/PlatformBlocked Platform=", "Nic:vm1-nic > Nic:", "<nil>", nil},
	}
	runCases(t, cases)
	a := run(t, anf().plane(), "vm1", "10.0.8.4", tcp, 445)
	hops := a.Forward.Hops
	if st := hops[len(hops)-1].Steps; len(st) == 0 || !strings.Contains(st[len(st)-1].Detail, "subnet snet-anf is delegated to Microsoft.Netapp/volumes") {
		t.Errorf("last hop's steps %+v; want the delegation named", st)
	}
}

// netAppNet is delegatedNet for NetApp volumes with volume vol-anf's mount target at 10.0.8.4
// (network features features); mut changes the subnet.
func netAppNet(features string, mut func(n *net, s *model.Subnet)) func() *net {
	return delegatedNet("Microsoft.Netapp/volumes", func(n *net, s *model.Subnet) {
		vol := &model.NetAppVolume{ID: "/netAppAccounts/anf/capacityPools/p1/volumes/vol-anf", Name: "vol-anf", Subnet: s,
			NetworkFeatures: features, MountTargets: []netip.Addr{ip("10.0.8.4")}}
		n.NetAppVolumes = append(n.NetAppVolumes, vol)
		n.Index(vol.ID, vol)
		if mut != nil {
			mut(n, s)
		}
	})
}

// TestNetAppMountTarget: trace delivers NFS and SMB to a NetApp volume's mount target, which no
// NIC holds; other ports have no listener. With Standard network features the subnet's NSG
// filters both ways and its UDRs carry the answer; with Basic neither applies, and a client over
// global peering or behind an appliance is not supported (Unknown).
func TestNetAppMountTarget(t *testing.T) {
	denyNFS := func(n *net, s *model.Subnet) {
		s.NSG = n.nsg("nsg-anf", "deny-nfs 100 In Deny Tcp 10.1.0.0/16 * 2049")
	}
	global := func(n *net, _ *model.Subnet) { n.VNets[1].Location = "northeurope" }
	viaNVA := func(n *net, _ *model.Subnet) {
		nva := n.vm(n.subnet(n.VNets[0], "snet-nva", "10.0.1.0/24"), "nva", "10.0.1.4")
		nva.NIC.IPForwarding = true
		n.routes("rt-app", []*model.Subnet{n.VNets[1].Subnets[0]}, udr("to-anf", "10.0.8.0/24", "VirtualAppliance 10.0.1.4"))
	}
	dropBack := func(n *net, s *model.Subnet) {
		n.routes("rt-anf", []*model.Subnet{s}, udr("drop-spoke", "10.1.0.0/16", "None"))
	}
	cases := []tcase{
		{"NFS", netAppNet("Standard", nil), q("vm1", "10.0.8.4", tcp, 2049),
			"Reachable Delivered Route=System Route | Delivered Route=System Route", "Nic:vm1-nic > AzureService:vol-anf", "AzureService:vol-anf > Nic:vm1-nic", nil},
		{"portmapper over UDP", netAppNet("Standard", nil), q("vm1", "10.0.8.4", udp, 111),
			"Reachable Delivered Route=System Route | Delivered Route=System Route", "Nic:vm1-nic > AzureService:vol-anf", "AzureService:vol-anf > Nic:vm1-nic", nil},
		{"SMB", netAppNet("Standard", nil), q("vm1", "10.0.8.4", tcp, 445),
			"Reachable Delivered Route=System Route | Delivered Route=System Route", "Nic:vm1-nic > AzureService:vol-anf", "AzureService:vol-anf > Nic:vm1-nic", nil},
		{"SSH", netAppNet("Standard", nil), q("vm1", "10.0.8.4", tcp, 22),
			"Unreachable Dropped/NoListener Deliver=", "Nic:vm1-nic > AzureService:vol-anf", "<nil>", nil},
		{"Standard: the NSG denies", netAppNet("Standard", denyNFS), q("vm1", "10.0.8.4", tcp, 2049),
			"Unreachable Dropped/NsgDenied NsgInbound=securityRules/deny-nfs", "Nic:vm1-nic > AzureService:vol-anf", "<nil>", nil},
		{"Basic: the NSG does not apply", netAppNet("Basic", denyNFS), q("vm1", "10.0.8.4", tcp, 2049),
			"Reachable Delivered Route=System Route | Delivered Route=System Route", "Nic:vm1-nic > AzureService:vol-anf", "AzureService:vol-anf > Nic:vm1-nic", nil},
		{"Standard: the answer takes the subnet's UDRs", netAppNet("Standard", dropBack), q("vm1", "10.0.8.4", tcp, 2049),
			"Unreachable Delivered Route=System Route | Dropped/NextHopNone Route=drop-spoke", "Nic:vm1-nic > AzureService:vol-anf", "AzureService:vol-anf", nil},
		{"Basic: nor do the UDRs", netAppNet("Basic", dropBack), q("vm1", "10.0.8.4", tcp, 2049),
			"Reachable Delivered Route=System Route | Delivered Route=System Route", "Nic:vm1-nic > AzureService:vol-anf", "AzureService:vol-anf > Nic:vm1-nic", nil},
		{"Basic: not over global peering", netAppNet("Basic", global), q("vm1", "10.0.8.4", tcp, 2049),
			"Unknown Unknown/InsufficientInformation Deliver=", "Nic:vm1-nic > AzureService:vol-anf", "<nil>", nil},
		{"Basic: over global peering, nothing listens on SSH", netAppNet("Basic", global), q("vm1", "10.0.8.4", tcp, 22),
			"Unreachable Dropped/NoListener Deliver=", "Nic:vm1-nic > AzureService:vol-anf", "<nil>", nil},
		{"Standard: over global peering", netAppNet("Standard", global), q("vm1", "10.0.8.4", tcp, 2049),
			"Reachable Delivered Route=System Route | Delivered Route=System Route", "Nic:vm1-nic > AzureService:vol-anf", "AzureService:vol-anf > Nic:vm1-nic", nil},
		{"Basic: not through an appliance", netAppNet("Basic", viaNVA), q("vm1", "10.0.8.4", tcp, 2049),
			"Unknown Unknown/InsufficientInformation Deliver=", "Nic:vm1-nic > Appliance:nva-nic > AzureService:vol-anf", "<nil>", nil},
		{"another address in its subnet", netAppNet("Standard", nil), q("vm1", "10.0.8.5", tcp, 2049),
			"Unknown Unknown/InsufficientInformation Deliver=", "Nic:vm1-nic > AzureService:Microsoft.Netapp/volumes", "<nil>", nil},
	}
	runCases(t, cases)
}

// TestNetAppVolumeByName: --to takes a NetApp volume by its name, its last segment or its ID, as
// its mount target; --from it is an error saying trace starts no flow there.
func TestNetAppVolumeByName(t *testing.T) {
	p := netAppNet("Standard", func(n *net, _ *model.Subnet) {
		n.NetAppVolumes[0].Name = "anf/p1/vol-anf"
	})().plane()
	for _, to := range []string{"anf/p1/vol-anf", "VOL-ANF", "/netAppAccounts/anf/capacityPools/p1/volumes/vol-anf"} {
		a, err := Run(p, q("vm1", to, tcp, 2049))
		if err != nil || a.Verdict != Reachable || a.Forward.Hops[len(a.Forward.Hops)-1].Name != "anf/p1/vol-anf" {
			t.Errorf("--to %s: %+v, %v; want Reachable at the mount target", to, a, err)
		}
	}
	for _, from := range []string{"vol-anf", "/netAppAccounts/anf/capacityPools/p1/volumes/vol-anf"} {
		var nf *model.NotFoundError
		if _, err := Run(p, q(from, "vm1", tcp, 2049)); !errors.As(err, &nf) || !strings.Contains(err.Error(), "trace starts no flow at a NetApp volume") {
			t.Errorf("--from %s: %v; want a NotFoundError saying trace starts no flow there", from, err)
		}
	}
}

// appGatewayNet is delegatedNet without a delegation, where snet-anf (10.0.8.0/26) runs
// application gateway agw (private frontend 10.0.8.10, public frontend pip-agw 20.0.0.20); mut
// changes the subnet.
func appGatewayNet(mut func(n *net, s *model.Subnet)) func() *net {
	return delegatedNet("", func(n *net, s *model.Subnet) {
		s.Delegations = nil
		pip := n.pip("pip-agw", "20.0.0.20")
		g := &model.AppGateway{ID: "/applicationGateways/agw", Name: "agw", Subnet: s, PrivateIPs: []netip.Addr{ip("10.0.8.10")},
			PublicIPs: []*model.PublicIP{pip}}
		pip.AttachedTo = g.ID + "/frontendIPConfigurations/public"
		s.AppGateways = append(s.AppGateways, g)
		n.AppGateways = append(n.AppGateways, g)
		n.Index(g.ID, g)
		if mut != nil {
			mut(n, s)
		}
	})
}

// TestAppGatewayAddresses: an application gateway's listeners, rules and backends are not
// modelled, so what reaches its subnet's addresses (its instances and private frontend, which no
// listed resource holds) or its public frontend is Unknown, naming it, never NoListener or
// NoInboundPath. Its subnet's NSG decides first for the private addresses.
func TestAppGatewayAddresses(t *testing.T) {
	agw := appGatewayNet(nil)
	denied := appGatewayNet(func(n *net, s *model.Subnet) {
		s.NSG = n.nsg("nsg-agw", "deny-spoke 100 In Deny Tcp 10.1.0.0/16 * 443")
	})
	cases := []tcase{
		{"its private frontend", agw, q("vm1", "10.0.8.10", tcp, 443),
			"Unknown Unknown/InsufficientInformation Deliver=", "Nic:vm1-nic > AzureService:agw", "<nil>", nil},
		{"an instance address", agw, q("vm1", "10.0.8.20", tcp, 80),
			"Unknown Unknown/InsufficientInformation Deliver=", "Nic:vm1-nic > AzureService:agw", "<nil>", nil},
		{"its subnet's NSG denies first", denied, q("vm1", "10.0.8.10", tcp, 443),
			"Unreachable Dropped/NsgDenied NsgInbound=securityRules/deny-spoke", "Nic:vm1-nic > AzureService:agw", "<nil>", nil},
		{"its public frontend", agw, q("internet:198.51.100.7", "20.0.0.20", tcp, 443),
			"Unknown Unknown/InsufficientInformation Deliver=", "Internet:internet > AzureService:agw", "<nil>", nil},
		{"its public frontend, the IP not saying so (a plan's body)", appGatewayNet(func(n *net, s *model.Subnet) {
			n.AppGateways[0].PublicIPs[0].AttachedTo = ""
		}), q("internet:198.51.100.7", "20.0.0.20", tcp, 443),
			"Unknown Unknown/InsufficientInformation Deliver=", "Internet:internet > AzureService:agw", "<nil>", nil},
		{"the gateway by name: its private frontend", agw, q("vm1", "agw", tcp, 443),
			"Unknown Unknown/InsufficientInformation Deliver=", "Nic:vm1-nic > AzureService:agw", "<nil>", nil},
		{"a subnet delegated to application gateways, none listed", delegatedNet(model.AppGatewayService, nil), q("vm1", "10.0.8.4", tcp, 443),
			"Unknown Unknown/InsufficientInformation Deliver=", "Nic:vm1-nic > AzureService:Microsoft.Network/applicationGateways", "<nil>", nil},
	}
	runCases(t, cases)
	if _, err := Run(agw().plane(), q("agw", "vm1", tcp, 443)); err == nil || !strings.Contains(err.Error(), "application gateway") {
		t.Errorf("trace --from agw: %v; want an error saying trace starts no flow at an application gateway", err)
	}
	for _, to := range []string{"10.0.8.10", "20.0.0.20"} {
		from := "vm1"
		if to == "20.0.0.20" {
			from = "internet:198.51.100.7"
		}
		a := run(t, agw().plane(), from, to, tcp, 443)
		hops := a.Forward.Hops
		if st := hops[len(hops)-1].Steps; len(st) == 0 || !strings.Contains(st[len(st)-1].Detail, "application gateway agw") {
			t.Errorf("%s: last hop's steps %+v; want the application gateway named", to, st)
		}
	}
}
