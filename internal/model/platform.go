package model

import "net/netip"

// The Azure platform addresses every VM reaches without NSG filtering (except the
// AzurePlatformDNS / AzurePlatformIMDS tags) and without UDRs (spec §2.6). These are their only
// declarations: every package refers to them.
var (
	// AzurePlatformIP is 168.63.129.16, Azure's virtual public IP address: Azure DNS (spec §8,
	// the resolver a VM uses when no DNS servers are set, "AzureProvidedDNS" in dnsServers, the
	// upstream of a firewall DNS proxy without servers, spec §3.5), the WireServer, and the
	// source of load balancer health probes (the AzureLoadBalancer tag).
	// learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16
	AzurePlatformIP = netip.MustParseAddr("168.63.129.16")
	// IMDSAddr is 169.254.169.254, the Azure Instance Metadata Service (spec §2.6).
	// learn.microsoft.com/azure/virtual-machines/instance-metadata-service
	IMDSAddr = netip.MustParseAddr("169.254.169.254")
)

// IANAPrivateRanges are the ranges Azure calls IANA private ranges: RFC 1918 plus RFC 6598
// shared address space. They are Azure Firewall's default SNAT private ranges (spec §3.3
// [FWSNAT], the keyword "IANAPrivateRanges") and, by DECISION, the private ranges the Internet
// service tag excludes (spec §2.4). Shared: do not modify.
var IANAPrivateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
}

// HostReservedUDPPort is the UDP port the Azure host keeps for itself: it drops UDP packets
// arriving at a VM on that port (spec §2.6 [FAQ]).
const HostReservedUDPPort = 65330

// DNSPort is where a DNS server listens (RFC 1035 §4.2): the only port a firewall's DNS proxy
// answers on at its own address (spec §3.5).
const DNSPort = 53

// IsPlatformAddr reports whether a is one of the platform addresses of spec §2.6
// (AzurePlatformIP or IMDSAddr).
func IsPlatformAddr(a netip.Addr) bool { return a == AzurePlatformIP || a == IMDSAddr }
