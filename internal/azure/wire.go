package azure

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Snapshot is every wire object read from a set of files, in input order. Child resources
// that came as separate objects (a subnet exported on its own) are listed apart from their
// parents' inline children; the converter merges them.
type Snapshot struct {
	VNets            []*VirtualNetwork
	Subnets          []*Subnet  // separate Microsoft.Network/virtualNetworks/subnets objects
	Peerings         []*Peering // separate .../virtualNetworkPeerings objects
	NICs             []*NetworkInterface
	VMs              []*VirtualMachine
	NSGs             []*NetworkSecurityGroup
	SecurityRules    []*SecurityRule // separate .../networkSecurityGroups/securityRules objects
	RouteTables      []*RouteTable
	Routes           []*Route // separate .../routeTables/routes objects
	ASGs             []*Meta
	PublicIPs        []*PublicIP
	PublicIPPrefixes []*PublicIPPrefix
	NATGateways      []*NATGateway
	PrivateEndpoints []*PrivateEndpoint
	Firewalls        []*Firewall
	FirewallPolicies []*FirewallPolicy
	RuleGroups       []*RuleCollectionGroup // separate ruleCollectionGroups objects
	IPGroups         []*IPGroup
	VNetGateways     []*VNetGateway
	LocalGateways    []*LocalGateway
	Connections      []*Connection
	LoadBalancers    []*LoadBalancer
	AdminConfigs     []*Meta // securityAdminConfigurations (read for counts)
	AdminCollections []*AdminRuleCollection
	AdminRules       []*AdminRule
	NetworkGroups    []*Meta
	StaticMembers    []*StaticMember
	NetAppVolumes    []*NetAppVolume
	AppGateways      []*AppGateway
	ServiceTags      []*ServiceTag
	DNS              DNS // private zones, resolvers, rulesets (dns.go)
	BGP              BGP // Route Servers and learned-routes tables (learned.go, routeserver.go)

	// Unknown counts objects of types not read, per type as spelled; objects that are not
	// resources at all (Network Watcher outputs) count under NotAResource.
	Unknown map[string]int
	// Notes are file-level remarks: a file that held no resource, a file skipped as invalid.
	Notes []Note
	// Info is the snapshot's identity, set by Load over the files it read.
	Info model.SnapshotInfo
	// ConnectivityConfigs are Virtual Network Manager connectivity configurations (connectivity.go).
	ConnectivityConfigs []*ConnectivityConfig
	// AVNMDeployments are deployment status rows: which configurations are committed where.
	AVNMDeployments []*AVNMDeployment
	// VWAN is Virtual WAN: hubs, their connections, route tables and routing intent (vwan.go).
	VWAN VWAN

	resources int         // network resources read (of the types in kinds)
	empty     []emptyFile // files that held none, with what they look like
}

// NotAResource is the Unknown key for objects that are not Azure resources.
const NotAResource = "(not a resource)"

// Note is a remark about a file, which the converter turns into a model warning.
type Note struct {
	Code string // Ignored, Skipped
	File string
	Msg  string
}

// Meta is what every resource has.
type Meta struct {
	Src           Src
	ID            string
	Name          string
	Type          string // canonical spelling, e.g. Microsoft.Network/virtualNetworks
	Location      string // as written ("West US"); the converter normalises it
	ResourceGroup string
	Tags          map[string]string
}

// Header returns m. Every wire type embeds Meta, so through this method generic code (the
// converter's dedup and merge of children) reaches any wire object's ID and source.
func (m *Meta) Header() *Meta { return m }

// VirtualNetwork is Microsoft.Network/virtualNetworks.
type VirtualNetwork struct {
	Meta
	AddressSpace []netip.Prefix
	DNSServers   []netip.Addr
	Subnets      []*Subnet
	Peerings     []*Peering
}

// Subnet is Microsoft.Network/virtualNetworks/subnets.
type Subnet struct {
	Meta
	Prefixes                []netip.Prefix // addressPrefix and addressPrefixes
	NSG, RouteTable, NATGW  string
	ServiceEndpoints        []model.ServiceEndpoint
	PENetworkPolicies       string // "" when absent
	DefaultOutboundAccess   *bool  // nil when absent
	Delegations             []string
	ServiceEndpointPolicies []string
}

