// Package acl computes effective security rules (spec §2) and evaluates flows against them.
package acl

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
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
// Levels and their order on the path: spec §2.1 [NSG], admin rules §2.5 [AVNM].
type Level uint8

const (
	LevelAdmin  Level = iota // Virtual Network Manager security admin rules
	LevelNIC                 // the NIC's NSG
	LevelSubnet              // the subnet's NSG
)

func (l Level) String() string { return [...]string{"AdminRule", "NicNsg", "SubnetNsg"}[l] }

// Rule is one effective rule, with its addresses expanded for the NIC it applies to.
// Rules are immutable once built and shared between the Effective values of NICs in the
// same context.
type Rule struct {
	// Name is "securityRules/<n>", "defaultSecurityRules/<n>", or for admin rules
	// "<configuration>/<collection>/<rule>".
	Name      string
	Priority  int
	Direction model.Direction
	Access    model.Access
	Protocol  model.Protocol
	// Source/Destination as written (a tag, CIDR, "*" or comma-joined list); Expanded* are the prefixes.
	SourcePrefix, DestinationPrefix string
	ExpandedSource, ExpandedDest    []netip.Prefix
	SourcePorts, DestPorts          []model.PortRange
	Admin                           *model.AdminRule // set for admin rules
	// Security is the NSG rule this rule was built from; nil for default and admin rules.
	Security *model.SecurityRule
	// SelfSource / SelfDest are true when that side names an application security group the
	// evaluated ip configuration belongs to: the side then matches the NIC's own address
	// whatever it is (spec §2.2 [ASG]). ExpandedSource/Dest still list all members.
	SelfSource, SelfDest bool

	srcWritten, dstWritten []string // entries as written, for the listing
	m                      matcher
}

// RuleSet is the ordered rules of one level (one NSG, or the admin rules) for one NIC.
type RuleSet struct {
	Level Level
	NSG   *model.NSG // nil for the admin level
	Rules []*Rule    // sorted by direction then priority

	in, out []*Rule // the two halves of Rules
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
	// Platform is true for outbound flows to the platform addresses model.AzurePlatformIP and
	// model.IMDSAddr (spec §2.6): only rules whose destination names an AzurePlatform* tag
	// apply to them; a level where none matches allows with Rule nil.
	Platform bool
}

// NamesInternet reports whether a rule that matched at any level names the Internet tag on
// either side (spec §2.4: the answer then depends on --assume internet-tag).
func (r *Result) NamesInternet() bool {
	for i := 0; i < r.N; i++ {
		if ru := r.Levels[i].Rule; ru != nil && (namesInternet(ru.srcWritten) || namesInternet(ru.dstWritten)) {
			return true
		}
	}
	return false
}

func namesInternet(entries []string) bool {
	for _, e := range entries {
		if strings.EqualFold(strings.TrimSpace(e), "Internet") {
			return true
		}
	}
	return false
}

// Effective is the effective security of one NIC ip configuration (or a private endpoint).
type Effective struct {
	Sets []*RuleSet // admin (if any), subnet NSG, NIC NSG
	// Assumptions lists what the rules could not express faithfully (unknown service tags,
	// rules without addresses, private endpoint policies); Notes holds the same with the rule
	// each is about, so a trace prints only those that could matter to its flow.
	Assumptions []string
	Notes       []Note

	applies [3]bool     // indexed by Level: the level is on the path
	sets    [3]*RuleSet // indexed by Level: nil when missing (allows everything)
	nic     *model.NIC
	subnet  *model.Subnet
	pe      *model.PrivateEndpoint
}

// evaluation order per direction (spec §2.1).
var (
	orderIn  = [3]Level{LevelAdmin, LevelSubnet, LevelNIC}
	orderOut = [3]Level{LevelAdmin, LevelNIC, LevelSubnet}
)

// Evaluate filters f leaving (Outbound) or arriving at (Inbound) the ip configuration, in the
// order of spec §2.1. It does not allocate.
func (e *Effective) Evaluate(dir model.Direction, f Flow) Result {
	r := Result{Allowed: true}
	order := &orderIn
	if dir == model.Outbound {
		order = &orderOut
		r.Platform = PlatformMode(dir, f.Dst) // spec §2.6
	}
	for _, lv := range order {
		if !e.applies[lv] {
			continue
		}
		lr := e.sets[lv].evaluate(lv, dir, &f, r.Platform)
		r.Levels[r.N] = lr
		r.Decider = r.N
		r.N++
		switch lr.Access {
		case model.Deny:
			r.Allowed = false
			return r
		case model.AlwaysAllow: // spec §2.5: skips the NSGs
			return r
		}
	}
	return r
}

// evaluate runs one level: first match wins, lowest priority first. rs may be nil.
// A missing NSG allows everything at its level: spec §2.1 [NSG].
func (rs *RuleSet) evaluate(lv Level, dir model.Direction, f *Flow, platform bool) LevelResult {
	if rs == nil {
		return LevelResult{Level: lv, Access: model.Allow}
	}
	lr := LevelResult{Level: lv, Present: true, Access: model.Allow, NSG: rs.NSG}
	rules := rs.in
	if dir == model.Outbound {
		rules = rs.out
	}
	for _, ru := range rules {
		if ru.m.matches(f, platform) {
			lr.Access, lr.Rule = ru.Access, ru
			return lr
		}
	}
	return lr
}

// platformAddrs are the host addresses NSG rules do not filter (spec §2.6).
var platformAddrs = ipset.OfAddrs(model.AzurePlatformIP, model.IMDSAddr)
