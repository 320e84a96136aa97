package model

import (
	"net/netip"
	"slices"
)

// VNet is a virtual network.
type VNet struct {
	ID           ID
	Name         string
	Location     string // lower-case region name, e.g. "westeurope"; decides VNetPeering vs VNetGlobalPeering
	AddressSpace []netip.Prefix
	Subnets      []*Subnet
	Peerings     []*Peering // this VNet's own links to other VNets, by ID
	// DNSServers is dhcpOptions.dnsServers; empty means Azure DNS (spec §8).
	DNSServers []netip.Addr
	// Gateways are the virtual network gateways deployed in this VNet's GatewaySubnet.
	Gateways []*VNetGateway
	Tags     map[string]string
	// ConnectedGroups are the Virtual Network Manager connected groups the VNet is a member of
	// (connected.go).
	ConnectedGroups []*ConnectedGroup
}

// Subnet is a subnet of a VNet.
type Subnet struct {
	ID         ID
	Name       string
	VNet       *VNet
	Prefixes   []netip.Prefix // addressPrefix or addressPrefixes
	NSG        *NSG           // nil: no NSG, everything allowed at this level (spec §2.1)
	RouteTable *RouteTable    // nil: system routes only
	NATGateway *NATGateway
	// MissingNSG and MissingRouteTable are the NSG and route table the subnet references but
	// the snapshot lacks (a DanglingReference warning names them): NSG and RouteTable are nil,
	// yet rules and routes exist that nobody can read, so answers that depend on them are
	// Unknown (cli.md "Every command": input integrity).
	MissingNSG, MissingRouteTable ID
	// ServiceEndpoints enabled on the subnet (spec §1.3).
	ServiceEndpoints []ServiceEndpoint
	// PrivateEndpointNetworkPolicies: "Disabled" (default), "Enabled", "NetworkSecurityGroupEnabled",
	// "RouteTableEnabled" (spec §1.5 rule 2, §5).
	PrivateEndpointNetworkPolicies string
	// DefaultOutboundAccess is false only when the subnet is private (spec §4); nil in the input means true.
	DefaultOutboundAccess bool
	Delegations           []string // service names, e.g. "Microsoft.Netapp/volumes"
	// AppGateways are the application gateways whose instances run in the subnet.
	AppGateways []*AppGateway
	// ServiceEndpointPolicies are IDs of attached service endpoint policies.
	ServiceEndpointPolicies []ID
}

// ServiceEndpoint is one entry of a subnet's serviceEndpoints.
// spec §1.3 [UDR].
type ServiceEndpoint struct {
	Service   string   // e.g. "Microsoft.Storage"
	Locations []string // e.g. ["westeurope", "northeurope"]; "*" means all
}

// PENetworkPoliciesRoutes reports whether UDRs can override private endpoint /32 routes
// for endpoints in this subnet (spec §1.5 rule 2, [PENP]).
func (s *Subnet) PENetworkPoliciesRoutes() bool {
	p := s.PrivateEndpointNetworkPolicies
	return eqFold(p, "Enabled") || eqFold(p, "RouteTableEnabled")
}

// PENetworkPoliciesNSG reports whether the subnet's NSG filters traffic to private endpoints
// in it (spec §5, [PENP]).
func (s *Subnet) PENetworkPoliciesNSG() bool {
	p := s.PrivateEndpointNetworkPolicies
	return eqFold(p, "Enabled") || eqFold(p, "NetworkSecurityGroupEnabled")
}

// Names of the subnets Azure reserves for platform services. A platform service finds its
// subnet by name alone (compared case-insensitively, see Subnet.Named): VPN and ExpressRoute
// gateways GatewaySubnet, Azure Firewall AzureFirewallSubnet (spec §3.1) and, with forced
// tunnelling, AzureFirewallManagementSubnet, Bastion AzureBastionSubnet, Route Server
// RouteServerSubnet. Spec §2.5 [AVNM] lists them as the subnets admin rules skip (IsSpecial).
const (
	GatewaySubnetName            = "GatewaySubnet"
	FirewallSubnetName           = "AzureFirewallSubnet"
	FirewallManagementSubnetName = "AzureFirewallManagementSubnet"
	BastionSubnetName            = "AzureBastionSubnet"
	RouteServerSubnetName        = "RouteServerSubnet"
)

