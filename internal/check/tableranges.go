package check

import (
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
)

// lookupRanges calls f, in ascending order, for each range of positions [lo, hi) of u that lies
// between two consecutive bounds of t's prefixes (its routes, private endpoint /32s and shared
// learned routes), with the route t.Lookup selects for every address of the range (nil: none).
// A table is read once per range that holds an address, not once per address. bounds and keys
// are scratch space, returned for reuse; f may call lookupRanges with other scratch space.
func lookupRanges(t *fib.Table, u *universe, bounds []netip.Addr, keys []uint32, f func(lo, hi int, r *fib.Route)) ([]netip.Addr, []uint32) {
	bounds = routeBounds(append(bounds[:0], netip.IPv4Unspecified(), netip.IPv6Unspecified()), t, true)
	// A spoke's table holds its hub's endpoint /32s, hundreds of them, in lists sorted per VNet:
	// a few IPv4 lists are merged as integers, not sorted again. A hub's (a list per peered
	// spoke) are sorted with the rest: merging thousands of lists one by one would be quadratic.
	var v4 [][]netip.Addr
	for as := range t.EndpointAddrs {
		v4 = append(v4, as)
	}
	if len(v4) > 4 || slices.ContainsFunc(v4, func(as []netip.Addr) bool { return !allIPv4(as) }) {
		for _, as := range v4 {
			for _, a := range as {
				bounds = prefixBounds(bounds, netip.PrefixFrom(a, a.BitLen()))
			}
		}
		v4 = nil
	}
	bounds, keys = sortAddrs(bounds, keys)
	for _, as := range v4 {
		keys = mergeEndpoints(keys, as)
	}
	if len(v4) > 0 {
		v6 := slices.Clone(bounds[len(bounds)-countIPv6(bounds):])
		bounds = bounds[:0]
		for _, k := range keys {
			bounds = append(bounds, addrOf(k))
		}
		bounds = append(bounds, v6...)
	}
	hi := u.lowerBound(bounds[0])
	for i, b := range bounds {
		lo := hi
		hi = len(u.addrs)
		if i+1 < len(bounds) {
			hi = u.lowerBound(bounds[i+1])
		}
		if lo == hi { // ranges are contiguous: each starts where the last non-empty one ended
			continue
		}
		r, ok := t.Lookup(b)
		if !ok {
			r = nil
		}
		f(lo, hi, r)
	}
	return bounds, keys
}

// routeBounds appends the bounds of every prefix t's lookups can select but the private endpoint
// /32s (fib.Table.Prefixes; with learned, the shared learned routes).
func routeBounds(out []netip.Addr, t *fib.Table, learned bool) []netip.Addr {
	t.Prefixes(learned, func(p netip.Prefix) { out = prefixBounds(out, p) })
	return out
}

// allIPv4 reports whether sorted addresses are all IPv4 (which sorts before every other).
func allIPv4(as []netip.Addr) bool { return as[len(as)-1].Is4() }

// countIPv6 is how many of sorted bounds, at the end, are not IPv4.
func countIPv6(bs []netip.Addr) int {
	n := 0
	for i := len(bs) - 1; i >= 0 && !bs[i].Is4(); i-- {
		n++
	}
	return n
}

func addrOf(k uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(k >> 24), byte(k >> 16), byte(k >> 8), byte(k)})
}

// mergeEndpoints merges into sorted IPv4 bounds (as integers) the bounds of sorted IPv4
// endpoint addresses (each address and the one after it), without repeats.
func mergeEndpoints(keys []uint32, as []netip.Addr) []uint32 {
	out := make([]uint32, 0, len(keys)+2*len(as))
	add := func(k uint32) {
		if n := len(out); n == 0 || out[n-1] < k {
			out = append(out, k)
		}
	}
	i := 0
	for _, a := range as {
		k := pointOf(a).k
		for ; i < len(keys) && keys[i] < k; i++ {
			add(keys[i])
		}
		add(k)
		if k == ^uint32(0) {
			continue // 255.255.255.255 has no next address
		}
		for ; i < len(keys) && keys[i] < k+1; i++ {
			add(keys[i])
		}
		add(k + 1)
	}
	for ; i < len(keys); i++ {
		add(keys[i])
	}
	return out
}
