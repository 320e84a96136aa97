package dns

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// matchRule returns the enabled forwarding rule with the longest domain containing name among
// the rulesets linked to v (spec §8 [DNSPR]: longest suffix wins; disabled rules are skipped).
func matchRule(n *model.Network, v *model.VNet, name string) (*model.ForwardingRule, *model.DNSForwardingRuleset) {
	var best *model.ForwardingRule
	var bestRS *model.DNSForwardingRuleset
	bestLen := -1
	for _, rs := range n.ForwardingRulesets {
		if !linked(rs, v) {
			continue
		}
		for _, rule := range rs.Rules {
			d := strings.TrimSuffix(strings.ToLower(rule.Domain), ".")
			if !rule.Enabled || len(rule.Targets) == 0 || !inDomain(name, d) || len(d) <= bestLen {
				continue
			}
			best, bestRS, bestLen = rule, rs, len(d)
		}
	}
	return best, bestRS
}

// linked: only rulesets linked to the VNet apply (spec §8 [DNSPR]).
func linked(rs *model.DNSForwardingRuleset, v *model.VNet) bool {
	for _, w := range rs.VNets {
		if w == v {
			return true
		}
	}
	return false
}

// forward sends the query to the rule's target servers from the resolver's outbound endpoint.
// The outbound endpoint is not a trace source, so those legs are listed as not traced.
// Forwarded queries leave from the resolver's outbound endpoint: spec §8 [DNSPR].
func (r *resolver) forward(rule *model.ForwardingRule, rs *model.DNSForwardingRuleset, name string, depth int) Result {
	targets := make([]netip.Addr, 0, len(rule.Targets))
	for _, t := range rule.Targets {
		targets = append(targets, t.Addr())
		if t.Port() != 53 && t.Port() != 0 {
			r.assume(fmt.Sprintf("forwarding rule %s/%s targets %s; the leg is traced on port 53", rs.Name, rule.Name, t))
		}
	}
	o := origin{label: "ruleset " + rs.Name + " (resolver outbound endpoint)",
		untraced: "forwarded from the DNS private resolver's outbound endpoint, which vnetdoctor does not trace from"}
	r.assume("queries forwarded by ruleset " + rs.Name + " leave from the resolver's outbound endpoint; that leg is not traced")
	via := fmt.Sprintf("forwarding rule %s/%s (domain %s)", rs.Name, rule.Name, rule.Domain)
	return r.askList(targets, via, o, name, depth+1)
}