// Named reports whether the subnet's name is name; Azure compares subnet names
// case-insensitively, as it does resource names unless noted
// (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
func (s *Subnet) Named(name string) bool { return eqFold(s.Name, name) }

// UnlistedService is the service s is delegated to that places instances of its own in s, with
// addresses the snapshot does not list, or "": the service it is delegated to, or application
// gateways (AppGateway) running in it. A delegated subnet is the service's, which
// deploys into it (learn.microsoft.com/azure/virtual-network/subnet-delegation-overview): SQL
// managed instances, NetApp volumes, container groups, Databricks clusters and others. Two
// services are left out: DNS private resolvers, whose inbound endpoints the snapshot lists, and
// App Service, whose integration subnet carries the apps' outbound calls only
// (learn.microsoft.com/azure/app-service/overview-vnet-integration).
func (s *Subnet) UnlistedService() string {
	for _, d := range s.Delegations {
		if d != "" && !eqFold(d, "Microsoft.Network/dnsResolvers") && !eqFold(d, "Microsoft.Web/serverFarms") {
			return d
		}
	}
	if len(s.AppGateways) > 0 {
		return AppGatewayService // its instances, whose addresses the snapshot does not list
	}
	return ""
}

// AppGatewayService is the UnlistedService of a subnet holding application gateways.
const AppGatewayService = "Microsoft.Network/applicationGateways"

// FiltersUnlisted reports whether s's admin rules and NSG decide what reaches an address in s
// that no listed resource holds (UnlistedService): not in a subnet delegated to Azure NetApp
// Files, where a volume with Basic network features escapes them (NetAppVolume.Basic).
func (s *Subnet) FiltersUnlisted() bool {
	return !slices.ContainsFunc(s.Delegations, func(d string) bool { return eqFold(d, "Microsoft.Netapp/volumes") })
}

// SubnetNamed returns v's subnet called name (Subnet.Named), or nil.
func (v *VNet) SubnetNamed(name string) *Subnet {
	if v == nil {
		return nil
	}
	for _, s := range v.Subnets {
		if s.Named(name) {
			return s
		}
	}
	return nil
}

// IsSpecial reports whether the subnet is one Azure reserves for a platform service, where
// admin rules do not apply (spec §2.5).
func (s *Subnet) IsSpecial() bool {
	for _, n := range []string{FirewallSubnetName, FirewallManagementSubnetName, GatewaySubnetName,
		BastionSubnetName, RouteServerSubnetName} {
		if s.Named(n) {
			return true
		}
	}
	return false
}

