package convert

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const typeLB = "Microsoft.Network/loadBalancers"

// loadBalancers builds load balancers in two passes: frontends and pools first, so that
// rules and Gateway LB chains (spec §6) can name any load balancer's parts.
func (b *builder) buildLoadBalancers() {
	lbs := dedup(b, b.s.LoadBalancers)
	built := make([]*model.LoadBalancer, len(lbs))
	for i, w := range lbs {
		built[i] = b.lbParts(w)
	}
	for i, w := range lbs {
		b.lbRules(built[i], w)
	}
	b.lbWire = lbs
}

func (b *builder) lbParts(w *azure.LoadBalancer) *model.LoadBalancer {
	lb := &model.LoadBalancer{ID: model.ID(w.ID), Name: w.Name, Sku: w.Sku}
	for _, f := range w.Frontends {
		childID(&f.Meta, w.ID, "frontendIPConfigurations")
		fe := &model.Frontend{ID: model.ID(f.ID), Name: f.Name, LB: lb, PrivateIP: f.PrivateIP}
		if f.Subnet != "" {
			if fe.Subnet = b.subnets[b.key(f.Subnet)]; fe.Subnet == nil {
				b.dangling(lb.ID, "subnet", f.Subnet)
			}
		}
		fe.PublicIP = b.publicIP(lb.ID, f.PublicIP)
		lb.Frontends = append(lb.Frontends, fe)
		b.frontends[b.key(f.ID)] = fe
		b.n.Index(fe.ID, fe)
	}
	for _, p := range w.Pools {
		childID(&p.Meta, w.ID, "backendAddressPools")
		pool := &model.BackendPool{ID: model.ID(p.ID), Name: p.Name, LB: lb, Tunnels: p.Tunnels} // Addresses: ipBasedMembers
		lb.BackendPools = append(lb.BackendPools, pool)
		b.pools[b.key(p.ID)] = pool
		b.n.Index(pool.ID, pool)
	}
	for _, r := range w.NATRules {
		childID(&r.Meta, w.ID, "inboundNatRules")
		nr := &model.InboundNATRule{Name: r.Name, Protocol: r.Protocol,
			FrontendPort: uint16(r.FrontendPort), BackendPort: uint16(r.BackendPort), FloatingIP: r.FloatingIP}
		if r.Pool != "" {
			nr.FrontendPort, nr.FrontendPortEnd = uint16(r.RangeStart), uint16(r.RangeEnd) // its pool: lbRules
		}
		lb.InboundNATRules = append(lb.InboundNATRules, nr)
		b.lbNAT[b.key(r.ID)] = nr
	}
	b.n.LoadBalancers = append(b.n.LoadBalancers, lb)
	b.n.Index(lb.ID, lb)
	b.count(typeLB)
	return lb
}

