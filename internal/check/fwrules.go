package check

import (
	"sort"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// fwCollection is one rule collection as a firewall applies it, with where it is defined.
type fwCollection struct {
	rc         *model.RuleCollection
	path       string   // "<group>/<collection>" for policies, "<collection>" for classic rules (cli.md)
	holder     model.ID // the firewall (classic) or the policy that defines the collection
	holderName string
}

// firewallCollections lists the collections a firewall applies: classic collections, or its
// policy's groups by priority with the parent policy's network and application collections
// first (NAT collections are not inherited, spec §3.2 [FWM]).
func firewallCollections(fw *model.Firewall) []fwCollection {
	if fw.Policy == nil {
		out := make([]fwCollection, 0, len(fw.Classic))
		for _, rc := range fw.Classic {
			out = append(out, fwCollection{rc, rc.Name, fw.ID, fw.Name})
		}
		return out
	}
	return policyCollections(fw.Policy, false, 0)
}

func policyCollections(p *model.FirewallPolicy, inherited bool, depth int) []fwCollection {
	var out []fwCollection
	if p.Base != nil && depth < 8 { // bounded: a cyclic basePolicy chain must not hang
		out = policyCollections(p.Base, true, depth+1)
	}
	groups := append([]*model.RuleCollectionGroup(nil), p.Groups...)
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].Priority < groups[j].Priority })
	for _, g := range groups {
		cols := append([]*model.RuleCollection(nil), g.Collections...)
		sort.SliceStable(cols, func(i, j int) bool { return cols[i].Priority < cols[j].Priority })
		for _, rc := range cols {
			if inherited && rc.Kind == model.NATRules {
				continue
			}
			out = append(out, fwCollection{rc, g.Name + "/" + rc.Name, p.ID, p.Name})
		}
	}
	return out
}
