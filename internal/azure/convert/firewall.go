package convert

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const (
	typeFirewall  = "Microsoft.Network/azureFirewalls"
	typePolicy    = "Microsoft.Network/firewallPolicies"
	typeRuleGroup = "Microsoft.Network/firewallPolicies/ruleCollectionGroups"
	typeIPGroup   = "Microsoft.Network/ipGroups"
)

// IP groups expand to their addresses: spec §3.1.
func (b *builder) buildIPGroups() {
	for _, w := range dedup(b, b.s.IPGroups) {
		g := &model.IPGroup{ID: model.ID(w.ID), Name: w.Name, Prefixes: w.Prefixes}
		b.ipGroups[b.key(w.ID)] = g
		b.n.IPGroups = append(b.n.IPGroups, g)
		b.n.Index(g.ID, g)
		b.count(typeIPGroup)
	}
}

// firewallPolicies builds policies, then links parents and rule collection groups (inline
// in full, or separate objects) once every policy exists.
// basePolicy parents: spec §3.1 [FWPOL, FWM].
func (b *builder) buildFirewallPolicies() {
	ws := dedup(b, b.s.FirewallPolicies)
	var groups []child[*azure.RuleCollectionGroup]
	for _, w := range ws {
		p := &model.FirewallPolicy{ID: model.ID(w.ID), Name: w.Name, DNSProxy: w.DNSProxy,
			DNSServers: w.DNSServers, SNATPrivateRanges: w.SNATRanges, ThreatIntelMode: w.ThreatIntel,
			IDPSMode: w.IDPSMode}
		b.policies[b.key(w.ID)] = p
		b.n.FirewallPolicies = append(b.n.FirewallPolicies, p)
		b.n.Index(p.ID, p)
		b.count(typePolicy)
		groups = inlineChildren(groups, w.ID, "ruleCollectionGroups", w.Groups)
	}
	have := map[string]bool{}
	for _, c := range mergeChildren(b, groups, b.s.RuleGroups) {
		p := b.policies[b.key(c.parent)]
		if p == nil {
			b.dangling(model.ID(c.w.ID), "its firewall policy", c.parent)
			continue
		}
		p.Groups = append(p.Groups, b.ruleGroup(c.w))
		have[b.key(c.w.ID)] = true
		b.count(typeRuleGroup)
	}
	for _, w := range ws {
		b.policyLinks(b.policies[b.key(w.ID)], w, have)
	}
}

func (b *builder) policyLinks(p *model.FirewallPolicy, w *azure.FirewallPolicy, have map[string]bool) {
	if w.Base != "" {
		if p.Base = b.policies[b.key(w.Base)]; p.Base == nil {
			b.dangling(p.ID, "base firewall policy", w.Base)
		}
	}
	for _, id := range w.GroupRefs {
		if !have[b.key(id)] {
			b.dangling(p.ID, "rule collection group", id)
		}
	}
	// spec §3.2: groups are processed by priority; a tie is ordered by name, with a warning.
	sort.SliceStable(p.Groups, func(i, j int) bool {
		gi, gj := p.Groups[i], p.Groups[j]
		return gi.Priority < gj.Priority || gi.Priority == gj.Priority && gi.Name < gj.Name
	})
	for i := 1; i < len(p.Groups); i++ {
		if p.Groups[i].Priority == p.Groups[i-1].Priority {
			b.n.Warn("InvalidValue", p.ID, fmt.Sprintf("rule collection groups %s and %s share priority %d; ordered by name",
				p.Groups[i-1].Name, p.Groups[i].Name, p.Groups[i].Priority))
		}
	}
}

func (b *builder) ruleGroup(w *azure.RuleCollectionGroup) *model.RuleCollectionGroup {
	g := &model.RuleCollectionGroup{ID: model.ID(w.ID), Name: w.Name, Priority: w.Priority}
	for _, c := range w.Collections {
		g.Collections = append(g.Collections, b.ruleCollection(g.ID, c)...)
	}
	sort.SliceStable(g.Collections, func(i, j int) bool { return g.Collections[i].Priority < g.Collections[j].Priority })
	return g
}

