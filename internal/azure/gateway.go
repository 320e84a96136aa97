package azure

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// VNetGateway is Microsoft.Network/virtualNetworkGateways.
type VNetGateway struct {
	Meta
	GatewayType  string
	IPConfigs    []FirewallIPConfig // private IP, subnet, public IP per ip configuration
	ActiveActive bool
	EnableBGP    bool
	ASN          uint32
	BGPAddrs     []netip.Addr  // bgpPeeringAddress(es) inside the VNet (APIPA custom addresses excluded)
	NATRules     []*VPNNATRule // natRules (vpnnat.go)
	// P2SPools are vpnClientConfiguration.vpnClientAddressPool.addressPrefixes: the addresses
	// of point-to-site clients, which the model does not hold (a warning says so).
	P2SPools []string
}

// LocalGateway is Microsoft.Network/localNetworkGateways.
type LocalGateway struct {
	Meta
	Prefixes  []netip.Prefix
	GatewayIP string // kept as written: the REST example has "x.x.x.x"; the converter validates
	BGPPeer   netip.Addr
}

// Connection is Microsoft.Network/connections. The sharedKey is never read.
type Connection struct {
	Meta
	Type      string
	Gateway1  string
	Gateway2  string
	Local2    string
	Status    string
	EnableBGP bool
	// IngressNAT and EgressNAT are ingressNatRules and egressNatRules (vpnnat.go).
	IngressNAT, EgressNAT []string
	// PolicySelectors: usePolicyBasedTrafficSelectors, or trafficSelectorPolicies listed. The
	// model does not hold them (a warning says so).
	PolicySelectors bool
}

func (d *dec) vnetGateway(v *jsondoc.Value, p *jsondoc.Path) *VNetGateway {
	w := &VNetGateway{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "gatewaytype":
			w.GatewayType = d.str(m, at)
		case "ipconfigurations":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.IPConfigs = append(w.IPConfigs, d.fwIPConfig(v, p)) })
		case "activeactive":
			w.ActiveActive = d.boolean(m, at)
		case "enablebgp":
			w.EnableBGP = d.boolean(m, at)
		case "bgpsettings":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) { d.bgpSettings(w, k, m, at) })
		case "natrules":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.NATRules = append(w.NATRules, d.vpnNATRule(v, p)) })
		case "vpnclientconfiguration":
			// Read only to warn that point-to-site is not modelled, so not validated: a value
			// vnetdoctor would not use must not reject the file.
			if pool := m.Val.Get("vpnclientaddresspool").Get("addressprefixes"); pool != nil && pool.Kind == jsondoc.Array {
				for _, it := range pool.Kids() {
					if t := it.Val.Text(); t != "" {
						w.P2SPools = append(w.P2SPools, t)
					}
				}
			}
		}
	})
	return w
}

func (d *dec) bgpSettings(w *VNetGateway, k string, m *jsondoc.Member, at *jsondoc.Path) {
	switch k {
	case "asn":
		w.ASN = uint32(d.integer(m, at, 0, 1<<32-1))
	case "bgppeeringaddress":
		for _, a := range d.addrs(m, at) {
			w.BGPAddrs = appendAddr(w.BGPAddrs, a)
		}
	case "bgppeeringaddresses":
		d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
			each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "defaultbgpipaddresses" {
					for _, a := range d.addrs(m, at) {
						w.BGPAddrs = appendAddr(w.BGPAddrs, a)
					}
				}
			})
		})
	}
}

func (d *dec) localGateway(v *jsondoc.Value, p *jsondoc.Path) *LocalGateway {
	w := &LocalGateway{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "localnetworkaddressspace":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "addressprefixes" {
					w.Prefixes = d.prefixes(m, at)
				}
			})
		case "gatewayipaddress":
			w.GatewayIP = d.str(m, at)
		case "bgpsettings":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "bgppeeringaddress" {
					w.BGPPeer = d.addr(m, at)
				}
			})
		}
	})
	return w
}

