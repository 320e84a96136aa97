package reach

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net/netip"
	"slices"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// universe is the small address and port space the brute-force twin enumerates: the firewall's
// subnet, the appliance, the start of every spoke subnet, the public IPs, internet ranges random
// rules name, an address nothing routes and one behind a route to nowhere, and the DNS resolver
// inbound endpoint with its neighbours, ports around its own.
var (
	universe = prefixes("10.0.0.0/27", "10.0.1.0/29", "10.1.10.0/29", "10.1.11.0/29", "10.2.10.0/29", "10.2.11.0/29",
		"10.3.10.0/29", "10.3.11.0/29", "203.0.113.0/26", "198.51.100.0/28", "20.0.0.0/30", "20.1.0.0/30", "20.1.1.0/30",
		"20.2.0.0/30", "20.2.1.0/30", "20.3.0.0/30", "10.9.9.8/30", "192.168.1.0/30", "10.0.2.0/29")
	universePorts = []model.PortRange{{Lo: 20, Hi: 23}, {Lo: model.DNSPort - 1, Hi: model.DNSPort + 1}, {Lo: 438, Hi: 447},
		{Lo: model.HostReservedUDPPort - 1, Hi: model.HostReservedUDPPort + 1}}
	universeProto = []model.Protocol{model.ProtoTCP, model.ProtoUDP, model.ProtoICMP}
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = pfx(s)
	}
	return out
}

type point struct {
	fixed int
	addr  netip.Addr
	proto model.Protocol
	port  uint16
}

// twin compares the engine's answer to q with a trace of every point of the universe, and every
// class's example with a full trace. It returns the disagreements.
func twin(p *dataplane.Plane, m *Model, q Query) (res *Result, bad []string) {
	q.Space, q.Ports, q.Protocols = universe, universePorts, universeProto
	res, err := Run(context.Background(), m, q)
	if err != nil {
		return nil, []string{err.Error()}
	}
	if !res.Complete() {
		bad = append(bad, fmt.Sprintf("skipped %v", res.Skipped))
	}
	if !slices.IsSortedFunc(res.Classes, compareClasses) {
		bad = append(bad, "the classes are not sorted")
	}
	got := map[point]trace.Verdict{}
	for _, c := range res.Classes {
		for v := uint64(c.Addrs.Lo); v <= uint64(c.Addrs.Hi); v++ {
			for port := uint32(c.Ports.Lo); port <= uint32(c.Ports.Hi); port++ {
				pt := point{c.Fixed, addrOf(uint32(v)), c.Protocol, uint16(port)}
				if _, dup := got[pt]; dup {
					bad = append(bad, fmt.Sprintf("%v in two classes", pt))
				}
				got[pt] = c.Verdict
			}
		}
		a, err := trace.Run(p, c.Example)
		if err != nil || a.Verdict != c.Verdict {
			bad = append(bad, fmt.Sprintf("example %+v: trace says %v (%v), the class %s", c.Example, verdictOf(a), err, c.Verdict))
		}
	}
	fixed, to := q.To, true
	if len(fixed) == 0 {
		fixed, to = q.From, false
	}
	for i, f := range fixed {
		for _, u := range universe {
			for a := u.Masked().Addr(); u.Contains(a); a = a.Next() {
				for _, proto := range universeProto {
					for _, pr := range universePorts {
						for port := uint32(pr.Lo); port <= uint32(pr.Hi); port++ {
							if proto == model.ProtoICMP {
								if port != uint32(pr.Lo) || pr != universePorts[0] {
									continue
								}
								port = 0
							}
							tq := trace.Query{From: a.String(), To: f.Ref, Protocol: proto, DestinationPort: uint16(port), Assume: q.Assume}
							if !to {
								tq.From, tq.To = f.Ref, a.String()
							}
							ans, err := trace.RunBrief(p, tq)
							v, ok := got[point{i, a, proto, uint16(port)}]
							var nf *model.NotFoundError
							switch {
							case errors.As(err, &nf):
								if ok {
									bad = append(bad, fmt.Sprintf("%+v: no such endpoint, the engine says %s", tq, v))
								}
							case err != nil:
								bad = append(bad, fmt.Sprintf("%+v: %v", tq, err))
							case !ok && to && !originates(ans):
								// a load balancer or gateway passes traffic on but starts none
							case !ok:
								bad = append(bad, fmt.Sprintf("%+v: trace says %s, the engine has no class", tq, ans.Verdict))
							case v != ans.Verdict:
								bad = append(bad, fmt.Sprintf("%+v: trace says %s, the engine %s", tq, ans.Verdict, v))
							}
							if proto == model.ProtoICMP {
								break
							}
						}
					}
				}
			}
		}
	}
	return res, bad
}

