package model

import (
	"net/netip"
	"slices"
	"strings"
)

// OwnerKind says what kind of resource owns an address.
type OwnerKind uint8

const (
	OwnerNIC             OwnerKind = iota // a NIC ip configuration
	OwnerPrivateEndpoint                  // a private endpoint IP
	OwnerFirewall                         // an Azure Firewall frontend private IP
	OwnerLBFrontend                       // an internal load balancer frontend
	OwnerGateway                          // a virtual network gateway private IP
	OwnerPublicIP                         // a public IP resource
)

func (k OwnerKind) String() string {
	return [...]string{"Nic", "PrivateEndpoint", "Firewall", "LoadBalancer", "VirtualNetworkGateway", "PublicIp"}[k]
}

// Owner is the resource that owns an address. Exactly one pointer matching Kind is set.
type Owner struct {
	Kind            OwnerKind
	Addr            netip.Addr
	VNet            *VNet // nil for public addresses
	IPConfig        *IPConfig
	PrivateEndpoint *PrivateEndpoint
	Firewall        *Firewall
	Frontend        *Frontend
	Gateway         *VNetGateway
	PublicIP        *PublicIP
}

// ResourceID is the ID of the owning resource (NIC, endpoint, firewall, load balancer, ...).
func (o Owner) ResourceID() ID {
	switch o.Kind {
	case OwnerNIC:
		return o.IPConfig.NIC.ID
	case OwnerPrivateEndpoint:
		return o.PrivateEndpoint.ID
	case OwnerFirewall:
		return o.Firewall.ID
	case OwnerLBFrontend:
		return o.Frontend.LB.ID
	case OwnerGateway:
		return o.Gateway.ID
	}
	return o.PublicIP.ID
}

// Subnet is the subnet the owner's address is in; nil for public addresses (and a resource whose
// subnet the snapshot lacks).
func (o Owner) Subnet() *Subnet {
	switch o.Kind {
	case OwnerNIC:
		return o.IPConfig.Subnet
	case OwnerPrivateEndpoint:
		return o.PrivateEndpoint.Subnet
	case OwnerFirewall:
		return o.Firewall.Subnet
	case OwnerLBFrontend:
		return o.Frontend.Subnet
	case OwnerGateway:
		return o.Gateway.Subnet
	}
	return nil
}

type vnetAddr struct {
	vnet *VNet
	addr netip.Addr
}

// ownerIndex answers "who owns this IP" in O(1). Private addresses are scoped to their VNet
// because VNets that are not connected may reuse ranges (a merger's overlapping estates).
type ownerIndex struct {
	private map[vnetAddr]Owner
	byAddr  map[netip.Addr][]Owner
	public  map[netip.Addr]*PublicIP
}

