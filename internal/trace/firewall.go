package trace

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// atFirewall is a packet reaching an Azure Firewall as a next hop or at a public IP (spec §3.2).
func (w *walker) atFirewall(fw *model.Firewall) {
	addr := fw.PrivateIP
	if !w.reply && !w.pkt.dst.IsPrivate() && w.pkt.dst != fw.PrivateIP {
		if _, ok := w.p.Index.FirewallByPublicIP[w.pkt.dst]; ok {
			addr = w.pkt.dst
		}
	}
	w.addHop(HopFirewall, fw.Name, fw.ID, addr)
	if w.reply {
		w.firewallReply(fw)
		return
	}
	if id := fw.MissingPolicy; id != "" {
		w.step(StepFirewallNet, NoMatch, id, "", "firewall policy %s of %s is referenced but not in the snapshot: its rules are unknown", id.Name(), fw.Name)
		w.assume("firewall policy %s is referenced but not in the snapshot; the answer depends on its rules", id)
		w.end(UnknownD, InsufficientInformation)
		return
	}
	e := w.p.Firewalls[fw]
	if e == nil || fw.Subnet == nil && !w.hubFirewall(fw) {
		w.drop(InsufficientInformation, StepPlatform, fw.ID, "", "firewall %s has no AzureFirewallSubnet in the snapshot (Virtual WAN hub firewalls are not modelled)", fw.Name)
		return
	}
	pkt := firewall.Packet{Src: w.pkt.src, Dst: w.pkt.dst, Proto: w.pkt.proto,
		SrcPort: w.pkt.sport, DstPort: w.pkt.dport, FQDN: w.ans.Query.FQDN}
	res := w.evaluate(fw, e, pkt)
	if res.Kind == firewall.KindUnknown && anyOpaque(res.Candidates) &&
		!w.choice(assume.FQDNTag).Default(assume.FQDNTag) {
		pkt.OpaqueNoMatch = true // --assume fqdn-tag=nomatch
		res = w.evaluate(fw, e, pkt)
	}
	for _, a := range res.Assumptions {
		w.assume("%s", a)
	}
	if !w.firewallVerdict(fw, res) {
		return
	}
	in := w.pkt
	if !w.translate(fw, res) {
		return
	}
	w.devices = append(w.devices, device{kind: HopFirewall, id: fw.ID, name: fw.Name, stateful: true,
		in: in, out: w.pkt, inSet: len(w.srcSet) > 0, fw: fw, step: w.hop.Steps[0]})
	w.forwarded = true
	w.sender, w.senderFW = nil, fw
	w.leaveFirewall(fw)
}

// anyOpaque reports whether a candidate rule names FQDN tags or web categories.
func anyOpaque(cands []*firewall.RuleInfo) bool {
	for _, c := range cands {
		if c.Opaque() {
			return true
		}
	}
	return false
}

// unlessInTag words an unknown verdict that only FQDN tags or web categories leave open, with a
// deny to fall back on: "denied unless NAME is in FQDN tag X" (cli.md "Every command"). The leg
// is Unknown; false when other candidates are open too.
func (w *walker) unlessInTag(fw *model.Firewall, res firewall.Result) bool {
	n := len(res.Candidates)
	if n < 2 || res.Candidates[n-1].Action != model.FwDeny {
		return false
	}
	var tags []string
	for _, c := range res.Candidates[:n-1] {
		if !c.Opaque() || (len(c.Rule.TargetFQDNs) > 0 && w.ans.Query.FQDN == "") {
			return false
		}
		tags = append(append(tags, c.Rule.FQDNTags...), c.Rule.WebCategories...)
	}
	name := w.ans.Query.FQDN
	if name == "" {
		name = "the requested name"
	}
	first := res.Candidates[0]
	w.step(StepFirewallApp, NoMatch, first.Holder, first.ID, "denied unless %s is in FQDN tag or web category %s of rule %s (their members are not in the snapshot)",
		name, strings.Join(tags, ", "), first.ID)
	w.assume("firewall %s: %s is denied unless it is in %s, whose members the snapshot does not list (--assume fqdn-tag=nomatch decides as no match)",
		fw.Name, name, strings.Join(tags, ", "))
	w.end(UnknownD, InsufficientInformation)
	return true
}

