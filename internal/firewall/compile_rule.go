package firewall

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// addCollection compiles every rule of one collection and appends them to its phase.
func (c compiler) addCollection(fc flatColl) {
	rc, e := fc.coll, c.e
	base := RuleInfo{Kind: rc.Kind, Action: rc.Action, Collection: rc.Name, CollectionPriority: rc.Priority, Holder: e.fw.ID}
	if fc.policy != nil {
		base.Group, base.GroupPriority, base.Holder = fc.group.Name, fc.group.Priority, fc.policy.ID
		base.Inherited = fc.policy != e.fw.Policy
	}
	if !c.actionFits(rc, base.Holder) {
		return
	}
	for _, fr := range rc.Rules {
		if fr == nil {
			continue
		}
		info := base
		info.Name, info.Rule = fr.Name, fr
		info.ID = rc.Name + "/" + fr.Name
		if base.Group != "" {
			info.ID = base.Group + "/" + info.ID
		}
		r := c.compileRule(info, fr)
		e.phases[rc.Kind].rules = append(e.phases[rc.Kind].rules, r)
	}
}

// actionFits rejects a collection whose action does not belong to its type (a classic NAT
// collection of type Snat, say): it is skipped with a warning rather than guessed.
func (c compiler) actionFits(rc *model.RuleCollection, res model.ID) bool {
	ok := (rc.Kind == model.NATRules) == (rc.Action == model.FwDNAT)
	if !ok {
		c.warn("Unsupported", res, rc.Kind.String()+" rule collection "+rc.Name+" has action "+rc.Action.String()+
			"; vnetdoctor skips it")
	}
	return ok
}

// compileRule expands one rule's addresses and patterns for its type.
func (c compiler) compileRule(info RuleInfo, fr *model.FirewallRule) *rule {
	x := addrExpander{net: c.net, owner: info.Holder, warns: c.warns}
	r := &rule{info: info, notes: c.e.notes}
	r.src = x.expand("source", info.ID, fr.Sources, fr.SourceGroups, false)
	if len(fr.Sources) == 0 && len(fr.SourceGroups) == 0 {
		c.warn("InvalidValue", info.Holder, "rule "+info.ID+" has no source; it never matches")
	}
	switch info.Kind {
	case model.NATRules:
		c.compileNAT(r, fr, x)
	case model.NetworkRules:
		c.compileNetwork(r, fr, x)
	default:
		c.compileApplication(r, fr)
	}
	return r
}

// compileNAT: DNAT names a firewall address (spec §3.2 step 1 [FWRP]); its translation is §3.3.
func (c compiler) compileNAT(r *rule, fr *model.FirewallRule, x addrExpander) {
	r.ports, r.anyPort = portsOf(fr.DestPorts)
	r.protos = c.protoMask(r, fr.Protocols)
	r.dst = x.expand("destination", r.info.ID, fr.Destinations, fr.DestGroups, false)
	if fr.TranslatedFQDN != "" && !fr.TranslatedAddress.IsValid() {
		r.notes = withNote(r.notes, noteDNATFQDN)
	}
	if addrs := c.e.firewallAddrs(); len(addrs) > 0 && !r.dst.any && !slices.ContainsFunc(addrs, r.dst.contains) {
		c.warn("InvalidValue", r.info.Holder, "DNAT rule "+r.info.ID+" does not name an address of firewall "+
			c.e.fw.Name+"; traffic reaches it only when routed through the firewall")
	}
}

func (c compiler) compileNetwork(r *rule, fr *model.FirewallRule, x addrExpander) {
	r.ports, r.anyPort = portsOf(fr.DestPorts)
	r.protos = c.protoMask(r, fr.Protocols)
	r.dst = x.expand("destination", r.info.ID, fr.Destinations, fr.DestGroups, true)
	if len(fr.DestFQDNs) == 0 {
		return
	}
	if !c.e.fw.DNSProxyEnabled() {
		c.warn("Unsupported", r.info.Holder, "network rule "+r.info.ID+" names destination FQDNs but the DNS proxy "+
			"is off; those FQDNs never match (spec §3.5)")
		return
	}
	r.dstFQDNs = c.patterns(r.info, fr.DestFQDNs)
	r.notes = withNote(r.notes, noteNetFQDN)
}

