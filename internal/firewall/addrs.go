package firewall

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// addrRange is an inclusive range of addresses of one family.
type addrRange struct{ lo, hi netip.Addr }

// addrSet is a set of addresses: "*", or sorted, merged, non-overlapping ranges.
// The zero value is empty (matches nothing).
type addrSet struct {
	any    bool
	ranges []addrRange // sorted by lo; IPv4 ranges sort before IPv6 ones
	raw    []addrRange // as written (unmerged), for the naive twin and for indexing order
}

// contains reports whether a is in the set, by binary search; it does not allocate.
func (s *addrSet) contains(a netip.Addr) bool {
	if s.any {
		return true
	}
	r := s.ranges
	lo, hi := 0, len(r)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r[m].hi.Less(a) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(r) && !a.Less(r[lo].lo)
}

// add appends a range (call finish when done).
func (s *addrSet) add(r addrRange) { s.raw = append(s.raw, r) }

// finish sorts and merges the ranges.
func (s *addrSet) finish() {
	rs := slices.Clone(s.raw)
	slices.SortFunc(rs, func(a, b addrRange) int { return a.lo.Compare(b.lo) })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && adjacentOrOverlapping(out[n-1], r) {
			if out[n-1].hi.Less(r.hi) {
				out[n-1].hi = r.hi
			}
			continue
		}
		out = append(out, r)
	}
	s.ranges = out
}

func adjacentOrOverlapping(a, b addrRange) bool {
	if a.lo.Is4() != b.lo.Is4() {
		return false
	}
	if !a.hi.Less(b.lo) {
		return true
	}
	next := a.hi.Next()
	return next.IsValid() && next == b.lo
}

// prefixRange is the range of addresses of p (ipset.PrefixRange).
func prefixRange(p netip.Prefix) addrRange {
	r := ipset.PrefixRange(p)
	return addrRange{r.From, r.To}
}

// parseAddr reads one firewall rule address: an IP, a CIDR or a range "a-b".
func parseAddr(s string) (addrRange, bool) {
	s = strings.TrimSpace(s)
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, err1 := netip.ParseAddr(strings.TrimSpace(lo))
		b, err2 := netip.ParseAddr(strings.TrimSpace(hi))
		if err1 != nil || err2 != nil || a.Is4() != b.Is4() || b.Less(a) {
			return addrRange{}, false
		}
		return addrRange{a.Unmap(), b.Unmap()}, true
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return addrRange{}, false
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return prefixRange(p), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return addrRange{}, false
	}
	return addrRange{a.Unmap(), a.Unmap()}, true
}

// addrExpander turns rule address strings into sets, recording what it cannot read.
type addrExpander struct {
	net   *model.Network
	owner model.ID // the policy or firewall, for warnings
	warns *[]model.Warning
}

// expand builds the set for addresses (IPs, CIDRs, ranges, "*"; service tags when tags is
// true) plus IP groups (spec §3.1: groups expand to their addresses).
func (x addrExpander) expand(what, rule string, addrs []string, groups []*model.IPGroup, tags bool) addrSet {
	var s addrSet
	for _, a := range addrs {
		a = strings.TrimSpace(a)
		switch {
		case a == "*" || a == "":
			s.any = s.any || a == "*"
		default:
			x.one(&s, what, rule, a, tags)
		}
	}
	for _, g := range groups {
		if g == nil {
			continue
		}
		for _, p := range g.Prefixes {
			s.add(prefixRange(p))
		}
	}
	s.finish()
	return s
}

func (x addrExpander) one(s *addrSet, what, rule, a string, tags bool) {
	if r, ok := parseAddr(a); ok {
		s.add(r)
		return
	}
	if !tags {
		x.warn("InvalidValue", "rule "+rule+": "+what+" "+quote(a)+" is not an IP, CIDR or range; it never matches")
		return
	}
	t, ok := (*model.ServiceTag)(nil), false
	if x.net != nil {
		t, ok = x.net.Tag(a)
	}
	if !ok {
		x.warn("UnknownServiceTag", "rule "+rule+": service tag "+quote(a)+" is not in the snapshot's service tags; it never matches (spec §2.4)")
		return
	}
	for _, p := range t.Prefixes {
		s.add(prefixRange(p))
	}
}

func (x addrExpander) warn(code, msg string) {
	*x.warns = append(*x.warns, model.Warning{Code: code, Resource: x.owner, Message: msg})
}

func quote(s string) string { return "\"" + s + "\"" }
