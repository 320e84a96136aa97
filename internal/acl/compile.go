package acl

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// compiled is the user rules of one NSG (or the admin rules of one subnet) compiled for one
// context, sorted by direction then priority, with the notes compiling produced.
type compiled struct {
	rules []*Rule
	notes []Note
}

// Note is something a rule could not express faithfully (an unknown service tag, an empty
// Internet tag, a side without addresses), with the rule it is about.
type Note struct {
	Text string
	rule *Rule
}

// Applies reports whether the note could matter to flow f in direction dir: its rule has that
// direction and admits f's protocol and ports. A note on a rule that cannot match the flow is
// not worth printing (issue 9 item 3).
func (n Note) Applies(dir model.Direction, f *Flow) bool {
	return n.rule == nil || (n.rule.Direction == dir && n.rule.m.l4(f))
}

// compiler expands the rules of one NSG or admin rule list for one context.
type compiler struct {
	a      *ACL
	sc     *subnetCtx   // nil when the rules name no context tag
	member []*model.ASG // ASGs of the evaluated ip configuration
	owner  string       // the NSG or "admin rules", for notes
	notes  []Note
	// once is set when the rules compiled are never compiled again (ruleCache): their sides
	// are expanded directly rather than memoized.
	once bool
}

// sideKey identifies one compiled side of a rule: the same side of the same rule compiles
// to the same addresses unless it names a context tag (then ctx is set) or an ASG on the
// NIC's side (then member says whether the NIC belongs).
type sideKey struct {
	rule   any // *model.SecurityRule or *model.AdminRule
	dst    bool
	ctx    *subnetCtx
	member bool
}

type compiledSide struct {
	side     side
	prefixes []netip.Prefix
	notes    []string
}

// sideFrom expands the entries and ASGs of one side of a rule, once per sideKey. self says
// whether ASGs on this side are the evaluated NIC's side (inbound destination, outbound source).
func (c *compiler) sideFrom(key sideKey, r *Rule, entries []string, asgs []*model.ASG, self bool) (side, []netip.Prefix) {
	if slices.ContainsFunc(entries, isContextEntry) {
		key.ctx = c.sc
	}
	if self {
		key.member = memberOf(asgs, c.member)
	}
	var cs compiledSide
	if c.once {
		cs = c.expandSide(r.Name, entries, asgs, key.member)
	} else {
		cs = *c.a.sides.get(key, func() *compiledSide {
			cs := c.expandSide(r.Name, entries, asgs, key.member)
			return &cs
		})
	}
	for _, n := range cs.notes {
		c.notes = append(c.notes, Note{Text: n, rule: r})
	}
	return cs.side, cs.prefixes
}

// expandSide does the work of sideFrom.
func (c *compiler) expandSide(rule string, entries []string, asgs []*model.ASG, member bool) compiledSide {
	var s side
	parts := make([]expansion, 0, len(entries)+len(asgs))
	var notes []string
	for _, e := range entries {
		exp, kind := c.a.resolve(e, c.sc)
		switch kind {
		case entryAny:
			s.any = true
			continue
		case entryUnknown:
			notes = append(notes, fmt.Sprintf("%s rule %s: service tag %q is unknown (not in the snapshot's service tags); the rule never matches it (spec §2.4)",
				c.owner, rule, strings.TrimSpace(e)))
			continue
		case entryPlatform:
			s.platform = true
		case entryTag:
			if exp.set.IsEmpty() && strings.EqualFold(strings.TrimSpace(e), "Internet") {
				notes = append(notes, fmt.Sprintf("%s rule %s names Internet, which is empty here: a 0.0.0.0/0 UDR makes the subnet's VirtualNetwork tag 0.0.0.0/0 (spec §2.4)",
					c.owner, rule))
			}
		}
		parts = append(parts, exp)
	}
	s.self = member
	for _, g := range asgs {
		if g != nil {
			parts = append(parts, c.a.asgMembers(g))
		}
	}
	if len(entries) == 0 && len(asgs) == 0 {
		notes = append(notes, fmt.Sprintf("%s rule %s has no address on one side; it never matches", c.owner, rule))
	}
	if s.any { // "*" swallows the other entries, but a platform tag still counts (spec §2.6)
		return compiledSide{side: side{any: true, platform: s.platform}, notes: notes}
	}
	s, prefixes := mergeSide(s, parts)
	return compiledSide{s, prefixes, notes}
}

// mergeSide unions the parts, reusing a lone part's cached CIDR list.
func mergeSide(s side, parts []expansion) (side, []netip.Prefix) {
	switch len(parts) {
	case 0:
		return s, nil
	case 1:
		s.set = parts[0].set
		return s, parts[0].prefixes
	}
	for _, p := range parts {
		s.set = s.set.Union(p.set)
	}
	return s, s.set.Prefixes()
}