// Freeze sorts the resource lists and builds the lookup indexes. The converter calls it once,
// last; after it the Network must not change.
func (n *Network) Freeze() {
	n.sortLists()
	n.linkPeerings()
	// Sized for the NICs, which own most addresses, rather than grown from empty.
	n.owners = ownerIndex{private: make(map[vnetAddr]Owner, len(n.NICs)), byAddr: make(map[netip.Addr][]Owner, len(n.NICs)),
		public: map[netip.Addr]*PublicIP{}}
	for _, nic := range n.NICs {
		for _, c := range nic.IPConfigs {
			n.addPrivate(c.Subnet, c.PrivateIP, Owner{Kind: OwnerNIC, IPConfig: c})
		}
	}
	for _, pe := range n.PrivateEndpoints {
		for _, a := range pe.IPs {
			n.addPrivate(pe.Subnet, a, Owner{Kind: OwnerPrivateEndpoint, PrivateEndpoint: pe})
		}
	}
	for _, fw := range n.Firewalls {
		n.addPrivate(fw.Subnet, fw.PrivateIP, Owner{Kind: OwnerFirewall, Firewall: fw})
	}
	for _, lb := range n.LoadBalancers {
		for _, fe := range lb.Frontends {
			n.addPrivate(fe.Subnet, fe.PrivateIP, Owner{Kind: OwnerLBFrontend, Frontend: fe})
		}
	}
	for _, gw := range n.VNetGateways {
		for _, a := range gw.PrivateIPs {
			n.addPrivate(gw.Subnet, a, Owner{Kind: OwnerGateway, Gateway: gw})
		}
	}
	for _, p := range n.PublicIPs {
		if p.Address.IsValid() {
			n.owners.public[p.Address] = p
		}
	}
	n.findVMMissingNIC()
	n.nicNames, n.vmNames = make(map[string][]*NIC, len(n.NICs)), make(map[string][]*NIC, len(n.NICs))
	for _, nic := range n.NICs {
		k := strings.ToLower(nic.Name)
		n.nicNames[k] = append(n.nicNames[k], nic)
		if nic.VMName != "" {
			k = strings.ToLower(nic.VMName)
			n.vmNames[k] = append(n.vmNames[k], nic)
		}
	}
	n.peNames = map[string][]*PrivateEndpoint{}
	for _, pe := range n.PrivateEndpoints {
		keys := []string{strings.ToLower(pe.Name)}
		if pe.NICID != "" {
			keys = append(keys, strings.ToLower(pe.NICID.Name()), strings.ToLower(string(pe.NICID)))
		}
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			n.peNames[k] = append(n.peNames[k], pe)
		}
	}
	n.sortWarnings()
}

func (n *Network) addPrivate(s *Subnet, a netip.Addr, o Owner) {
	if s == nil || !a.IsValid() {
		return
	}
	o.Addr, o.VNet = a, s.VNet
	if s.Reserved(a) {
		n.Warn("ReservedAddress", o.ResourceID(), "address "+a.String()+" is one of the five addresses Azure reserves in subnet "+
			s.Name+" (spec §2.6): nothing can own it, so vnetdoctor ignores it")
		return
	}
	k := vnetAddr{s.VNet, a}
	if _, dup := n.owners.private[k]; dup {
		n.Warn("DuplicateAddress", o.ResourceID(), "address "+a.String()+" is owned by more than one resource in "+s.VNet.Name)
		return
	}
	n.owners.private[k] = o
	n.owners.byAddr[a] = append(n.owners.byAddr[a], o)
}

// Reserved reports whether a is one of the five addresses Azure reserves in the IPv4 subnet
// prefix holding it: the first four and the last (spec §2.6).
func (s *Subnet) Reserved(a netip.Addr) bool {
	for _, p := range s.Prefixes {
		if !p.Contains(a) || !p.Addr().Is4() {
			continue
		}
		off := u32(a) - u32(p.Masked().Addr())
		return off < 4 || off == uint32(1)<<(32-p.Bits())-1
	}
	return false
}

func u32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// OwnerIn returns what owns private address a inside VNet v.
func (n *Network) OwnerIn(v *VNet, a netip.Addr) (Owner, bool) {
	o, ok := n.owners.private[vnetAddr{v, a}]
	return o, ok
}

// Owners returns every private owner of a across all VNets (more than one when ranges overlap).
func (n *Network) Owners(a netip.Addr) []Owner { return n.owners.byAddr[a] }

// PublicIPByAddr returns the public IP resource with address a.
func (n *Network) PublicIPByAddr(a netip.Addr) (*PublicIP, bool) {
	p, ok := n.owners.public[a]
	return p, ok
}

// SubnetOf returns the subnet of v that contains a, or nil.
func (v *VNet) SubnetOf(a netip.Addr) *Subnet {
	for _, s := range v.Subnets {
		if s.Contains(a) {
			return s
		}
	}
	return nil
}

// Contains reports whether a is inside the VNet's address space.
func (v *VNet) Contains(a netip.Addr) bool {
	for _, p := range v.AddressSpace {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
