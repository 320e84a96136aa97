package firewall

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// noteParentNAT tells the user why a flow to the firewall is not translated by a parent
// policy's DNAT rule: NAT collections are not inherited (spec §3.2 [FWM]).
const noteParentNAT = "DNAT (NAT) rule collections of a parent Firewall Policy are not inherited by a child policy; " +
	"a DNAT rule meant for this firewall must be in the policy attached to it (spec §3.2 [FWM])"

// parentNAT warns when a policy's basePolicy chain holds NAT collections, which the firewall
// ignores, and prepares the assumption Evaluate attaches to default-deny results of flows
// addressed to the firewall itself (the only flows DNAT could have translated).
func (c compiler) parentNAT() {
	if len(c.chain) < 2 {
		return
	}
	child := c.chain[len(c.chain)-1]
	var names []string
	for _, p := range c.chain[:len(c.chain)-1] {
		for _, g := range p.Groups {
			if g == nil {
				continue
			}
			for _, rc := range g.Collections {
				if rc != nil && rc.Kind == model.NATRules {
					names = append(names, p.Name+"/"+g.Name+"/"+rc.Name)
				}
			}
		}
	}
	if len(names) == 0 {
		return
	}
	c.warn("NotInherited", child.ID, "parent policy NAT collections "+strings.Join(names, ", ")+" are not inherited by "+
		child.Name+": firewall "+c.e.fw.Name+" does not apply their DNAT rules (spec §3.2 [FWM])")
	c.e.selfAddrs = c.e.firewallAddrs()
	c.e.denySelfNotes = append(slices.Clone(c.e.notes), noteParentNAT)
}

// denyNotes are the assumptions of a default-deny result for a packet to dst.
func (e *Engine) denyNotes(dst netip.Addr) []string {
	if e.denySelfNotes != nil && slices.Contains(e.selfAddrs, dst) {
		return e.denySelfNotes
	}
	return e.notes
}
