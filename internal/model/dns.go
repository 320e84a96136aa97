package model

import "net/netip"

// PrivateDNSZone is an Azure private DNS zone with its VNet links and records (spec §8).
type PrivateDNSZone struct {
	ID      ID
	Name    string // lower-case zone name, e.g. "privatelink.blob.core.windows.net"
	Links   []*DNSZoneLink
	Records []*DNSRecord
}

// DNSZoneLink links a private zone to a VNet (virtualNetworkLinks).
type DNSZoneLink struct {
	ID                  ID
	Name                string
	Zone                *PrivateDNSZone
	VNet                *VNet // nil when the VNet is not in the snapshot (warning)
	VNetID              ID
	RegistrationEnabled bool
	// ResolutionPolicy "NxDomainRedirect" falls back to public DNS on a missing record (spec §8).
	ResolutionPolicy string
}

// DNSRecord is one record set of a private zone: A addresses or a CNAME target.
// spec §8 [DNSZ].
type DNSRecord struct {
	Name  string // relative name, "@" for the apex, lower-case
	Type  string // A, AAAA, CNAME
	Addrs []netip.Addr
	CNAME string
}

// DNSForwardingRuleset is a DNS private resolver forwarding ruleset linked to VNets (spec §8).
type DNSForwardingRuleset struct {
	ID    ID
	Name  string
	Rules []*ForwardingRule
	VNets []*VNet // from virtualNetworkLinks
}

// ForwardingRule forwards one domain suffix to target DNS servers.
// Longest suffix wins among linked rulesets: spec §8 [DNSPR].
type ForwardingRule struct {
	Name    string
	Domain  string // with trailing dot as Azure stores it, lower-case
	Targets []netip.AddrPort
	Enabled bool
}

// DNSResolverInbound is an inbound endpoint of a DNS private resolver: an address clients query.
// spec §8 [DNSPR].
type DNSResolverInbound struct {
	ID     ID
	Name   string
	Subnet *Subnet
	Addr   netip.Addr
}

// ResolverInbound returns the DNS private resolver inbound endpoint with address a in VNet v,
// or nil. Endpoints are not owners (Owners): trace delivers to them where nothing owns the
// address.
func (n *Network) ResolverInbound(v *VNet, a netip.Addr) *DNSResolverInbound {
	for _, in := range n.ResolverInbounds {
		if in.Addr == a && in.Subnet != nil && in.Subnet.VNet == v {
			return in
		}
	}
	return nil
}
