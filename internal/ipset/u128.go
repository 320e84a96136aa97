package ipset

import (
	"math/bits"
	"net/netip"
)

// u128 is an address as an unsigned integer: IPv4 addresses use the low 32 bits of lo,
// IPv6 addresses all 128 bits. Keeping one integer type lets both families share the
// range algebra below.
type u128 struct{ hi, lo uint64 }

var (
	max4 = u128{0, 1<<32 - 1}
	max6 = u128{^uint64(0), ^uint64(0)}
)

func (a u128) less(b u128) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }

func (a u128) add1() u128 {
	lo, c := bits.Add64(a.lo, 1, 0)
	return u128{a.hi + c, lo}
}

func (a u128) sub1() u128 {
	lo, b := bits.Sub64(a.lo, 1, 0)
	return u128{a.hi - b, lo}
}

func (a u128) or(b u128) u128 { return u128{a.hi | b.hi, a.lo | b.lo} }

// lowMask returns 2^k - 1 (k in 0..128).
func lowMask(k int) u128 {
	switch {
	case k >= 128:
		return max6
	case k >= 64:
		return u128{1<<(k-64) - 1, ^uint64(0)}
	}
	return u128{0, 1<<k - 1}
}

// trailingZeros counts trailing zero bits (128 for zero).
func (a u128) trailingZeros() int {
	if a.lo != 0 {
		return bits.TrailingZeros64(a.lo)
	}
	if a.hi != 0 {
		return 64 + bits.TrailingZeros64(a.hi)
	}
	return 128
}

// key converts an address to its integer and family. IPv4-mapped IPv6 addresses count as IPv4.
func key(a netip.Addr) (k u128, is4 bool) {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return u128{0, uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])}, true
	}
	b := a.As16()
	var hi, lo uint64
	for i := 0; i < 8; i++ {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[i+8])
	}
	return u128{hi, lo}, false
}

// addr converts an integer back to an address of the given family.
func addr(k u128, is4 bool) netip.Addr {
	if is4 {
		v := uint32(k.lo)
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	var b [16]byte
	for i := 0; i < 8; i++ {
		b[7-i] = byte(k.hi >> (8 * i))
		b[15-i] = byte(k.lo >> (8 * i))
	}
	return netip.AddrFrom16(b)
}

// prefixSpan returns the first and last address of p as integers.
func prefixSpan(p netip.Prefix) (s span, is4 bool, ok bool) {
	if !p.IsValid() {
		return span{}, false, false
	}
	p = p.Masked()
	lo, is4 := key(p.Addr())
	width := 128
	if is4 {
		width = 32
	}
	bitsLen := p.Bits()
	if p.Addr().Is4In6() {
		bitsLen -= 96 // ::ffff:a.b.c.d/120 is a.b.c.d/24
		if bitsLen < 0 {
			return span{}, false, false
		}
	}
	return span{lo, lo.or(lowMask(width - bitsLen))}, is4, true
}