// Gateway LB chaining on frontends: spec §6 [GWLB].
func (b *builder) lbRules(lb *model.LoadBalancer, w *azure.LoadBalancer) {
	for i, f := range w.Frontends {
		if f.GatewayLB != "" {
			if lb.Frontends[i].GatewayLB = b.frontends[b.key(f.GatewayLB)]; lb.Frontends[i].GatewayLB == nil {
				b.dangling(lb.ID, "gateway load balancer frontend", f.GatewayLB)
			}
		}
	}
	probes := map[string]*model.LBProbe{}
	for _, p := range w.Probes {
		probes[b.key(p.ID)] = &model.LBProbe{ID: model.ID(p.ID), Name: p.Name, Port: uint16(p.Port)}
	}
	for _, r := range w.Rules {
		rule := &model.LBRule{Name: r.Name, Frontend: b.frontend(lb.ID, r.Frontend), Protocol: r.Protocol,
			FrontendPort: uint16(r.FrontendPort), BackendPort: uint16(r.BackendPort), FloatingIP: r.FloatingIP,
			DisableOutboundSNAT: r.DisableOutboundSNAT}
		if r.Probe != "" {
			if rule.Probe = probes[b.key(r.Probe)]; rule.Probe == nil {
				b.dangling(lb.ID, "health probe", r.Probe)
			}
		}
		if len(r.Pools) > 0 {
			rule.Pool = b.pool(lb.ID, r.Pools[0])
		}
		lb.Rules = append(lb.Rules, rule)
	}
	for i, r := range w.NATRules {
		nr := lb.InboundNATRules[i]
		nr.Frontend = b.frontend(lb.ID, r.Frontend)
		if r.Pool == "" {
			continue
		}
		// A rule names a pool of its own load balancer (Azure refuses another's); read after every
		// load balancer's pools, so that another's is told apart from a missing one.
		if p := b.pool(lb.ID, r.Pool); p != nil && p.LB != lb {
			b.n.Warn("InvalidValue", lb.ID, fmt.Sprintf("inbound NAT rule %s names backend pool %s of another load balancer; the rule is ignored", r.Name, r.Pool))
		} else {
			nr.Pool = p
		}
	}
	for _, r := range w.OutboundRules {
		o := &model.OutboundRule{Name: r.Name, Pool: b.pool(lb.ID, r.Pool), Protocol: r.Protocol, AllocatedPorts: r.AllocatedPorts}
		for _, id := range r.Frontends {
			if fe := b.frontend(lb.ID, id); fe != nil {
				o.Frontends = append(o.Frontends, fe)
			}
		}
		lb.OutboundRules = append(lb.OutboundRules, o)
	}
}

func (b *builder) frontend(from model.ID, id string) *model.Frontend {
	if id == "" {
		return nil
	}
	fe := b.frontends[b.key(id)]
	if fe == nil {
		b.dangling(from, "frontend IP configuration", id)
	}
	return fe
}

func (b *builder) pool(from model.ID, id string) *model.BackendPool {
	if id == "" {
		return nil
	}
	p := b.pools[b.key(id)]
	if p == nil {
		b.dangling(from, "backend address pool", id)
	}
	return p
}

// lbBackends links pool members and NAT rule targets that only the load balancer names
// (backendIPConfigurations; an IP-based pool's addresses, ipBasedMembers); the NIC side was
// linked when the NICs were built.
func (b *builder) buildLBBackends() {
	var byAddr map[netip.Addr][]*model.IPConfig // made on first use: most estates have no IP-based pool
	holders := func() map[netip.Addr][]*model.IPConfig {
		if byAddr == nil {
			byAddr = b.ipConfigsByAddr()
		}
		return byAddr
	}
	for _, w := range b.lbWire {
		for _, p := range w.Pools {
			pool := b.pools[b.key(p.ID)]
			if pool == nil {
				continue
			}
			for _, id := range p.IPConfigs {
				c := b.ipconfigs[b.key(id)]
				if c == nil || hasPool(c, pool) {
					continue // a NIC outside the snapshot, or already linked from the NIC side
				}
				linkMember(pool, c)
			}
			if len(p.Addresses) > 0 {
				b.ipBasedMembers(pool, p, holders)
			}
		}
		for _, r := range w.NATRules {
			if nr, c := b.lbNAT[b.key(r.ID)], b.ipconfigs[b.key(r.Target)]; nr != nil && c != nil && nr.Target == nil {
				nr.Target = c
			}
		}
	}
}

func linkMember(pool *model.BackendPool, c *model.IPConfig) {
	c.BackendPools = append(c.BackendPools, pool)
	pool.IPConfigs = append(pool.IPConfigs, c)
}