// nsgRule compiles one NSG rule (spec §2.2).
func (c *compiler) nsgRule(sr *model.SecurityRule) *Rule {
	r := &Rule{Name: "securityRules/" + sr.Name, Priority: sr.Priority, Direction: sr.Direction,
		Access: sr.Access, Protocol: sr.Protocol, Security: sr,
		SourcePorts: sr.SourcePorts, DestPorts: sr.DestPorts}
	r.srcWritten = writtenSide(sr.Sources, sr.SourceASGs)
	r.dstWritten = writtenSide(sr.Destinations, sr.DestASGs)
	r.SourcePrefix, r.DestinationPrefix = strings.Join(r.srcWritten, ","), strings.Join(r.dstWritten, ",")
	inbound := sr.Direction == model.Inbound
	r.m.src, r.ExpandedSource = c.sideFrom(sideKey{rule: sr}, r, sr.Sources, sr.SourceASGs, !inbound)
	r.m.dst, r.ExpandedDest = c.sideFrom(sideKey{rule: sr, dst: true}, r, sr.Destinations, sr.DestASGs, inbound)
	r.SelfSource, r.SelfDest = r.m.src.self, r.m.dst.self
	c.ports(r)
	return r
}

// adminRule compiles one security admin rule (spec §2.5).
func (c *compiler) adminRule(ar *model.AdminRule) *Rule {
	r := &Rule{Name: ar.RuleName(), Priority: ar.Priority, Direction: ar.Direction, Access: ar.Access,
		Protocol: ar.Protocol, Admin: ar, SourcePorts: ar.SourcePorts, DestPorts: ar.DestPorts}
	src, dst := adminEntries(ar.Sources), adminEntries(ar.Destinations)
	r.srcWritten, r.dstWritten = src, dst
	r.SourcePrefix, r.DestinationPrefix = strings.Join(src, ","), strings.Join(dst, ",")
	r.m.src, r.ExpandedSource = c.sideFrom(sideKey{rule: ar}, r, src, nil, false)
	r.m.dst, r.ExpandedDest = c.sideFrom(sideKey{rule: ar, dst: true}, r, dst, nil, false)
	c.ports(r)
	return r
}

func (c *compiler) ports(r *Rule) {
	r.m.proto = r.Protocol
	r.m.sports, r.m.anySport = r.SourcePorts, anyPorts(r.SourcePorts)
	r.m.dports, r.m.anyDport = r.DestPorts, anyPorts(r.DestPorts)
}

// adminEntries turns admin addresses into entries; an IPPrefix keeps its parsed form.
func adminEntries(as []model.AdminAddress) []string {
	out := make([]string, 0, len(as))
	for _, ad := range as {
		if !ad.IsTag && ad.Canonical.IsValid() {
			out = append(out, ad.Canonical.String())
		} else {
			out = append(out, ad.Prefix)
		}
	}
	return out
}

// writtenSide is a side as the listing shows it: entries, then ASG names. Without ASGs it is
// the rule's own entries (read only; clipped, so an append copies).
func writtenSide(entries []string, asgs []*model.ASG) []string {
	if len(asgs) == 0 {
		return slices.Clip(entries)
	}
	out := slices.Clone(entries)
	for _, g := range asgs {
		if g != nil {
			out = append(out, g.Name)
		}
	}
	return out
}

// sortRules orders rules by direction (inbound first) then priority; ties keep input order.
// Lowest priority number first: spec §2.1 [NSG].
func sortRules(rs []*Rule) {
	slices.SortStableFunc(rs, func(a, b *Rule) int {
		if a.Direction != b.Direction {
			return int(a.Direction) - int(b.Direction)
		}
		return a.Priority - b.Priority
	})
}

// compileNSG compiles the user rules of an NSG for a context.
func (a *ACL) compileNSG(nsg *model.NSG, sc *subnetCtx, member []*model.ASG) *compiled {
	shared := a.nsgRules(nsg)
	rules := make([]*Rule, 0, len(nsg.Rules))
	var notes []Note
	for i, sr := range nsg.Rules {
		if sr != nil {
			r, ns := shared.rule(a, nsg, i, sc, member)
			rules = append(rules, r)
			notes = append(notes, ns...)
		}
	}
	sortRules(rules)
	return &compiled{rules: rules, notes: notes}
}