// reportBad reports the first five disagreements of seed's estate.
func reportBad(t *testing.T, seed int64, bad []string) {
	t.Helper()
	for i, b := range bad {
		if i == 5 {
			t.Errorf("seed %d: ... %d more", seed, len(bad)-5)
			return
		}
		t.Errorf("seed %d: %s", seed, b)
	}
}

func verdictOf(a *trace.Answer) trace.Verdict {
	if a == nil {
		return ""
	}
	return a.Verdict
}

// queries are the questions asked of a random estate: who reaches a VM, its public IP and the
// firewall's (DNAT), and what a VM reaches.
func queries(e *estate, r *rand.Rand) []Query {
	vm := e.vms[r.Intn(len(e.vms))]
	to := []Endpoint{{Ref: vm.NIC.VMName, Addr: vm.PrivateIP, Label: vm.NIC.VMName}, {Ref: "20.0.0.1", Addr: ip("20.0.0.1"), Label: "fw-pip"}}
	if vm.PublicIP != nil {
		to = append(to, Endpoint{Ref: vm.PublicIP.Address.String(), Addr: vm.PublicIP.Address, Label: "pip"})
	}
	src := e.vms[r.Intn(len(e.vms))]
	return []Query{{To: to}, {From: []Endpoint{{Ref: src.NIC.VMName, Addr: src.PrivateIP, Label: src.NIC.VMName}}}}
}

// TestTwinRandomEstates: on random estates, every class agrees with a trace of every packet of
// the universe it covers, and every example reproduces with trace.Run.
func TestTwinRandomEstates(t *testing.T) {
	n := seeds(16, 6)
	verdicts := map[trace.Verdict]int{}
	classes, merged := 0, 0
	for seed := int64(1); seed <= int64(n); seed++ {
		r := rand.New(rand.NewSource(seed))
		e := randomEstate(r)
		qs := queries(e, r)
		if seed%2 == 0 {
			qs = append(qs, openVM(e))
		}
		p := e.plane()
		m := Build(p)
		for _, q := range qs {
			res, bad := twin(p, m, q)
			reportBad(t, seed, bad)
			if res != nil {
				checkRows(t, p, q, res)
				classes += len(res.Classes)
				for _, c := range res.Classes {
					verdicts[c.Verdict]++
					if provedBySibling(q, c) {
						merged++
					}
				}
			}
		}
	}
	t.Logf("%d classes (%d proved by a plain NIC sibling); verdicts %v", classes, merged, verdicts)
	if merged == 0 {
		t.Errorf("no plain NICs were grouped: the estates no longer exercise it")
	}
	if verdicts[trace.Reachable] < n || verdicts[trace.Unreachable] < n {
		t.Errorf("the random estates exercise too little: verdicts %v", verdicts)
	}
}