func (d *dec) connection(v *jsondoc.Value, p *jsondoc.Path) *Connection {
	w := &Connection{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "connectiontype":
			w.Type = d.str(m, at)
		case "virtualnetworkgateway1":
			w.Gateway1 = d.ref(m, at)
		case "virtualnetworkgateway2":
			w.Gateway2 = d.ref(m, at)
		case "localnetworkgateway2":
			w.Local2 = d.ref(m, at)
		case "connectionstatus":
			w.Status = d.str(m, at)
		case "enablebgp":
			w.EnableBGP = d.boolean(m, at)
		case "ingressnatrules":
			w.IngressNAT = d.refs(m, at)
		case "egressnatrules":
			w.EgressNAT = d.refs(m, at)
		// Read only to warn that traffic selectors are not modelled, so not validated.
		case "usepolicybasedtrafficselectors":
			w.PolicySelectors = w.PolicySelectors || m.Val.Kind == jsondoc.Bool && m.Val.Str() == "true"
		case "trafficselectorpolicies":
			w.PolicySelectors = w.PolicySelectors || m.Val.Kind == jsondoc.Array && len(m.Val.Kids()) > 0
		}
	})
	return w
}

// LoadBalancer is Microsoft.Network/loadBalancers.
type LoadBalancer struct {
	Meta
	Sku           string
	Frontends     []*Frontend
	Pools         []*BackendPool
	Rules         []*LBRule
	NATRules      []*InboundNATRule
	OutboundRules []*OutboundRule
	Probes        []*Probe
}

// Probe is a load balancer health probe.
type Probe struct {
	Meta
	Protocol string // Tcp, Http, Https
	Port     int
}

// Frontend is a frontend IP configuration.
type Frontend struct {
	Meta
	PrivateIP netip.Addr
	Subnet    string
	PublicIP  string
	GatewayLB string
}

// BackendPool is a backend address pool.
type BackendPool struct {
	Meta
	IPConfigs []string     // backendIPConfigurations (the NIC side also says)
	Addresses []netip.Addr // loadBalancerBackendAddresses' ipAddress: an IP-based pool's members
	// AddressLinks are what Azure says of each address of Addresses: its virtual network and
	// the ip configuration it found holding it (networkInterfaceIPConfiguration). Kept apart
	// from Addresses, which a plan edits: a link whose address is gone is not read.
	AddressLinks []AddressLink
	VNet         string // virtualNetwork: the pool's, for addresses that name none
	Tunnels      []model.TunnelInterface
}

// AddressLink is one IP-based backend address as Azure reports it.
type AddressLink struct {
	Addr     netip.Addr
	VNet     string // virtualNetwork
	IPConfig string // networkInterfaceIPConfiguration (read-only)
}

// LBRule is a load-balancing rule.
type LBRule struct {
	Meta
	Frontend     string
	Pools        []string // backendAddressPool, or backendAddressPools (Gateway LB)
	Protocol     model.Protocol
	FrontendPort int
	BackendPort  int
	FloatingIP   bool
	// DisableOutboundSNAT (disableOutboundSnat) keeps the rule's frontend from translating its
	// backends' outbound traffic.
	DisableOutboundSNAT bool
	Probe               string
}

// InboundNATRule is an inbound NAT rule.
type InboundNATRule struct {
	Meta
	Frontend     string
	Protocol     model.Protocol
	FrontendPort int
	BackendPort  int
	Target       string // backendIPConfiguration.id
	// A rule over a backend pool (inbound NAT rule V2): frontendPortRangeStart, -End and
	// backendAddressPool.id.
	RangeStart, RangeEnd int
	Pool                 string
	FloatingIP           bool // enableFloatingIP
}

// OutboundRule is an outbound (SNAT) rule.
type OutboundRule struct {
	Meta
	Frontends      []string
	Pool           string
	Protocol       model.Protocol
	AllocatedPorts int
}

func (d *dec) loadBalancer(v *jsondoc.Value, p *jsondoc.Path) *LoadBalancer {
	w := &LoadBalancer{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "sku":
			w.Sku = d.skuName(m, at)
		case "frontendipconfigurations":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Frontends = append(w.Frontends, d.frontend(v, p)) })
		case "backendaddresspools":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Pools = append(w.Pools, d.backendPool(v, p)) })
		case "loadbalancingrules":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Rules = append(w.Rules, d.lbRule(v, p)) })
		case "inboundnatrules":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.NATRules = append(w.NATRules, d.natRule(v, p)) })
		case "outboundrules":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
				w.OutboundRules = append(w.OutboundRules, d.outboundRule(v, p))
			})
		case "probes":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Probes = append(w.Probes, d.probe(v, p)) })
		}
	})
	return w
}

