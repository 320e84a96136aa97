package check

import (
	"fmt"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// shadowedInCollection reports network and application rules of one firewall rule collection
// that an earlier rule of the same collection covers (Info: a collection has one action, so the
// later rule is redundant). Rules are compared literally, as for NSGs.
// Rules of a collection apply in order, first match final: spec §3.2 [FWRP].
func shadowedInCollection(holder model.ID, holderName, path string, rc *model.RuleCollection) []Finding {
	// Each rule is compared with every earlier one: its addresses are read once, not per pair.
	sides := make([]ruleAddrs, len(rc.Rules))
	for i, r := range rc.Rules {
		sides[i] = ruleAddrs{addrsOf(r.Sources, groupIDs(r.SourceGroups)), addrsOf(r.Destinations, groupIDs(r.DestGroups))}
	}
	var out []Finding
	for j, r := range rc.Rules {
		for i, e := range rc.Rules[:j] {
			if !fwRuleCovers(rc.Kind, e, r, sides[i], sides[j]) {
				continue
			}
			out = append(out, Finding{Code: CodeShadowedRule, Severity: Info,
				Title: fmt.Sprintf("%s: firewall rule %s/%s is shadowed by %s", holderName, path, r.Name, e.Name),
				Message: fmt.Sprintf("In %s, %s rule %s of collection %s can never match: the earlier rule %s of the same "+
					"collection covers it, so it is redundant.", holderName, rc.Kind, r.Name, path, e.Name),
				Resources: ids(holder),
				Evidence: map[string]any{"rule": path + "/" + r.Name, "shadowedBy": path + "/" + e.Name,
					"ruleType": rc.Kind.String(), "firewall": holderName},
				Fix: fmt.Sprintf("Delete %s or merge it into %s.", r.Name, e.Name),
			})
			break
		}
	}
	return out
}

// fwRuleCovers reports whether every flow matching b matches a; as and bs are their addresses.
// NAT rules are never compared (their translations differ even when the match is the same).
func fwRuleCovers(kind model.RuleKind, a, b *model.FirewallRule, as, bs ruleAddrs) bool {
	if !as.src.covers(bs.src) {
		return false
	}
	switch kind {
	case model.NetworkRules:
		return protocolsCover(a.Protocols, b.Protocols) && portsCover(a.DestPorts, b.DestPorts) &&
			len(a.DestFQDNs) == 0 && len(b.DestFQDNs) == 0 && as.dst.covers(bs.dst)
	case model.ApplicationRules:
		return appProtocolsCover(a.AppProtocols, b.AppProtocols) && len(b.FQDNTags) == 0 && len(b.WebCategories) == 0 &&
			len(a.FQDNTags) == 0 && len(a.WebCategories) == 0 && len(b.TargetFQDNs) > 0 && fqdnsCover(a.TargetFQDNs, b.TargetFQDNs)
	}
	return false
}

func groupIDs(gs []*model.IPGroup) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.ID.Key()
	}
	return out
}

func protocolsCover(a, b []model.Protocol) bool {
	for _, x := range b {
		ok := false
		for _, y := range a {
			ok = ok || y.Matches(x)
		}
		if !ok {
			return false
		}
	}
	return len(b) > 0
}

func appProtocolsCover(a, b []model.AppProtocol) bool {
	for _, x := range b {
		ok := false
		for _, y := range a {
			ok = ok || (y.Port == x.Port && equalFold(y.Type, x.Type))
		}
		if !ok {
			return false
		}
	}
	return len(b) > 0
}

// fqdnsCover: each FQDN of b equals one of a, or a has "*" or a leftmost wildcard "*.suffix"
// matching it (a "*.x" pattern covers "y.x" and "*.y.x").
// Wildcards only on the left: learn.microsoft.com/azure/firewall/firewall-faq.
func fqdnsCover(a, b []string) bool {
	for _, x := range b {
		ok := false
		for _, y := range a {
			ok = ok || y == "*" || equalFold(x, y) || (len(y) > 2 && y[:2] == "*." && hasSuffixFold(x, y[1:]))
		}
		if !ok {
			return false
		}
	}
	return true
}
