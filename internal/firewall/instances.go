package firewall

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// InstanceAddresses is the range the firewall's instances use as source for the traffic they
// originate or translate to an instance address (DNS proxy forwarding, application rules,
// DNAT, forced tunnelling): every IPv4 address of AzureFirewallSubnet except the five Azure
// reserves (the first four and the last, spec §2.6) and the frontend private IP (spec §3.1).
// Downstream filtering must allow the whole set. It is empty for a Virtual WAN hub firewall,
// whose subnet is not in the snapshot. Use Prefixes() for an exact CIDR cover, Contains and
// Size4 to test and count.
func InstanceAddresses(fw *model.Firewall) ipset.Set {
	if fw == nil || fw.Subnet == nil {
		return ipset.Set{}
	}
	var b ipset.Builder
	for _, p := range fw.Subnet.Prefixes {
		p = p.Masked()
		if !p.Addr().Is4() || p.Bits() > 29 {
			continue // IPv6 is not used by instances; a /30 or smaller has no usable address
		}
		r := prefixRange(p)
		first, last := r.lo, r.hi
		for range 4 {
			first = first.Next()
		}
		b.AddRange(ipset.Range{From: first, To: last.Prev()})
	}
	s := b.Set()
	if fw.PrivateIP.IsValid() {
		s = s.Difference(ipset.OfAddrs(fw.PrivateIP))
	}
	return s
}

// DNATAddrs are the addresses a DNAT rule of fw may name: its public IPs (a secured hub's
// hubIPAddresses.publicIPs too), and its private IP for private DNAT (spec §3.2 step 1 [FWRP]).
func DNATAddrs(fw *model.Firewall) []netip.Addr {
	var out []netip.Addr
	for _, p := range fw.PublicIPs {
		if p != nil && p.Address.IsValid() {
			out = append(out, p.Address)
		}
	}
	out = append(out, fw.HubPublicAddresses...)
	if fw.PrivateIP.IsValid() {
		out = append(out, fw.PrivateIP)
	}
	return out
}
