package check

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// First match wins: spec §2.1 [NSG], §3.2 [FWRP].
var shadowedRule = Check{
	Name: "shadowed-rule",
	Code: CodeShadowedRule,
	Doc:  "NSG rules (and firewall rules within a collection) that never match because one earlier rule covers them.",
	Run:  runShadowedRule,
	// An NSG's findings come from its own rules (compared literally: ASGs by ID), in an order
	// its document does not set (priority, then name). A firewall collection's depend on the
	// order of its rules, which the resource comparison does not report (it matches them by
	// name): those are always compared whole.
	Local: shadowedIn,
}

// runShadowedRule compares each NSG rule with the earlier rules (lower priority number) of the
// same direction: when one of them covers its protocol, sources, destinations and ports, the
// rule never matches (first match is final, spec §2.1). Addresses compare literally — CIDR
// containment, service tags and application security groups by name, "*" covers everything —
// so a rule covered only by a union of rules, or through a tag's expansion, is not reported.
// A shadowing rule with the opposite access is a Warning (the later rule's intent is lost);
// with the same access, Info (the rule is redundant).
//
// Each rule is compared with every earlier one, so only the first Limits.RulesPerNSG rules of an
// NSG by priority are compared: Azure holds no more (spec §7 [LIM], "Security rules per network
// security group: 1,000", learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits#networking-limits),
// LimitExceeded reports an NSG that has more, and an NSG of a million rules would otherwise take
// hours (issue 10).
func runShadowedRule(pass *Pass) []Finding {
	return shadowedIn(pass, func(model.ID) bool { return true })
}

// shadowedIn is runShadowedRule over the NSGs in, and every firewall policy and firewall.
func shadowedIn(pass *Pass, in func(model.ID) bool) []Finding {
	p := pass.Plane
	var out []Finding
	for _, nsg := range p.Net.NSGs {
		if in(nsg.ID) {
			out = append(out, shadowedInNSG(nsg, pass.Options.Limits.RulesPerNSG)...)
		}
	}
	for _, pol := range p.Net.FirewallPolicies {
		for _, g := range pol.Groups {
			for _, rc := range g.Collections {
				out = append(out, shadowedInCollection(pol.ID, pol.Name, g.Name+"/"+rc.Name, rc)...)
			}
		}
	}
	for _, fw := range p.Net.Firewalls {
		for _, rc := range fw.Classic {
			out = append(out, shadowedInCollection(fw.ID, fw.Name, rc.Name, rc)...)
		}
	}
	return out
}

// shadowedInNSG reports the shadowed rules among the first limit rules of nsg by priority (all of
// them when limit is 0).
func shadowedInNSG(nsg *model.NSG, limit int) []Finding {
	rules := append([]*model.SecurityRule(nil), nsg.Rules...)
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].Priority < rules[j].Priority })
	if limit > 0 && len(rules) > limit {
		rules = rules[:limit]
	}
	// Each rule is compared with every earlier one: its addresses are read once, not per pair.
	sides := make([]ruleAddrs, len(rules))
	for i, r := range rules {
		sides[i] = ruleAddrs{addrsOf(r.Sources, asgIDs(r.SourceASGs)), addrsOf(r.Destinations, asgIDs(r.DestASGs))}
	}
	var out []Finding
	for j, r := range rules {
		for i, e := range rules[:j] {
			if e.Direction != r.Direction || !nsgRuleCovers(e, r, sides[i], sides[j]) {
				continue
			}
			sev, how := Info, "redundant"
			if e.Access != r.Access {
				sev, how = Warning, "never applies"
			}
			out = append(out, Finding{Code: CodeShadowedRule, Severity: sev,
				Title: fmt.Sprintf("NSG %s: %s rule %s (%d) is shadowed by %s (%d)", nsg.Name, r.Direction, r.Name, r.Priority, e.Name, e.Priority),
				Message: fmt.Sprintf("In %s, %s rule %s (priority %d, %s) can never match: %s (priority %d, %s) covers its "+
					"protocol, addresses and ports and is evaluated first, so the rule %s.",
					nsg.Name, strings.ToLower(r.Direction.String()), r.Name, r.Priority, r.Access, e.Name, e.Priority, e.Access, how),
				Resources: ids(nsg.ID),
				Evidence: map[string]any{"nsg": nsg.Name, "rule": "securityRules/" + r.Name, "shadowedBy": "securityRules/" + e.Name,
					"direction": r.Direction.String(), "priority": r.Priority, "shadowedByPriority": e.Priority},
				Fix: fmt.Sprintf("Delete %s, or give it a lower priority number than %s if its %s is intended.", r.Name, e.Name, r.Access),
			})
			break
		}
	}
	return out
}

