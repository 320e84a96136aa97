package model

import (
	"net/netip"
	"slices"
)

// Firewall is an Azure Firewall (spec §3). Rules come from classic collections on the
// firewall itself or from a Firewall Policy, never both in a real deployment.
type Firewall struct {
	ID        ID
	Name      string
	Subnet    *Subnet // AzureFirewallSubnet; nil for a Virtual WAN hub firewall
	PrivateIP netip.Addr
	PublicIPs []*PublicIP
	// HubPublicAddresses are hubIPAddresses.publicIPs.addresses of a secured hub firewall.
	HubPublicAddresses []netip.Addr
	Policy             *FirewallPolicy
	// MissingPolicy is the firewall policy the firewall references but the snapshot lacks:
	// its rules are unknown, so traces through the firewall are Unknown.
	MissingPolicy   ID
	SkuTier         string // Basic, Standard, Premium
	ThreatIntelMode string
	// Classic is the rule set configured on the firewall itself (no policy).
	Classic []*RuleCollection
	// DNS proxy (spec §3.5) for a classic firewall; a policy's settings win when Policy is set.
	DNSProxy   bool
	DNSServers []netip.Addr
	// SNATPrivateRanges is the classic "Network.SNAT.PrivateRanges" (spec §3.3); nil = IANAPrivateRanges.
	SNATPrivateRanges []string
	// Instances is the instance count when the snapshot says (zero: Azure's minimum of two, spec §3.4).
	Instances int
}

// DNSProxyEnabled reports whether the firewall's DNS proxy is on (spec §3.5 [FWDNS]): the
// Firewall Policy's dnsSettings.enableProxy when the firewall has a policy (a policy's settings
// win over the firewall's own), else the classic firewall's Network.DNS.EnableProxy.
func (f *Firewall) DNSProxyEnabled() bool {
	if f.Policy != nil {
		return f.Policy.DNSProxy
	}
	return f.DNSProxy
}

// DNSProxyServers returns the custom DNS servers the proxy forwards to, as configured: the
// policy's dnsSettings.servers when the firewall has a policy, else the classic
// Network.DNS.Servers. Empty means Azure DNS (spec §3.5); DNSProxyUpstreams applies that.
func (f *Firewall) DNSProxyServers() []netip.Addr {
	if f.Policy != nil {
		return f.Policy.DNSServers
	}
	return f.DNSServers
}

// DNSProxyUpstreams returns the servers the DNS proxy forwards queries to, from its instance
// addresses: DNSProxyServers, or Azure DNS (AzurePlatformIP) when none is set (spec §3.5 [FWDNS]).
func (f *Firewall) DNSProxyUpstreams() []netip.Addr {
	if s := f.DNSProxyServers(); len(s) > 0 {
		return s
	}
	return []netip.Addr{AzurePlatformIP}
}

// DenyInspections names the inspections in Deny mode that may drop a flow f's rules allow:
// threat intelligence (learn.microsoft.com/azure/firewall/threat-intel: "Deny" drops traffic to
// and from addresses and domains on Microsoft's feed) and IDPS (learn.microsoft.com/azure/
// firewall/premium-features, "IDPS": "Alert and deny" drops what a signature matches). Their
// feeds and signatures are Microsoft's and not in a snapshot, so vnetdoctor decides by the rules
// and says so (spec §3.2, step 0). A classic firewall has its own threat intelligence mode; a
// policy's, or any parent's (basePolicy), counts for a firewall with a policy.
func (f *Firewall) DenyInspections() []string {
	var out []string
	add := func(name, mode string) {
		if eqFold(mode, "Deny") && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if f.Policy == nil {
		add("threat intelligence", f.ThreatIntelMode)
	}
	for p, depth := f.Policy, 0; p != nil && depth < maxPolicyDepth; p, depth = p.Base, depth+1 {
		add("threat intelligence", p.ThreatIntelMode)
		add("IDPS", p.IDPSMode)
	}
	slices.Sort(out)
	return out
}

// maxPolicyDepth bounds a walk up basePolicy parents, so a cycle in hostile input cannot hang it
// (Azure allows one parent level per policy; chains are short).
const maxPolicyDepth = 64

// FirewallPolicy is a Firewall Policy with its rule collection groups.
type FirewallPolicy struct {
	ID     ID
	Name   string
	Base   *FirewallPolicy // basePolicy parent; its network and application collections come first (spec §3.2)
	Groups []*RuleCollectionGroup
	// DNS proxy settings (spec §3.5).
	DNSProxy   bool
	DNSServers []netip.Addr
	// SNATPrivateRanges is snat.privateRanges; nil = IANAPrivateRanges (spec §3.3).
	SNATPrivateRanges []string
	ThreatIntelMode   string
	IDPSMode          string // intrusionDetection.mode: Off, Alert or Deny (Premium)
}

// RuleCollectionGroup is a policy's rule collection group; groups are processed by priority.
// spec §3.2 [FWRP, FWPOL].
type RuleCollectionGroup struct {
	ID          ID
	Name        string
	Priority    int
	Collections []*RuleCollection
}

// RuleKind is the type of a firewall rule collection, processed DNAT → network → application.
// spec §3.2 [FWRP].
type RuleKind uint8

const (
	NATRules RuleKind = iota
	NetworkRules
	ApplicationRules
)

func (k RuleKind) String() string {
	return [...]string{"Nat", "Network", "Application"}[k]
}

// FirewallAction is a rule collection's action.
type FirewallAction uint8

const (
	FwAllow FirewallAction = iota
	FwDeny
	FwDNAT
)

func (a FirewallAction) String() string { return [...]string{"Allow", "Deny", "Dnat"}[a] }

// RuleCollection is one rule collection (policy or classic).
type RuleCollection struct {
	Name     string
	Priority int
	Kind     RuleKind
	Action   FirewallAction
	Rules    []*FirewallRule // first match is final, in order
}

// FirewallRule is one network, application or NAT rule.
type FirewallRule struct {
	Name string
	// Protocols: network/NAT rules use TCP, UDP, ICMP, Any; application rules use
	// AppProtocols instead.
	Protocols    []Protocol
	AppProtocols []AppProtocol
	Sources      []string // addresses, CIDRs, "*"
	SourceGroups []*IPGroup
	Destinations []string // addresses, CIDRs, service tags, "*"
	DestGroups   []*IPGroup
	DestFQDNs    []string // network rules (need DNS proxy)
	DestPorts    []PortRange
	// Application rules.
	TargetFQDNs   []string
	FQDNTags      []string
	WebCategories []string
	// NAT rules.
	TranslatedAddress netip.Addr
	TranslatedFQDN    string
	TranslatedPort    uint16
}

// AppProtocol is an application rule protocol and port, e.g. Https:443.
type AppProtocol struct {
	Type string // Http, Https, Mssql
	Port uint16
}

// IPGroup is a set of addresses used by firewall rules.
// IP groups expand to their addresses: spec §3.1.
type IPGroup struct {
	ID       ID
	Name     string
	Prefixes []netip.Prefix
}
