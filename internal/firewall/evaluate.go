package firewall

import (
	"math/bits"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const noteUnknown = "the verdict depends on the flow's FQDN (--fqdn), on FQDN tags or web categories, or on how the " +
	"firewall resolves network-rule FQDNs, none of which vnetdoctor knows here; the candidates are listed"

// Evaluate decides a new flow in the order of spec §3.2: DNAT rules, network rules,
// application rules, default deny; within a type the first matching rule is final. A DNAT
// match is allowed without network-rule processing; a network match means application rules
// are never consulted. When an earlier rule could match depending on something unknown (the
// FQDN, say), the result is KindUnknown with those rules as candidates.
//
// Evaluate does not allocate unless the result is KindUnknown.
func (e *Engine) Evaluate(p Packet) Result {
	p = normalize(p)
	c := classOf(p.Proto)
	var pending []*rule
	for k := model.NATRules; k <= model.ApplicationRules; k++ {
		hit, maybes := e.scan(k, &p, c)
		pending = append(pending, maybes...)
		if hit == nil {
			continue
		}
		if len(pending) > 0 {
			return e.unknown(pending, &hit.info)
		}
		return e.decided(hit, &p)
	}
	if len(pending) > 0 {
		return e.unknown(pending, &e.deny)
	}
	return Result{Kind: KindDefaultDeny, Action: model.FwDeny, Rule: &e.deny, RuleID: e.deny.ID,
		Holder: e.deny.Holder, Assumptions: e.denyNotes(p.Dst)}
}

// scan returns the first rule of phase k that matches p, and the rules before it that may
// match. Only candidates of the index are checked, in first-match order.
// First match within a type is final: spec §3.2 [FWRP].
func (e *Engine) scan(k model.RuleKind, p *Packet, c protoClass) (hit *rule, maybes []*rule) {
	ph := &e.phases[k]
	a, s, d := ph.idx.candidates(p, c)
	for w := range a {
		for set := a[w] & s[w] & d[w]; set != 0; set &= set - 1 {
			r := ph.rules[w*64+bits.TrailingZeros64(set)]
			switch r.eval(p, c) {
			case match:
				return r, maybes
			case maybe:
				maybes = append(maybes, r)
			}
		}
	}
	return nil, maybes
}

// eval checks one rule in full.
func (r *rule) eval(p *Packet, c protoClass) verdict {
	if r.info.Kind == model.ApplicationRules {
		return r.matchApplication(p, c)
	}
	return r.matchNetwork(p, c)
}

// decided builds the result of a definite match (spec §3.3 for the translation).
func (e *Engine) decided(r *rule, p *Packet) Result {
	res := Result{Rule: &r.info, RuleID: r.info.ID, Holder: r.info.Holder, Action: r.info.Action, Assumptions: r.notes}
	switch r.info.Kind {
	case model.NATRules:
		fr := r.info.Rule
		res.Kind, res.Action, res.SNAT = KindDnat, model.FwAllow, SNATInstance
		res.TranslatedDst, res.TranslatedPort, res.TranslatedFQDN = fr.TranslatedAddress, fr.TranslatedPort, fr.TranslatedFQDN
	case model.NetworkRules:
		res.Kind = KindNetwork
		if res.Action == model.FwAllow && e.SNATsTo(p.Dst) {
			res.SNAT = SNATPublic
		}
	default:
		res.Kind = KindApplication
		if res.Action == model.FwAllow {
			res.SNAT = SNATInstance
		}
	}
	return res
}

// unknown lists the undecided rules, then the rule that decides when none of them matches.
// No --fqdn and an application rule might match: Unknown, spec §3.2 [FWRP].
func (e *Engine) unknown(pending []*rule, fallback *RuleInfo) Result {
	cands := make([]*RuleInfo, 0, len(pending)+1)
	for _, r := range pending {
		cands = append(cands, &r.info)
	}
	cands = append(cands, fallback)
	notes := append(append([]string(nil), e.notes...), noteUnknown)
	return Result{Kind: KindUnknown, Action: model.FwDeny, Holder: e.holder, Candidates: cands, Assumptions: notes}
}
