package model

import (
	"net/netip"
	"slices"
)

// PublicIP is a public IP address resource.
type PublicIP struct {
	ID      ID
	Name    string
	Address netip.Addr // zero when not allocated
	Sku     string     // Basic, Standard
	// AttachedTo is the ipConfiguration ID that uses the address (NIC, LB frontend, firewall,
	// gateway, NAT gateway is recorded on the NAT gateway instead).
	AttachedTo ID
}

// NATGateway is a NAT gateway (spec §4): 64,512 SNAT ports per public IP, at most 16 IPs.
type NATGateway struct {
	ID        ID
	Name      string
	PublicIPs []*PublicIP
	// PublicIPPrefixes are prefixes from publicIpPrefixes, resolved when the snapshot has them.
	PublicIPPrefixes []netip.Prefix
	Subnets          []*Subnet
}

// PrivateEndpoint is a private endpoint: a read-only NIC connected to one target (spec §5).
type PrivateEndpoint struct {
	ID     ID
	Name   string
	Subnet *Subnet
	IPs    []netip.Addr
	// Connections lists privateLinkServiceConnections and manualPrivateLinkServiceConnections.
	Connections []PrivateLinkConnection
	NICID       ID // the platform-managed NIC
	// DNS lists the names clients must resolve to the endpoint, with its addresses for each:
	// customDnsConfigs and the managed NIC's privateLinkConnectionProperties.fqdns ("the network
	// interface associated with the private endpoint contains the information to configure your
	// DNS", learn.microsoft.com/azure/private-link/private-endpoint-dns).
	DNS []EndpointDNS
}

// EndpointDNS is one name of a private endpoint (its service's public FQDN, e.g.
// "st1.blob.core.windows.net", lower-case) and the endpoint addresses it must resolve to.
type EndpointDNS struct {
	FQDN string
	IPs  []netip.Addr
}

// PrivateLinkConnection is one connection of a private endpoint.
// Only an Approved connection carries traffic: spec §5 [PEOV].
type PrivateLinkConnection struct {
	Name     string
	Target   ID       // privateLinkServiceId (a storage account, SQL server, PLS, ...)
	GroupIDs []string // sub-resources, e.g. ["blob"]
	Status   string   // Approved, Pending, Rejected, Disconnected
}

// Approved reports whether any connection is Approved (only then traffic flows, spec §5).
func (p *PrivateEndpoint) Approved() bool {
	for _, c := range p.Connections {
		if eqFold(c.Status, "Approved") {
			return true
		}
	}
	return false
}

// VNetGateway is a VPN or ExpressRoute virtual network gateway.
type VNetGateway struct {
	ID           ID
	Name         string
	GatewayType  string // Vpn, ExpressRoute
	VNet         *VNet
	Subnet       *Subnet
	PrivateIPs   []netip.Addr // BGP peering addresses / ip configuration private IPs
	BGPAddrs     []netip.Addr // bgpSettings peering addresses inside the VNet (also in PrivateIPs)
	PublicIPs    []*PublicIP
	ActiveActive bool
	BGPEnabled   bool
	ASN          uint32
	Connections  []*Connection
	// Learned is the supplied `vnet-gateway list-learned-routes` output (or the route tables of
	// the ExpressRoute circuits it connects to); nil when none was given (bgp.go).
	Learned *LearnedRoutes
	// NATRules are the gateway's VPN NAT rules (vpnnat.go); connections link them.
	NATRules []*VPNNATRule
}

// HasIP reports whether a is one of the gateway's private addresses (PrivateIPs).
func (g *VNetGateway) HasIP(a netip.Addr) bool {
	return slices.Contains(g.PrivateIPs, a)
}

// LocalGateway is a local network gateway: the on-premises side of a site-to-site VPN.
// Its address prefixes become gateway routes: spec §1.3 [UDR].
type LocalGateway struct {
	ID        ID
	Name      string
	Prefixes  []netip.Prefix // localNetworkAddressSpace.addressPrefixes
	GatewayIP netip.Addr
	BGPPeer   netip.Addr
}

