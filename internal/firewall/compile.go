package firewall

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Assumption texts attached to results (spec §3.2, §3.5).
const (
	noteThreatIntel = "threat intelligence is in Deny mode: the firewall drops flows to and from known-malicious " +
		"addresses and domains; vnetdoctor does not model the feed (spec §3.2 step 0)"
	noteAppDNS = "application rule: the firewall resolves the FQDN itself and connects to the address it resolves; " +
		"vnetdoctor assumes the packet's destination (spec §3.2 [FWDNSD])"
	noteNetFQDN = "network rule with destination FQDNs: vnetdoctor assumes the firewall's DNS proxy resolves the " +
		"name to the packet's destination (spec §3.5)"
	noteDNATFQDN = "DNAT rule translates to an FQDN the firewall resolves; vnetdoctor does not resolve it"
)

// Engine is a compiled firewall rule set. It is immutable and safe for concurrent use.
type Engine struct {
	fw     *model.Firewall
	holder model.ID // the policy, or the firewall for classic rules
	phases [3]phase // indexed by model.RuleKind: NAT, network, application
	snat   snatRanges
	notes  []string // engine-wide assumptions, attached to every result
	// denySelfNotes (notes + noteParentNAT) go on default-deny results of flows to selfAddrs
	// when a parent policy has NAT collections the firewall ignores (inherit.go).
	denySelfNotes []string
	selfAddrs     []netip.Addr
	deny          RuleInfo
}

// phase is the rules of one type in first-match order, with their index.
type phase struct {
	rules []*rule
	idx   index
}

// Compile flattens fw's rules (classic collections, or its Firewall Policy with the basePolicy
// chain) into processing order (spec §3.2) and indexes them. n provides service tags; it may
// be nil. Whatever the engine cannot model is returned as a warning and, when it can affect a
// verdict, attached to results as an assumption.
func Compile(fw *model.Firewall, n *model.Network) (*Engine, []model.Warning) {
	var warns []model.Warning
	e := &Engine{fw: fw, holder: fw.ID}
	if fw.Policy != nil {
		e.holder = fw.Policy.ID
	}
	e.deny = RuleInfo{ID: DefaultDenyID, Action: model.FwDeny, Holder: e.holder, Kind: model.ApplicationRules}
	e.configure(&warns)
	c := compiler{e: e, net: n, warns: &warns, groups: map[*model.FirewallPolicy][]*model.RuleCollectionGroup{}}
	if fw.Policy != nil {
		c.chain = c.policyChain(fw.Policy)
		c.parentNAT()
	}
	for _, k := range []model.RuleKind{model.NATRules, model.NetworkRules, model.ApplicationRules} {
		for _, fc := range c.flatten(k) {
			c.addCollection(fc)
		}
		e.phases[k].idx = buildIndex(e.phases[k].rules)
	}
	return e, warns
}

// configure reads the settings that apply to the whole firewall: SNAT ranges and threat
// intelligence; the DNS proxy is model.Firewall.DNSProxyEnabled. A policy's settings win over
// the firewall's own (spec §3.3, §3.5).
func (e *Engine) configure(warns *[]model.Warning) {
	fw, mode, ranges := e.fw, e.fw.ThreatIntelMode, e.fw.SNATPrivateRanges
	if p := fw.Policy; p != nil {
		mode, ranges = p.ThreatIntelMode, p.SNATPrivateRanges
		if len(fw.Classic) > 0 {
			*warns = append(*warns, model.Warning{Code: "InvalidValue", Resource: fw.ID, Message: "firewall " + fw.Name +
				" has both a Firewall Policy and classic rule collections; vnetdoctor uses the policy only"})
		}
	}
	var bad []string
	e.snat, bad = parseSNATRanges(ranges)
	for _, b := range bad {
		*warns = append(*warns, model.Warning{Code: "InvalidValue", Resource: e.holder,
			Message: "SNAT private range " + quote(b) + " is not an IP or CIDR; ignored (spec §3.3)"})
	}
	if strings.EqualFold(mode, "Deny") {
		e.notes = []string{noteThreatIntel}
		*warns = append(*warns, model.Warning{Code: "Unsupported", Resource: e.holder, Message: noteThreatIntel})
	}
}

// flatColl is a rule collection with where it comes from.
type flatColl struct {
	policy *model.FirewallPolicy // nil for classic
	group  *model.RuleCollectionGroup
	coll   *model.RuleCollection
}

type compiler struct {
	e      *Engine
	net    *model.Network
	warns  *[]model.Warning
	chain  []*model.FirewallPolicy // basePolicy chain, root first
	groups map[*model.FirewallPolicy][]*model.RuleCollectionGroup
}

func (c compiler) warn(code string, res model.ID, msg string) {
	*c.warns = append(*c.warns, model.Warning{Code: code, Resource: res, Message: msg})
}

