package trace

import (
	"strconv"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// filter evaluates the security rules of one filtering point (spec §2.1) and records a step per
// level. at is the ip configuration or private endpoint the rules belong to: a reply crossing a
// point the forward flow already passed is allowed by state (spec §2.1 "Stateful"). False means
// the leg has ended.
func (w *walker) filter(at any, eff *acl.Effective, dir model.Direction) bool {
	if w.done {
		return false
	}
	if eff == nil {
		return !w.rulesMissing(at, dir)
	}
	f := w.pkt.flow()
	for _, n := range eff.Notes {
		if n.Applies(dir, &f) { // a note on a rule that cannot match this flow could not have mattered
			w.assume("%s", n.Text)
		}
	}
	if w.reply && w.sawForward(at) {
		w.statefulSteps(eff, dir)
		return true
	}
	if len(eff.Sets) == 0 {
		return !w.rulesMissing(at, dir)
	}
	if !w.reply {
		w.filtered = append(w.filtered, at)
	}
	if dir == model.Inbound && len(w.srcSet) > 1 {
		return w.filterSet(eff)
	}
	r := eff.Evaluate(dir, w.pkt.flow())
	if c, ok := at.(*model.IPConfig); ok {
		r = w.internetTag(c, r, dir)
	}
	w.levelSteps(r, dir, "")
	if r.Allowed && w.rulesMissing(at, dir) {
		return false
	}
	if !r.Allowed && w.tagUnknown(at, dir) {
		return false
	}
	if !r.Allowed {
		w.end(Dropped, causeOf(r))
		// A half-built peering also leaves its remote ranges out of the VirtualNetwork tag
		// (spec §2.4), so the default outbound rules deny before routing: name it (cli.md).
		if c, ok := at.(*model.IPConfig); ok && dir == model.Outbound && c.Subnet != nil && c.Subnet.VNet != nil {
			w.peeringFindings(c.Subnet)
		}
	}
	return r.Allowed
}

// internetTag applies --assume internet-tag (spec §2.4) where it can matter: the subnet's Internet
// tag differs between the two readings and a rule naming Internet decides under either, or the
// two verdicts differ. Otherwise the switch is not consulted and the answer does not name it.
func (w *walker) internetTag(c *model.IPConfig, r acl.Result, dir model.Direction) acl.Result {
	if c.Subnet == nil || !w.p.ACL.InternetContested(c.Subnet) {
		return r
	}
	alt := w.p.ACL.ForIPConfigStatic(c).Evaluate(dir, w.pkt.flow())
	if !r.NamesInternet() && !alt.NamesInternet() && r.Allowed == alt.Allowed {
		return r
	}
	if w.choice(assume.InternetTag).Default(assume.InternetTag) {
		return r
	}
	return alt
}

// rulesMissing ends the leg Unknown (InsufficientInformation) when an NSG that filters at `at`
// is referenced but not in the snapshot: the NSGs present allowed the packet, and the missing
// one could deny it. When a present NSG denies, the answer cannot change and the drop stands
// (cli.md "Every command": input integrity).
func (w *walker) rulesMissing(at any, dir model.Direction) bool {
	var ids []model.ID
	switch x := at.(type) {
	case *model.IPConfig:
		if x.Subnet != nil {
			ids = append(ids, x.Subnet.MissingNSG)
		} else if m := w.p.Net.MissingFrom(x.NIC.ID); len(m) > 0 {
			ids = append(ids, m[0]) // the subnet is missing, and with it whatever NSG it has
		}
		if x.NIC != nil {
			ids = append(ids, x.NIC.MissingNSG)
		}
	case *model.PrivateEndpoint:
		if x.Subnet != nil && x.Subnet.PENetworkPoliciesNSG() {
			ids = append(ids, x.Subnet.MissingNSG)
		}
	case *model.DNSResolverInbound:
		if x.Subnet != nil {
			ids = append(ids, x.Subnet.MissingNSG)
		}
	case *model.NetAppVolume: // Standard network features (atNetApp)
		if x.Subnet != nil {
			ids = append(ids, x.Subnet.MissingNSG)
		}
	case *model.Subnet: // an address in it nothing listed holds (atDelegated)
		ids = append(ids, x.MissingNSG)
	}
	for _, id := range ids {
		if id == "" {
			continue
		}
		kind := StepNsgOutbound
		if dir == model.Inbound {
			kind = StepNsgInbound
		}
		w.step(kind, NoMatch, id, "", "%s is referenced but not in the snapshot: the NSG rules that apply here are unknown", id.Name())
		w.assume("%s is referenced but not in the snapshot; the answer depends on the NSG rules it holds or names", id)
		w.end(UnknownD, InsufficientInformation)
		return true
	}
	return false
}

// tagUnknown ends the leg Unknown when NSGs deny at an ip configuration whose subnet's route table
// is referenced but absent: the VirtualNetwork tag holds its UDR prefixes (spec §2.4), so the
// rule that denied may not match with the real routes.
func (w *walker) tagUnknown(at any, dir model.Direction) bool {
	c, ok := at.(*model.IPConfig)
	if !ok || c.Subnet == nil || c.Subnet.MissingRouteTable == "" {
		return false
	}
	id := c.Subnet.MissingRouteTable
	w.assume("route table %s is referenced but not in the snapshot; the VirtualNetwork tag, and so the NSG verdict, depends on its routes (spec §2.4)", id)
	w.end(UnknownD, InsufficientInformation)
	return true
}

func (w *walker) sawForward(at any) bool {
	for _, s := range w.sessionFiltered {
		if s == at {
			return true
		}
	}
	return false
}

// statefulSteps records that each present NSG let a reply through without rules.
func (w *walker) statefulSteps(eff *acl.Effective, dir model.Direction) {
	kind := StepNsgInbound
	if dir == model.Outbound {
		kind = StepNsgOutbound
	}
	for _, s := range eff.Sets {
		if s.NSG != nil {
			w.step(kind, Allowed, s.NSG.ID, "", "reply of an allowed flow: NSGs are stateful (spec §2.1)")
		}
	}
}

// levelSteps turns an ACL result into one step per present level (spec §2.1 order).
func (w *walker) levelSteps(r acl.Result, dir model.Direction, note string) {
	for i := 0; i < r.N; i++ {
		l := r.Levels[i]
		if !l.Present || (l.Level == acl.LevelAdmin && l.Rule == nil) {
			continue // no admin rule matched: nothing to say at that level
		}
		kind, id, rule := levelStep(l, dir)
		res := Allowed
		if l.Access == model.Deny {
			res = Denied
		}
		detail := ""
		if !w.ans.brief {
			detail = levelDetail(l, dir, w.pkt) + note
		}
		w.step(kind, res, id, rule, "%s", detail)
	}
}

func levelStep(l acl.LevelResult, dir model.Direction) (StepKind, model.ID, string) {
	if l.Level == acl.LevelAdmin {
		if l.Rule != nil && l.Rule.Admin != nil {
			return StepAdminRule, l.Rule.Admin.ID, l.Rule.Name
		}
		return StepAdminRule, "", ""
	}
	kind := StepNsgInbound
	if dir == model.Outbound {
		kind = StepNsgOutbound
	}
	var id model.ID
	if l.NSG != nil {
		id = l.NSG.ID
	}
	rule := ""
	if l.Rule != nil {
		rule = l.Rule.Name
	}
	return kind, id, rule
}

func levelDetail(l acl.LevelResult, dir model.Direction, p packet) string {
	what := "NSG"
	switch l.Level {
	case acl.LevelAdmin:
		what = "security admin rule"
	case acl.LevelNIC:
		what = "NIC NSG"
	case acl.LevelSubnet:
		what = "subnet NSG"
	}
	name := ""
	if l.NSG != nil {
		name = " " + l.NSG.Name
	}
	if l.Rule == nil {
		return what + name + ": no rule matched, continue"
	}
	return what + name + " " + accessWord(l.Access) + " " + dir.String() + " " + p.src.String() + " → " +
		p.dst.String() + " " + protoPort(p) + " by " + l.Rule.Name
}

// protoPort is "Tcp/443"; ICMP, ESP and AH have no ports, so just the protocol.
func protoPort(p packet) string {
	if p.proto != model.ProtoTCP && p.proto != model.ProtoUDP {
		return p.proto.String()
	}
	return p.proto.String() + "/" + itoa(int(p.dport))
}

func accessWord(a model.Access) string {
	switch a {
	case model.Deny:
		return "denies"
	case model.AlwaysAllow:
		return "always allows"
	}
	return "allows"
}

// causeOf is the drop cause of a denying ACL result.
func causeOf(r acl.Result) DropCause {
	if r.N > 0 && r.Levels[r.Decider].Level == acl.LevelAdmin {
		return AdminRuleDenied
	}
	return NsgDenied
}

// filterSet evaluates an inbound filtering point for every firewall instance address (spec
// §3.1): all denied drops the leg, some denied makes the flow intermittent.
func (w *walker) filterSet(eff *acl.Effective) bool {
	f := w.pkt.flow()
	denied, first := 0, -1
	var deny acl.Result
	for i, a := range w.srcSet {
		f.Src = a
		if r := eff.Evaluate(model.Inbound, f); !r.Allowed {
			if denied == 0 {
				deny, first = r, i
			}
			denied++
		}
	}
	n := len(w.srcSet)
	if denied == 0 {
		r := eff.Evaluate(model.Inbound, w.pkt.flow())
		w.levelSteps(r, model.Inbound, " (for all "+itoa(n)+" firewall instance addresses)")
		return true
	}
	saved := w.pkt
	w.pkt.src = w.srcSet[first]
	note := " (denies " + itoa(denied) + " of " + itoa(n) + " firewall instance addresses, e.g. " + w.pkt.src.String() + ")"
	w.levelSteps(deny, model.Inbound, note)
	w.pkt = saved
	if denied == n {
		w.end(Dropped, causeOf(deny))
		return false
	}
	w.intermittent = true
	w.ans.finding(CodeIntermittentFirewallSource, "Error", "the flow leaves the firewall from any of its instance addresses and "+
		itoa(denied)+" of "+itoa(n)+" are denied downstream: it works only sometimes (spec §3.1)", deciderID(deny))
	return true
}

func deciderID(r acl.Result) model.ID {
	_, id, _ := levelStep(r.Levels[r.Decider], model.Inbound)
	return id
}

func itoa(i int) string { return strconv.Itoa(i) }