// Contains reports whether addr is inside one of the subnet's prefixes.
func (s *Subnet) Contains(addr netip.Addr) bool {
	for _, p := range s.Prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Peering is one VNet's link to another (virtualNetworkPeerings). Azure needs a link on
// both sides, each Connected, before any traffic flows (spec §1.3, [PEER]).
type Peering struct {
	ID       ID
	Name     string
	Local    *VNet
	Remote   *VNet // nil when the remote VNet is not in the snapshot (a warning says so)
	RemoteID ID
	// State is peeringState as Azure reports it: Connected, Initiated, Disconnected.
	State                     string
	AllowVirtualNetworkAccess bool
	AllowForwardedTraffic     bool
	AllowGatewayTransit       bool
	UseRemoteGateways         bool
	// RemoteAddressSpace is the remote ranges recorded on the link (used when Remote is nil).
	RemoteAddressSpace []netip.Prefix
	// Subnet peering (peerCompleteVnets=false): only these subnets are connected.
	PeerCompleteVNets bool
	LocalSubnetNames  []string
	RemoteSubnetNames []string

	// reverse is Reverse's answer, kept by Freeze (linked): a hub's link is looked up from
	// every spoke, and scanning the hub's thousand links each time made checks quadratic.
	reverse *Peering
	linked  bool
}

// Connected reports whether this link says Connected.
// A link that is not Connected adds nothing: spec §1.3 [UDR, PENP, FAQ].
// Exports spell it "Connected": that is tested first, as traces ask for every packet.
func (p *Peering) Connected() bool { return p.State == "Connected" || eqFold(p.State, "Connected") }

// Reverse returns the remote VNet's link back to this VNet, or nil.
func (p *Peering) Reverse() *Peering {
	if p.linked {
		return p.reverse
	}
	return p.findReverse()
}

func (p *Peering) findReverse() *Peering {
	if p.Remote == nil {
		return nil
	}
	for _, q := range p.Remote.Peerings {
		if q.Remote == p.Local {
			return q
		}
	}
	return nil
}

// Active reports whether traffic can use the peering: both links exist and are Connected
// (spec §1.3: a half-built peering adds nothing).
func (p *Peering) Active() bool {
	r := p.Reverse()
	return p.Connected() && r != nil && r.Connected()
}

// GatewayTransit reports whether this link uses the remote VNet's gateways by gateway transit
// (spec §1.3 [PEER]): it has useRemoteGateways, the remote VNet's link back has
// allowGatewayTransit, and the peering is Active.
func (p *Peering) GatewayTransit() bool {
	return p.UseRemoteGateways && p.Active() && p.Reverse().AllowGatewayTransit
}

// TransitPeering returns v's first link that uses gateway transit (Peering.GatewayTransit;
// only one link of a VNet may use remote gateways [PEER]), or nil. It does not look at v's own
// gateways, which Azure does not allow together with useRemoteGateways.
func (v *VNet) TransitPeering() *Peering {
	for _, p := range v.Peerings {
		if p.GatewayTransit() {
			return p
		}
	}
	return nil
}

// Global reports whether the two VNets are in different regions (VNetGlobalPeering, [LAB]).
func (p *Peering) Global() bool {
	return p.Remote != nil && p.Local.Location != "" && p.Remote.Location != "" &&
		!eqFold(p.Local.Location, p.Remote.Location)
}

// RemotePrefixes are the remote VNet ranges this peering connects, honouring subnet peering.
// Subnet peering (peerCompleteVnets=false): spec §1.3.
func (p *Peering) RemotePrefixes() []netip.Prefix {
	if p.Remote == nil {
		return p.RemoteAddressSpace
	}
	if p.PeerCompleteVNets || len(p.RemoteSubnetNames) == 0 {
		return p.Remote.AddressSpace
	}
	var out []netip.Prefix
	for _, s := range p.Remote.Subnets {
		for _, n := range p.RemoteSubnetNames {
			if s.Named(n) {
				out = append(out, s.Prefixes...)
			}
		}
	}
	return out
}

// AppliesToLocalSubnet reports whether the peering's routes are installed in subnet s
// (all subnets, or the listed ones for subnet peering).
// Subnet peering installs routes in the listed local subnets only: spec §1.3.
func (p *Peering) AppliesToLocalSubnet(s *Subnet) bool {
	if p.PeerCompleteVNets || len(p.LocalSubnetNames) == 0 {
		return true
	}
	for _, n := range p.LocalSubnetNames {
		if s.Named(n) {
			return true
		}
	}
	return false
}

// linkPeerings keeps every link's Reverse, found through an index of the links by the VNet that
// lists them and their remote (the first listed, as the scan finds it).
func (n *Network) linkPeerings() {
	type pair struct{ lister, remote *VNet }
	first := map[pair]*Peering{}
	listed := map[*VNet]bool{}
	for _, v := range n.VNets {
		listed[v] = true
		for _, q := range v.Peerings {
			if k := (pair{v, q.Remote}); first[k] == nil {
				first[k] = q
			}
		}
	}
	for _, v := range n.VNets {
		for _, p := range v.Peerings {
			p.reverse, p.linked = nil, false
			if p.Remote != nil && listed[p.Remote] {
				p.reverse, p.linked = first[pair{p.Remote, p.Local}], true
			}
		}
	}
}