// TestTwinCNIEstates: AKS-like NICs (tagged, with a secondary ip configuration: an Azure CNI pod)
// are plain, so a pod address joins its subnet's alike VMs; every class still agrees with a trace
// of every packet of the universe it covers, asked about the pod as the fixed endpoint too.
func TestTwinCNIEstates(t *testing.T) {
	n := seeds(16, 6)
	pods, merged := 0, 0
	for seed := int64(1); seed <= int64(n); seed++ {
		r := rand.New(rand.NewSource(seed))
		e := cniEstate(r)
		qs := queries(e, r)
		isPod := map[netip.Addr]bool{}
		for _, nic := range e.n.NICs {
			for _, c := range nic.IPConfigs[1:] {
				isPod[c.PrivateIP] = true
				qs = append(qs, Query{From: []Endpoint{{Ref: c.PrivateIP.String(), Addr: c.PrivateIP, Label: "pod"}}},
					Query{To: []Endpoint{{Ref: c.PrivateIP.String(), Addr: c.PrivateIP, Label: "pod"}}})
			}
		}
		p := e.plane()
		m := Build(p)
		for _, q := range qs {
			res, bad := twin(p, m, q)
			reportBad(t, seed, bad)
			if res == nil {
				continue
			}
			checkRows(t, p, q, res)
			for _, c := range res.Classes {
				if c.Addrs.Lo == c.Addrs.Hi && isPod[c.Addrs.Addr()] {
					pods++
					if provedBySibling(q, c) {
						merged++
					}
				}
			}
		}
	}
	t.Logf("%d pod classes, %d proved by a sibling", pods, merged)
	if merged == 0 {
		t.Errorf("no pod address joined its subnet's alike addresses: secondary ip configurations are not plain")
	}
}

// provedBySibling reports whether c is one owned address proved by another's packet (plain
// NICs alike to it).
func provedBySibling(q Query, c Class) bool {
	at := c.Example.From
	if len(q.From) > 0 {
		at = c.Example.To
	}
	return c.Addrs.Lo == c.Addrs.Hi && at != c.Addrs.Addr().String()
}

// TestTwinResolverEstates: a DNS private resolver inbound endpoint, which no resource owns, is a
// class of its own, told apart by port (it answers on 53 only) and by its subnet's rules, and its
// answers leave by its subnet's routes: every class agrees with a trace of every packet, to it
// and from the estate's VMs.
func TestTwinResolverEstates(t *testing.T) {
	in := Endpoint{Ref: "10.0.2.4", Addr: ip("10.0.2.4"), Label: "dns-in"}
	reached := 0
	twinWith(t, withResolver, in, func(_ *estate, q Query, c Class) {
		if len(q.To) == 1 && q.To[0] == in && c.Verdict == trace.Reachable {
			reached++
		}
	})
	if reached == 0 {
		t.Error("no estate's VM reaches the resolver: the test proves nothing about delivery")
	}
}

// TestTwinDelegatedEstates: an address nothing holds in a delegated subnet is Unknown where its
// service places unlisted instances and the subnet's NSG lets the packet in (trace's atDelegated),
// a NetApp volume's mount target answers NFS and SMB (atNetApp), and reach agrees with trace on
// every packet to them.
func TestTwinDelegatedEstates(t *testing.T) {
	at := Endpoint{Ref: "10.0.2.4", Addr: ip("10.0.2.4"), Label: "delegated"}
	unknown, mounted := 0, 0
	twinWith(t, withDelegated, at, func(e *estate, _ Query, c Class) {
		dst, err := netip.ParseAddr(c.Example.To)
		if err == nil && c.Verdict == trace.UnknownV && pfx("10.0.2.0/28").Contains(dst) {
			unknown++
		}
		if err == nil && c.Verdict == trace.Reachable && dst == at.Addr && len(e.n.NetAppVolumes) > 0 {
			mounted++
		}
	})
	if unknown == 0 || mounted == 0 {
		t.Errorf("%d classes Unknown for a delegated subnet, %d reaching a mount target: the test proves too little", unknown, mounted)
	}
}