// ruleCollection converts one collection. A policy filter collection holding both network
// and application rules becomes two collections of the same name and priority, because
// the firewall processes the two kinds in separate phases (spec §3.2).
func (b *builder) ruleCollection(from model.ID, w *azure.RuleCollection) []*model.RuleCollection {
	action := firewallAction(w.Action) // validated by the decoder
	var out []*model.RuleCollection
	byKind := map[model.RuleKind]*model.RuleCollection{}
	for _, r := range w.Rules {
		k := ruleKind(w.Kind, r)
		c := byKind[k]
		if c == nil {
			c = &model.RuleCollection{Name: w.Name, Priority: w.Priority, Kind: k, Action: action}
			byKind[k] = c
			out = append(out, c)
		}
		c.Rules = append(c.Rules, b.firewallRule(from, r))
	}
	if len(out) == 0 {
		out = append(out, &model.RuleCollection{Name: w.Name, Priority: w.Priority, Kind: ruleKind(w.Kind, nil), Action: action})
	}
	return out
}

// firewallAction maps a collection action; NAT collections say DNAT (policy) or Dnat/Snat
// (classic), and an absent action only occurs on NAT collections.
// NAT collection actions: policy DNAT, classic Dnat/Snat (spec §3.1 [FWPOL]).
func firewallAction(s string) model.FirewallAction {
	switch strings.ToLower(s) {
	case "allow":
		return model.FwAllow
	case "deny":
		return model.FwDeny
	}
	return model.FwDNAT
}

// ruleKind decides a rule's phase from its collection and its ruleType.
// The phase decides processing order: spec §3.2 [FWRP].
func ruleKind(collection string, r *azure.FirewallRule) model.RuleKind {
	c := strings.ToLower(collection)
	switch {
	case c == "nat" || strings.Contains(c, "natrulecollection"):
		return model.NATRules
	case c == "network":
		return model.NetworkRules
	case c == "application":
		return model.ApplicationRules
	case r == nil:
		return model.NetworkRules
	}
	switch strings.ToLower(r.RuleType) {
	case "applicationrule":
		return model.ApplicationRules
	case "natrule":
		return model.NATRules
	case "networkrule":
		return model.NetworkRules
	}
	if len(r.TargetFQDNs)+len(r.FQDNTags)+len(r.WebCategories)+len(r.AppProtocols) > 0 {
		return model.ApplicationRules
	}
	return model.NetworkRules
}

func (b *builder) firewallRule(from model.ID, w *azure.FirewallRule) *model.FirewallRule {
	r := &model.FirewallRule{Name: w.Name, Protocols: w.Protocols, AppProtocols: w.AppProtocols,
		Sources: w.Sources, Destinations: w.Destinations, DestFQDNs: w.DestFQDNs, DestPorts: w.DestPorts,
		TargetFQDNs: w.TargetFQDNs, FQDNTags: w.FQDNTags, WebCategories: w.WebCategories,
		TranslatedAddress: w.TranslatedAddress, TranslatedFQDN: w.TranslatedFQDN, TranslatedPort: uint16(w.TranslatedPort)}
	for _, id := range w.SourceGroups {
		if g := b.ipGroup(from, id); g != nil {
			r.SourceGroups = append(r.SourceGroups, g)
		}
	}
	for _, id := range w.DestGroups {
		if g := b.ipGroup(from, id); g != nil {
			r.DestGroups = append(r.DestGroups, g)
		}
	}
	return r
}

func (b *builder) ipGroup(from model.ID, id string) *model.IPGroup {
	g := b.ipGroups[b.key(id)]
	if g == nil {
		b.dangling(from, "IP group", id)
	}
	return g
}
