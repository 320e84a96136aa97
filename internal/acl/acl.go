// Package acl computes effective security rules (spec §2) and evaluates flows against them.
package acl

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Flow is the 5-tuple a rule is evaluated on, as seen at the filtering point
// (spec §2.1: inbound sees the post-DNAT destination, outbound the pre-SNAT source).
type Flow struct {
	Src, Dst         netip.Addr
	Proto            model.Protocol
	SrcPort, DstPort uint16
}

// Level is where a rule set sits on the path.
type Level uint8

const (
	LevelAdmin  Level = iota // Virtual Network Manager security admin rules
	LevelNIC                 // the NIC's NSG
	LevelSubnet              // the subnet's NSG
)

func (l Level) String() string { return [...]string{"AdminRule", "NicNsg", "SubnetNsg"}[l] }

// Rule is one effective rule, with its addresses expanded for the NIC it applies to.
type Rule struct {
	// Name is "securityRules/<n>", "defaultSecurityRules/<n>", or for admin rules
	// "<configuration>/<collection>/<rule>".
	Name      string
	Priority  int
	Direction model.Direction
	Access    model.Access
	Protocol  model.Protocol
	// Source/Destination as written (a tag, CIDR, "*" or comma-joined list); Expanded* are the prefixes.
	SourcePrefix, DestinationPrefix   string
	ExpandedSource, ExpandedDest      []netip.Prefix
	SourcePorts, DestPorts            []model.PortRange
	Admin                             *model.AdminRule // set for admin rules
}

// RuleSet is the ordered rules of one level (one NSG, or the admin rules) for one NIC.
type RuleSet struct {
	Level Level
	NSG   *model.NSG // nil for the admin level
	Rules []*Rule    // sorted by direction then priority
}

// LevelResult is what one level decided.
type LevelResult struct {
	Level Level
	// Present is false when there is no NSG (or no admin rule) at this level: it allows everything.
	Present bool
	Access  model.Access // Allow, Deny, or AlwaysAllow (admin)
	Rule    *Rule        // the matching rule; nil when not Present or no admin rule matched
	NSG     *model.NSG
}

// Result is the verdict of every level a packet crossed, in evaluation order (spec §2.1).
type Result struct {
	Allowed bool
	Levels  [3]LevelResult
	N       int // number of Levels used
	Decider int // index into Levels of the level that decided (the deny, or the last allow)
}

// Effective is the effective security of one NIC ip configuration (or a private endpoint).
type Effective struct {
	Sets []*RuleSet // admin (if any), subnet NSG, NIC NSG
}

// Evaluate filters f leaving (Outbound) or arriving at (Inbound) the ip configuration, in the
// order of spec §2.1. It does not allocate.
func (e *Effective) Evaluate(dir model.Direction, f Flow) Result {
	panic("acl: Evaluate not implemented")
}

// ACL computes effective rules on demand for the resources of a network.
type ACL struct {
	net *model.Network
	fib *fib.FIB
}

// Build prepares effective rules for n. The VirtualNetwork tag depends on routes (spec §2.4).
func Build(n *model.Network, f *fib.FIB) (*ACL, []model.Warning) {
	panic("acl: Build not implemented")
}

// ForIPConfig returns the effective rules of a NIC ip configuration.
func (a *ACL) ForIPConfig(c *model.IPConfig) *Effective {
	panic("acl: ForIPConfig not implemented")
}

// ForPrivateEndpoint returns the rules filtering traffic to a private endpoint: its subnet's
// NSG when privateEndpointNetworkPolicies enables NSGs, else nothing (spec §5).
func (a *ACL) ForPrivateEndpoint(pe *model.PrivateEndpoint) *Effective {
	panic("acl: ForPrivateEndpoint not implemented")
}

// ForSubnet returns the rules applying to an address in subnet s that no NIC owns (a load
// balancer frontend, an appliance without a NIC in the snapshot): admin rules and the subnet NSG.
func (a *ACL) ForSubnet(s *model.Subnet) *Effective {
	panic("acl: ForSubnet not implemented")
}
