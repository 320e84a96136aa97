package model

import "net/netip"

// NSG is a network security group. Its default rules are not stored: they are the same for
// every NSG (spec §2.3) and internal/acl adds them.
type NSG struct {
	ID       ID
	Name     string
	Location string
	Rules    []*SecurityRule // user rules, by priority then name (the converter sorts them)
}

// SecurityRule is one NSG rule (spec §2.2). Address fields keep the input strings because
// their meaning (a service tag such as VirtualNetwork) depends on the NIC the rule applies to.
type SecurityRule struct {
	Name      string
	Priority  int // 100–4096; lower wins; first match is final
	Direction Direction
	Access    Access
	Protocol  Protocol
	// Sources/Destinations: "*", an IP, a CIDR, or a service tag, from the singular and
	// plural (…Prefixes) fields together.
	Sources      []string
	Destinations []string
	SourceASGs   []*ASG
	DestASGs     []*ASG
	SourcePorts  []PortRange
	DestPorts    []PortRange
}

// ASG is an application security group; membership is per NIC ip configuration (spec §2.2).
type ASG struct {
	ID   ID
	Name string
}

// AdminRule is a Virtual Network Manager security admin rule (spec §2.5), flattened with the
// VNets it applies to. It is evaluated before NSGs.
type AdminRule struct {
	ID            ID
	Name          string
	Configuration string // securityAdminConfiguration name
	Collection    string // ruleCollection name
	Priority      int
	Direction     Direction
	Access        Access // Allow, Deny, AlwaysAllow
	Protocol      Protocol
	Sources       []AdminAddress
	Destinations  []AdminAddress
	SourcePorts   []PortRange
	DestPorts     []PortRange
	// AppliesTo are the VNets of the static members of the rule collection's network groups.
	AppliesTo []*VNet
}

// RuleName is the identifier used in output: <configuration>/<collection>/<rule>.
// spec §2.5 [AVNM].
func (r *AdminRule) RuleName() string { return r.Configuration + "/" + r.Collection + "/" + r.Name }

// AdminAddress is one entry of an admin rule's sources or destinations.
// addressPrefixType IPPrefix|ServiceTag: spec §2.5 [AVNM].
type AdminAddress struct {
	Prefix    string // "*", IP, CIDR or tag name
	IsTag     bool   // addressPrefixType ServiceTag
	Canonical netip.Prefix
}
