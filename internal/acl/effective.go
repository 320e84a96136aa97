package acl

import (
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// ForIPConfig returns the effective rules of a NIC ip configuration: the admin rules of its
// VNet (unless its subnet is special), its subnet's NSG and its NIC's NSG, each with the
// default rules (spec §2.1–§2.5). The result is cached; callers must not modify it.
func (a *ACL) ForIPConfig(c *model.IPConfig) *Effective {
	if c == nil {
		return &Effective{}
	}
	return a.ipcs.get(c, func() *Effective { return a.forIPConfig(c, false) })
}

// ForIPConfigStatic is ForIPConfig with the Internet tag read as the public address space
// whatever the routes (--assume internet-tag=static, spec §2.4).
func (a *ACL) ForIPConfigStatic(c *model.IPConfig) *Effective {
	if c == nil {
		return &Effective{}
	}
	return a.ipcsStatic.get(c, func() *Effective { return a.forIPConfig(c, true) })
}

func (a *ACL) forIPConfig(c *model.IPConfig, static bool) *Effective {
	e := &Effective{nic: c.NIC, subnet: c.Subnet, applies: [3]bool{true, true, true}}
	var notes [3][]Note
	e.sets[LevelAdmin], notes[0] = a.adminSet(c.Subnet, static)
	if c.Subnet != nil && c.Subnet.NSG != nil {
		e.sets[LevelSubnet], notes[1] = a.nsgSet(LevelSubnet, c.Subnet.NSG, c.Subnet, c.ASGs, static)
	}
	if c.NIC != nil && c.NIC.NSG != nil {
		e.sets[LevelNIC], notes[2] = a.nsgSet(LevelNIC, c.NIC.NSG, c.Subnet, c.ASGs, static)
	}
	e.finish(notes[:]...)
	return e
}

// ForPrivateEndpoint returns the rules filtering traffic to a private endpoint: its subnet's
// NSG when privateEndpointNetworkPolicies enables NSGs, else nothing (spec §5).
// Security admin rules are not evaluated for private endpoints (an assumption the result states).
func (a *ACL) ForPrivateEndpoint(pe *model.PrivateEndpoint) *Effective {
	if pe == nil {
		return &Effective{}
	}
	return a.pes.get(pe, func() *Effective {
		s := pe.Subnet
		e := &Effective{subnet: s, pe: pe}
		if s == nil {
			return e
		}
		var notes []Note
		if s.PENetworkPoliciesNSG() {
			e.applies[LevelSubnet] = true
			if s.NSG != nil {
				e.sets[LevelSubnet], notes = a.nsgSet(LevelSubnet, s.NSG, s, nil, false)
			}
		} else if s.NSG != nil {
			notes = append(notes, Note{Text: "subnet " + s.Name + " has privateEndpointNetworkPolicies " + policyName(s) +
				": NSG " + s.NSG.Name + " does not filter traffic to private endpoint " + pe.Name + " (spec §5)"})
		}
		if len(a.admin[s.VNet]) > 0 {
			notes = append(notes, Note{Text: "security admin rules are not evaluated for private endpoint " + pe.Name})
		}
		e.finish(notes)
		return e
	})
}

// policyName: privateEndpointNetworkPolicies defaults to Disabled (spec §5 [PENP]).
func policyName(s *model.Subnet) string {
	if s.PrivateEndpointNetworkPolicies == "" {
		return "Disabled"
	}
	return s.PrivateEndpointNetworkPolicies
}

// ForSubnet returns the rules applying to an address in subnet s that no NIC owns (a load
// balancer frontend, an appliance without a NIC in the snapshot): admin rules and the subnet NSG.
func (a *ACL) ForSubnet(s *model.Subnet) *Effective {
	if s == nil {
		return &Effective{}
	}
	return a.bare.get(s, func() *Effective {
		e := &Effective{subnet: s}
		e.applies[LevelAdmin], e.applies[LevelSubnet] = true, true
		var notes [2][]Note
		e.sets[LevelAdmin], notes[0] = a.adminSet(s, false)
		if s.NSG != nil {
			e.sets[LevelSubnet], notes[1] = a.nsgSet(LevelSubnet, s.NSG, s, nil, false)
		}
		e.finish(notes[:]...)
		return e
	})
}

// finish fills Sets (admin, subnet NSG, NIC NSG), Notes and the de-duplicated Assumptions.
func (e *Effective) finish(notes ...[]Note) {
	for _, lv := range []Level{LevelAdmin, LevelSubnet, LevelNIC} {
		if e.sets[lv] != nil {
			e.Sets = append(e.Sets, e.sets[lv])
		}
	}
	for _, ns := range notes {
		for _, n := range ns {
			if !slices.Contains(e.Assumptions, n.Text) {
				e.Assumptions = append(e.Assumptions, n.Text)
				e.Notes = append(e.Notes, n)
			}
		}
	}
}

// Set returns the rule set at a level, or nil when the level has none.
func (e *Effective) Set(lv Level) *RuleSet {
	if int(lv) >= len(e.sets) {
		return nil
	}
	return e.sets[lv]
}

// Applies reports whether a level is on the path of this Effective (a private endpoint
// without NSG network policies has none).
// spec §5: NSGs reach a private endpoint only under its subnet's network policies [PENP].
func (e *Effective) Applies(lv Level) bool { return int(lv) < len(e.applies) && e.applies[lv] }
