package convert

import (
	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const (
	typeAdminConfig = "Microsoft.Network/networkManagers/securityAdminConfigurations"
	typeAdminColl   = "Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections"
	typeAdminRule   = "Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules"
	typeNetGroup    = "Microsoft.Network/networkManagers/networkGroups"
	typeStatic      = "Microsoft.Network/networkManagers/networkGroups/staticMembers"
)

// adminRules flattens Virtual Network Manager security admin rules with the VNets they
// apply to: rule → its collection's appliesToGroups → the groups' static members (spec §2.5).
func (b *builder) buildAdminRules() {
	for range dedup(b, b.s.AdminConfigs) {
		b.count(typeAdminConfig)
	}
	members := b.groupMembers()
	colls := map[string]*azure.AdminRuleCollection{}
	for _, w := range dedup(b, b.s.AdminCollections) {
		colls[b.key(w.ID)] = w
		b.count(typeAdminColl)
	}
	for _, w := range dedup(b, b.s.AdminRules) {
		collID := azure.ParentID(w.ID)
		r := &model.AdminRule{ID: model.ID(w.ID), Name: w.Name, Priority: w.Priority, Direction: w.Direction,
			Access: w.Access, Protocol: w.Protocol, Sources: w.Sources, Destinations: w.Destinations,
			SourcePorts: w.SourcePorts, DestPorts: w.DestPorts,
			Collection: model.ID(collID).Name(), Configuration: model.ID(azure.ParentID(collID)).Name()}
		if c := colls[b.key(collID)]; c != nil {
			r.AppliesTo = b.appliesTo(r.ID, c, members)
		} else {
			b.dangling(r.ID, "its rule collection", collID)
		}
		b.n.AdminRules = append(b.n.AdminRules, r)
		b.n.Index(r.ID, r)
		b.count(typeAdminRule)
	}
}

// groupMembers maps each network group (by ID key) to its static member VNets; a group
// without static members gets a warning because dynamic membership is not modelled.
func (b *builder) groupMembers() map[string][]*model.VNet {
	members := map[string][]*model.VNet{}
	for _, w := range dedup(b, b.s.StaticMembers) {
		b.count(typeStatic)
		g := b.key(azure.ParentID(w.ID))
		if v := b.vnets[b.key(w.Resource)]; v != nil {
			members[g] = append(members[g], v)
		} else {
			b.dangling(model.ID(w.ID), "virtual network", w.Resource)
		}
		if _, ok := members[g]; !ok {
			members[g] = nil // a member outside the snapshot is still a static member
		}
	}
	for _, w := range dedup(b, b.s.NetworkGroups) {
		b.count(typeNetGroup)
		if _, ok := members[b.key(w.ID)]; !ok {
			b.n.Warn("Unsupported", model.ID(w.ID), "network group "+w.Name+" has no static members; "+
				"dynamic (Azure Policy) membership is not modelled, so its admin rules apply to no VNet (spec §2.5)")
		}
	}
	return members
}

func (b *builder) appliesTo(from model.ID, c *azure.AdminRuleCollection, members map[string][]*model.VNet) []*model.VNet {
	var out []*model.VNet
	seen := map[*model.VNet]bool{}
	for _, g := range c.Groups {
		vs, ok := members[b.key(g)]
		if !ok {
			b.n.Warn("InsufficientInformation", from, "network group "+g+" has no static members in the snapshot; "+
				"the rule applies to no VNet here (spec §2.5)")
		}
		for _, v := range vs {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}
