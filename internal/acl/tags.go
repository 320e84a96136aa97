package acl

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// expansion is a set of addresses with its CIDR list computed once, so rules that name the
// same tag share both.
type expansion struct {
	set      ipset.Set
	prefixes []netip.Prefix
}

func expand(s ipset.Set) expansion { return expansion{s, s.Prefixes()} }

// expandList keeps a tag's prefixes as listed for the effective rules listing, in address
// order, leaving out those another listed prefix covers: Azure shows a tag's member ranges,
// not a merged CIDR cover (10.0.0.0/16 and 10.1.0.0/16 stay two entries), and a 0.0.0.0/0
// UDR collapses VirtualNetwork to a lone 0.0.0.0/0 (azure-docs issue #22178). Matching uses the set.
func expandList(ps []netip.Prefix) expansion {
	list := make([]netip.Prefix, 0, len(ps))
	for _, p := range ps {
		list = append(list, p.Masked())
	}
	slices.SortFunc(list, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	kept := list[:0]
	for _, p := range list { // sorted: a covering prefix comes before what it covers
		if len(kept) == 0 || !kept[len(kept)-1].Overlaps(p) {
			kept = append(kept, p)
		}
	}
	return expansion{ipset.Of(ps...), kept}
}

var (
	// privateRanges are excluded from the Internet tag (spec §2.4). DECISION: "the private
	// ranges" are IANA's private ranges as Azure Firewall names them (RFC 1918 and
	// 100.64.0.0/10, spec §3.3).
	privateRanges = ipset.Of(model.IANAPrivateRanges...)
	azureHostExp  = expand(ipset.OfAddrs(model.AzurePlatformIP))
	imdsHostExp   = expand(ipset.OfAddrs(model.IMDSAddr))
)

// entryKind classifies one address entry of a rule.
type entryKind uint8

const (
	entryAny      entryKind = iota // "*"
	entryPrefix                    // an IP or CIDR
	entryTag                       // a service tag with known addresses
	entryPlatform                  // AzurePlatformDNS / AzurePlatformIMDS / AzurePlatformLKM (spec §2.6)
	entryUnknown                   // a name that is neither an address nor a known tag
)

// subnetCtx is what effective rules depend on besides the NSG: the VirtualNetwork and
// Internet tags of a subnet (spec §2.4) and the default rules built from them (spec §2.3).
type subnetCtx struct {
	vnet, internet expansion
	defaults       []*Rule // inbound then outbound, by priority
}

// contextTag reports whether a tag's addresses depend on the subnet.
// VirtualNetwork and Internet are derived from the subnet's routes: spec §2.4 [TAG].
func contextTag(name string) bool {
	return strings.EqualFold(name, "VirtualNetwork") || strings.EqualFold(name, "Internet")
}

// unknownTag reports whether an entry is neither "*", an address, nor a tag vnetdoctor or the
// network knows (resolve's entryUnknown); it expands nothing.
// An unknown tag never matches and is listed under assumptions: spec §2.4 [TAG].
func (a *ACL) unknownTag(entry string) bool {
	_, kind := a.resolve(entry, nil)
	return kind == entryUnknown
}

// resolve classifies an entry and returns its addresses. sc may be nil when the caller knows
// the entry is not a context tag.
func (a *ACL) resolve(entry string, sc *subnetCtx) (expansion, entryKind) {
	entry = strings.TrimSpace(entry)
	if !contextTag(entry) {
		// The rest reads nothing of the subnet: each spelling is worked out once (the same
		// few prefixes and tags recur in thousands of NSGs).
		r := a.entries.get(entry, func() resolved {
			exp, kind := a.resolveFixed(entry)
			return resolved{exp, kind}
		})
		return r.exp, r.kind
	}
	if sc == nil { // the caller established that no context tag is named
		sc = &subnetCtx{}
	}
	if strings.EqualFold(entry, "VirtualNetwork") {
		return sc.vnet, entryTag
	}
	return sc.internet, entryTag
}

// resolved is an entry's addresses and kind.
type resolved struct {
	exp  expansion
	kind entryKind
}

// resolveFixed is resolve of an entry that is not a context tag.
func (a *ACL) resolveFixed(entry string) (expansion, entryKind) {
	if entry == "*" || strings.EqualFold(entry, "Any") {
		return expansion{}, entryAny
	}
	if p, err := netip.ParsePrefix(entry); err == nil {
		return expand(ipset.Of(p)), entryPrefix
	}
	if ad, err := netip.ParseAddr(entry); err == nil {
		return expand(ipset.OfAddrs(ad)), entryPrefix
	}
	switch strings.ToLower(entry) {
	case "azureloadbalancer": // spec §2.4
		return azureHostExp, entryTag
	case "azureplatformdns", "azureplatformlkm":
		return azureHostExp, entryPlatform
	case "azureplatformimds":
		return imdsHostExp, entryPlatform
	}
	if exp, ok := a.fileTag(entry); ok {
		return exp, entryTag
	}
	return expansion{}, entryUnknown
}

// fileTag expands a tag of the snapshot's service tags file, once per tag.
// Other tags come from the snapshot's service tags file: spec §2.4 [TAG].
func (a *ACL) fileTag(name string) (expansion, bool) {
	t, ok := a.net.Tag(name)
	if !ok {
		return expansion{}, false
	}
	return a.tags.get(strings.ToLower(name), func() expansion { return expandList(t.Prefixes) }), true
}

// subnetContext returns the (cached) context of s; s may be nil for an ip configuration
// without a subnet. Subnets whose VirtualNetwork tags are equal (typically every subnet of a
// VNet without a route table) share one context, so NSGs are compiled once for all of them.
func (a *ACL) subnetContext(s *model.Subnet, static bool) *subnetCtx {
	return a.subnets.get(subnetMode{s, static}, func() *subnetCtx {
		members := a.vnetTag(s)
		vnet := ipset.Of(members...)
		key := vnet.String()
		learned, lid := a.learnedTag(s)
		if lid != "" {
			key += "|" + lid
		}
		if static {
			key += "|static"
		}
		return a.contexts.get(key, func() *subnetCtx {
			sc := &subnetCtx{vnet: expandList(members)}
			// spec §2.4: Internet = everything outside VirtualNetwork and the private ranges;
			// under --assume internet-tag=static, the public address space whatever the routes.
			// IPv6 is left out: the data plane traces IPv4.
			outside := vnet.Union(privateRanges)
			if lid != "" { // once per context, not per subnet: the learned list is long (learnedTag)
				sc.vnet = expansion{sc.vnet.set.Union(learned.set), mergeListed(sc.vnet.prefixes, learned.prefixes)}
				outside = outside.Union(a.learnedPublic(lid, learned))
			}
			if static {
				outside = privateRanges
			}
			sc.internet = expand(ipset.All4().Difference(outside))
			sc.defaults = a.defaultRules(sc)
			return sc
		})
	})
}

// InternetContested reports whether s's Internet tag differs between the two readings of
// --assume internet-tag (it does when the VirtualNetwork tag holds public ranges, a 0/0 UDR
// for one). Cached per subnet.
func (a *ACL) InternetContested(s *model.Subnet) bool {
	return a.contested.get(s, func() bool {
		return !a.subnetContext(s, false).internet.set.Equal(a.subnetContext(s, true).internet.set)
	})
}

// subnetMode keys what depends on a subnet's tags: the subnet, and whether Internet is the
// static public address space (--assume internet-tag=static) rather than the complement.
type subnetMode struct {
	s      *model.Subnet
	static bool
}

// vnetTag computes the VirtualNetwork tag of a subnet (spec §2.4): the prefixes of its
// routes to VnetLocal, VNetPeering, VNetGlobalPeering, VirtualNetworkGateway and
// ConnectedGroup (Active or Invalid: the tag describes where the VNet reaches, not which
// route wins), every UDR prefix of its route table, and model.AzurePlatformIP/32. A 0.0.0.0/0 UDR
// therefore makes it 0.0.0.0/0 [TAG].
func (a *ACL) vnetTag(s *model.Subnet) []netip.Prefix {
	b := []netip.Prefix{netip.PrefixFrom(model.AzurePlatformIP, 32)}
	if s == nil {
		return b
	}
	routes := a.routes(s)
	for _, r := range routes {
		switch r.NextHop {
		case model.HopVnetLocal, model.HopVirtualNetworkGateway, model.HopConnectedGroup:
		case model.HopVNetPeering, model.HopVNetGlobalPeering:
			// DECISION (spec §2.4): allowVirtualNetworkAccess=false on the local link only
			// removes the remote ranges from the tag.
			if r.Peering != nil && !r.Peering.AllowVirtualNetworkAccess {
				continue
			}
		default:
			continue
		}
		b = append(b, r.Prefix)
	}
	if len(routes) == 0 && s.VNet != nil {
		// no route table computed (no FIB): the VNet's own ranges are always in the tag.
		b = append(b, s.VNet.AddressSpace...)
	}
	if s.RouteTable != nil {
		for _, u := range s.RouteTable.Routes {
			if u.Prefix.IsValid() {
				b = append(b, u.Prefix)
			}
			if t, ok := a.net.Tag(u.Tag); u.Tag != "" && ok {
				b = append(b, t.Prefixes...)
			}
		}
	}
	return b
}

// learnedTag is what the BGP-learned routes subnet s receives add to its VirtualNetwork tag
// (spec §2.4: routes with next hop VirtualNetworkGateway are in the tag; service-tags-overview:
// VirtualNetwork is "the virtual network address space ..., all connected on-premises address
// spaces, peered virtual networks, or virtual network connected to a virtual network gateway,
// ... and address prefixes used on user-defined routes. Be aware that this tag may also contain
// default routes"). The learned routes of a gateway or Route Server are shared by every table
// that receives them (fib.Table.Learned), so their set is built once per shared list and named
// by it (id, "" when s receives none): a hub's 10,000 on-premises prefixes are not merged anew
// for each spoke subnet. What a subnet does not receive (propagation disabled) is not added.
func (a *ACL) learnedTag(s *model.Subnet) (expansion, string) {
	if a.fib == nil || s == nil {
		return expansion{}, ""
	}
	t := a.fib.Subnet(s)
	if t == nil {
		return expansion{}, ""
	}
	rs := t.Learned()
	if len(rs) == 0 {
		return expansion{}, ""
	}
	id := fmt.Sprintf("learned %p", &rs[0])
	return a.tags.get("\x00"+id, func() expansion { // no tag name starts with NUL
		ps := make([]netip.Prefix, len(rs))
		for i := range rs {
			ps[i] = rs[i].Prefix
		}
		return expandList(ps) // sorted, covered ones dropped: mergeListed keeps that order
	}), id
}

// learnedPublic is the part of a shared learned list (learnedTag's id) outside the private
// ranges, built once: all that it adds to what the Internet tag leaves out, since the private
// ranges are left out anyway.
func (a *ACL) learnedPublic(id string, learned expansion) ipset.Set {
	return a.tags.get("\x00"+id+" public", func() expansion {
		return expansion{set: learned.set.Difference(privateRanges)}
	}).set
}

// mergeListed merges two tag listings (expandList's order: by address, then length, none
// covered by another) into one of the same kind in one pass.
func mergeListed(x, y []netip.Prefix) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(x)+len(y))
	add := func(p netip.Prefix) {
		if len(out) == 0 || !out[len(out)-1].Overlaps(p) {
			out = append(out, p)
		}
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		if j == len(y) || (i < len(x) && comparePrefix(x[i], y[j]) <= 0) {
			add(x[i])
			i++
		} else {
			add(y[j])
			j++
		}
	}
	return out
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// defaultRules builds the six default rules of spec §2.3 for a subnet context. Names and
// priorities are those the API returns.
func (a *ACL) defaultRules(sc *subnetCtx) []*Rule {
	mk := func(name string, prio int, dir model.Direction, src, dst string, acc model.Access) *Rule {
		r := &Rule{Name: "defaultSecurityRules/" + name, Priority: prio, Direction: dir, Access: acc,
			Protocol: model.ProtoAny, SourcePrefix: src, DestinationPrefix: dst,
			srcWritten: []string{src}, dstWritten: []string{dst}}
		r.m = matcher{proto: model.ProtoAny, anySport: true, anyDport: true}
		r.m.src, r.ExpandedSource = defaultSide(a, src, sc)
		r.m.dst, r.ExpandedDest = defaultSide(a, dst, sc)
		return r
	}
	in, out := model.Inbound, model.Outbound
	return []*Rule{
		mk("AllowVnetInBound", 65000, in, "VirtualNetwork", "VirtualNetwork", model.Allow),
		mk("AllowAzureLoadBalancerInBound", 65001, in, "AzureLoadBalancer", "*", model.Allow),
		mk("DenyAllInBound", 65500, in, "*", "*", model.Deny),
		mk("AllowVnetOutBound", 65000, out, "VirtualNetwork", "VirtualNetwork", model.Allow),
		mk("AllowInternetOutBound", 65001, out, "*", "Internet", model.Allow),
		mk("DenyAllOutBound", 65500, out, "*", "*", model.Deny),
	}
}

func defaultSide(a *ACL, entry string, sc *subnetCtx) (side, []netip.Prefix) {
	exp, kind := a.resolve(entry, sc)
	if kind == entryAny {
		return side{any: true}, nil
	}
	return side{set: exp.set}, exp.prefixes
}
