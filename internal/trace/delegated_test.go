package trace

import (
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
// service. The NSG decides first. An App Service integration subnet takes no inbound traffic, and
// a resolver's subnet holds only the listed endpoints: there, nothing listens.
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
