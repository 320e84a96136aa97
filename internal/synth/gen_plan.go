package synth

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
)

// plan is the synthetic estate's address and naming plan. The hub is 10.0.0.0/16;
// spoke k is the k-th block of 10.64.0.0/10, /20 for up to 1,024 spokes and smaller
// beyond, split in quarters: snet-web, snet-app, snet-pe (the fourth is left free).
type plan struct {
	spokes    int
	spokeBits int
	usable    int // usable addresses of a spoke subnet (a quarter, minus 5 reserved)
}

const (
	synthHubSub = "00000000-0000-0000-0000-000000000001"
	synthHubRG  = "rg-hub"
	synthFwIP   = "10.0.1.4"
	hubSharedN  = 1019 // usable addresses of the hub's snet-shared 10.0.4.0/22
	hubWorkN    = 4091 // usable addresses of the hub's snet-workload 10.0.16.0/20
)

var spokeSubnetNames = [3]string{"snet-web", "snet-app", "snet-pe"}

func newPlan(c Config) plan {
	p := plan{spokes: max(c.VNets-1, 0), spokeBits: 20}
	for p.spokeBits < 24 && 1<<(p.spokeBits-10) < p.spokes {
		p.spokeBits++
	}
	p.usable = 1<<(32-p.spokeBits-2) - 5
	return p
}

// NIC j goes to NIC subnet slot j % nicSlots (spoke j % spokes, web or app), one round of
// slots at a time; every 10th NIC (j % 10 == 9) gets a second ip configuration.
func (p plan) nicSlots() int {
	if p.spokes == 0 {
		return 1 // the hub's snet-workload
	}
	return 2 * p.spokes
}

func (p plan) slotUsable() int {
	if p.spokes == 0 {
		return hubWorkN
	}
	return p.usable
}

// nicCapacity is the most NICs whose ip configurations surely fit the NIC subnets: a slot
// receives one NIC per round, and in the worst case every one of them has two.
func (p plan) nicCapacity() int { return p.slotUsable() / 2 * p.nicSlots() }

// ipConfigs is the number of ip configurations n NICs have.
func ipConfigs(n int) int { return n + n/10 }

func (p plan) peCapacity() int { return hubSharedN + p.spokes*p.usable }

var spokeBase = netip.MustParseAddr("10.64.0.0")

func (p plan) spokePrefix(k int) netip.Prefix {
	return netip.PrefixFrom(addOffset(spokeBase, uint32(k)<<(32-p.spokeBits)), p.spokeBits)
}

func (p plan) subnetPrefix(k, s int) netip.Prefix {
	a := addOffset(p.spokePrefix(k).Addr(), uint32(s)<<(32-p.spokeBits-2))
	return netip.PrefixFrom(a, p.spokeBits+2)
}

// addOffset adds off to an IPv4 address.
func addOffset(a netip.Addr, off uint32) netip.Addr {
	v := u32(a) + off
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func spokeSub(k int) string { return fmt.Sprintf("00000000-0000-0000-0001-%012d", k/100+1) }
func spokeRG(k int) string  { return fmt.Sprintf("rg-spoke-%04d", k) }

func (p plan) spokeVNet(k int) string {
	return netID(spokeSub(k), spokeRG(k), "virtualNetworks", fmt.Sprintf("vnet-spoke-%04d", k))
}

var synthHubVNet = netID(synthHubSub, synthHubRG, "virtualNetworks", "vnet-hub")

func synthHubNet(typ, name string, children ...string) string {
	return netID(synthHubSub, synthHubRG, typ, name, children...)
}

// gen holds the generator's state: the plan, per-subnet address cursors and one random
// stream per resource kind, so resizing one kind does not reshuffle the others.
type gen struct {
	cfg     Config
	plan    plan
	cursor  map[string]int // subnet ID -> next host offset
	spokeID []string
}

func newGen(c Config) *gen {
	g := &gen{cfg: c, plan: newPlan(c), cursor: map[string]int{}}
	g.spokeID = make([]string, g.plan.spokes)
	for k := range g.spokeID {
		g.spokeID[k] = g.plan.spokeVNet(k)
	}
	return g
}

func (g *gen) rng(kind uint64) *rand.Rand { return rand.New(rand.NewPCG(g.cfg.Seed, kind)) }

// alloc returns the next free address of a subnet (after the 4 reserved ones).
func (g *gen) alloc(subnetID string, prefix netip.Prefix) string {
	off := g.cursor[subnetID] + 4
	g.cursor[subnetID]++
	return addOffset(prefix.Addr(), uint32(off)).String()
}