// Connection joins a VNet gateway to a local gateway, an ExpressRoute circuit or another VNet
// gateway. Secrets (sharedKey) are never read.
type Connection struct {
	ID        ID
	Name      string
	Type      string // IPsec, Vnet2Vnet, ExpressRoute
	Gateway   *VNetGateway
	Local     *LocalGateway // IPsec
	Peer      *VNetGateway  // Vnet2Vnet
	Status    string        // connectionStatus when present
	EnableBGP bool
	// IngressNAT and EgressNAT are the gateway NAT rules the connection links (vpnnat.go).
	IngressNAT, EgressNAT []*VPNNATRule
	// PolicySelectors: the connection uses policy-based traffic selectors
	// (usePolicyBasedTrafficSelectors, or trafficSelectorPolicies listed), which the model does
	// not hold: a warning says so, and each trace that crosses the connection assumes the flow
	// is inside them.
	PolicySelectors bool
}

// AppGateway is an application gateway, as far as the model reads it: a reverse proxy whose
// instances hold addresses in its subnet that the snapshot does not list, and whose frontends are
// its listeners' addresses. Its listeners, rules and backends are not modelled: what reaches an
// address of its subnet, once the subnet's rules let it in, is Unknown
// (learn.microsoft.com/azure/application-gateway/configuration-infrastructure: the subnet holds
// the instances' private addresses and the private frontend, and its NSG applies).
type AppGateway struct {
	ID         ID
	Name       string
	Subnet     *Subnet
	PrivateIPs []netip.Addr
	PublicIPs  []*PublicIP
}

// Frontends are the gateway's frontend addresses, private first, then public: where its
// listeners answer.
func (g *AppGateway) Frontends() []netip.Addr {
	out := slices.Clone(g.PrivateIPs)
	for _, p := range g.PublicIPs {
		if p != nil && p.Address.IsValid() {
			out = append(out, p.Address)
		}
	}
	return out
}

// NetAppVolume is an Azure NetApp Files volume (spec §7: Basic network features count IPs).
type NetAppVolume struct {
	ID              ID
	Name            string
	Subnet          *Subnet
	NetworkFeatures string       // Basic, Standard
	MountTargets    []netip.Addr // where clients mount it (mountTargets[].ipAddress)
}

// Basic reports whether the volume has Basic network features: then its delegated subnet's NSG
// and UDRs do not apply to its traffic, which Standard network features allow
// (learn.microsoft.com/azure/azure-netapp-files/azure-netapp-files-network-topologies).
func (v *NetAppVolume) Basic() bool { return eqFold(v.NetworkFeatures, "Basic") }

// NetAppPorts are the ports a NetApp volume's mount target answers on: NFS over TCP and UDP 111
// (portmapper), 635 (mountd), 2049 (NFS), 4045 (lock manager), 4046 (status monitor) and 4049
// (quotas) (learn.microsoft.com/azure/azure-netapp-files/azure-netapp-files-mount-unmount-volumes-for-virtual-machines),
// and SMB over TCP 445 ([MS-SMB2] §2.1, Direct TCP transport).
var NetAppPorts = []uint16{111, 445, 635, 2049, 4045, 4046, 4049}

// NetAppListens reports whether a mount target answers protocol proto on port.
func NetAppListens(proto Protocol, port uint16) bool {
	switch proto {
	case ProtoTCP:
		return slices.Contains(NetAppPorts, port)
	case ProtoUDP:
		return port != 445 && slices.Contains(NetAppPorts, port)
	}
	return false
}

// Named reports whether ref names the volume: its ID, its name ("account/pool/volume") or the
// volume's own name, the ID's last segment (case-insensitively, as Azure compares names).
func (v *NetAppVolume) Named(ref string) bool {
	return v.ID.Equal(ID(ref)) || eqFold(v.Name, ref) || eqFold(v.ID.Name(), ref)
}

// MountTargetAt returns a NetApp volume with a mount target at address a, in any VNet, or nil.
func (n *Network) MountTargetAt(a netip.Addr) *NetAppVolume {
	for _, vol := range n.NetAppVolumes {
		if slices.Contains(vol.MountTargets, a) {
			return vol
		}
	}
	return nil
}

// NetAppVolumeAt returns the NetApp volume with a mount target at address a in VNet v, or nil.
// Volumes are not owners (Owners): trace delivers to them where nothing owns the address.
func (n *Network) NetAppVolumeAt(v *VNet, a netip.Addr) *NetAppVolume {
	for _, vol := range n.NetAppVolumes {
		if vol.Subnet != nil && vol.Subnet.VNet == v && slices.Contains(vol.MountTargets, a) {
			return vol
		}
	}
	return nil
}
