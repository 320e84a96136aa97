package acl

import (
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// ACL computes effective rules on demand for the resources of a network. Everything is
// compiled lazily and cached — service tags once, subnet contexts once per subnet, an NSG
// once per context it is used in — so building is cheap even for large estates. An ACL is
// safe for concurrent use.
type ACL struct {
	net *model.Network
	fib *fib.FIB
	// routes returns the effective routes of a subnet (the VirtualNetwork tag depends on
	// them, spec §2.4); a seam so tests can feed routes directly.
	routes func(*model.Subnet) []fib.Route

	members map[string][]netip.Addr // ASG ID key → private IPs of member ip configurations
	admin   map[*model.VNet][]*model.AdminRule
	ctxNSG  map[*model.NSG]nsgTraits

	tags     lazy[string, expansion]
	entries  lazy[string, resolved] // resolve of entries that are not context tags
	asgs     lazy[string, expansion]
	subnets  lazy[subnetMode, *subnetCtx]
	contexts lazy[string, *subnetCtx] // by VirtualNetwork tag
	sides    lazy[sideKey, *compiledSide]
	nsgs     lazy[nsgKey, *compiled]
	sets     lazy[setKey, *RuleSet]
	// ruleCaches are each NSG's rules compiled once per what they read (ruleCache).
	ruleCaches lazy[*model.NSG, *ruleCache]
	admins     lazy[subnetMode, *compiled]
	ipcs       lazy[*model.IPConfig, *Effective]
	// ipcsStatic are the effective rules under --assume internet-tag=static (ForIPConfigStatic).
	ipcsStatic lazy[*model.IPConfig, *Effective]
	contested  lazy[*model.Subnet, bool] // InternetContested
	pes        lazy[*model.PrivateEndpoint, *Effective]
	bare       lazy[*model.Subnet, *Effective]
}

// nsgTraits says which parts of the context an NSG's user rules depend on, so NSGs that do
// not use them are compiled once for all subnets or all ASG memberships.
type nsgTraits struct {
	usesContext bool // names VirtualNetwork or Internet
	usesSelfASG bool // names an ASG on the NIC's own side
}

type nsgKey struct {
	nsg  *model.NSG
	ctx  *subnetCtx // nil when the NSG names no context tag
	asgs string     // the ip configuration's ASG IDs when the NSG names self-side ASGs
}

// Build prepares effective rules for n. The VirtualNetwork tag depends on routes (spec §2.4).
// It indexes ASG membership and admin rules and returns warnings for unknown service tags;
// rules are compiled on first use.
func Build(n *model.Network, f *fib.FIB) (*ACL, []model.Warning) {
	a := newACL(n, func(s *model.Subnet) []fib.Route {
		if f == nil {
			return nil
		}
		if t := f.Subnet(s); t != nil {
			return t.WithoutEndpoints() // the tag never holds endpoint /32s (vnetTag)
		}
		return nil
	})
	a.fib = f
	return a, a.scan()
}

func newACL(n *model.Network, routes func(*model.Subnet) []fib.Route) *ACL {
	a := &ACL{net: n, routes: routes, members: map[string][]netip.Addr{},
		admin: map[*model.VNet][]*model.AdminRule{}, ctxNSG: map[*model.NSG]nsgTraits{}}
	for _, nic := range n.NICs {
		if nic == nil {
			continue
		}
		for _, c := range nic.IPConfigs {
			if c == nil {
				continue
			}
			for _, g := range c.ASGs {
				if g != nil && c.PrivateIP.IsValid() {
					a.members[g.ID.Key()] = append(a.members[g.ID.Key()], c.PrivateIP)
				}
			}
		}
	}
	for _, ar := range n.AdminRules {
		if ar == nil {
			continue
		}
		for _, v := range ar.AppliesTo {
			if v != nil && !slices.Contains(a.admin[v], ar) {
				a.admin[v] = append(a.admin[v], ar)
			}
		}
	}
	return a
}

// scan records each NSG's traits and warns about tags the snapshot does not define.
func (a *ACL) scan() []model.Warning {
	var ws []model.Warning
	for _, nsg := range a.net.NSGs {
		if nsg != nil {
			ws = append(ws, a.scanNSG(nsg)...)
		}
	}
	for _, ar := range a.net.AdminRules {
		if ar == nil {
			continue
		}
		for _, e := range append(adminEntries(ar.Sources), adminEntries(ar.Destinations)...) {
			if a.unknownTag(e) {
				ws = append(ws, unknownTagWarning(ar.ID, "security admin rule "+ar.RuleName(), e))
			}
		}
	}
	return ws
}

// scanNSG records an NSG's traits and returns one warning per unknown tag it names.
func (a *ACL) scanNSG(nsg *model.NSG) []model.Warning {
	var ws []model.Warning
	var tr nsgTraits
	seen := map[string]bool{}
	for _, sr := range nsg.Rules {
		if sr == nil {
			continue
		}
		inbound := sr.Direction == model.Inbound
		tr.usesSelfASG = tr.usesSelfASG || (inbound && len(sr.DestASGs) > 0) || (!inbound && len(sr.SourceASGs) > 0)
		for _, side := range [2][]string{sr.Sources, sr.Destinations} {
			for _, e := range side {
				tr.usesContext = tr.usesContext || contextTag(strings.TrimSpace(e))
				if !seen[e] && a.unknownTag(e) { // resolve remembers each spelling: NSGs repeat a few
					seen[e] = true
					ws = append(ws, unknownTagWarning(nsg.ID, "rule "+sr.Name, e))
				}
			}
		}
	}
	a.ctxNSG[nsg] = tr
	return ws
}

func unknownTagWarning(res model.ID, what, tag string) model.Warning {
	return model.Warning{Code: "UnknownServiceTag", Resource: res, Message: what + " names service tag \"" + tag +
		"\", which the snapshot's service tags do not define; the rule never matches it (spec §2.4)"}
}

// asgMembers is the set of private IPs of the ip configurations in an ASG.
// An ASG rule applies only to member ip configurations: spec §2.2 [ASG].
func (a *ACL) asgMembers(g *model.ASG) expansion {
	k := g.ID.Key()
	return a.asgs.get(k, func() expansion { return expand(ipset.OfAddrs(a.members[k]...)) })
}

// nsgSet builds the rule set of nsg at a level for an ip configuration in subnet s with
// ASGs member.
func (a *ACL) nsgSet(lv Level, nsg *model.NSG, s *model.Subnet, member []*model.ASG, static bool) (*RuleSet, []Note) {
	sc := a.subnetContext(s, static)
	tr, ok := a.ctxNSG[nsg]
	if !ok { // an NSG the network does not list: assume it needs everything
		tr = nsgTraits{true, true}
	}
	key := nsgKey{nsg: nsg}
	var ctx *subnetCtx
	if tr.usesContext {
		key.ctx, ctx = sc, sc
	}
	if tr.usesSelfASG {
		key.asgs = asgKey(member)
	} else {
		member = nil
	}
	c := a.nsgs.get(key, func() *compiled { return a.compileNSG(nsg, ctx, member) })
	// One rule set for every ip configuration that compiles alike: what reads rule sets
	// (reach's port boundaries, check's pair keys) caches by set.
	rs := a.sets.get(setKey{lv, key, sc}, func() *RuleSet { return newRuleSet(lv, nsg, c.rules, sc.defaults) })
	return rs, c.notes
}

// setKey identifies a rule set: the level, the NSG's compilation and the context whose default
// rules it ends with.
type setKey struct {
	lv  Level
	nsg nsgKey
	sc  *subnetCtx
}

func asgKey(gs []*model.ASG) string {
	ks := make([]string, 0, len(gs))
	for _, g := range gs {
		if g != nil {
			ks = append(ks, g.ID.Key())
		}
	}
	sort.Strings(ks)
	return strings.Join(ks, "\x00")
}

// adminSet returns the admin rules of s's VNet, or nil when none apply. Admin rules do not
// apply to the subnets of Azure Firewall, Bastion, gateways and Route Server (spec §2.5).
func (a *ACL) adminSet(s *model.Subnet, static bool) (*RuleSet, []Note) {
	if s == nil || s.VNet == nil || s.IsSpecial() || len(a.admin[s.VNet]) == 0 {
		return nil, nil
	}
	c := a.admins.get(subnetMode{s, static}, func() *compiled { return a.compileAdmin(a.admin[s.VNet], a.subnetContext(s, static)) })
	return newRuleSet(LevelAdmin, nil, c.rules, nil), c.notes
}

// lazy is a concurrency-safe map whose values are computed once, on first request, outside
// the map's lock (so computing one value may request others).
type lazy[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*lazyEntry[V]
}

type lazyEntry[V any] struct {
	once sync.Once
	v    V
}

func (l *lazy[K, V]) get(k K, compute func() V) V {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[K]*lazyEntry[V]{}
	}
	e := l.m[k]
	if e == nil {
		e = &lazyEntry[V]{}
		l.m[k] = e
	}
	l.mu.Unlock()
	e.once.Do(func() { e.v = compute() })
	return e.v
}
