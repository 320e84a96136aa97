package flowdb

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
)

// Enricher adds what a snapshot says to the records being stored. A nil *Enricher stores
// records as the logs wrote them.
type Enricher struct{}

// enriched is the answer for one address.
type enriched struct {
	ep *Endpoint
}

func (e *enriched) id() uint64 {
	if e == nil || e.ep == nil {
		return 0
	}
	return e.ep.ID
}

// context is the Context of r.
func (en *Enricher) context(r *flowlog.Record) Context {
	c := Context{Kind: r.Kind, LogID: r.LogID, TargetID: r.TargetID, MAC: r.MAC, ACLID: r.ACLID, Rule: r.Rule,
		Category: r.Category, Policy: r.Policy, RuleCollectionGroup: r.RuleCollectionGroup, RuleCollection: r.RuleCollection,
		ActionReason: r.ActionReason, FQDN: r.FQDN, TargetURL: r.TargetURL}
	c.ID = ContextID(&c)
	return c
}

func (en *Enricher) endpoint(a netip.Addr) *enriched { return &enriched{} }

func (en *Enricher) flowType(s, d *enriched) FlowType { return FlowTypeUnknown }
