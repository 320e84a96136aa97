package firewall

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// SNAT port figures (spec §3.4 [FWNAT], §4 [NAT]).
const (
	FirewallPortsPerIPPerInstance = 2496
	FirewallMinInstances          = 2
	NATGatewayPortsPerIP          = 64512
	NATGatewayMaxIPs              = 16
)

// Capacity is how many SNAT ports an egress point offers for internet traffic.
// spec §3.4 [FWNAT].
type Capacity struct {
	TotalPorts int
	PublicIPs  int // the public addresses counted (for a NAT gateway, capped at 16)
	Instances  int // firewall instances counted (0 for a NAT gateway)
	// ViaNATGateway: a NAT gateway on AzureFirewallSubnet carries the firewall's internet egress.
	ViaNATGateway bool
}

// SNATPorts is the firewall's SNAT capacity for internet egress: 2,496 ports per public IP
// per instance, at least two instances; with natGateway (the NAT gateway on
// AzureFirewallSubnet, nil when none) the NAT gateway's capacity instead (spec §3.4).
func SNATPorts(fw *model.Firewall, natGateway *model.NATGateway) Capacity {
	if natGateway != nil {
		c := NATGatewayCapacity(natGateway)
		c.ViaNATGateway = true
		return c
	}
	ips := len(firewallPublicAddrs(fw))
	inst := Instances(fw)
	return Capacity{TotalPorts: FirewallPortsPerIPPerInstance * ips * inst, PublicIPs: ips, Instances: inst}
}

// Instances is the firewall's instance count: the snapshot's, at least Azure's minimum of two
// (spec §3.4).
func Instances(fw *model.Firewall) int { return max(fw.Instances, FirewallMinInstances) }

// NATGatewayOf returns the NAT gateway attached to the firewall's subnet, or nil.
// A NAT gateway on AzureFirewallSubnet takes over internet egress: spec §3.4 [FWNAT].
func NATGatewayOf(fw *model.Firewall) *model.NATGateway {
	if fw == nil || fw.Subnet == nil {
		return nil
	}
	return fw.Subnet.NATGateway
}

// NATGatewayCapacity is a NAT gateway's SNAT capacity: 64,512 ports per public IP, at most 16
// IPs, counting the addresses of its public IP prefixes too (spec §4).
func NATGatewayCapacity(ng *model.NATGateway) Capacity {
	n := 0
	for _, p := range ng.PublicIPs {
		if p != nil {
			n++
		}
	}
	for _, p := range ng.PublicIPPrefixes {
		if p.Addr().Is4() && p.Bits() >= 16 {
			n += 1 << (32 - p.Bits())
		} else {
			n += NATGatewayMaxIPs // larger than Azure allows: the cap applies anyway
		}
	}
	n = min(n, NATGatewayMaxIPs)
	return Capacity{TotalPorts: NATGatewayPortsPerIP * n, PublicIPs: n}
}

// firewallPublicAddrs are the firewall's public IPs: its public IP resources (allocated or
// not, they each count) or, for a secured hub firewall, hubIPAddresses.publicIPs.
// Each public IP adds SNAT ports (spec §3.4 [FWNAT]); hub IPs: learn.microsoft.com/azure/firewall-manager/secured-virtual-hub.
func firewallPublicAddrs(fw *model.Firewall) []netip.Addr {
	var out []netip.Addr
	for _, p := range fw.PublicIPs {
		if p != nil {
			out = append(out, p.Address)
		}
	}
	if len(out) == 0 {
		out = append(out, fw.HubPublicAddresses...)
	}
	return out
}