func (d *dec) frontend(v *jsondoc.Value, p *jsondoc.Path) *Frontend {
	w := &Frontend{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "privateipaddress":
			w.PrivateIP = d.addr(m, at)
		case "subnet":
			w.Subnet = d.ref(m, at)
		case "publicipaddress":
			w.PublicIP = d.ref(m, at)
		case "gatewayloadbalancer":
			w.GatewayLB = d.ref(m, at)
		}
	})
	return w
}

func (d *dec) backendPool(v *jsondoc.Value, p *jsondoc.Path) *BackendPool {
	w := &BackendPool{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "backendipconfigurations":
			w.IPConfigs = d.refs(m, at)
		case "loadbalancerbackendaddresses":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
				var l AddressLink
				each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
					switch k {
					case "ipaddress":
						l.Addr = d.addr(m, at)
					case "virtualnetwork":
						l.VNet = d.ref(m, at)
					case "networkinterfaceipconfiguration":
						l.IPConfig = d.ref(m, at)
					}
				})
				// A NIC-based pool lists its members here too, by ip configuration alone: the
				// NIC side and backendIPConfigurations already say those.
				if l.Addr.IsValid() {
					w.Addresses = appendAddr(w.Addresses, l.Addr)
					w.AddressLinks = append(w.AddressLinks, l)
				}
			})
		case "virtualnetwork":
			w.VNet = d.ref(m, at)
		case "tunnelinterfaces":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Tunnels = append(w.Tunnels, d.tunnel(v, p)) })
		}
	})
	return w
}

func (d *dec) tunnel(v *jsondoc.Value, p *jsondoc.Path) model.TunnelInterface {
	var t model.TunnelInterface
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "port":
			t.Port = uint16(d.integer(m, at, 0, 65535))
		case "identifier":
			t.Identifier = uint32(d.integer(m, at, 0, 1<<32-1))
		case "protocol":
			t.Protocol = d.str(m, at)
		case "type":
			t.Type = d.str(m, at)
		}
	})
	return t
}

func (d *dec) lbRule(v *jsondoc.Value, p *jsondoc.Path) *LBRule {
	w := &LBRule{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "frontendipconfiguration":
			w.Frontend = d.ref(m, at)
		case "backendaddresspool":
			if id := d.ref(m, at); id != "" {
				w.Pools = append([]string{id}, w.Pools...)
			}
		case "backendaddresspools":
			w.Pools = append(w.Pools, d.refs(m, at)...)
		case "protocol":
			w.Protocol = d.protocol(m, at)
		case "frontendport":
			w.FrontendPort = d.integer(m, at, 0, 65535)
		case "backendport":
			w.BackendPort = d.integer(m, at, 0, 65535)
		case "enablefloatingip":
			w.FloatingIP = d.boolean(m, at)
		case "disableoutboundsnat":
			w.DisableOutboundSNAT = d.boolean(m, at)
		case "probe":
			w.Probe = d.ref(m, at)
		}
	})
	return w
}

func (d *dec) probe(v *jsondoc.Value, p *jsondoc.Path) *Probe {
	w := &Probe{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "protocol":
			w.Protocol = d.str(m, at)
		case "port":
			w.Port = d.integer(m, at, 0, 65535)
		}
	})
	return w
}

func (d *dec) natRule(v *jsondoc.Value, p *jsondoc.Path) *InboundNATRule {
	w := &InboundNATRule{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "frontendipconfiguration":
			w.Frontend = d.ref(m, at)
		case "protocol":
			w.Protocol = d.protocol(m, at)
		case "frontendport":
			w.FrontendPort = d.integer(m, at, 0, 65535)
		case "backendport":
			w.BackendPort = d.integer(m, at, 0, 65535)
		case "backendipconfiguration":
			w.Target = d.ref(m, at)
		case "frontendportrangestart":
			w.RangeStart = d.integer(m, at, 0, 65535)
		case "frontendportrangeend":
			w.RangeEnd = d.integer(m, at, 0, 65535)
		case "backendaddresspool":
			w.Pool = d.ref(m, at)
		case "enablefloatingip":
			w.FloatingIP = d.boolean(m, at)
		}
	})
	return w
}

func (d *dec) outboundRule(v *jsondoc.Value, p *jsondoc.Path) *OutboundRule {
	w := &OutboundRule{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "frontendipconfigurations":
			w.Frontends = d.refs(m, at)
		case "backendaddresspool":
			w.Pool = d.ref(m, at)
		case "protocol":
			w.Protocol = d.protocol(m, at)
		case "allocatedoutboundports":
			w.AllocatedPorts = d.integer(m, at, 0, 1<<20)
		}
	})
	return w
}