// twinWith runs the twin on random estates that add changes, asking the queries of queries and
// who reaches at, and calls count with every class.
func twinWith(t *testing.T, add func(*estate, *rand.Rand) *estate, at Endpoint, count func(*estate, Query, Class)) {
	t.Helper()
	for seed := int64(1); seed <= int64(seeds(12, 4)); seed++ {
		r := rand.New(rand.NewSource(seed))
		e := add(randomEstate(r), r)
		p := e.plane()
		m := Build(p)
		for _, q := range append(queries(e, r), Query{To: []Endpoint{at}}) {
			res, bad := twin(p, m, q)
			reportBad(t, seed, bad)
			if res == nil {
				continue
			}
			for _, c := range res.Classes {
				count(e, q, c)
			}
		}
	}
}

// TestTwinCatchesMissingBoundary: leaving out one boundary (a port range NSG rules use, or an
// internet prefix they name) merges classes that behave differently, and the twin notices.
func TestTwinCatchesMissingBoundary(t *testing.T) {
	for _, tt := range []struct {
		name string
		set  func()
	}{
		{"port range 441-443", func() { dropPortCut = func(r model.PortRange) bool { return r == model.PortRange{Lo: 441, Hi: 443} } }},
		{"prefix 203.0.113.40/30", func() { dropAddrCut = func(p netip.Prefix) bool { return p == pfx("203.0.113.40/30") } }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.set()
			defer func() { dropPortCut, dropAddrCut = nil, nil }()
			caught := 0
			for seed := int64(1); seed <= 40 && caught == 0; seed++ {
				r := rand.New(rand.NewSource(seed))
				e := randomEstate(r)
				qs := queries(e, r)
				qs = append(qs, openVM(e))
				p := e.plane()
				m := Build(p)
				for _, q := range qs {
					_, bad := twin(p, m, q)
					caught += len(bad)
				}
			}
			if caught == 0 {
				t.Errorf("with the %s boundary left out, the twin found no disagreement", tt.name)
			}
		})
	}
}

// openVM gives a VM a public IP the internet reaches, except from 203.0.113.40/30, and asks who
// reaches that IP.
func openVM(e *estate) Query {
	vm := e.vms[1]
	vm.PublicIP = e.publicIP("pip-open", "20.3.1.1")
	rule := func(name string, prio int, access model.Access, src string) *model.SecurityRule {
		return &model.SecurityRule{Name: name, Priority: prio, Direction: model.Inbound, Access: access, Protocol: model.ProtoAny,
			Sources: []string{src}, Destinations: []string{"*"}, SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{model.AllPorts}}
	}
	vm.NIC.NSG = e.nsg("nsg-open", rule("deny-some", 100, model.Deny, "203.0.113.40/30"), rule("allow-internet", 110, model.Allow, "Internet"))
	return Query{To: []Endpoint{{Ref: "20.3.1.1", Addr: ip("20.3.1.1"), Label: "pip-open"}}}
}

// checkRows: every row's example traces to the row's verdict, from an address of its prefixes
// on one of its ports; the rows cover every class.
func checkRows(t *testing.T, p *dataplane.Plane, q Query, res *Result) {
	t.Helper()
	fixed, to := q.To, true
	if len(fixed) == 0 {
		fixed, to = q.From, false
	}
	rows := Rows(res, fixed, to, true)
	if len(rows) == 0 && len(res.Classes) > 0 {
		t.Errorf("%d classes, no rows", len(res.Classes))
	}
	for _, row := range rows {
		a, err := trace.Run(p, row.Example)
		if err != nil || a.Verdict != row.Verdict {
			t.Errorf("row %+v: example traces to %v (%v)", row, verdictOf(a), err)
		}
		at := row.Example.From
		if !to {
			at = row.Example.To
		}
		addr, _ := netip.ParseAddr(at)
		in := false
		for _, px := range row.Prefixes {
			in = in || px.Contains(addr)
		}
		if !in {
			t.Errorf("row %+v: example address %s is not in its prefixes", row, at)
		}
		if self := fixedAddr(fixed, row, to); self.IsValid() && addr == self && !onlyAddr(row.Prefixes, self) {
			t.Errorf("row %+v: the example's varying end is the fixed endpoint's own address, though the row holds others", row)
		}
		if row.Protocol != "Icmp" && !portsContain(row.Ports, row.Example.DestinationPort) {
			t.Errorf("row %+v: example port %d is not in %q", row, row.Example.DestinationPort, row.Ports)
		}
	}
}

