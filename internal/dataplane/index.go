package dataplane

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// MaxInstanceAddrs bounds the instance address list of one firewall: an AzureFirewallSubnet
// larger than /22 is unusual, and evaluating more addresses per hop buys nothing.
const MaxInstanceAddrs = 1019

// Index answers the "what is behind this address" questions a trace asks beyond the model's
// owner index: public IPs by their holder, firewall subnets and instance addresses, and
// on-premises prefixes per gateway. A backend's load balancer outbound rule is Egress's.
type Index struct {
	NATByPublicIP        map[netip.Addr]*model.NATGateway
	FirewallByPublicIP   map[netip.Addr]*model.Firewall
	FrontendByPublicIP   map[netip.Addr]*model.Frontend   // public load balancer frontends
	AppGatewayByPublicIP map[netip.Addr]*model.AppGateway // application gateways' public frontends
	GatewayByPublicIP    map[netip.Addr]*model.VNetGateway
	IPConfigByPublicIP   map[netip.Addr]*model.IPConfig // instance public IPs
	FirewallBySubnet     map[*model.Subnet]*model.Firewall
	// Instances are each firewall's instance addresses (firewall.InstanceAddresses, spec §3.1),
	// at most MaxInstanceAddrs; instanceSets the whole set, for FirewallInstance.
	Instances    map[*model.Firewall][]netip.Addr
	instanceSets map[*model.Firewall]ipset.Set
	// OnPrem lists every local network gateway prefix reachable through a connection.
	OnPrem []OnPremPrefix
	// HalfLinksTo lists, per VNet, the peering links other VNets hold towards it that are not
	// Active and have no link back, in network order: a trace whose destination lies in the
	// linking VNet names them (spec §1.3) without scanning every VNet.
	HalfLinksTo map[*model.VNet][]*model.Peering
}

// OnPremPrefix is one on-premises prefix and the gateway that reaches it.
type OnPremPrefix struct {
	Prefix  netip.Prefix
	Local   *model.LocalGateway
	Gateway *model.VNetGateway // nil when no connection in the snapshot uses the local gateway
}

func buildIndex(n *model.Network) *Index {
	x := &Index{
		NATByPublicIP:        map[netip.Addr]*model.NATGateway{},
		FirewallByPublicIP:   map[netip.Addr]*model.Firewall{},
		FrontendByPublicIP:   map[netip.Addr]*model.Frontend{},
		AppGatewayByPublicIP: map[netip.Addr]*model.AppGateway{},
		GatewayByPublicIP:    map[netip.Addr]*model.VNetGateway{},
		IPConfigByPublicIP:   map[netip.Addr]*model.IPConfig{},
		FirewallBySubnet:     map[*model.Subnet]*model.Firewall{},
		Instances:            map[*model.Firewall][]netip.Addr{},
		instanceSets:         map[*model.Firewall]ipset.Set{},
	}
	for _, g := range n.NATGateways {
		for _, p := range g.PublicIPs {
			if p != nil && p.Address.IsValid() {
				x.NATByPublicIP[p.Address] = g
			}
		}
	}
	for _, g := range n.VNetGateways {
		for _, p := range g.PublicIPs {
			if p != nil && p.Address.IsValid() {
				x.GatewayByPublicIP[p.Address] = g
			}
		}
	}
	for _, fw := range n.Firewalls {
		for _, p := range fw.PublicIPs {
			if p != nil && p.Address.IsValid() {
				x.FirewallByPublicIP[p.Address] = fw
			}
		}
		for _, a := range fw.HubPublicAddresses {
			x.FirewallByPublicIP[a] = fw
		}
		if fw.Subnet != nil {
			x.FirewallBySubnet[fw.Subnet] = fw
			set := firewall.InstanceAddresses(fw)
			x.Instances[fw], x.instanceSets[fw] = instanceAddrs(set), set
		}
	}
	x.indexLBs(n)
	for _, nic := range n.NICs {
		for _, c := range nic.IPConfigs {
			if c.PublicIP != nil && c.PublicIP.Address.IsValid() {
				x.IPConfigByPublicIP[c.PublicIP.Address] = c
			}
		}
	}
	x.indexOnPrem(n)
	x.indexHalfLinks(n)
	return x
}

func (x *Index) indexHalfLinks(n *model.Network) {
	x.HalfLinksTo = map[*model.VNet][]*model.Peering{}
	for _, v := range n.VNets {
		for _, p := range v.Peerings {
			if p.Active() || p.Reverse() != nil {
				continue
			}
			to := p.Remote
			if to == nil {
				if r, ok := n.Lookup(p.RemoteID); ok {
					to, _ = r.(*model.VNet)
				}
			}
			if to != nil && to != v {
				x.HalfLinksTo[to] = append(x.HalfLinksTo[to], p)
			}
		}
	}
}

func (x *Index) indexLBs(n *model.Network) {
	for _, lb := range n.LoadBalancers {
		for _, fe := range lb.Frontends {
			if fe.PublicIP != nil && fe.PublicIP.Address.IsValid() {
				x.FrontendByPublicIP[fe.PublicIP.Address] = fe
			}
		}
	}
	// An application gateway names its public frontends itself: the public IP's own
	// ipConfiguration, which a plan's body may lack, is not needed to find it.
	for _, g := range n.AppGateways {
		for _, p := range g.PublicIPs {
			if p != nil && p.Address.IsValid() {
				x.AppGatewayByPublicIP[p.Address] = g
			}
		}
	}
}

func (x *Index) indexOnPrem(n *model.Network) {
	used := map[*model.LocalGateway]bool{}
	for _, c := range n.Connections {
		if c.Local == nil || c.Gateway == nil {
			continue
		}
		used[c.Local] = true
		for _, p := range c.Local.Prefixes {
			x.OnPrem = append(x.OnPrem, OnPremPrefix{Prefix: p, Local: c.Local, Gateway: c.Gateway})
		}
	}
	for _, lg := range n.LocalGateways {
		if used[lg] {
			continue
		}
		for _, p := range lg.Prefixes {
			x.OnPrem = append(x.OnPrem, OnPremPrefix{Prefix: p, Local: lg})
		}
	}
}

// OnPremFor returns the on-premises prefix holding a (longest match), if any.
func (x *Index) OnPremFor(a netip.Addr) (OnPremPrefix, bool) {
	best, ok := OnPremPrefix{}, false
	for _, o := range x.OnPrem {
		if o.Prefix.Contains(a) && (!ok || o.Prefix.Bits() > best.Prefix.Bits() ||
			(best.Gateway == nil && o.Gateway != nil && o.Prefix.Bits() == best.Prefix.Bits())) {
			best, ok = o, true
		}
	}
	return best, ok
}

// FirewallInstance reports whether a is an instance address of a firewall in subnet s.
func (x *Index) FirewallInstance(s *model.Subnet, a netip.Addr) (*model.Firewall, bool) {
	fw, ok := x.FirewallBySubnet[s]
	if !ok || !x.instanceSets[fw].Contains(a) {
		return nil, false
	}
	return fw, true
}

// instanceAddrs lists the first MaxInstanceAddrs addresses of set.
func instanceAddrs(set ipset.Set) []netip.Addr {
	var out []netip.Addr
	for _, r := range set.Ranges() {
		for a := r.From; len(out) < MaxInstanceAddrs; a = a.Next() {
			out = append(out, a)
			if a == r.To {
				break
			}
		}
	}
	return out
}