// firewallVerdict records the deciding rule; false means the leg has ended.
func (w *walker) firewallVerdict(fw *model.Firewall, res firewall.Result) bool {
	if res.Kind == firewall.KindUnknown && w.unlessInTag(fw, res) {
		return false
	}
	if res.Kind == firewall.KindUnknown {
		ids := make([]string, 0, len(res.Candidates))
		for _, c := range res.Candidates {
			ids = append(ids, c.ID)
		}
		w.step(StepFirewallApp, NoMatch, res.Holder, "", "the verdict depends on the FQDN or on names vnetdoctor cannot resolve; rules that could decide: %s", strings.Join(ids, ", "))
		w.assume("firewall %s: without --fqdn the flow is decided by one of: %s", fw.Name, strings.Join(ids, ", "))
		w.end(UnknownD, InsufficientInformation)
		return false
	}
	kind := fwStep(res)
	if !res.Allowed() {
		w.drop(FirewallDenied, kind, res.Holder, res.RuleID, "firewall %s denies %s by %s", fw.Name, w.flowText(), res.RuleID)
		return false
	}
	w.step(kind, Matched, res.Holder, res.RuleID, "firewall %s allows %s by %s rule %s", fw.Name, w.flowText(), res.Kind, res.RuleID)
	if insp := w.denyInspections(fw); len(insp) > 0 {
		w.assume("firewall %s: %s in Deny mode may drop what its rules allow; Microsoft's threat feed and signatures are not in the snapshot, so the flow is assumed to pass them (spec §3.2)",
			fw.Name, strings.Join(insp, " and "))
	}
	return true
}

// denyInspections is fw.DenyInspections for an answer that words its assumptions; a brief one
// (reach's) skips them and spends nothing on it.
func (w *walker) denyInspections(fw *model.Firewall) []string {
	if w.ans.brief {
		return nil
	}
	return fw.DenyInspections()
}

func fwStep(res firewall.Result) StepKind {
	if res.Rule == nil {
		return StepFirewallApp
	}
	switch res.Rule.Kind {
	case model.NATRules:
		return StepFirewallDnat
	case model.NetworkRules:
		return StepFirewallNet
	}
	return StepFirewallApp
}

// flowText is the packet's flowText for a step's wording, "" in a brief answer (which has none).
func (w *walker) flowText() string {
	if w.ans.brief {
		return ""
	}
	return flowText(w.pkt)
}

func flowText(p packet) string {
	s := p.src.String() + " → " + p.dst.String() + " " + p.proto.String()
	if p.dport != 0 {
		s += "/" + itoa(int(p.dport))
	}
	return s
}

// translate applies the firewall's address translation (spec §3.3): DNAT destination, and the
// source to an instance address (application rules, DNAT, and network rules whose public
// egress does not leave straight to the internet). False means the leg has ended.
func (w *walker) translate(fw *model.Firewall, res firewall.Result) bool {
	if res.Kind == firewall.KindDnat {
		before := w.pkt
		if res.TranslatedDst.IsValid() {
			w.pkt.dst = res.TranslatedDst
		} else {
			w.assume("DNAT rule %s translates to FQDN %s, which vnetdoctor does not resolve; the destination is kept", res.RuleID, res.TranslatedFQDN)
		}
		if res.TranslatedPort != 0 {
			w.pkt.dport = res.TranslatedPort
		}
		w.step(StepDnat, Translated, res.Holder, res.RuleID, "destination %s:%d → %s:%d", before.dst, before.dport, w.pkt.dst, w.pkt.dport)
	}
	snat := res.SNAT
	if snat == firewall.SNATPublic && !w.fwToInternet(fw) {
		snat = firewall.SNATInstance // forced tunnelling: the firewall sends from an instance address (spec §3.1)
	}
	switch snat {
	case firewall.SNATInstance:
		w.snatToInstances(fw, res.RuleID)
	case firewall.SNATNone:
		if isPublic(w.pkt.dst) && w.fwToInternet(fw) {
			// [FWSNAT]: with a public destination in the private ranges (0.0.0.0/0 = never SNAT) the
			// firewall "can't route traffic directly to the Internet".
			w.drop(NoOutboundAccess, StepSnat, res.Holder, "", "%s is inside the firewall's SNAT private ranges, so the firewall does not SNAT it and cannot send it to the internet with the private source %s (spec §3.3 [FWSNAT])", w.pkt.dst, w.pkt.src)
			return false
		}
		w.step(StepSnat, Allowed, res.Holder, "", "no SNAT: %s is inside the firewall's SNAT private ranges (spec §3.3); the source stays %s", w.pkt.dst, w.pkt.src)
	}
	return true
}

// snatToInstances makes the source "an instance address": the whole range (spec §3.1).
func (w *walker) snatToInstances(fw *model.Firewall, rule string) {
	inst := w.p.Index.Instances[fw]
	if len(inst) == 0 {
		w.assume("firewall %s: instance addresses unknown; the frontend %s stands in for them", fw.Name, fw.PrivateIP)
		inst = []netip.Addr{fw.PrivateIP}
	}
	before := w.pkt.src
	w.pkt.src, w.srcSet = inst[0], inst
	w.step(StepSnat, Translated, fw.ID, rule, "source %s → an instance address of %s (%s … %s, %d addresses; spec §3.1)",
		before, fw.Name, inst[0], inst[len(inst)-1], len(inst))
}