func portsContain(s string, p uint16) bool {
	rs, err := ParsePorts(s)
	if err != nil {
		return false
	}
	for _, r := range rs {
		if r.Contains(p) {
			return true
		}
	}
	return false
}

// originates: the trace started somewhere that can send (not a load balancer or gateway, which trace
// answers with Unknown at the first hop).
func originates(a *trace.Answer) bool {
	h := a.Forward.Hops
	return !(a.Verdict == trace.UnknownV && len(h) > 0 && (h[0].Kind == trace.HopLoadBalancer || h[0].Kind == trace.HopVNetGateway))
}

// TestPlainNICsSplitByRules: two VMs of one subnet are one class only while the same rules apply
// to them in the same way: a NIC NSG that denies everything outbound, or a subnet NSG rule that
// names one of them, sets one apart; a key that forgets the rule sets, or signatures that forget
// the lists, are caught by the twin.
func TestPlainNICsSplitByRules(t *testing.T) {
	deny := func(e *estate, name, src string) *model.NSG {
		return e.nsg(name, &model.SecurityRule{Name: "deny-out", Priority: 100, Direction: model.Outbound, Access: model.Deny,
			Protocol: model.ProtoAny, Sources: []string{src}, Destinations: []string{"*"}, SourcePorts: []model.PortRange{model.AllPorts},
			DestPorts: []model.PortRange{model.AllPorts}})
	}
	for _, tt := range []struct {
		name  string
		build func(e *estate, s *model.Subnet, b *model.IPConfig)
		spoil func()
	}{
		{"NIC NSG", func(e *estate, _ *model.Subnet, b *model.IPConfig) { b.NIC.NSG = deny(e, "nsg-b", "*") },
			func() { plainKeyHook = func(k *plainKey) { k.sets = "" } }},
		{"subnet NSG naming vm-b", func(e *estate, s *model.Subnet, _ *model.IPConfig) { s.NSG = deny(e, "nsg-s", "10.1.10.5/32") },
			func() {
				signatureHook = func(m map[uint32]uint64) {
					for a := range m {
						m[a] = 0
					}
				}
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			build := func() (*plane, Query) {
				e := &estate{n: &model.Network{}}
				v := e.vnet("v", "10.1.0.0/16")
				s := e.subnet(v, "s", "10.1.10.0/24")
				e.nic(s, "vm-a", "10.1.10.4")
				b := e.nic(s, "vm-b", "10.1.10.5")
				e.nic(s, "vm-c", "10.1.10.6")
				tt.build(e, s, b)
				return &plane{e.plane()}, Query{To: []Endpoint{{Ref: "vm-c", Addr: ip("10.1.10.6"), Label: "vm-c"}}}
			}
			p, q := build()
			res, bad := twin(p.Plane, Build(p.Plane), q)
			if len(bad) > 0 || verdictAt(res, "10.1.10.4") != trace.Reachable || verdictAt(res, "10.1.10.5") != trace.Unreachable {
				t.Errorf("vm-a %s, vm-b %s (want Reachable, Unreachable); twin: %v", verdictAt(res, "10.1.10.4"), verdictAt(res, "10.1.10.5"), bad)
			}
			tt.spoil()
			defer func() { plainKeyHook, signatureHook = nil, nil }()
			p, q = build()
			if _, bad := twin(p.Plane, Build(p.Plane), q); len(bad) == 0 {
				t.Errorf("spoiled, vm-a and vm-b were one class and the twin did not notice")
			}
		})
	}
}