// flatten lists the collections of kind k in processing order (spec §3.2): rule collection
// groups by priority, then collections by priority; the base policy chain first for network
// and application collections; NAT collections are not inherited [FWM].
func (c compiler) flatten(k model.RuleKind) []flatColl {
	fw := c.e.fw
	if fw.Policy == nil {
		var out []flatColl
		for _, rc := range c.sortCollections(fw.Classic, k, fw.ID, "") {
			out = append(out, flatColl{coll: rc})
		}
		return out
	}
	chain := c.chain
	if k == model.NATRules {
		chain = chain[len(chain)-1:]
	}
	var out []flatColl
	for _, p := range chain {
		gs, ok := c.groups[p]
		if !ok {
			gs = c.sortGroups(p)
			c.groups[p] = gs
		}
		for _, g := range gs {
			for _, rc := range c.sortCollections(g.Collections, k, p.ID, g.Name+"/") {
				out = append(out, flatColl{policy: p, group: g, coll: rc})
			}
		}
	}
	return out
}

// policyChain returns the basePolicy chain, root first, ending with p. A cycle is cut with a warning.
// Parent collections apply before the child's: spec §3.2 [FWPOL, FWM].
func (c compiler) policyChain(p *model.FirewallPolicy) []*model.FirewallPolicy {
	var chain []*model.FirewallPolicy
	for q := p; q != nil; q = q.Base {
		if slices.Contains(chain, q) {
			c.warn("InvalidValue", p.ID, "basePolicy chain of "+p.Name+" loops at "+q.Name+"; the loop is cut")
			break
		}
		chain = append(chain, q)
	}
	slices.Reverse(chain)
	return chain
}

// sortGroups orders groups by priority. Priorities are unique within a policy; on a tie the
// names decide and a warning says so (spec §3.2).
func (c compiler) sortGroups(p *model.FirewallPolicy) []*model.RuleCollectionGroup {
	gs := slices.Clone(p.Groups)
	gs = slices.DeleteFunc(gs, func(g *model.RuleCollectionGroup) bool { return g == nil })
	slices.SortStableFunc(gs, func(a, b *model.RuleCollectionGroup) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)))
	})
	for i := 1; i < len(gs); i++ {
		if gs[i].Priority == gs[i-1].Priority {
			c.warn("DuplicatePriority", p.ID, "rule collection groups "+gs[i-1].Name+" and "+gs[i].Name+
				" share priority "+strconv.Itoa(gs[i].Priority)+"; vnetdoctor orders them by name (spec §3.2)")
		}
	}
	return gs
}

// sortCollections keeps the collections of kind k, ordered by priority (ties by name, warned).
// Collections by priority, ties as for groups: spec §3.2 [FWRP].
func (c compiler) sortCollections(all []*model.RuleCollection, k model.RuleKind, res model.ID, prefix string) []*model.RuleCollection {
	var cs []*model.RuleCollection
	for _, rc := range all {
		if rc != nil && rc.Kind == k {
			cs = append(cs, rc)
		}
	}
	slices.SortStableFunc(cs, func(a, b *model.RuleCollection) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)))
	})
	for i := 1; i < len(cs); i++ {
		if cs[i].Priority == cs[i-1].Priority {
			c.warn("DuplicatePriority", res, k.String()+" rule collections "+prefix+cs[i-1].Name+" and "+prefix+cs[i].Name+
				" share priority "+strconv.Itoa(cs[i].Priority)+"; vnetdoctor orders them by name")
		}
	}
	return cs
}

// Firewall is the firewall the engine was compiled for.
func (e *Engine) Firewall() *model.Firewall { return e.fw }

// Holder is the resource holding the rules: the firewall's policy, else the firewall.
func (e *Engine) Holder() model.ID { return e.holder }

// Assumptions are the engine-wide assumptions attached to every result. Shared: do not modify.
func (e *Engine) Assumptions() []string { return e.notes }

// Ports are the destination ports the engine's rules match, as compiled: a network or NAT
// rule's, an application rule's protocols' (80 and 443 for FQDN tags without protocols).
// Reachability cuts its port classes there.
func (e *Engine) Ports() []model.PortRange {
	var out []model.PortRange
	for _, ph := range e.phases {
		for _, r := range ph.rules {
			out = append(out, r.ports...)
		}
	}
	return out
}

// Rules lists the compiled rules of one type in processing order (spec §3.2).
func (e *Engine) Rules(k model.RuleKind) []*RuleInfo {
	if int(k) >= len(e.phases) {
		return nil
	}
	out := make([]*RuleInfo, len(e.phases[k].rules))
	for i, r := range e.phases[k].rules {
		out[i] = &r.info
	}
	return out
}