func (w *walker) routesToInternet(s *model.Subnet) bool {
	t := w.p.FIB.Subnet(s)
	if t == nil {
		return false
	}
	r, ok := t.Lookup(w.pkt.dst)
	return ok && r.NextHop == model.HopInternet
}

// firewallReply handles a reply reaching a firewall: it must match a session the forward flow
// created there; the firewall then undoes its translations and routes the reply on.
// A reply without a session is dropped (spec §3.3 consequence, seed case 2 [FWSNAT]).
func (w *walker) firewallReply(fw *model.Firewall) {
	d, ok := w.sessionDevice(fw.ID)
	if !ok {
		if w.origin.kind == epFirewall && w.origin.fw == fw {
			w.step(StepDeliver, Allowed, fw.ID, "", "the reply reaches the firewall that sent the flow")
			w.end(Delivered, "")
			return
		}
		w.drop(NoSession, StepFirewallNet, fw.ID, "", "firewall %s never saw the forward flow: it drops the reply %s (no session)", fw.Name, w.flowText())
		return
	}
	if !w.reverseDenied(fw, packet{src: d.out.dst, sport: d.out.dport, dst: d.in.src, dport: d.in.sport, proto: d.in.proto}) {
		return
	}
	w.step(d.step.Step, Allowed, model.ID(d.step.ResourceID), d.step.Rule, "reply of the session firewall %s created by %s", fw.Name, d.step.Rule)
	if want := d.in.reversed(); want != w.pkt {
		w.step(StepSnat, Translated, fw.ID, "", "reply translated back: %s becomes %s", tupleText(w.pkt), tupleText(want))
		w.pkt = want
	}
	w.srcSet = nil
	w.devices = append(w.devices, device{kind: HopFirewall, id: fw.ID, name: fw.Name, stateful: true, fw: fw})
	w.forwarded = true
	w.sender, w.senderFW = nil, fw
	w.leaveFirewall(fw)
}

func (w *walker) sessionDevice(id model.ID) (device, bool) {
	for _, d := range w.session {
		if d.stateful && d.id.Equal(id) {
			return d, true
		}
	}
	return device{}, false
}

// atFirewallFrontend is a packet addressed to the firewall's own private IP: the DNS proxy
// (spec §3.5) or a private DNAT rule answers; nothing else listens there.
func (w *walker) atFirewallFrontend(fw *model.Firewall) {
	if w.reply {
		w.atFirewall(fw)
		return
	}
	dns := fw.DNSProxyEnabled()
	if dns && w.pkt.dport == model.DNSPort && (w.pkt.proto == model.ProtoUDP || w.pkt.proto == model.ProtoTCP) {
		w.addHop(HopFirewall, fw.Name, fw.ID, fw.PrivateIP)
		w.step(StepDeliver, Allowed, fw.ID, "", "the firewall's DNS proxy answers on %s port 53 (spec §3.5)", fw.PrivateIP)
		w.final = fw
		w.end(Delivered, "")
		return
	}
	if e := w.p.Firewalls[fw]; e != nil {
		if res := w.evaluate(fw, e, firewall.Packet{Src: w.pkt.src, Dst: w.pkt.dst, Proto: w.pkt.proto, SrcPort: w.pkt.sport, DstPort: w.pkt.dport}); res.Kind == firewall.KindDnat {
			w.atFirewall(fw)
			return
		}
	}
	w.addHop(HopFirewall, fw.Name, fw.ID, fw.PrivateIP)
	what := "DNS proxy is off"
	if dns {
		what = "only the DNS proxy (port 53) listens"
	}
	w.drop(NoListener, StepDeliver, fw.ID, "", "nothing answers on the firewall's own address for %s: %s and no private DNAT rule matches", w.flowText(), what)
}

// atFirewallInstance is a packet addressed to one of the firewall's instance addresses: only
// replies to flows the firewall sent or translated arrive there.
// Instance addresses carry only traffic the firewall originates or SNATs: spec §3.1.
func (w *walker) atFirewallInstance(fw *model.Firewall) {
	if w.reply {
		w.addHop(HopFirewall, fw.Name, fw.ID, w.pkt.dst)
		w.firewallReply(fw)
		return
	}
	w.addHop(HopFirewall, fw.Name, fw.ID, w.pkt.dst)
	w.drop(NoListener, StepDeliver, fw.ID, "", "%s is a firewall instance address: nothing listens there for new flows", w.pkt.dst)
}

// tupleText is "src:port → dst:port".
func tupleText(p packet) string {
	return addrOr(p.src, "-") + ":" + itoa(int(p.sport)) + " → " + addrOr(p.dst, "-") + ":" + itoa(int(p.dport))
}