// Peering is Microsoft.Network/virtualNetworks/virtualNetworkPeerings.
type Peering struct {
	Meta
	Remote                    string
	State                     string
	AllowVirtualNetworkAccess bool
	AllowForwardedTraffic     bool
	AllowGatewayTransit       bool
	UseRemoteGateways         bool
	RemoteAddressSpace        []netip.Prefix
	PeerCompleteVNets         *bool // nil when absent (means true)
	LocalSubnetNames          []string
	RemoteSubnetNames         []string
}

// NetworkInterface is Microsoft.Network/networkInterfaces.
type NetworkInterface struct {
	Meta
	IPForwarding    bool
	NSG             string
	VM              string // virtualMachine.id
	PrivateEndpoint string // set on the NIC the platform manages for a private endpoint
	DNSServers      []netip.Addr
	IPConfigs       []*IPConfig
}

// IPConfig is one ip configuration of a NIC.
type IPConfig struct {
	Meta
	PrivateIP       netip.Addr
	Primary         bool
	Subnet          string
	PublicIP        string
	ASGs            []string
	BackendPools    []string
	InboundNATRules []string
	GatewayLB       string
	FQDNs           []string // privateLinkConnectionProperties.fqdns (a private endpoint's NIC)
}

// VirtualMachine is Microsoft.Compute/virtualMachines (name and NICs only).
type VirtualMachine struct {
	Meta
	NICs []VMNIC
}

// VMNIC is one entry of a VM's networkProfile.networkInterfaces.
type VMNIC struct {
	ID      string
	Primary bool
}

// NetworkSecurityGroup is Microsoft.Network/networkSecurityGroups. Default rules are not
// read: they are the same everywhere (spec §2.3).
type NetworkSecurityGroup struct {
	Meta
	Rules []*SecurityRule
}

// SecurityRule is one NSG rule; singular and plural fields are merged (spec §2.2).
type SecurityRule struct {
	Meta
	Priority     int
	Direction    model.Direction
	Access       model.Access
	Protocol     model.Protocol
	Sources      []string
	Destinations []string
	SourceASGs   []string
	DestASGs     []string
	SourcePorts  []model.PortRange
	DestPorts    []model.PortRange
}

// RouteTable is Microsoft.Network/routeTables.
type RouteTable struct {
	Meta
	DisableBGP bool
	Routes     []*Route
}

// Route is one user-defined route.
type Route struct {
	Meta
	Prefix    netip.Prefix // zero when Tag is set
	Tag       string       // a service tag used as addressPrefix
	NextHop   model.NextHopType
	NextHopIP netip.Addr
}

// PublicIP is Microsoft.Network/publicIPAddresses.
type PublicIP struct {
	Meta
	Address  netip.Addr
	Sku      string
	IPConfig string // ipConfiguration.id
}

// PublicIPPrefix is Microsoft.Network/publicIPPrefixes.
type PublicIPPrefix struct {
	Meta
	Prefix netip.Prefix
}

// NATGateway is Microsoft.Network/natGateways.
type NATGateway struct {
	Meta
	PublicIPs        []string
	PublicIPPrefixes []string
	Subnets          []string
}

// PrivateEndpoint is Microsoft.Network/privateEndpoints.
type PrivateEndpoint struct {
	Meta
	Subnet      string
	IPs         []netip.Addr // ipConfigurations[].privateIPAddress and customDnsConfigs[].ipAddresses
	Connections []model.PrivateLinkConnection
	NICs        []string
	DNS         []model.EndpointDNS // customDnsConfigs: fqdn and ipAddresses
}

// NetAppVolume is Microsoft.NetApp/netAppAccounts/capacityPools/volumes.
type NetAppVolume struct {
	Meta
	Subnet          string
	NetworkFeatures string
	MountTargets    []netip.Addr // mountTargets[].ipAddress: where clients mount the volume
}

// AppGateway is Microsoft.Network/applicationGateways, as far as the network model reads it:
// the subnets its instances run in and the addresses of its frontends. Its listeners, rules and
// backends are not read.
type AppGateway struct {
	Meta
	Subnets    []string     // gatewayIPConfigurations[].subnet.id
	PrivateIPs []netip.Addr // frontendIPConfigurations[].privateIPAddress
	PublicIPs  []string     // frontendIPConfigurations[].publicIPAddress.id
}

// ServiceTag is one entry of a service tags file.
type ServiceTag struct {
	Src      Src
	Name     string
	Region   string
	Prefixes []netip.Prefix
}