// compileApplication: HTTP/S rules match the FQDN from SNI/Host (spec §3.2 step 3 [FWRP]).
func (c compiler) compileApplication(r *rule, fr *model.FirewallRule) {
	r.protos = 1 << classTCP
	protos := fr.AppProtocols
	if len(protos) == 0 && len(fr.FQDNTags) > 0 {
		protos = []model.AppProtocol{{Type: "Http", Port: 80}, {Type: "Https", Port: 443}}
	}
	for _, ap := range protos {
		r.ports = append(r.ports, model.PortRange{Lo: ap.Port, Hi: ap.Port})
	}
	r.targets = c.patterns(r.info, fr.TargetFQDNs)
	if len(fr.FQDNTags) > 0 || len(fr.WebCategories) > 0 {
		r.opaque = true
		c.warn("Unsupported", r.info.Holder, "application rule "+r.info.ID+" uses FQDN tags or web categories ("+
			strings.Join(append(slices.Clone(fr.FQDNTags), fr.WebCategories...), ", ")+
			"); vnetdoctor does not know their members, so flows it could match are Unknown")
	}
	if len(fr.Destinations) > 0 || len(fr.DestGroups) > 0 {
		c.warn("Unsupported", r.info.Holder, "application rule "+r.info.ID+" names destination addresses; "+
			"vnetdoctor matches application rules on FQDNs only")
	}
	r.notes = withNote(r.notes, noteAppDNS)
}

// patterns parses FQDN patterns, warning about unsupported wildcards (they never match).
// Wildcards only on the left: learn.microsoft.com/azure/firewall/firewall-faq.
func (c compiler) patterns(info RuleInfo, names []string) []fqdnPattern {
	var out []fqdnPattern
	for _, s := range names {
		p, ok := parseFQDN(s)
		if !ok {
			c.warn("InvalidValue", info.Holder, "rule "+info.ID+": FQDN "+quote(s)+" is not supported by Azure "+
				"Firewall (a wildcard works only on the left-most side); it never matches")
			continue
		}
		out = append(out, p)
	}
	return out
}

// protoMask maps rule protocols to index classes; Any covers every protocol. A rule with
// explicit destination ports is a TCP+UDP rule [FWRP, learn.microsoft.com/azure/firewall/rule-processing
// "Network rule protocol": "If a destination port is explicitly configured, then the rule is
// translated to a TCP+UDP rule"]: ICMP, ESP and AH have no ports, so such a rule never matches
// them — the same as an NSG rule that restricts ports (internal/acl). r.anyPort must be set.
func (c compiler) protoMask(r *rule, ps []model.Protocol) uint8 {
	m := c.protoClasses(r, ps)
	if !r.anyPort {
		m &= 1<<classTCP | 1<<classUDP
	}
	return m
}

func (c compiler) protoClasses(r *rule, ps []model.Protocol) uint8 {
	if len(ps) == 0 {
		c.warn("InvalidValue", r.info.Holder, "rule "+r.info.ID+" has no protocol; treated as Any")
		return 1<<numClasses - 1
	}
	var m uint8
	for _, p := range ps {
		if p == model.ProtoAny {
			m |= 1<<numClasses - 1
			continue
		}
		m |= 1 << classOf(p)
	}
	return m
}

// portsOf returns the ranges and whether they cover every port (none given = "*").
func portsOf(ps []model.PortRange) ([]model.PortRange, bool) {
	if len(ps) == 0 {
		return nil, true
	}
	for _, p := range ps {
		if p == model.AllPorts {
			return nil, true
		}
	}
	return ps, false
}

// withNote returns notes plus n in a new slice (notes is shared between rules).
func withNote(notes []string, n string) []string {
	return append(slices.Clip(notes), n)
}

// firewallAddrs are the addresses DNAT rules may name: public IPs and the frontend private IP.
// DNAT targets a public IP, or the private IP for private DNAT: spec §3.2 step 1 [FWRP].
func (e *Engine) firewallAddrs() []netip.Addr {
	var out []netip.Addr
	for _, p := range e.fw.PublicIPs {
		if p != nil && p.Address.IsValid() {
			out = append(out, p.Address)
		}
	}
	out = append(out, e.fw.HubPublicAddresses...)
	if len(out) > 0 && e.fw.PrivateIP.IsValid() {
		out = append(out, e.fw.PrivateIP)
	}
	return out
}
