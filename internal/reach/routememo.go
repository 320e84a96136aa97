package reach

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Remembering the route part of keys. For one fixed endpoint, sharer.routes reads the varying NIC
// only through its subnet, whether it has a public IP, and its address in route lookups towards
// it (out of the fixed endpoint's subnet and out of each firewall's) and in tests of VNet
// address spaces (peerings, the firewall's VNet). NICs of one subnet whose addresses no bound of
// those prefixes separates get the same route part, so it is worked out once per fixed endpoint.

// routeKey is what sharer.routes reads of the varying NIC (above).
type routeKey struct {
	subnet *model.Subnet
	pip    bool
	cls    int32 // the source address's place among sharer.routeCuts
}

// routePart is one routeKey's route part of the key.
type routePart struct {
	buf    []byte
	holder []uint32
	fwdFW  *model.Firewall
	fws    []*model.Firewall
	ok     bool
}

// routeKeyOf is varying v's routeKey; false when its route part is not remembered (not IPv4).
func (sh *sharer) routeKeyOf(v *model.IPConfig) (routeKey, bool) {
	if !v.PrivateIP.Is4() {
		return routeKey{}, false
	}
	if sh.routeCuts == nil {
		sh.routeCuts = sh.m.routeCuts(sh.fixed.Subnet)
		sh.routeSeen = map[routeKey]*routePart{}
	}
	return routeKey{v.Subnet, v.PublicIP != nil, rank(sh.routeCuts, u32(v.PrivateIP))}, true
}

// routeCuts is the sorted IPv4 bounds of what routes reads of the varying NIC's address when the
// fixed endpoint is in subnet d: the prefixes of d's table, and those every fixed endpoint
// shares (sharedRouteCuts). Private endpoint /32s (which Table.Prefixes leaves out) cut nothing
// here: a /32 selects only the endpoint's own address, and a NIC that address belongs to is
// never keyed (shareableNIC wants one owner; a private endpoint source is a terminal).
func (m *Model) routeCuts(d *model.Subnet) []uint32 {
	out := slices.Clone(m.sharedRouteCuts())
	if t := m.p.FIB.Subnet(d); t != nil {
		t.Prefixes(true, func(p netip.Prefix) { out = appendPrefixCuts(out, p) })
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sharedRouteCuts is the bounds of every VNet's address space and of the prefixes of every
// firewall subnet's table, worked out once.
func (m *Model) sharedRouteCuts() []uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.routeShared != nil {
		return m.routeShared
	}
	out := []uint32{}
	n := m.p.Net
	for _, v := range n.VNets {
		for _, p := range v.AddressSpace {
			out = appendPrefixCuts(out, p)
		}
	}
	for _, fw := range n.Firewalls {
		var t *fib.Table
		if fw.Subnet != nil {
			t = m.p.FIB.Subnet(fw.Subnet)
		}
		if t != nil {
			t.Prefixes(true, func(p netip.Prefix) { out = appendPrefixCuts(out, p) })
		}
	}
	slices.Sort(out)
	m.routeShared = slices.Compact(out)
	return m.routeShared
}

// appendPrefixCuts appends an IPv4 prefix's first address and the address after its last.
func appendPrefixCuts(out []uint32, p netip.Prefix) []uint32 {
	a, bits := p.Addr(), p.Bits()
	if a.Is4In6() && bits >= 96 { // the IPv4 prefix it maps (cutting more than a lookup reads is safe)
		a, bits = a.Unmap(), bits-96
	}
	if !a.Is4() || bits < 0 {
		return out
	}
	r := ipset.PrefixRange(netip.PrefixFrom(a, bits))
	out = append(out, u32(r.From))
	if next := r.To.Next(); next.Is4() {
		out = append(out, u32(next))
	}
	return out
}

// checkRoutePart panics when the route part worked out for the pair is not the one remembered
// for its routeKey (checkMemo).
func (sh *sharer) checkRoutePart(r *routePart) {
	fws, ok := sh.routePart()
	if ok != r.ok || (ok && (!bytes.Equal(sh.buf, r.buf) || !slices.Equal(sh.holder, r.holder) || sh.fwdFW != r.fwdFW || !slices.Equal(fws, r.fws))) {
		panic(fmt.Sprintf("reach: remembered route part for %s -> %s is not the one its routes give", sh.src.PrivateIP, sh.dst.PrivateIP))
	}
}
