package convert

import (
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
		pool := &model.BackendPool{ID: model.ID(p.ID), Name: p.Name, LB: lb, Addresses: p.Addresses, Tunnels: p.Tunnels}
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
// (backendIPConfigurations, an IP-based member's networkInterfaceIPConfiguration, or its
// address alone); the NIC side was linked when the NICs were built.
func (b *builder) buildLBBackends() {
	var byAddr map[netip.Addr][]*model.IPConfig // made on first use: most estates have no IP-based pool
	for _, w := range b.lbWire {
		for _, p := range w.Pools {
			pool := b.pools[b.key(p.ID)]
			for _, id := range p.IPConfigs {
				c := b.ipconfigs[b.key(id)]
				if c == nil || pool == nil || hasPool(c, pool) {
					continue // a NIC outside the snapshot, or already linked from the NIC side
				}
				linkMember(pool, c)
			}
			if pool != nil && len(pool.Addresses) > 0 {
				if byAddr == nil {
					byAddr = b.ipConfigsByAddr()
				}
				ipBasedMembers(pool, byAddr)
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

// ipBasedMembers links each address of an IP-based pool to the NIC ip configuration holding it,
// where Azure's own link (networkInterfaceIPConfiguration) was not in the input (a plan, a
// hand-written snapshot): IP-based members "must still be virtual machines or virtual machine
// scale sets", in "the same virtual network as the load balancer"
// (learn.microsoft.com/azure/load-balancer/backend-pool-management, Limitations). An address
// is linked when one ip configuration holds it in that VNet (known from an internal frontend's
// subnet or a linked member), or in the whole snapshot when the VNet is not known. The
// addresses left in pool.Addresses are those no NIC of the snapshot holds unambiguously.
func ipBasedMembers(pool *model.BackendPool, byAddr map[netip.Addr][]*model.IPConfig) {
	vnet := poolVNet(pool)
	var left []netip.Addr
	for _, a := range pool.Addresses {
		if slices.ContainsFunc(pool.IPConfigs, func(c *model.IPConfig) bool { return c.PrivateIP == a }) {
			continue // Azure named its ip configuration
		}
		var found []*model.IPConfig
		for _, c := range byAddr[a] {
			if vnet == nil || c.Subnet != nil && c.Subnet.VNet == vnet {
				found = append(found, c)
			}
		}
		if len(found) != 1 {
			left = append(left, a)
			continue
		}
		linkMember(pool, found[0])
	}
	pool.Addresses = left
}

// poolVNet is the VNet of pool's load balancer: an internal frontend's, else a linked member's;
// nil when neither says.
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