// ruleCache holds the compiled rules of one NSG, each by the only parts of the context it
// reads: an NSG is compiled once per subnet context and ASG membership (about five times per
// NSG on the 10,000-NIC estate), but most of its rules read neither, and a rule naming
// VirtualNetwork or Internet reads the context, not the membership.
type ruleCache struct {
	mu sync.Mutex
	// plain[i] is rule i compiled outside any context and for a non-member: the one variant of
	// most rules, found by index rather than hashed (3,975 compilations of 1,000 NSGs on the
	// 10,000-NIC estate look up 199,000 rules); rules holds the other variants.
	plain []compiledRule
	rules map[ruleVariant]compiledRule
	// context[i] is whether rule i names a context tag: worked out once per NSG, not on every
	// lookup (one per rule of every NSG an ip configuration has).
	context []bool
}

// ruleVariant is a rule (by its index in the NSG) with what its compilation reads: the subnet
// context when it names a context tag (spec §2.4), whether the ip configuration is a member
// when it names an ASG on its own side (spec §2.2 [ASG]).
type ruleVariant struct {
	i      int
	ctx    *subnetCtx
	member bool
}

type compiledRule struct {
	rule  *Rule
	notes []Note
}

func (a *ACL) nsgRules(nsg *model.NSG) *ruleCache {
	return a.ruleCaches.get(nsg, func() *ruleCache {
		rc := &ruleCache{plain: make([]compiledRule, len(nsg.Rules)), rules: map[ruleVariant]compiledRule{},
			context: make([]bool, len(nsg.Rules))}
		for i, sr := range nsg.Rules {
			rc.context[i] = sr != nil && (slices.ContainsFunc(sr.Sources, isContextEntry) || slices.ContainsFunc(sr.Destinations, isContextEntry))
		}
		return rc
	})
}

// rule compiles rule i of nsg for context sc and membership member, once per variant.
func (rc *ruleCache) rule(a *ACL, nsg *model.NSG, i int, sc *subnetCtx, member []*model.ASG) (*Rule, []Note) {
	sr := nsg.Rules[i]
	v := ruleVariant{i: i}
	if rc.context[i] {
		v.ctx = sc
	}
	own := sr.DestASGs
	if sr.Direction != model.Inbound {
		own = sr.SourceASGs
	}
	v.member = memberOf(own, member)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	plain := v == ruleVariant{i: i}
	var cr compiledRule
	if plain {
		cr = rc.plain[i]
	} else {
		cr = rc.rules[v]
	}
	if cr.rule == nil {
		c := &compiler{a: a, sc: sc, member: member, owner: "NSG " + nsg.Name, once: true}
		cr = compiledRule{c.nsgRule(sr), c.notes}
		if plain {
			rc.plain[i] = cr
		} else {
			rc.rules[v] = cr
		}
	}
	return cr.rule, cr.notes
}

// memberOf reports whether an ASG of side is one of member's.
func memberOf(side, member []*model.ASG) bool {
	return slices.ContainsFunc(side, func(g *model.ASG) bool {
		return g != nil && slices.ContainsFunc(member, func(m *model.ASG) bool { return m != nil && m.ID.Equal(g.ID) })
	})
}

func isContextEntry(e string) bool { return contextTag(strings.TrimSpace(e)) }

// compileAdmin compiles admin rules for a subnet context.
func (a *ACL) compileAdmin(ars []*model.AdminRule, sc *subnetCtx) *compiled {
	c := &compiler{a: a, sc: sc, owner: "security admin"}
	rules := make([]*Rule, 0, len(ars))
	for _, ar := range ars {
		if ar != nil {
			rules = append(rules, c.adminRule(ar))
		}
	}
	sortRules(rules)
	return &compiled{rules: rules, notes: c.notes}
}

// newRuleSet merges compiled user rules with the default rules (none for admin) and splits
// them by direction for evaluation.
// Default rules come after every user rule: spec §2.3 [NSG]; admin rules have none, §2.5 [AVNM].
func newRuleSet(lv Level, nsg *model.NSG, user, defaults []*Rule) *RuleSet {
	rs := &RuleSet{Level: lv, NSG: nsg, Rules: make([]*Rule, 0, len(user)+len(defaults))}
	for _, dir := range []model.Direction{model.Inbound, model.Outbound} {
		for _, list := range [][]*Rule{user, defaults} {
			for _, r := range list {
				if r.Direction == dir {
					rs.Rules = append(rs.Rules, r)
				}
			}
		}
	}
	k := slices.IndexFunc(rs.Rules, func(r *Rule) bool { return r.Direction == model.Outbound })
	if k < 0 {
		k = len(rs.Rules)
	}
	rs.in, rs.out = rs.Rules[:k:k], rs.Rules[k:]
	return rs
}
