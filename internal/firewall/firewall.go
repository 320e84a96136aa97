// Package firewall compiles an Azure Firewall's rules (classic or Firewall Policy) and decides flows through it (spec §3).
package firewall

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Packet is a new flow arriving at the firewall, as the firewall sees it.
type Packet struct {
	Src, Dst         netip.Addr
	Proto            model.Protocol
	SrcPort, DstPort uint16
	// FQDN is the TLS SNI / HTTP Host the client sends (cli.md --fqdn); empty when unknown.
	FQDN string
	// OpaqueNoMatch makes FQDN tags and web categories, whose members the snapshot does not
	// list, match nothing instead of leaving the verdict unknown (--assume fqdn-tag=nomatch).
	OpaqueNoMatch bool
}

// Kind is which stage of spec §3.2 decided a flow.
type Kind uint8

const (
	KindDefaultDeny Kind = iota // no rule matched (spec §3.2 step 4): cause FirewallDenied
	KindDnat                    // a NAT rule matched: translated and allowed
	KindNetwork                 // a network rule matched
	KindApplication             // an application rule matched
	KindUnknown                 // the verdict depends on something vnetdoctor does not know (see Candidates)
)

func (k Kind) String() string {
	return [...]string{"DefaultDeny", "Dnat", "Network", "Application", "Unknown"}[k]
}

// SNATKind says what happens to the source address of an allowed flow (spec §3.3).
type SNATKind uint8

const (
	// SNATNone: the source is kept (network rule, destination inside the SNAT private ranges,
	// or a denied flow).
	SNATNone SNATKind = iota
	// SNATPublic: network rule, destination outside the private ranges: the source becomes a
	// firewall public IP, or the NAT gateway's when one is on AzureFirewallSubnet (spec §3.3, §3.4).
	SNATPublic
	// SNATInstance: application rule or DNAT: the source becomes an instance address
	// (see InstanceAddresses), source port kept for DNAT.
	SNATInstance
)

func (s SNATKind) String() string { return [...]string{"None", "PublicIp", "InstanceAddress"}[s] }

// DefaultDenyID is the rule identifier of the firewall's default deny (cli.md deciding.rule).
// The default deny is spec §3.2 step 4 [FWRP].
const DefaultDenyID = "DefaultDeny"

// RuleInfo names one compiled rule. It is shared, immutable data: do not modify.
type RuleInfo struct {
	// ID is the identifier in cli.md format: "<group>/<collection>/<rule>" for policy rules,
	// "<collection>/<rule>" for classic rules, "DefaultDeny" for the default.
	ID                 string
	Kind               model.RuleKind
	Action             model.FirewallAction // collection action: Allow, Deny or Dnat
	Group              string               // rule collection group; empty for classic rules
	Collection, Name   string
	GroupPriority      int
	CollectionPriority int
	// Holder is the resource that holds the rule: the Firewall Policy (the base policy for an
	// inherited rule) or, for classic rules and the default deny, the firewall.
	Holder    model.ID
	Inherited bool                // comes from a base (parent) policy
	Rule      *model.FirewallRule // nil for the default deny
}

// Opaque reports whether the rule names FQDN tags or web categories, whose members the snapshot
// does not list.
func (i *RuleInfo) Opaque() bool {
	return i.Rule != nil && (len(i.Rule.FQDNTags) > 0 || len(i.Rule.WebCategories) > 0)
}

// Result is the firewall's decision on one new flow.
type Result struct {
	Kind Kind
	// Action is FwAllow or FwDeny (a DNAT match is FwAllow); FwDeny for KindUnknown.
	Action model.FirewallAction
	// Rule is the deciding rule (for KindDefaultDeny a pseudo-rule with ID "DefaultDeny");
	// nil for KindUnknown.
	Rule *RuleInfo
	// RuleID is Rule.ID, or "" for KindUnknown.
	RuleID string
	// Holder is Rule.Holder (the policy or firewall ID to report as deciding.resourceId).
	Holder model.ID
	// SNAT is what happens to the source of an allowed flow (spec §3.3).
	SNAT SNATKind
	// DNAT (spec §3.3): the new destination and port. TranslatedPort 0 keeps the port;
	// TranslatedFQDN is set (and TranslatedDst invalid) when the rule translates to an FQDN.
	TranslatedDst  netip.Addr
	TranslatedPort uint16
	TranslatedFQDN string
	// Candidates (KindUnknown): the rules the decision depends on, in processing order; the
	// last one is the rule that decides when none of the others matches (possibly DefaultDeny).
	Candidates []*RuleInfo
	// Assumptions are the things vnetdoctor assumed to reach this verdict. Shared: do not modify.
	Assumptions []string
}

// Allowed reports whether the flow passes (a DNAT, network or application Allow).
func (r Result) Allowed() bool { return r.Kind != KindUnknown && r.Action == model.FwAllow }
