package flowdb

import (
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// flowLogRule resolves a VNet flow log group's aclID and rule to the NSG or security admin
// rule behind it. The model does not keep NSGs' resourceGuid (what aclID holds, logs.md §2), so
// the NSG is found from the logging NIC instead: the source's NIC for an outbound tuple, the
// destination's for an inbound one, and among its NSGs in the order Azure evaluates them
// (inbound: the subnet's, then the NIC's; outbound: the NIC's, then the subnet's —
// learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works) the first
// with the rule. A rule the snapshot does not have leaves By as the aclID.
func (en *Enricher) flowLogRule(c *Context, r *flowlog.Record) {
	inbound := r.Direction == 'I'
	at := r.Src
	if inbound {
		at = r.Dst
	}
	var nic *model.NIC
	for _, o := range en.net.Owners(at) {
		if o.Kind == model.OwnerNIC {
			nic = o.IPConfig.NIC
			break
		}
	}
	if nic == nil {
		return
	}
	name, def := ruleName(c.Rule)
	var nsgs []*model.NSG
	if s := nic.Subnet(); s != nil && s.NSG != nil {
		nsgs = append(nsgs, s.NSG)
	}
	if nic.NSG != nil {
		if inbound {
			nsgs = append(nsgs, nic.NSG)
		} else {
			nsgs = append([]*model.NSG{nic.NSG}, nsgs...)
		}
	}
	for _, nsg := range nsgs {
		if def || hasRule(nsg, name) {
			c.By, c.ByID, c.RuleID = nsg.Name, string(nsg.ID), nsgRuleID(nsg, c.Rule)
			return
		}
	}
	if s := nic.Subnet(); s != nil && !def {
		for _, ar := range en.net.AdminRules {
			if strings.EqualFold(ar.Name, name) && slices.Contains(ar.AppliesTo, s.VNet) {
				c.By, c.ByID, c.RuleID = ar.Configuration, string(ar.ID), string(ar.ID)
				return
			}
		}
	}
}

// ruleName is a flow log rule's NSG rule name: UserRule_X is X, DefaultRule_X the default rule
// X; a bare name (an admin rule, or "Internet" in the docs' sample) is itself.
func ruleName(rule string) (name string, isDefault bool) {
	if n, ok := strings.CutPrefix(rule, "UserRule_"); ok {
		return n, false
	}
	if n, ok := strings.CutPrefix(rule, "DefaultRule_"); ok {
		return n, true
	}
	return rule, false
}

func hasRule(nsg *model.NSG, name string) bool {
	for _, r := range nsg.Rules {
		if strings.EqualFold(r.Name, name) {
			return true
		}
	}
	return false
}

// nsgRuleID is the resource ID of the NSG rule a flow log names: securityRules/X for a user
// rule the NSG has, defaultSecurityRules/X for DefaultRule_X; "" otherwise.
func nsgRuleID(nsg *model.NSG, rule string) string {
	name, def := ruleName(rule)
	if def {
		return string(nsg.ID) + "/defaultSecurityRules/" + name
	}
	for _, r := range nsg.Rules {
		if strings.EqualFold(r.Name, name) {
			return string(nsg.ID) + "/securityRules/" + r.Name
		}
	}
	return ""
}

// firewallRule resolves a firewall record's firewall and policy rule (logs.md §4: names
// compared case-insensitively; classic-rule logs name only collection and rule). RuleID is the
// rule collection group's resource ID + "/ruleCollections/C/rules/R" — collections and rules
// are properties of the group, not ARM resources — or, for classic rules, the firewall's ID +
// "/ruleCollections/C/rules/R".
func (en *Enricher) firewallRule(c *Context) {
	fw, ok := lookup[*model.Firewall](en.net, c.LogID)
	if !ok {
		return
	}
	c.By, c.ByID = fw.Name, string(fw.ID)
	if c.RuleCollection == "" || c.Rule == "" {
		return
	}
	if fw.Policy == nil {
		if rc, r := findRule(fw.Classic, c.RuleCollection, c.Rule); r != nil {
			c.RuleID = string(fw.ID) + "/ruleCollections/" + rc.Name + "/rules/" + r.Name
		}
		return
	}
	for p := fw.Policy; p != nil; p = p.Base {
		for _, g := range p.Groups {
			if c.RuleCollectionGroup != "" && !strings.EqualFold(g.Name, c.RuleCollectionGroup) {
				continue
			}
			if rc, r := findRule(g.Collections, c.RuleCollection, c.Rule); r != nil {
				c.RuleID = string(g.ID) + "/ruleCollections/" + rc.Name + "/rules/" + r.Name
				return
			}
		}
	}
}

func findRule(cols []*model.RuleCollection, collection, rule string) (*model.RuleCollection, *model.FirewallRule) {
	for _, rc := range cols {
		if !strings.EqualFold(rc.Name, collection) {
			continue
		}
		for _, r := range rc.Rules {
			if strings.EqualFold(r.Name, rule) {
				return rc, r
			}
		}
	}
	return nil, nil
}