// ipBasedMembers makes each address of an IP-based pool (w.Addresses) a member through the NIC
// ip configuration holding it. IP-based members "must still be virtual machines or virtual
// machine scale sets", in "the same virtual network as the load balancer"
// (learn.microsoft.com/azure/load-balancer/backend-pool-management, Limitations). The addresses
// left in pool.Addresses are those the snapshot does not tie to a NIC.
func (b *builder) ipBasedMembers(pool *model.BackendPool, w *azure.BackendPool, holders func() map[netip.Addr][]*model.IPConfig) {
	pool.IPBased = true
	lbVNet := poolVNet(pool) // before any address joins: the answer must not depend on their order
	var left []netip.Addr
	for _, a := range w.Addresses {
		c := b.addressMember(pool, w, a, lbVNet, holders)
		switch {
		case c == nil:
			left = append(left, a)
		case !hasPool(c, pool):
			linkMember(pool, c)
		}
	}
	pool.Addresses = left
}

// addressMember is the ip configuration holding address a of IP-based pool w, or nil: the one
// Azure names (networkInterfaceIPConfiguration) if it still holds a, none if the snapshot lacks
// it; else the one holding a in the address's virtual network, else the pool's, else the load
// balancer's (lbVNet: poolVNet before any address joined). With no virtual network to go by, the
// only one in the snapshot holding a is taken, and a warning says so.
func (b *builder) addressMember(pool *model.BackendPool, w *azure.BackendPool, a netip.Addr, lbVNet *model.VNet, holders func() map[netip.Addr][]*model.IPConfig) *model.IPConfig {
	var l azure.AddressLink
	if i := slices.IndexFunc(w.AddressLinks, func(l azure.AddressLink) bool { return l.Addr == a }); i >= 0 {
		l = w.AddressLinks[i]
	}
	if l.IPConfig != "" {
		c := b.ipconfigs[b.key(l.IPConfig)]
		if c == nil {
			return nil // Azure names one the snapshot lacks: not guessed
		}
		if c.PrivateIP == a {
			return c
		}
		// It no longer holds a (a plan moved it): found below like an address Azure did not link.
	}
	var vnet *model.VNet
	if id := cmp.Or(l.VNet, w.VNet); id != "" {
		if vnet = b.vnets[b.key(id)]; vnet == nil {
			return nil // its virtual network is not in the snapshot
		}
	} else {
		vnet = lbVNet
	}
	var found []*model.IPConfig
	for _, c := range holders()[a] {
		if vnet == nil || c.Subnet != nil && c.Subnet.VNet == vnet {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		return nil
	}
	if vnet == nil {
		b.n.Warn("Assumption", pool.ID, fmt.Sprintf("backend pool %s lists %s without its virtual network: taken to be %s's, the only NIC of the snapshot holding it", pool.Name, a, found[0].NIC.Name))
	}
	return found[0]
}

// poolVNet is the VNet of pool's load balancer: an internal frontend's, else a member's (one the
// NIC side or backendIPConfigurations names); nil when neither says.
func poolVNet(pool *model.BackendPool) *model.VNet {
	for _, fe := range pool.LB.Frontends {
		if fe.Subnet != nil && fe.Subnet.VNet != nil {
			return fe.Subnet.VNet
		}
	}
	for _, c := range pool.IPConfigs {
		if c.Subnet != nil && c.Subnet.VNet != nil {
			return c.Subnet.VNet
		}
	}
	return nil
}

// ipConfigsByAddr is every NIC ip configuration of the snapshot by private address, in ID order.
func (b *builder) ipConfigsByAddr() map[netip.Addr][]*model.IPConfig {
	out := map[netip.Addr][]*model.IPConfig{}
	for _, c := range b.ipconfigs {
		if c.PrivateIP.IsValid() {
			out[c.PrivateIP] = append(out[c.PrivateIP], c)
		}
	}
	for _, cs := range out {
		slices.SortFunc(cs, func(x, y *model.IPConfig) int { return strings.Compare(x.ID.Key(), y.ID.Key()) })
	}
	return out
}

func hasPool(c *model.IPConfig, p *model.BackendPool) bool {
	for _, q := range c.BackendPools {
		if q == p {
			return true
		}
	}
	return false
}
