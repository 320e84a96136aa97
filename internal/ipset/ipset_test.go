package ipset

import (
	"math/rand"
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

func pfxs(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = pfx(s)
	}
	return out
}

func strs(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func TestPrefixes(t *testing.T) {
	tests := []struct {
		name string
		set  Set
		want []string
	}{
		{"empty", Set{}, []string{}},
		{"merge adjacent", Of(pfxs("10.0.0.0/25", "10.0.0.128/25")...), []string{"10.0.0.0/24"}},
		{"contained", Of(pfxs("10.0.0.0/8", "10.1.2.0/24")...), []string{"10.0.0.0/8"}},
		{"non-canonical prefix", Of(pfx("10.0.0.77/24")), []string{"10.0.0.0/24"}},
		{"range", OfRanges(Range{ip("10.0.0.1"), ip("10.0.0.6")}),
			[]string{"10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"}},
		{"all v4", All4(), []string{"0.0.0.0/0"}},
		{"all v6", All6(), []string{"::/0"}},
		{"v4 then v6", Of(pfxs("2001:db8::/32", "192.168.0.0/16")...), []string{"192.168.0.0/16", "2001:db8::/32"}},
		{"complement of 0/1", Of(pfx("0.0.0.0/1")).Complement().Only4(), []string{"128.0.0.0/1"}},
		{"complement of everything", All4().Union(All6()).Complement(), []string{}},
		{"4in6 is v4", Of(pfx("::ffff:10.0.0.0/120")), []string{"10.0.0.0/24"}},
		{"invalid ignored", Of(netip.Prefix{}, pfx("10.0.0.0/32")), []string{"10.0.0.0/32"}},
		{"reversed range ignored", OfRanges(Range{ip("10.0.0.9"), ip("10.0.0.1")}), []string{}},
		{"mixed range ignored", OfRanges(Range{ip("10.0.0.1"), ip("::1")}), []string{}},
		{"top of v6", OfRanges(Range{ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")}),
			[]string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"}},
		{"v6 across 64-bit halves", OfRanges(Range{ip("::ffff:ffff:ffff:ffff"), ip("0:0:0:1::")}),
			[]string{"::ffff:ffff:ffff:ffff/128", "0:0:0:1::/128"}},
	}
	for _, tt := range tests {
		got := strs(tt.set.Prefixes())
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: Prefixes() -want +got:\n%s", tt.name, diff)
		}
	}
}

func TestInternetStyleComplement(t *testing.T) {
	private := Of(pfxs("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")...)
	inet := private.Complement().Only4()
	for _, tc := range []struct {
		a    string
		want bool
	}{{"8.8.8.8", true}, {"10.1.2.3", false}, {"100.63.255.255", true}, {"100.64.0.0", false},
		{"172.32.0.0", true}, {"0.0.0.0", true}, {"255.255.255.255", true}, {"::1", false}} {
		if got := inet.Contains(ip(tc.a)); got != tc.want {
			t.Errorf("Internet.Contains(%s) = %v, want %v", tc.a, got, tc.want)
		}
	}
	if got, want := inet.Size4(), uint64(1<<32-(1<<24)-(1<<20)-(1<<16)-(1<<22)); got != want {
		t.Errorf("Size4() = %d, want %d", got, want)
	}
}

func TestContainsPrefixAndEqual(t *testing.T) {
	s := Of(pfxs("10.0.0.0/24", "10.0.1.0/24", "10.0.3.0/24")...)
	for _, tc := range []struct {
		p    string
		want bool
	}{{"10.0.0.0/23", true}, {"10.0.0.0/22", false}, {"10.0.3.128/25", true}, {"10.0.2.0/32", false}, {"::/0", false}} {
		if got := s.ContainsPrefix(pfx(tc.p)); got != tc.want {
			t.Errorf("ContainsPrefix(%s) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if !s.Equal(Of(pfxs("10.0.3.0/24", "10.0.0.0/23")...)) {
		t.Errorf("Equal: sets with the same addresses differ")
	}
	if s.Equal(Of(pfx("10.0.0.0/22"))) {
		t.Errorf("Equal: different sets compare equal")
	}
	if s.String() != "10.0.0.0/23,10.0.3.0/24" {
		t.Errorf("String() = %q", s.String())
	}
}

// universe is a small region where a bitmap is an obviously correct model of a set.
type universe struct {
	base netip.Prefix
	n    int // number of addresses
}

func (u universe) addr(i int) netip.Addr {
	a := u.base.Addr()
	for ; i > 0; i-- {
		a = a.Next()
	}
	return a
}

func (u universe) addrs() []netip.Addr {
	out := make([]netip.Addr, u.n)
	a := u.base.Addr()
	for i := range out {
		out[i] = a
		a = a.Next()
	}
	return out
}

// randomSet builds a set from random prefixes and ranges inside u, and its bitmap.
func (u universe) randomSet(r *rand.Rand) (Set, []bool) {
	bm := make([]bool, u.n)
	var b Builder
	for k := r.Intn(6); k > 0; k-- {
		if r.Intn(2) == 0 {
			lo := r.Intn(u.n)
			hi := lo + r.Intn(u.n-lo)
			b.AddRange(Range{u.addr(lo), u.addr(hi)})
			for i := lo; i <= hi; i++ {
				bm[i] = true
			}
			continue
		}
		hostBits := r.Intn(bitsOf(u.n) + 1) // any block size that fits in u
		size := 1 << hostBits
		start := r.Intn(u.n/size) * size
		b.AddPrefix(netip.PrefixFrom(u.addr(start), u.base.Addr().BitLen()-hostBits))
		for i := start; i < start+size; i++ {
			bm[i] = true
		}
	}
	return b.Set(), bm
}

func bitsOf(n int) int {
	k := 0
	for 1<<(k+1) <= n {
		k++
	}
	return k
}

func TestAgainstBitmap(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, u := range []universe{{pfx("10.0.0.0/22"), 1024}, {pfx("2001:db8::/118"), 1024}, {pfx("255.255.255.0/24"), 256}} {
		all := u.addrs()
		region := Of(u.base)
		for iter := 0; iter < 150; iter++ {
			a, am := u.randomSet(r)
			b, bm := u.randomSet(r)
			ops := []struct {
				name string
				got  Set
				want func(i int) bool
			}{
				{"a", a, func(i int) bool { return am[i] }},
				{"union", a.Union(b), func(i int) bool { return am[i] || bm[i] }},
				{"intersect", a.Intersect(b), func(i int) bool { return am[i] && bm[i] }},
				{"difference", a.Difference(b), func(i int) bool { return am[i] && !bm[i] }},
				{"complement", a.Complement().Intersect(region), func(i int) bool { return !am[i] }},
			}
			for _, op := range ops {
				checkSet(t, u, all, op.name, op.got, op.want)
			}
			overlap := false
			for i := range am {
				overlap = overlap || (am[i] && bm[i])
			}
			if got := a.Overlaps(b); got != overlap {
				t.Fatalf("%v: Overlaps = %v, want %v", u.base, got, overlap)
			}
		}
	}
}

// checkSet compares got with the bitmap model want on every address of u and on the
// addresses just outside it, and checks Prefixes, Ranges and Size4 against slow twins.
func checkSet(t *testing.T, u universe, all []netip.Addr, name string, got Set, want func(int) bool) {
	t.Helper()
	n := 0
	for i, a := range all {
		if got.Contains(a) != want(i) {
			t.Fatalf("%v %s: Contains(%v) = %v, want %v (set %v)", u.base, name, a, !want(i), want(i), got)
		}
		if want(i) {
			n++
		}
	}
	if before := u.base.Addr().Prev(); before.IsValid() && got.Contains(before) {
		t.Fatalf("%v %s: contains %v outside the universe", u.base, name, before)
	}
	if got.Only4().Size4() != uint64(n) && u.base.Addr().Is4() {
		t.Fatalf("%v %s: Size4 = %d, want %d", u.base, name, got.Size4(), n)
	}
	if diff := cmp.Diff(slowPrefixes(u, all, want), strs(got.Prefixes())); diff != "" {
		t.Fatalf("%v %s: Prefixes -slow +got:\n%s", u.base, name, diff)
	}
	if !OfRanges(got.Ranges()...).Equal(got) {
		t.Fatalf("%v %s: Ranges do not round-trip", u.base, name)
	}
}

// slowPrefixes lists the minimal CIDR cover by definition: every aligned block inside u
// fully in the set whose parent block is not.
func slowPrefixes(u universe, all []netip.Addr, in func(int) bool) []string {
	full := func(start, size int) bool {
		for i := start; i < start+size; i++ {
			if !in(i) {
				return false
			}
		}
		return true
	}
	var out []netip.Prefix
	for size := u.n; size >= 1; size /= 2 {
		for start := 0; start < u.n; start += size {
			parentFull := size < u.n && full(start/(2*size)*(2*size), 2*size)
			if full(start, size) && !parentFull {
				out = append(out, netip.PrefixFrom(all[start], u.base.Addr().BitLen()-bitsOf(size)))
			}
		}
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	return strs(out)
}

func TestContainsDoesNotAllocate(t *testing.T) {
	s := Of(pfxs("10.0.0.0/8", "2001:db8::/32", "192.168.1.0/24")...)
	a, b := ip("192.168.1.7"), ip("2001:db8::1")
	if n := testing.AllocsPerRun(100, func() { s.Contains(a); s.Contains(b) }); n != 0 {
		t.Errorf("Contains allocates %v times per call", n)
	}
}

func BenchmarkContains(b *testing.B) {
	r := rand.New(rand.NewSource(2))
	var bd Builder
	for i := 0; i < 5000; i++ {
		bd.AddPrefix(netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(r.Intn(256)), byte(r.Intn(256)), byte(r.Intn(256)), 0}), 24))
	}
	s := bd.Set()
	a := ip("52.1.2.3")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Contains(a)
	}
}

func TestBuilderAndAccessors(t *testing.T) {
	var b Builder
	b.AddAddr(ip("10.0.0.1"))
	b.AddAddr(ip("::1"))
	b.AddAddr(netip.Addr{})
	b.AddSet(Of(pfx("10.0.0.0/31")))
	b.AddRange(Range{netip.Addr{}, ip("10.0.0.9")})
	s := b.Set()
	if got, want := s.String(), "10.0.0.0/31,::1/128"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if !OfAddrs(ip("10.0.0.0"), ip("10.0.0.1"), ip("::1")).Equal(s) {
		t.Errorf("OfAddrs differs from the Builder")
	}
	if got := s.Only6().String(); got != "::1/128" {
		t.Errorf("Only6 = %q", got)
	}
	if s.IsEmpty() || !(Set{}).IsEmpty() || !s.Only4().Difference(Of(pfx("10.0.0.0/8"))).IsEmpty() {
		t.Errorf("IsEmpty wrong")
	}
	if s.Contains(netip.Addr{}) || s.ContainsPrefix(netip.Prefix{}) {
		t.Errorf("invalid address or prefix reported as contained")
	}
	rs := s.Ranges()
	if got := rs[0].String() + " " + rs[1].String(); got != "10.0.0.0-10.0.0.1 ::1" {
		t.Errorf("Ranges = %s", got)
	}
}

func TestPrefixRange(t *testing.T) {
	for _, tt := range []struct{ p, from, to string }{
		{"10.1.2.3/16", "10.1.0.0", "10.1.255.255"},
		{"0.0.0.0/0", "0.0.0.0", "255.255.255.255"},
		{"10.0.0.5/32", "10.0.0.5", "10.0.0.5"},
		{"2001:db8::1/64", "2001:db8::", "2001:db8::ffff:ffff:ffff:ffff"},
		{"::ffff:10.0.0.0/120", "::ffff:10.0.0.0", "::ffff:10.0.0.255"},
	} {
		got := PrefixRange(netip.MustParsePrefix(tt.p))
		if got.From.String() != tt.from || got.To.String() != tt.to {
			t.Errorf("PrefixRange(%s) = %s, want %s-%s", tt.p, got, tt.from, tt.to)
		}
	}
}