type plane struct{ *dataplane.Plane }

func verdictAt(res *Result, a string) trace.Verdict {
	if res == nil {
		return ""
	}
	for _, c := range res.Classes {
		if c.Addrs.Contains(ip(a)) && c.Protocol == model.ProtoTCP {
			return c.Verdict
		}
	}
	return ""
}

// TestFixedEndpointErrors: a fixed side trace cannot start at is an error, not an empty answer.
func TestFixedEndpointErrors(t *testing.T) {
	e := randomEstate(rand.New(rand.NewSource(1)))
	m := Build(e.plane())
	for _, q := range []Query{
		{From: []Endpoint{{Ref: "10.77.0.9", Addr: ip("10.77.0.9")}}}, // nothing owns it: not a source
		{To: []Endpoint{{Ref: "no-such-vm"}}},
	} {
		if res, err := Run(context.Background(), m, q); err == nil {
			t.Errorf("%+v: no error, %d classes", q, len(res.Classes))
		}
	}
}

// fixedAddr is the address of the fixed endpoint row names (its Label), if it has one.
func fixedAddr(fixed []Endpoint, row Row, to bool) netip.Addr {
	name := row.To
	if !to {
		name = row.From
	}
	for _, f := range fixed {
		if f.Label == name {
			return f.Addr
		}
	}
	return netip.Addr{}
}

// onlyAddr reports whether ps hold a and nothing else.
func onlyAddr(ps []netip.Prefix, a netip.Addr) bool {
	return len(ps) == 1 && ps[0] == netip.PrefixFrom(a, a.BitLen())
}

// TestTwinRouteServerPeerSibling: an NVA (IP forwarding off) that advertised 192.168.0.0/16 to a
// Route Server from its first address: trace ends a flow it sends there, from either of its
// addresses, beyond the NVA, while the subnet's other VM is sent to the NVA and dropped. The
// NVA's second address must not be alike to that VM.
func TestTwinRouteServerPeerSibling(t *testing.T) {
	e := &estate{n: &model.Network{}}
	v := e.vnet("hub", "10.0.0.0/16")
	s := e.subnet(v, "nva", "10.0.1.0/24")
	secondary(e.nic(s, "nva", "10.0.1.4"), ip("10.0.1.5"))
	e.nic(s, "vm2", "10.0.1.6")
	e.subnet(v, "RouteServerSubnet", "10.0.254.0/27")
	row := model.LearnedRoute{Prefix: pfx("192.168.0.0/16"), Origin: "EBgp", ASPath: "65010", ASPathLen: 1, NextHop: ip("10.0.1.4"), SourcePeer: ip("10.0.1.4"), LocalAddress: ip("10.0.254.4")}
	learned := &model.LearnedRoutes{}
	learned.Add(row)
	e.n.RouteServers = append(e.n.RouteServers, &model.RouteServer{ID: v.ID + "/rs", Name: "rs", VNet: v, IPs: []netip.Addr{ip("10.0.254.4"), ip("10.0.254.5")},
		Peers: []*model.BGPPeer{{ID: v.ID + "/rs/bgpConnections/nva", Name: "nva", IP: ip("10.0.1.4"), ASN: 65010}}, Learned: learned})
	p := e.plane()
	q := Query{To: []Endpoint{{Ref: "192.168.1.1", Addr: ip("192.168.1.1"), Label: "onprem"}}}
	res, bad := twin(p, Build(p), q)
	reportBad(t, 0, bad)
	if a, b := verdictAt(res, "10.0.1.5"), verdictAt(res, "10.0.1.6"); a == b {
		t.Errorf("the NVA's second address and vm2 both %s: the estate no longer tells them apart", a)
	}
}
