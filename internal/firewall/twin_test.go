package firewall

import (
	"fmt"
	"math/rand"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// naiveEvaluate is the slow, obviously correct twin of Evaluate: every rule of every phase in
// order, address sets scanned linearly as written (no index, no merging, no binary search).
func naiveEvaluate(e *Engine, p Packet) (Kind, string, []string) {
	p = normalize(p)
	var pending []string
	kinds := [...]Kind{KindDnat, KindNetwork, KindApplication}
	for k := range e.phases {
		for _, r := range e.phases[k].rules {
			switch naiveMatch(r, p) {
			case match:
				if len(pending) > 0 {
					return KindUnknown, "", append(pending, r.info.ID)
				}
				return kinds[k], r.info.ID, nil
			case maybe:
				pending = append(pending, r.info.ID)
			}
		}
	}
	if len(pending) > 0 {
		return KindUnknown, "", append(pending, DefaultDenyID)
	}
	return KindDefaultDeny, DefaultDenyID, nil
}

func naiveMatch(r *rule, p Packet) verdict {
	c := classOf(p.Proto)
	if r.protos&(1<<c) == 0 || !naiveIn(&r.src, p.Src) {
		return noMatch
	}
	if (c == classTCP || c == classUDP) && !r.anyPort &&
		!slices.ContainsFunc(r.ports, func(pr model.PortRange) bool { return pr.Lo <= p.DstPort && p.DstPort <= pr.Hi }) {
		return noMatch
	}
	fqdnHit := func(ps []fqdnPattern) bool {
		return slices.ContainsFunc(ps, func(f fqdnPattern) bool { return f.match(p.FQDN) })
	}
	if r.info.Kind == model.ApplicationRules {
		switch {
		case slices.ContainsFunc(r.targets, func(f fqdnPattern) bool { return f.all }):
			return match
		case p.FQDN == "" && (len(r.targets) > 0 || r.opaque):
			return maybe
		case p.FQDN != "" && fqdnHit(r.targets):
			return match
		case p.FQDN != "" && r.opaque:
			return maybe
		}
		return noMatch
	}
	switch {
	case naiveIn(&r.dst, p.Dst):
		return match
	case len(r.dstFQDNs) > 0 && p.FQDN == "":
		return maybe
	case len(r.dstFQDNs) > 0 && fqdnHit(r.dstFQDNs):
		return match
	}
	return noMatch
}

func naiveIn(s *addrSet, a netip.Addr) bool {
	if s.any {
		return true
	}
	for _, r := range s.raw {
		if r.lo.Is4() == a.Is4() && r.lo.Compare(a) <= 0 && a.Compare(r.hi) <= 0 {
			return true
		}
	}
	return false
}

func TestEngineMatchesNaiveTwin(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	for round := range 6 {
		g := newGen(rng)
		pol := g.policy(3+round, 4, 12+round*10)
		e, _ := Compile(testFirewall(pol), g.net)
		for i := range 3000 {
			p := g.packet()
			kind, id, cands := naiveEvaluate(e, p)
			r := e.Evaluate(p)
			got := fmt.Sprint(r.Kind, r.RuleID, candidateIDs(r))
			if w := fmt.Sprint(kind, id, cands); got != w {
				t.Fatalf("round %d packet %d %+v: got %s, want %s", round, i, p, got, w)
			}
		}
	}
}

// gen builds random policies and packets biased to hit their rules (fixed seed by the caller).
type gen struct {
	rng   *rand.Rand
	net   *model.Network
	addrs []string // addresses the rules use, for packets
	names []string
}

func newGen(rng *rand.Rand) *gen {
	n := &model.Network{ServiceTags: map[string]*model.ServiceTag{
		"storage": {Name: "Storage", Prefixes: []netip.Prefix{pfx("20.60.0.0/16"), pfx("52.239.0.0/17")}}}}
	return &gen{rng: rng, net: n, names: []string{"a.contoso.com", "b.a.contoso.com", "contoso.com", "x.example", "login.microsoftonline.com", "db.internal"}}
}

func (g *gen) pick(ss ...string) string { return ss[g.rng.Intn(len(ss))] }

// addr returns one rule address, sometimes a list of overlapping ones.
func (g *gen) addr() string {
	if g.rng.Intn(6) == 0 {
		return g.addr1() + "," + g.addr1() + "," + g.addr1()
	}
	return g.addr1()
}

func (g *gen) addr1() string {
	a := fmt.Sprintf("10.%d.%d.%d", g.rng.Intn(8), g.rng.Intn(16), g.rng.Intn(256))
	switch g.rng.Intn(9) {
	case 0:
		return "*"
	case 1, 2:
		a = fmt.Sprintf("10.%d.%d.0/24", g.rng.Intn(8), g.rng.Intn(16))
	case 3:
		a = fmt.Sprintf("10.%d.0.0/16", g.rng.Intn(8))
	case 4:
		lo := g.rng.Intn(200)
		a = fmt.Sprintf("10.1.1.%d-10.1.1.%d", lo, lo+g.rng.Intn(50))
	case 5:
		a = fmt.Sprintf("52.%d.%d.%d", g.rng.Intn(4), g.rng.Intn(4), g.rng.Intn(256))
	}
	g.addrs = append(g.addrs, a)
	return a
}

func (g *gen) ports() string {
	switch g.rng.Intn(6) {
	case 0:
		return "*"
	case 1:
		lo := 1000 + g.rng.Intn(3000)
		return fmt.Sprintf("%d-%d", lo, lo+g.rng.Intn(500))
	case 2:
		return "80,443"
	case 3:
		return "400-500,443,450-460,501-510"
	}
	return g.pick("22", "53", "443", "1433", "3389", "8080")
}

func (g *gen) netRule(name string) *model.FirewallRule {
	dst := g.addr()
	if g.rng.Intn(15) == 0 {
		dst = "Storage"
	}
	r := netRule(name, g.addr(), dst, []model.Protocol{model.ProtoTCP, model.ProtoUDP, model.ProtoAny, model.ProtoICMP}[g.rng.Intn(4)], g.ports())
	if g.rng.Intn(20) == 0 {
		r.Destinations, r.DestFQDNs = nil, []string{g.pick(g.names...)}
	}
	return r
}

func (g *gen) appRule(name string) *model.FirewallRule {
	r := appRule(name, g.addr(), g.pick("*.contoso.com", "contoso.com", "x.example", "*", "*microsoftonline.com", "db.internal"), uint16(g.rng.Intn(2)*363+80))
	if g.rng.Intn(25) == 0 {
		r.FQDNTags = []string{"WindowsUpdate"}
	}
	return r
}

// policy returns groups×colls collections of perColl rules each: mostly network, some
// application and NAT, priorities shuffled.
func (g *gen) policy(groups, colls, perColl int) *model.FirewallPolicy {
	p := policy("bench", nil)
	p.DNSProxy = true
	for gi := range groups {
		grp := group(fmt.Sprintf("g%d", gi), 100+g.rng.Intn(1000)*10+gi, nil...)
		for ci := range colls {
			kind, act := model.NetworkRules, []model.FirewallAction{model.FwAllow, model.FwDeny}[g.rng.Intn(2)]
			switch g.rng.Intn(10) {
			case 0:
				kind, act = model.NATRules, model.FwDNAT
			case 1, 2, 3:
				kind = model.ApplicationRules
			}
			c := coll(kind, fmt.Sprintf("c%d", ci), 100+g.rng.Intn(1000)*10+ci, act)
			for ri := range perColl {
				c.Rules = append(c.Rules, g.rule(kind, fmt.Sprintf("r%d", ri)))
			}
			grp.Collections = append(grp.Collections, c)
		}
		p.Groups = append(p.Groups, grp)
	}
	return p
}

func (g *gen) rule(kind model.RuleKind, name string) *model.FirewallRule {
	switch kind {
	case model.ApplicationRules:
		return g.appRule(name)
	case model.NATRules:
		return natRule(name, g.addr(), "20.0.0.1", uint16(2000+g.rng.Intn(20)), "10.1.0.4", 22)
	}
	return g.netRule(name)
}

// packet draws addresses from those the rules use (or random ones) and a port rules use.
func (g *gen) packet() Packet {
	a := func() netip.Addr {
		if g.rng.Intn(4) == 0 || len(g.addrs) == 0 {
			return netip.AddrFrom4([4]byte{10, byte(g.rng.Intn(8)), byte(g.rng.Intn(16)), byte(g.rng.Intn(256))})
		}
		s := g.addrs[g.rng.Intn(len(g.addrs))]
		if r, ok := parseAddr(strings.Split(s, ",")[0]); ok {
			return r.hi
		}
		return netip.AddrFrom4([4]byte{20, 60, 1, byte(g.rng.Intn(256))})
	}
	p := Packet{Src: a(), Dst: a(), Proto: []model.Protocol{model.ProtoTCP, model.ProtoUDP, model.ProtoICMP}[g.rng.Intn(3)],
		SrcPort: 49152, DstPort: []uint16{22, 53, 80, 443, 1433, 2005, 3389, 8080, 1200, 4100}[g.rng.Intn(10)]}
	if g.rng.Intn(8) == 0 {
		p.Dst = ip("20.0.0.1")
	}
	if g.rng.Intn(3) > 0 {
		p.FQDN = g.pick(append(g.names, "evil.example")...)
	}
	return p
}

func benchSetup(tb testing.TB) (*Engine, []Packet) {
	g := newGen(rand.New(rand.NewSource(7)))
	pol := g.policy(10, 5, 100) // 5,000 rules in 50 collections and 10 groups
	e, _ := Compile(testFirewall(pol), g.net)
	n := 0
	for k := range e.phases {
		n += len(e.phases[k].rules)
	}
	if n != 5000 {
		tb.Fatalf("benchmark policy has %d rules, want 5000", n)
	}
	ps := make([]Packet, 1024)
	for i := range ps {
		ps[i] = g.packet()
	}
	return e, ps
}

func BenchmarkEvaluate(b *testing.B) {
	e, mixed := benchSetup(b)
	rng := rand.New(rand.NewSource(9))
	miss := make([]Packet, 1024) // mostly no rule matches: the linear scan's worst case
	for i := range miss {
		miss[i] = Packet{Src: netip.AddrFrom4([4]byte{192, 168, byte(rng.Intn(256)), 1}), Dst: netip.AddrFrom4([4]byte{172, 20, byte(rng.Intn(256)), 1}),
			Proto: model.ProtoUDP, DstPort: uint16(9000 + rng.Intn(1000)), FQDN: "nothing.example"}
	}
	for _, set := range []struct {
		name string
		ps   []Packet
	}{{"mixed", mixed}, {"miss", miss}} {
		b.Run(set.name+"/indexed", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				e.Evaluate(set.ps[i%len(set.ps)])
			}
			reportPercentiles(b, func(p Packet) { e.Evaluate(p) }, set.ps)
		})
		b.Run(set.name+"/linear-twin", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				naiveEvaluate(e, set.ps[i%len(set.ps)])
			}
			reportPercentiles(b, func(p Packet) { naiveEvaluate(e, p) }, set.ps)
		})
	}
}

