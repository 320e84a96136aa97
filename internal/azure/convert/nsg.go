package convert

import (
	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const (
	typeASG  = "Microsoft.Network/applicationSecurityGroups"
	typeNSG  = "Microsoft.Network/networkSecurityGroups"
	typeRule = "Microsoft.Network/networkSecurityGroups/securityRules"
)

func (b *builder) buildASGs() {
	for _, w := range dedup(b, b.s.ASGs) {
		a := &model.ASG{ID: model.ID(w.ID), Name: w.Name}
		b.asgs[b.key(w.ID)] = a
		b.n.ASGs = append(b.n.ASGs, a)
		b.n.Index(a.ID, a)
		b.count(typeASG)
	}
}

// nsgs builds NSGs with their rules, inline or given as separate securityRules objects, and
// warns about rules Azure would refuse (checkRules). Rules are in (priority, name) order
// (sortRules): internal/acl evaluates them by priority (spec §2.1).
func (b *builder) buildNSGs() {
	var rules []child[*azure.SecurityRule]
	ids := map[*model.SecurityRule]model.ID{}
	for _, w := range dedup(b, b.s.NSGs) {
		g := &model.NSG{ID: model.ID(w.ID), Name: w.Name, Location: location(w.Location)}
		b.nsgs[b.key(w.ID)] = g
		b.n.NSGs = append(b.n.NSGs, g)
		b.n.Index(g.ID, g)
		b.count(typeNSG)
		rules = inlineChildren(rules, w.ID, "securityRules", w.Rules)
	}
	for _, c := range mergeChildren(b, rules, b.s.SecurityRules) {
		g := b.nsgs[b.key(c.parent)]
		if g == nil {
			b.dangling(model.ID(c.w.ID), "its network security group", c.parent)
			continue
		}
		r := b.securityRule(c.w)
		g.Rules = append(g.Rules, r)
		ids[r] = model.ID(c.w.ID)
		b.checkName(typeRule, ids[r], r.Name)
		b.count(typeRule)
	}
	for _, g := range b.n.NSGs {
		b.checkRules(g, ids)
		sortRules(g)
	}
}

func (b *builder) securityRule(w *azure.SecurityRule) *model.SecurityRule {
	r := &model.SecurityRule{Name: w.Name, Priority: w.Priority, Direction: w.Direction, Access: w.Access,
		Protocol: w.Protocol, Sources: w.Sources, Destinations: w.Destinations,
		SourcePorts: w.SourcePorts, DestPorts: w.DestPorts}
	r.SourceASGs = b.resolveASGs(model.ID(w.ID), w.SourceASGs)
	r.DestASGs = b.resolveASGs(model.ID(w.ID), w.DestASGs)
	return r
}

func (b *builder) resolveASGs(from model.ID, ids []string) []*model.ASG {
	var out []*model.ASG
	for _, id := range ids {
		if a := b.asgs[b.key(id)]; a != nil {
			out = append(out, a)
		} else {
			b.dangling(from, "application security group", id)
		}
	}
	return out
}
