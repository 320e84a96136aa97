package ask

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/diff"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

const tsub = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/"

var (
	tAddrs = []string{"*", "Internet", "VirtualNetwork", "10.0.0.0/8", "10.1.0.0/16", "10.2.10.0/24", "10.1.10.4/32", "203.0.113.0/27", "198.51.100.8/29"}
	tPorts = []model.PortRange{model.AllPorts, {Lo: 22, Hi: 22}, {Lo: 441, Hi: 443}, {Lo: 443, Hi: 445}, {Lo: 80, Hi: 80}}
)

// diffEstate builds a small estate from seed: two or three peered spokes (a hub with an appliance
// in some), two NICs per subnet (some with public IPs), random NSGs on subnets and NICs. Built
// twice from one seed, the two are equal; mutate then changes one thing in the second.
func diffEstate(seed uint64) *model.Network { return estateOf(seed, nil) }

// variedEstate is diffEstate with some NICs in one of its two ASGs or with a secondary ip
// configuration (an Azure CNI pod), and some rules naming an ASG on one side or limiting source
// ports (drawn from another stream: diffEstate's estates, which
// other tests pin, are unchanged).
func variedEstate(seed uint64) *model.Network { return estateOf(seed, rand.New(rand.NewPCG(seed, 23))) }

func estateOf(seed uint64, va *rand.Rand) *model.Network {
	r := rand.New(rand.NewPCG(seed, 7))
	n := &model.Network{}
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	for _, name := range []string{"asg-a", "asg-b"} {
		g := &model.ASG{ID: model.ID(tsub + "applicationSecurityGroups/" + name), Name: name}
		n.ASGs = append(n.ASGs, g)
		n.Index(g.ID, g)
	}
	var vnets []*model.VNet
	for i := 1; i <= 2+r.IntN(2); i++ {
		v := &model.VNet{ID: model.ID(fmt.Sprintf("%svirtualNetworks/spoke%d", tsub, i)), Name: fmt.Sprintf("spoke%d", i), Location: "westeurope",
			AddressSpace: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.%d.0.0/16", i))}}
		n.VNets = append(n.VNets, v)
		n.Index(v.ID, v)
		vnets = append(vnets, v)
		for j := range 1 + r.IntN(2) {
			s := &model.Subnet{ID: v.ID + model.ID(fmt.Sprintf("/subnets/s%d", j)), Name: fmt.Sprintf("s%d", j), VNet: v, DefaultOutboundAccess: true,
				Prefixes: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.0/24", i, 10+j))}}
			v.Subnets = append(v.Subnets, s)
			n.Subnets = append(n.Subnets, s)
			n.Index(s.ID, s)
			if r.IntN(2) == 0 {
				s.NSG = tNSG(n, r, va, pick, fmt.Sprintf("nsg-%d-%d", i, j))
			}
			for k := range 2 {
				c := tNIC(n, s, fmt.Sprintf("vm-%d-%d-%d", i, j, k), fmt.Sprintf("10.%d.%d.%d", i, 10+j, 4+k))
				if r.IntN(4) == 0 {
					p := &model.PublicIP{ID: model.ID(fmt.Sprintf("%spublicIPAddresses/pip-%d-%d-%d", tsub, i, j, k)), Name: fmt.Sprintf("pip-%d-%d-%d", i, j, k),
						Address: netip.MustParseAddr(fmt.Sprintf("20.%d.%d.%d", i, j, k+1)), Sku: "Standard"}
					n.PublicIPs = append(n.PublicIPs, p)
					n.Index(p.ID, p)
					c.PublicIP = p
				}
				if r.IntN(4) == 0 {
					c.NIC.NSG = tNSG(n, r, va, pick, fmt.Sprintf("nsg-nic-%d-%d-%d", i, j, k))
				}
				if va != nil && va.IntN(3) == 0 {
					c.ASGs = []*model.ASG{n.ASGs[va.IntN(2)]}
				}
				if va != nil && k == 0 && c.PublicIP == nil && va.IntN(3) == 0 {
					// An Azure CNI pod: a secondary ip configuration, alike to its subnet's VMs.
					c.NIC.IPConfigs = append(c.NIC.IPConfigs, &model.IPConfig{ID: c.NIC.ID + "/ipConfigurations/pod", Name: "pod", NIC: c.NIC,
						Subnet: s, PrivateIP: netip.MustParseAddr(fmt.Sprintf("10.%d.%d.7", i, 10+j)), ASGs: c.ASGs})
				}
			}
		}
	}
	for i := range vnets {
		for j := i + 1; j < len(vnets); j++ {
			if r.IntN(3) > 0 {
				tPeer(vnets[i], vnets[j])
				tPeer(vnets[j], vnets[i])
			}
		}
	}
	return n
}

func tNSG(n *model.Network, r, va *rand.Rand, pick func([]string) string, name string) *model.NSG {
	g := &model.NSG{ID: model.ID(tsub + "networkSecurityGroups/" + name), Name: name}
	for m := range 1 + r.IntN(4) {
		g.Rules = append(g.Rules, tRule(n, r, va, pick, fmt.Sprintf("r%d", m), 100+10*m))
	}
	n.NSGs = append(n.NSGs, g)
	n.Index(g.ID, g)
	return g
}

// tRule is a random rule. With va, one side may name an ASG of n instead of addresses, and its
// source ports may hold trace's source port or not.
func tRule(n *model.Network, r, va *rand.Rand, pick func([]string) string, name string, priority int) *model.SecurityRule {
	x := &model.SecurityRule{Name: name, Priority: priority,
		Direction: model.Direction(r.IntN(2)), Access: model.Access(r.IntN(2)), Protocol: model.Protocol(r.IntN(3)),
		Sources: []string{pick(tAddrs)}, Destinations: []string{pick(tAddrs)},
		SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{tPorts[r.IntN(len(tPorts))]}}
	if va == nil {
		return x
	}
	switch va.IntN(8) {
	case 0:
		x.Sources, x.SourceASGs = nil, []*model.ASG{n.ASGs[va.IntN(len(n.ASGs))]}
	case 1:
		x.Destinations, x.DestASGs = nil, []*model.ASG{n.ASGs[va.IntN(len(n.ASGs))]}
	case 2:
		x.SourcePorts = []model.PortRange{[]model.PortRange{{Lo: 1024, Hi: 65535}, {Lo: 22, Hi: 22}}[va.IntN(2)]}
	}
	return x
}

func tNIC(n *model.Network, s *model.Subnet, vm, addr string) *model.IPConfig {
	nic := &model.NIC{ID: model.ID(tsub + "networkInterfaces/" + vm + "-nic"), Name: vm + "-nic", VMName: vm}
	c := &model.IPConfig{ID: nic.ID + "/ipConfigurations/ipconfig1", Name: "ipconfig1", NIC: nic, Subnet: s, PrivateIP: netip.MustParseAddr(addr), Primary: true}
	nic.IPConfigs = []*model.IPConfig{c}
	n.NICs = append(n.NICs, nic)
	n.Index(nic.ID, nic)
	return c
}

func tPeer(a, b *model.VNet) {
	a.Peerings = append(a.Peerings, &model.Peering{ID: a.ID + "/virtualNetworkPeerings/" + model.ID(a.Name+"-to-"+b.Name), Name: a.Name + "-to-" + b.Name,
		Local: a, Remote: b, RemoteID: b.ID, State: "Connected", AllowVirtualNetworkAccess: true, AllowForwardedTraffic: true, PeerCompleteVNets: true})
}

// mutate changes one thing the incremental diff handles: a rule's access, ports or source, a
// rule added or removed, a NIC added, a NIC-level NSG attached or detached, a subnet NSG
// attached, swapped or detached, a NIC joining or leaving an ASG.
func mutate(n *model.Network, r *rand.Rand) string {
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	g := n.NSGs[r.IntN(len(n.NSGs))]
	switch k := r.IntN(12); {
	case k == 8:
		s := n.Subnets[r.IntN(len(n.Subnets))]
		if s.NSG == g {
			s.NSG = nil
			return "NSG " + g.Name + " detached from " + s.Name
		}
		s.NSG = g
		return "NSG " + g.Name + " attached to " + s.Name
	case k == 9 && slices.ContainsFunc(n.NICs, func(c *model.NIC) bool { return c.NSG != nil }):
		with := slices.DeleteFunc(slices.Clone(n.NICs), func(c *model.NIC) bool { return c.NSG == nil })
		c := with[r.IntN(len(with))]
		c.NSG = nil
		return "NSG detached from " + c.Name
	case k == 10 || k == 11:
		c := n.NICs[r.IntN(len(n.NICs))].IPConfigs[0]
		if len(c.ASGs) > 0 && k == 10 {
			c.ASGs = nil
			return c.NIC.Name + " left its ASG"
		}
		g := n.ASGs[r.IntN(len(n.ASGs))]
		if slices.Contains(c.ASGs, g) {
			g = n.ASGs[0]
			if c.ASGs[0] == g {
				g = n.ASGs[1]
			}
		}
		c.ASGs = []*model.ASG{g}
		return c.NIC.Name + " joined " + g.Name

	case k < 4 && len(g.Rules) > 0:
		x := *g.Rules[r.IntN(len(g.Rules))]
		switch k {
		case 0:
			x.Access = 1 - x.Access
		case 1:
			x.DestPorts = []model.PortRange{tPorts[r.IntN(len(tPorts))]}
		case 2:
			x.Sources = []string{pick(tAddrs)}
		case 3:
			x.Destinations = []string{pick(tAddrs)}
		}
		for i, y := range g.Rules {
			if y.Name == x.Name {
				g.Rules[i] = &x
			}
		}
		return fmt.Sprintf("rule %s/%s changed (%d)", g.Name, x.Name, k)
	case k == 4:
		g.Rules = append([]*model.SecurityRule{tRule(n, r, r, pick, "new", 95)}, g.Rules...)
		return "rule added to " + g.Name
	case k == 5 && len(g.Rules) > 0:
		g.Rules = g.Rules[1:]
		return "rule removed from " + g.Name
	case k == 6:
		s := n.Subnets[r.IntN(len(n.Subnets))]
		tNIC(n, s, "vm-new", s.Prefixes[0].Addr().Next().Next().Next().Next().Next().Next().Next().Next().String())
		return "NIC added to " + s.Name
	default:
		c := n.NICs[r.IntN(len(n.NICs))]
		c.NSG = g
		return "NSG " + g.Name + " attached to " + c.Name
	}
}

// TestDiffReachabilityRandom: on random estates with one random change, every row's example
// traces to the row's before and after verdicts, no sampled flow changes verdict outside the
// rows, and the incremental answer equals recomputing every subnet.
func TestDiffReachabilityRandom(t *testing.T) {
	ctx, opts := context.Background(), DefaultOptions()
	changed := 0
	defer func() {
		if changed < 8 {
			t.Errorf("only %d rows over all seeds: the mutations change too little to test anything", changed)
		}
	}()
	seeds := uint64(16)
	if n, err := strconv.ParseUint(os.Getenv("VNETDOCTOR_DIFF_SEEDS"), 10, 64); err == nil {
		seeds = n // more seeds than CI runs, when changing the incremental scope
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		nb, na := variedEstate(seed), variedEstate(seed)
		if len(na.NSGs) == 0 {
			continue // nothing for mutate to change
		}
		r := rand.New(rand.NewPCG(seed, 99))
		what := mutate(na, r)
		nb.Freeze()
		na.Freeze()
		before, after := NewSnapshot(nb), NewSnapshot(na)
		sc := scopeOf(diff.Resources{}, nil, nb, na)
		rows, st, err := diffReach(ctx, before, after, sc, opts)
		if err != nil {
			t.Fatal(err)
		}
		if st.Scope == "none" && seed > 16 {
			continue // the mutation changed nothing (a rule set to what it was)
		}
		if st.Scope == "skipped" || st.Scope == "none" {
			t.Fatalf("seed %d (%s): scope %+v; want it recomputed", seed, what, st)
		}
		full := diffScope{subnets: map[string]bool{}, nics: map[string]bool{}}
		for _, s := range na.Subnets {
			full.subnets[strings.ToLower(string(s.ID))] = true
		}
		all, fst, err := diffReach(ctx, before, after, full, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rowKeys(rows), rowKeys(all)) {
			t.Errorf("seed %d (%s): incremental rows (%d traces)\n%v\nfull recomputation (%d traces)\n%v", seed, what, st.Traces, rowKeys(rows), fst.Traces, rowKeys(all))
		}
		t.Logf("seed %d (%s): scope %s, %d rows, %d traces (full recomputation: %d)", seed, what, st.Scope, len(rows), st.Traces, fst.Traces)
		changed += len(rows)
		for _, row := range rows {
			vb, va := verdictOrUnreachable(t, before, row.Example), verdictOrUnreachable(t, after, row.Example)
			if vb != row.Before || va != row.After {
				t.Errorf("seed %d (%s): row %+v: example traces to %s before, %s after", seed, what, row, vb, va)
			}
		}
		sampleOutsideRows(t, seed, what, before, after, rows, r)
	}
}

func rowKeys(rows []ReachChange) []string {
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%s>%s %s %s %s>%s", r.From, r.To, r.Protocol, r.Ports, r.Before, r.After))
	}
	slices.Sort(out)
	return out
}

func verdictOrUnreachable(t *testing.T, s *Snapshot, q trace.Query) trace.Verdict {
	a, err := trace.Run(s.Plane, q)
	if err != nil {
		return trace.Unreachable // no such endpoint on this side
	}
	return a.Verdict
}

// sampleOutsideRows traces random flows between owned and internet addresses on both sides; a
// flow whose verdict differs must fall in a row (its places, protocol, verdicts and port).
func sampleOutsideRows(t *testing.T, seed uint64, what string, before, after *Snapshot, rows []ReachChange, r *rand.Rand) {
	var addrs []netip.Addr
	for _, n := range []*model.Network{before.Plane.Net, after.Plane.Net} {
		for _, nic := range n.NICs {
			for _, c := range nic.IPConfigs {
				addrs = append(addrs, c.PrivateIP)
				if c.PublicIP != nil {
					addrs = append(addrs, c.PublicIP.Address)
				}
			}
		}
	}
	addrs = append(addrs, netip.MustParseAddr("203.0.113.9"), netip.MustParseAddr("198.51.100.9"), netip.MustParseAddr("8.8.8.8"))
	mb, ma := reach.Build(before.Plane), reach.Build(after.Plane)
	place := func(a netip.Addr) string {
		if l := ma.Label(a); l != reach.Unrouted {
			return l
		}
		return mb.Label(a)
	}
	ports := []uint16{22, 80, 440, 441, 443, 444, 445, 446, 8080, 1, 65535}
	for range 400 {
		src, dst := addrs[r.IntN(len(addrs))], addrs[r.IntN(len(addrs))]
		proto := allProtocols[r.IntN(3)]
		q := trace.Query{From: src.String(), To: dst.String(), Protocol: proto}
		if proto != model.ProtoICMP {
			q.DestinationPort = ports[r.IntN(len(ports))]
		}
		if place(src) == reach.Internet && place(dst) == reach.Internet {
			continue
		}
		ab, errB := trace.Run(before.Plane, q)
		aa, errA := trace.Run(after.Plane, q)
		if errB != nil && errA != nil {
			continue // neither side can start it (an internet address as a destination of nothing, a public IP as a source)
		}
		vb, va := trace.Unreachable, trace.Unreachable
		if errB == nil {
			vb = ab.Verdict
		}
		if errA == nil {
			va = aa.Verdict
		}
		if vb == va {
			continue
		}
		found := false
		for _, row := range rows {
			if row.From == place(src) && row.To == place(dst) && row.Protocol == proto.String() && row.Before == vb && row.After == va &&
				(proto == model.ProtoICMP || portIn(row.Ports, q.DestinationPort)) {
				found = true
			}
		}
		if !found {
			t.Errorf("seed %d (%s): %+v changed %s -> %s, in no row (%s -> %s)", seed, what, q, vb, va, place(src), place(dst))
		}
	}
}

func portIn(s string, p uint16) bool {
	rs, err := reach.ParsePorts(s)
	if err != nil {
		return false
	}
	for _, r := range rs {
		if r.Lo <= p && p <= r.Hi {
			return true
		}
	}
	return false
}