// reportPercentiles times each packet once and reports the median and 99th percentile.
func reportPercentiles(b *testing.B, f func(Packet), ps []Packet) {
	ds := make([]time.Duration, len(ps))
	for i, p := range ps {
		t0 := time.Now()
		f(p)
		ds[i] = time.Since(t0)
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(ds[len(ds)*99/100].Nanoseconds()), "p99-ns")
}

func TestEvaluateLatencyAndAllocs(t *testing.T) {
	e, ps := benchSetup(t)
	var network []Packet
	for _, p := range ps {
		if r := e.Evaluate(p); r.Kind != KindUnknown {
			network = append(network, p)
		}
	}
	kinds := map[Kind]int{}
	for _, p := range network {
		kinds[e.Evaluate(p).Kind]++
	}
	if kinds[KindNetwork] < len(ps)/2 || kinds[KindDnat] == 0 {
		t.Fatalf("benchmark packets decide too few kinds: %v", kinds)
	}
	i := 0
	if a := testing.AllocsPerRun(2000, func() { e.Evaluate(network[i%len(network)]); i++ }); a != 0 {
		t.Errorf("Evaluate allocates %v times per decided flow, want 0", a)
	}
	small, _ := Compile(testFirewall(orderPolicy()), nil)
	flows := []Packet{tcp("1.2.3.4", "20.0.0.1", 22, ""), tcp("10.1.0.5", "52.1.1.1", 443, "a.b.contoso.com"),
		tcp("10.1.0.5", "52.1.1.1", 443, "evil.example"), udp("10.1.0.5", "40.1.1.1", 123)}
	for _, p := range flows {
		if a := testing.AllocsPerRun(100, func() { small.Evaluate(p) }); a != 0 {
			t.Errorf("Evaluate(%+v) allocates %v times, want 0", p, a)
		}
	}
	if testing.Short() || raceEnabled {
		return
	}
	ds := make([]time.Duration, 0, len(ps))
	for range 3 {
		for _, p := range ps {
			t0 := time.Now()
			e.Evaluate(p)
			ds = append(ds, time.Since(t0))
		}
	}
	slices.Sort(ds)
	if p50 := ds[len(ds)/2]; p50 > 20*time.Microsecond {
		t.Errorf("p50 latency %v over 5,000 rules, want under 20µs", p50)
	}
}

func BenchmarkCompile5000(b *testing.B) {
	g := newGen(rand.New(rand.NewSource(7)))
	pol := g.policy(10, 5, 100)
	fw := testFirewall(pol)
	for b.Loop() {
		Compile(fw, g.net)
	}
}
