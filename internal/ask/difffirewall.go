package ask

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Firewall rule changes (rule collection groups, IP groups). A firewall takes the first rule that
// matches (spec §3.2), so a packet that no version of a changed rule matches meets the unchanged
// rules in the same order on both sides and gets the same verdict: only the packets an old or
// new version of a changed rule matches can change. Their destinations that something owns are
// asked about as fixed endpoints over the rules' sources; their sources, towards the rules'
// destinations outside every VNet (the internet, on-premises). An address inside a VNet that
// nothing owns is unreachable either way.

// firewallRuleTypes are the resources whose change only changes firewall rules.
var firewallRuleTypes = map[string]bool{
	"microsoft.network/firewallpolicies/rulecollectiongroups": true, "microsoft.network/ipgroups": true,
}

// fwBudget is the most work (work: about a trace each, where no sharing helps) a firewall rule
// change makes diff do: a rule over whole spokes asks about every pair of them (all-pairs),
// which diff does not attempt. About a minute's worth on two cores.
const fwBudget = 1 << 22

// fwEndpoints is the most endpoints a firewall rule change makes diff trace, whatever the other
// end: each is asked about every class of the rules' sources (on-premises ranges are cut by every
// learned route), one trace per class, protocol and port class.
const fwEndpoints = 2000

// firewallRuns are the queries changed firewall rules need; a non-empty reason says diff cannot
// bound the change (a firewall's engine on one side only, too many endpoints).
func firewallRuns(pb, pa *dataplane.Plane, opts Options) ([]pendingRun, string) {
	if !opts.Assume.Default(assume.FwReverseDeny) {
		// Replies are matched against deny rules too: a changed rule reaches flows the other way.
		return nil, "firewall rules changed under --assume fw-reverse-deny=breaks"
	}
	doms, reason := changedDomains(pb, pa)
	if reason != "" {
		return nil, reason
	}
	ends := addrsOf(pb, pa, func(*model.Subnet) bool { return true }, nil) // firewalls' DNAT addresses included
	outside := outsideVNets(pb.Net, pa.Net)
	var out []pendingRun
	// With two firewalls a packet may reach one with its source translated by the other (spec
	// §3.3): the rules' sources then say nothing of the flow's.
	chained := len(pb.Net.Firewalls) > 1 || len(pa.Net.Firewalls) > 1
	for _, d := range doms {
		space := prefixesOrAll(d.AnySrc || chained, d.Src)
		for _, e := range ends {
			if d.AnyDst || d.Dst.Contains(e.addr) {
				out = append(out, domainRuns(e.addr, true, d, space, opts)...)
			}
		}
		ext := outside
		if !d.AnyDst {
			ext = d.Dst.Intersect(outside)
		}
		if ext.IsEmpty() {
			continue
		}
		for _, e := range ends {
			if e.src && (d.AnySrc || chained || d.Src.Contains(e.addr)) {
				out = append(out, domainRuns(e.addr, false, d, ext.Prefixes(), opts)...)
			}
		}
	}
	addrs := map[netip.Addr]bool{}
	for _, r := range out {
		addrs[r.addr] = true
	}
	if len(addrs) > fwEndpoints {
		return nil, fmt.Sprintf("firewall rules changed for %d endpoints: over diff's budget of %d", len(addrs), fwEndpoints)
	}
	if w := work(out, ends); w > fwBudget {
		return nil, fmt.Sprintf("firewall rules changed for %d endpoints, packets worth %d traces: over diff's budget of %d", len(addrs), w, fwBudget)
	}
	return out, ""
}

// work is the measure of what the runs ask: for each endpoint, space and ports (once), the owned
// addresses in its space (the other end's classes are mostly owned addresses, one each) times
// its port classes (a port range and the gaps around it; every port is counted as everyPort).
func work(runs []pendingRun, ends []addrEnd) int {
	type ask struct {
		a            netip.Addr
		space, ports string
	}
	seen := map[ask]bool{}
	inSpace := map[string]int{}
	total := 0
	for _, r := range runs {
		k := ask{r.addr, fmt.Sprint(r.q.Space), fmt.Sprint(r.q.Ports)}
		if seen[k] {
			continue
		}
		seen[k] = true
		n, ok := inSpace[k.space]
		if !ok {
			set := ipset.Of(r.q.Space...)
			for _, e := range ends {
				if r.q.Space == nil || set.Contains(e.addr) {
					n++
				}
			}
			inSpace[k.space] = n
		}
		ports := everyPort
		if r.q.Ports != nil {
			ports = 1 + 2*len(r.q.Ports)
		}
		total += (n + 1) * ports
	}
	return total
}

