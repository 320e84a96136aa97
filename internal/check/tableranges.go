package check

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
)

// lookupRanges calls f, in ascending order, for each range of positions [lo, hi) of u that lies
// between two consecutive bounds of t's prefixes (its routes, private endpoint /32s and shared
// learned routes), with the route t.Lookup selects for every address of the range (nil: none).
// A table is read once per range that holds an address, not once per address. bounds and keys
// are scratch space, returned for reuse; f may call lookupRanges with other scratch space.
func lookupRanges(t *fib.Table, u *universe, bounds []netip.Addr, keys []uint32, f func(lo, hi int, r *fib.Route)) ([]netip.Addr, []uint32) {
	bounds = append(bounds[:0], netip.IPv4Unspecified(), netip.IPv6Unspecified())
	for _, r := range t.WithoutEndpoints() {
		bounds = prefixBounds(bounds, r.Prefix)
	}
	for r := range t.Endpoints() {
		bounds = prefixBounds(bounds, r.Prefix)
	}
	for _, r := range t.Learned() {
		bounds = prefixBounds(bounds, r.Prefix)
	}
	bounds, keys = sortAddrs(bounds, keys)
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