// ruleAddrs are the source and destination of an NSG or firewall rule.
type ruleAddrs struct{ src, dst addrs }

// nsgRuleCovers reports whether every packet matching b also matches a; as and bs are their
// addresses. spec §2.1 first match [NSG].
func nsgRuleCovers(a, b *model.SecurityRule, as, bs ruleAddrs) bool {
	return a.Protocol.Matches(b.Protocol) && as.src.covers(bs.src) && as.dst.covers(bs.dst) &&
		portsCover(a.SourcePorts, b.SourcePorts) && portsCover(a.DestPorts, b.DestPorts)
}

func asgIDs(asgs []*model.ASG) []string {
	out := make([]string, len(asgs))
	for i, a := range asgs {
		out[i] = a.ID.Key()
	}
	return out
}

// addrs is one side of a rule as written: its entries, each read once as a prefix (invalid for
// a tag or a name), and its group IDs.
type addrs struct {
	entries []string
	parsed  []netip.Prefix
	groups  []string
	any     bool
}

func addrsOf(entries, groups []string) addrs {
	a := addrs{entries: entries, parsed: make([]netip.Prefix, len(entries)), groups: groups, any: isAny(entries, groups)}
	for i, e := range entries {
		a.parsed[i], _ = parsePrefix(e)
	}
	return a
}

// covers reports whether a's addresses contain all of b's.
func (a addrs) covers(b addrs) bool {
	if a.any {
		return true
	}
	if b.any {
		return false
	}
	for _, g := range b.groups {
		if !containsFold(a.groups, g) {
			return false
		}
	}
	for i, x := range b.entries {
		if !a.coversEntry(x, b.parsed[i]) {
			return false
		}
	}
	return true
}

// isAny reports whether an address list is "everything": "*", "Any", or 0.0.0.0/0 (empty means
// "*" when no groups are named either).
func isAny(addrs, groups []string) bool {
	if len(addrs) == 0 {
		return len(groups) == 0
	}
	for _, x := range addrs {
		if x == "*" || strings.EqualFold(x, "any") || x == "0.0.0.0/0" {
			return true
		}
	}
	return false
}

// coversEntry reports whether entry x (xp when it is a prefix) is one of a's or inside one.
func (a addrs) coversEntry(x string, xp netip.Prefix) bool {
	for i, y := range a.entries {
		if strings.EqualFold(x, y) {
			return true
		}
		if yp := a.parsed[i]; yp.IsValid() && xp.IsValid() && yp.Bits() <= xp.Bits() && yp.Contains(xp.Addr()) {
			return true
		}
	}
	return false
}

// parsePrefix reads a CIDR or a single address; tags and names are not prefixes.
func parsePrefix(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// portsCover: every range of b lies inside one range of a (an empty list means all ports).
func portsCover(a, b []model.PortRange) bool {
	if len(a) == 0 {
		a = []model.PortRange{model.AllPorts}
	}
	if len(b) == 0 {
		b = []model.PortRange{model.AllPorts}
	}
	for _, x := range b {
		ok := false
		for _, y := range a {
			if y.Lo <= x.Lo && x.Hi <= y.Hi {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