// domainRuns are endpoint a's queries over the packets of domain d: one per protocol (ports mean
// nothing to ICMP), the other end in space.
func domainRuns(a netip.Addr, to bool, d firewall.Domain, space []netip.Prefix, opts Options) []pendingRun {
	var out []pendingRun
	for _, proto := range d.Protocols {
		q := reach.Query{Protocols: []model.Protocol{proto}, Space: space, Assume: opts.Assume}
		if !d.AnyPort && proto != model.ProtoICMP {
			q.Ports = d.Ports
		}
		out = append(out, pendingRun{addr: a, to: to, q: q})
	}
	return out
}

// changedDomains is the domains of the rules only one side's firewall engines hold (changed,
// added or removed), as ruleKey tells rules apart. (A DNAT rule's packets are its alone: the
// translated packet is not matched against network rules, spec §3.2.)
func changedDomains(pb, pa *dataplane.Plane) ([]firewall.Domain, string) {
	choices := []assume.Set{{}}
	// Under each dnat-inherited choice where a parent policy holds DNAT rules: they apply under
	// one only.
	for _, p := range []*dataplane.Plane{pb, pa} {
		if slices.ContainsFunc(p.Net.Firewalls, func(fw *model.Firewall) bool { return trace.FirewallEngineAll(p, fw) != p.Firewalls[fw] }) {
			choices = append(choices, assume.Set{}.Flip(assume.DNATInherited))
			break
		}
	}
	var out []firewall.Domain
	for _, as := range choices {
		doms, reason := changedDomainsAs(pb, pa, as)
		if reason != "" {
			return nil, reason
		}
		out = append(out, doms...)
	}
	return out, ""
}

// changedDomainsAs is changedDomains under one dnat-inherited choice.
func changedDomainsAs(pb, pa *dataplane.Plane, as assume.Set) ([]firewall.Domain, string) {
	engines := map[string][2]*firewall.Engine{}
	for i, p := range []*dataplane.Plane{pb, pa} {
		for _, fw := range p.Net.Firewalls {
			k := fw.ID.Key()
			e := engines[k]
			e[i] = trace.FirewallEngine(p, fw, as)
			engines[k] = e
		}
	}
	var out []firewall.Domain
	for _, id := range slices.Sorted(maps.Keys(engines)) {
		e := engines[id]
		if e[0] == nil || e[1] == nil {
			if e[0] != e[1] {
				return nil, "firewall " + id + " has rules on one side only"
			}
			continue
		}
		for _, k := range []model.RuleKind{model.NATRules, model.NetworkRules, model.ApplicationRules} {
			seen := [2]map[string]firewall.Domain{{}, {}}
			for i := range e {
				at := map[string]int{} // a rule's place in its collection: the first match there wins
				e[i].Domains(k, func(info *firewall.RuleInfo, d firewall.Domain) {
					coll := info.Group + "/" + info.Collection
					seen[i][fmt.Sprintf("%d|%s", at[coll], ruleKey(info, d))] = d
					at[coll]++
				})
			}
			for i := range seen {
				for _, key := range slices.Sorted(maps.Keys(seen[i])) {
					if _, both := seen[1-i][key]; !both {
						out = append(out, seen[i][key])
					}
				}
			}
		}
	}
	return out, ""
}

// ruleKey is everything about a rule the engine's verdict reads but its place in its collection
// (changedDomains adds it): its group and collection, their priorities, the action,
// inheritance, its domain, and what it translates to or names.
func ruleKey(info *firewall.RuleInfo, d firewall.Domain) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%d|%d|%d|%d|%v|%s|", info.ID, info.Kind, info.Action, info.GroupPriority, info.CollectionPriority, info.Inherited, info.Holder.Key())
	fmt.Fprintf(&b, "%v|%v|%s|%s|%v|%v|%v", d.AnySrc, d.AnyDst, d.Src, d.Dst, d.Protocols, d.Ports, d.AnyPort)
	if r := info.Rule; r != nil {
		fmt.Fprintf(&b, "|%v|%s|%d|%q|%q|%q|%q|%v", r.TranslatedAddress, r.TranslatedFQDN, r.TranslatedPort, r.TargetFQDNs, r.FQDNTags, r.WebCategories, r.DestFQDNs, r.AppProtocols)
	}
	return b.String()
}

// outsideVNets is every IPv4 address no VNet of either side holds.
func outsideVNets(nets ...*model.Network) ipset.Set {
	var spaces []netip.Prefix
	for _, n := range nets {
		for _, v := range n.VNets {
			spaces = append(spaces, v.AddressSpace...)
		}
	}
	return ipset.All4().Difference(ipset.Of(spaces...))
}

// prefixesOrAll is s's IPv4 prefixes, or nil (every address) when all.
func prefixesOrAll(all bool, s ipset.Set) []netip.Prefix {
	if all {
		return nil
	}
	return s.Only4().Prefixes()
}
