package acl

import (
	"fmt"
	"math/rand"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// naiveEvaluate is the slow, obviously correct twin of Evaluate. It reads only the exported
// view (Set, Applies, Rules with their expanded prefixes) and picks, per level, the matching
// rule with the lowest priority by a full scan with linear prefix matching.
func naiveEvaluate(e *Effective, dir model.Direction, f Flow) Result {
	r := Result{Allowed: true}
	order := []Level{LevelAdmin, LevelSubnet, LevelNIC}
	if dir == model.Outbound {
		order = []Level{LevelAdmin, LevelNIC, LevelSubnet}
		r.Platform = f.Dst == ip("168.63.129.16") || f.Dst == ip("169.254.169.254")
	}
	for _, lv := range order {
		if !e.Applies(lv) {
			continue
		}
		lr := LevelResult{Level: lv, Access: model.Allow}
		if rs := e.Set(lv); rs != nil {
			lr.Present, lr.NSG = true, rs.NSG
			for _, ru := range rs.Rules {
				if ru.Direction == dir && naiveMatch(ru, f, r.Platform) && (lr.Rule == nil || ru.Priority < lr.Rule.Priority) {
					lr.Rule = ru
				}
			}
			if lr.Rule != nil {
				lr.Access = lr.Rule.Access
			}
		}
		r.Levels[r.N], r.Decider = lr, r.N
		r.N++
		if lr.Access == model.Deny {
			r.Allowed = false
			return r
		}
		if lr.Access == model.AlwaysAllow {
			return r
		}
	}
	return r
}

func naiveMatch(ru *Rule, f Flow, platform bool) bool {
	if ru.Protocol != model.ProtoAny && ru.Protocol != f.Proto {
		return false
	}
	if platform && !strings.Contains(strings.ToLower(ru.DestinationPrefix), "azureplatform") {
		return false
	}
	if f.Proto == model.ProtoTCP || f.Proto == model.ProtoUDP {
		if !naivePortIn(ru.SourcePorts, f.SrcPort) || !naivePortIn(ru.DestPorts, f.DstPort) {
			return false
		}
	} else if !naiveAllPorts(ru.SourcePorts) || !naiveAllPorts(ru.DestPorts) {
		return false
	}
	return naiveSide(ru.SourcePrefix, ru.ExpandedSource, ru.SelfSource, f.Src) &&
		naiveSide(ru.DestinationPrefix, ru.ExpandedDest, ru.SelfDest, f.Dst)
}

func naivePortIn(rs []model.PortRange, p uint16) bool {
	if len(rs) == 0 {
		return true
	}
	for _, r := range rs {
		if r.Contains(p) {
			return true
		}
	}
	return false
}

// naiveAllPorts: if some port is uncovered, so is 0 or the port right after some range.
func naiveAllPorts(rs []model.PortRange) bool {
	if !naivePortIn(rs, 0) {
		return false
	}
	for _, r := range rs {
		if r.Hi < 65535 && !naivePortIn(rs, r.Hi+1) {
			return false
		}
	}
	return true
}

func naiveSide(written string, expanded []netip.Prefix, self bool, a netip.Addr) bool {
	if self || slices.Contains(strings.Split(written, ","), "*") {
		return true
	}
	for _, p := range expanded {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Random estates: entries, ports and addresses are drawn from small pools so rules and flows
// collide often.
var (
	entryPool = []string{"*", "VirtualNetwork", "Internet", "AzureLoadBalancer", "Storage", "Mystery",
		"AzurePlatformDNS", "AzurePlatformIMDS", "10.1.0.0/24", "10.1.1.0/25", "10.1.0.4", "10.2.0.0/16",
		"8.8.0.0/16", "0.0.0.0/0", "20.0.0.0/8", "168.63.129.16"}
	portPool = []string{"*", "22", "53", "80", "443", "1000-2000", "22,80,443", "0-1000,1001-65535", "50000-65535"}
	addrPool = []string{"10.1.0.4", "10.1.0.5", "10.1.1.4", "10.1.1.200", "10.1.0.99", "10.2.3.4", "10.3.0.1",
		"8.8.8.8", "20.0.5.5", "168.63.129.16", "169.254.169.254", "192.168.1.1", "100.64.0.1", "172.16.0.1"}
	protoPool = []model.Protocol{model.ProtoAny, TCP, UDP, model.ProtoICMP}
	flowPorts = []uint16{22, 53, 80, 443, 1500, 50001, 65000}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.Intn(len(s))] }

func randomSide(r *rand.Rand, asgs []*model.ASG) ([]string, []*model.ASG) {
	if len(asgs) > 0 && r.Intn(5) == 0 {
		return nil, []*model.ASG{pick(r, asgs)}
	}
	out := make([]string, 1+r.Intn(3))
	for i := range out {
		out[i] = pick(r, entryPool)
	}
	return out, nil
}

func randomRules(r *rand.Rand, k int, asgs []*model.ASG) []*model.SecurityRule {
	prios := r.Perm(4000)
	out := make([]*model.SecurityRule, k)
	for i := range out {
		sr := rule(fmt.Sprintf("r%d", i), 100+prios[i], model.Direction(r.Intn(2)), model.Access(r.Intn(2)),
			pick(r, protoPool), "*", "*", pick(r, portPool))
		sr.SourcePorts = ports(pick(r, []string{"*", "*", "*", "1024-65535", "53"}))
		sr.Sources, sr.SourceASGs = randomSide(r, asgs)
		sr.Destinations, sr.DestASGs = randomSide(r, asgs)
		out[i] = sr
	}
	return out
}

func randomAdmin(r *rand.Rand, v *model.VNet) []*model.AdminRule {
	var out []*model.AdminRule
	for i, k, prios := 0, r.Intn(4), r.Perm(100); i < k; i++ {
		src, _ := randomSide(r, nil)
		dst, _ := randomSide(r, nil)
		ar := adminRule(fmt.Sprintf("a%d", i), 1+prios[i], model.Direction(r.Intn(2)), model.Access(r.Intn(3)),
			strings.Join(src, ","), strings.Join(dst, ","), pick(r, portPool), v)
		ar.Protocol = pick(r, protoPool)
		out = append(out, ar)
	}
	return out
}

// randomNetwork builds one VNet with two subnets (one with random UDRs), a peer with and one
// without virtual network access, three NSGs, three ASGs and six NICs.
func randomNetwork(r *rand.Rand) (*model.Network, []*model.IPConfig, []*model.Subnet) {
	n := newNet()
	addTag(n, "Storage", "20.0.0.0/16", "20.1.0.0/24", "2603:1000::/40")
	v := addVNet(n, "vnet-a", "westeurope", "10.1.0.0/16")
	peer(v, addVNet(n, "vnet-b", "westeurope", "10.2.0.0/16"))
	ac, _ := peer(v, addVNet(n, "vnet-c", "northeurope", "10.3.0.0/16"))
	ac.AllowVirtualNetworkAccess = r.Intn(2) == 0
	subnets := []*model.Subnet{addSubnet(n, v, "s0", "10.1.0.0/24"), addSubnet(n, v, "s1", "10.1.1.0/24")}
	if r.Intn(2) == 0 {
		subnets[1].RouteTable = &model.RouteTable{ID: "/rt", Name: "rt", Routes: []*model.Route{
			{Name: "u", Prefix: pfx(pick(r, []string{"0.0.0.0/0", "8.8.0.0/16", "192.168.0.0/16"})),
				NextHopType: model.HopVirtualAppliance, NextHopIP: ip("10.1.0.4")}}}
	}
	asgs := []*model.ASG{addASG(n, "g0"), addASG(n, "g1"), addASG(n, "g2")}
	var nsgs []*model.NSG
	for i := 0; i < 3; i++ {
		nsgs = append(nsgs, addNSG(n, fmt.Sprintf("nsg%d", i), randomRules(r, r.Intn(20), asgs)...))
	}
	maybeNSG := func() *model.NSG { return pick(r, append([]*model.NSG{nil}, nsgs...)) }
	for _, s := range subnets {
		s.NSG = maybeNSG()
	}
	var cs []*model.IPConfig
	for i, a := range []string{"10.1.0.4", "10.1.0.5", "10.1.0.6", "10.1.1.4", "10.1.1.5", "10.1.1.6"} {
		var member []*model.ASG
		for _, g := range asgs {
			if r.Intn(3) == 0 {
				member = append(member, g)
			}
		}
		cs = append(cs, addNIC(n, fmt.Sprintf("nic%d", i), subnets[i/3], a, maybeNSG(), member...))
	}
	n.AdminRules = randomAdmin(r, v)
	return n, cs, subnets
}

func randomFlow(r *rand.Rand) Flow {
	return Flow{Src: ip(pick(r, addrPool)), Dst: ip(pick(r, addrPool)), Proto: pick(r, protoPool[1:]),
		SrcPort: pick(r, flowPorts), DstPort: pick(r, flowPorts)}
}

func TestEvaluateAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewSource(42))
	checked, denied := 0, 0
	for iter := 0; iter < 150; iter++ {
		n, cs, subnets := randomNetwork(r)
		a, _ := build(t, n)
		var effs []*Effective
		for _, c := range cs {
			effs = append(effs, a.ForIPConfig(c))
		}
		for _, s := range subnets {
			effs = append(effs, a.ForSubnet(s))
		}
		for _, e := range effs {
			for k := 0; k < 40; k++ {
				f, dir := randomFlow(r), randomDir(r)
				got, want := e.Evaluate(dir, f), naiveEvaluate(e, dir, f)
				if got != want {
					t.Fatalf("iter %d flow %+v %v:\n got  %s\n want %s", iter, f, dir, describe(got), describe(want))
				}
				checked++
				if !got.Allowed {
					denied++
				}
			}
		}
	}
	// guard against a generator that only exercises one outcome
	if denied == 0 || denied == checked {
		t.Fatalf("%d of %d flows denied: the generator is degenerate", denied, checked)
	}
}

func TestEvaluateDoesNotAllocate(t *testing.T) {
	e, flows := benchEffective(50)
	if n := testing.AllocsPerRun(200, func() {
		for _, f := range flows {
			e.Evaluate(model.Inbound, f)
			e.Evaluate(model.Outbound, f)
		}
	}); n != 0 {
		t.Errorf("Evaluate allocates %v times per run", n)
	}
}

func randomDir(r *rand.Rand) model.Direction { return model.Direction(r.Intn(2)) }
