package azure

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// meta reads the resource envelope (top level only; these keys never sit in "properties").
func (d *dec) meta(v *jsondoc.Value, p *jsondoc.Path) Meta {
	m := Meta{Src: d.src(p)}
	for i := range v.Kids() {
		k := &v.Kids()[i]
		switch k.Key {
		case "id":
			m.ID = d.str(k, p)
		case "name":
			m.Name = d.str(k, p)
		case "type":
			m.Type = d.str(k, p)
		case "location":
			m.Location = d.str(k, p)
		case "resourcegroup":
			m.ResourceGroup = d.str(k, p)
		case "tags":
			m.Tags = d.tags(k, p)
		}
	}
	if m.Name == "" && m.ID != "" {
		m.Name = model.ID(m.ID).Name()
	}
	return m
}

func (d *dec) vnet(v *jsondoc.Value, p *jsondoc.Path) *VirtualNetwork {
	w := &VirtualNetwork{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "addressspace":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "addressprefixes" {
					w.AddressSpace = d.prefixes(m, at)
				}
			})
		case "dhcpoptions":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "dnsservers" {
					w.DNSServers = d.dnsServers(m, at)
				}
			})
		case "subnets":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Subnets = append(w.Subnets, d.subnet(v, p)) })
		case "virtualnetworkpeerings":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Peerings = append(w.Peerings, d.peering(v, p)) })
		}
	})
	return w
}

func (d *dec) subnet(v *jsondoc.Value, p *jsondoc.Path) *Subnet {
	w := &Subnet{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "addressprefix":
			if pf := d.prefix(m, at); pf.IsValid() {
				w.Prefixes = appendNew(w.Prefixes, []netip.Prefix{pf})
			}
		case "addressprefixes":
			w.Prefixes = appendNew(w.Prefixes, d.prefixes(m, at))
		case "networksecuritygroup":
			w.NSG = d.ref(m, at)
		case "routetable":
			w.RouteTable = d.ref(m, at)
		case "natgateway":
			w.NATGW = d.ref(m, at)
		case "serviceendpoints":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
				w.ServiceEndpoints = append(w.ServiceEndpoints, d.serviceEndpoint(v, p))
			})
		case "privateendpointnetworkpolicies":
			w.PENetworkPolicies = d.str(m, at)
		case "defaultoutboundaccess":
			w.DefaultOutboundAccess = d.optBool(m, at)
		case "delegations":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Delegations = append(w.Delegations, d.delegation(v, p)) })
		case "serviceendpointpolicies":
			w.ServiceEndpointPolicies = d.refs(m, at)
		}
	})
	return w
}

func appendNew(have, more []netip.Prefix) []netip.Prefix {
	for _, p := range more {
		dup := false
		for _, h := range have {
			dup = dup || h == p
		}
		if !dup {
			have = append(have, p)
		}
	}
	return have
}

func (d *dec) serviceEndpoint(v *jsondoc.Value, p *jsondoc.Path) model.ServiceEndpoint {
	var se model.ServiceEndpoint
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "service":
			se.Service = d.str(m, at)
		case "locations":
			se.Locations = d.strs(m, at)
		}
	})
	return se
}

func (d *dec) delegation(v *jsondoc.Value, p *jsondoc.Path) string {
	var s string
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		if k == "servicename" {
			s = d.str(m, at)
		}
	})
	return s
}

func (d *dec) peering(v *jsondoc.Value, p *jsondoc.Path) *Peering {
	w := &Peering{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "remotevirtualnetwork":
			w.Remote = d.ref(m, at)
		case "peeringstate":
			w.State = d.str(m, at)
		case "allowvirtualnetworkaccess":
			w.AllowVirtualNetworkAccess = d.boolean(m, at)
		case "allowforwardedtraffic":
			w.AllowForwardedTraffic = d.boolean(m, at)
		case "allowgatewaytransit":
			w.AllowGatewayTransit = d.boolean(m, at)
		case "useremotegateways":
			w.UseRemoteGateways = d.boolean(m, at)
		case "remoteaddressspace", "remotevirtualnetworkaddressspace":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "addressprefixes" && w.RemoteAddressSpace == nil {
					w.RemoteAddressSpace = d.prefixes(m, at)
				}
			})
		case "peercompletevnets":
			w.PeerCompleteVNets = d.optBool(m, at)
		case "localsubnetnames":
			w.LocalSubnetNames = d.strs(m, at)
		case "remotesubnetnames":
			w.RemoteSubnetNames = d.strs(m, at)
		}
	})
	return w
}

func (d *dec) nic(v *jsondoc.Value, p *jsondoc.Path) *NetworkInterface {
	w := &NetworkInterface{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "enableipforwarding":
			w.IPForwarding = d.boolean(m, at)
		case "networksecuritygroup":
			w.NSG = d.ref(m, at)
		case "virtualmachine":
			w.VM = d.ref(m, at)
		case "privateendpoint":
			w.PrivateEndpoint = d.ref(m, at)
		case "dnssettings":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "dnsservers" {
					w.DNSServers = d.dnsServers(m, at)
				}
			})
		case "ipconfigurations":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.IPConfigs = append(w.IPConfigs, d.ipConfig(v, p)) })
		}
	})
	return w
}

func (d *dec) ipConfig(v *jsondoc.Value, p *jsondoc.Path) *IPConfig {
	w := &IPConfig{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "privateipaddress":
			w.PrivateIP = d.addr(m, at)
		case "primary":
			w.Primary = d.boolean(m, at)
		case "subnet":
			w.Subnet = d.ref(m, at)
		case "publicipaddress":
			w.PublicIP = d.ref(m, at)
		case "applicationsecuritygroups":
			w.ASGs = d.refs(m, at)
		case "loadbalancerbackendaddresspools":
			w.BackendPools = d.refs(m, at)
		case "loadbalancerinboundnatrules":
			w.InboundNATRules = d.refs(m, at)
		case "gatewayloadbalancer":
			w.GatewayLB = d.ref(m, at)
		case "privatelinkconnectionproperties":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "fqdns" {
					w.FQDNs = d.strs(m, at)
				}
			})
		}
	})
	return w
}

func (d *dec) vm(v *jsondoc.Value, p *jsondoc.Path) *VirtualMachine {
	w := &VirtualMachine{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		if k != "networkprofile" {
			return
		}
		d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
			if k != "networkinterfaces" {
				return
			}
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
				var n VMNIC
				each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
					switch k {
					case "id":
						n.ID = d.str(m, at)
					case "primary":
						n.Primary = d.boolean(m, at)
					}
				})
				w.NICs = append(w.NICs, n)
			})
		})
	})
	return w
}

func (d *dec) nsg(v *jsondoc.Value, p *jsondoc.Path) *NetworkSecurityGroup {
	w := &NetworkSecurityGroup{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		if k == "securityrules" {
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Rules = append(w.Rules, d.securityRule(v, p)) })
		}
	})
	return w
}

// securityRule merges the singular, plural and ASG forms of each side (spec §2.2).
func (d *dec) securityRule(v *jsondoc.Value, p *jsondoc.Path) *SecurityRule {
	w := &SecurityRule{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "priority":
			w.Priority = d.integer(m, at, 0, 1<<31-1)
		case "direction":
			w.Direction = d.direction(m, at)
		case "access":
			w.Access = d.access(m, at)
		case "protocol":
			w.Protocol = d.protocol(m, at)
		case "sourceaddressprefix", "sourceaddressprefixes":
			w.Sources = append(w.Sources, d.addresses(m, at)...)
		case "destinationaddressprefix", "destinationaddressprefixes":
			w.Destinations = append(w.Destinations, d.addresses(m, at)...)
		case "sourceapplicationsecuritygroups":
			w.SourceASGs = d.refs(m, at)
		case "destinationapplicationsecuritygroups":
			w.DestASGs = d.refs(m, at)
		case "sourceportrange", "sourceportranges":
			w.SourcePorts = append(w.SourcePorts, d.ports(m, at)...)
		case "destinationportrange", "destinationportranges":
			w.DestPorts = append(w.DestPorts, d.ports(m, at)...)
		}
	})
	return w
}

func (d *dec) routeTable(v *jsondoc.Value, p *jsondoc.Path) *RouteTable {
	w := &RouteTable{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "disablebgproutepropagation":
			w.DisableBGP = d.boolean(m, at)
		case "routes":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Routes = append(w.Routes, d.route(v, p)) })
		}
	})
	return w
}

func (d *dec) route(v *jsondoc.Value, p *jsondoc.Path) *Route {
	w := &Route{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "addressprefix":
			// A route destination is a CIDR or a service tag name (spec §1.4).
			if s := d.str(m, at); addressish(s) {
				w.Prefix = d.prefix(m, at)
			} else {
				w.Tag = s
			}
		case "nexthoptype":
			s := d.str(m, at)
			t, ok := model.ParseNextHopType(s)
			if !ok {
				d.failAt(at.Key(m.Raw), "unknown next hop type %q", s)
			}
			w.NextHop = t
		case "nexthopipaddress":
			w.NextHopIP = d.addr(m, at)
		}
	})
	return w
}

func (d *dec) publicIP(v *jsondoc.Value, p *jsondoc.Path) *PublicIP {
	w := &PublicIP{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "ipaddress":
			w.Address = d.addr(m, at)
		case "sku":
			w.Sku = d.skuName(m, at)
		case "ipconfiguration":
			w.IPConfig = d.ref(m, at)
		}
	})
	return w
}

// skuName reads sku.name ({"name": "Standard"}) or a bare string.
func (d *dec) skuName(m *jsondoc.Member, at *jsondoc.Path) string {
	if m.Val.Kind == jsondoc.String {
		return m.Val.Str()
	}
	var s string
	d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		if k == "name" {
			s = d.str(m, at)
		}
	})
	return s
}

func (d *dec) publicIPPrefix(v *jsondoc.Value, p *jsondoc.Path) *PublicIPPrefix {
	w := &PublicIPPrefix{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		if k == "ipprefix" {
			w.Prefix = d.prefix(m, at)
		}
	})
	return w
}

func (d *dec) natGateway(v *jsondoc.Value, p *jsondoc.Path) *NATGateway {
	w := &NATGateway{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "publicipaddresses":
			w.PublicIPs = d.refs(m, at)
		case "publicipprefixes":
			w.PublicIPPrefixes = d.refs(m, at)
		case "subnets":
			w.Subnets = d.refs(m, at)
		}
	})
	return w
}

func (d *dec) privateEndpoint(v *jsondoc.Value, p *jsondoc.Path) *PrivateEndpoint {
	w := &PrivateEndpoint{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "subnet":
			w.Subnet = d.ref(m, at)
		case "networkinterfaces":
			w.NICs = d.refs(m, at)
		case "ipconfigurations":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
				each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
					if k == "privateipaddress" {
						w.IPs = appendAddr(w.IPs, d.addr(m, at))
					}
				})
			})
		case "customdnsconfigs":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
				var c model.EndpointDNS
				each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
					switch k {
					case "ipaddresses":
						for _, a := range d.addrs(m, at) {
							w.IPs = appendAddr(w.IPs, a)
							c.IPs = appendAddr(c.IPs, a)
						}
					case "fqdn":
						c.FQDN = d.str(m, at)
					}
				})
				if c.FQDN != "" {
					w.DNS = append(w.DNS, c)
				}
			})
		case "privatelinkserviceconnections", "manualprivatelinkserviceconnections":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Connections = append(w.Connections, d.plConnection(v, p)) })
		}
	})
	return w
}

// appendAddr adds a valid address once.
func appendAddr(s []netip.Addr, a netip.Addr) []netip.Addr {
	if !a.IsValid() {
		return s
	}
	for _, b := range s {
		if a == b {
			return s
		}
	}
	return append(s, a)
}

func (d *dec) plConnection(v *jsondoc.Value, p *jsondoc.Path) model.PrivateLinkConnection {
	c := model.PrivateLinkConnection{Name: d.meta(v, p).Name}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "privatelinkserviceid":
			c.Target = model.ID(d.str(m, at))
		case "groupids":
			c.GroupIDs = d.strs(m, at)
		case "privatelinkserviceconnectionstate":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "status" {
					c.Status = d.str(m, at)
				}
			})
		}
	})
	return c
}

func (d *dec) netAppVolume(v *jsondoc.Value, p *jsondoc.Path) *NetAppVolume {
	w := &NetAppVolume{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "subnetid":
			w.Subnet = d.ref(m, at)
		case "networkfeatures":
			w.NetworkFeatures = d.str(m, at)
		case "mounttargets": // properties.mountTargets[].ipAddress (learn.microsoft.com/rest/api/netapp/volumes/get)
			d.itemMembers(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k != "ipaddress" {
					return
				}
				if a := d.addr(m, at); a.IsValid() {
					w.MountTargets = append(w.MountTargets, a)
				}
			})
		}
	})
	return w
}

// appGateway reads an application gateway's subnets and frontends
// (learn.microsoft.com/rest/api/application-gateway/application-gateways/get).
func (d *dec) appGateway(v *jsondoc.Value, p *jsondoc.Path) *AppGateway {
	w := &AppGateway{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "gatewayipconfigurations":
			d.itemMembers(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k != "subnet" {
					return
				}
				if id := d.ref(m, at); id != "" {
					w.Subnets = append(w.Subnets, id)
				}
			})
		case "frontendipconfigurations":
			d.itemMembers(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				switch k {
				case "privateipaddress":
					if a := d.addr(m, at); a.IsValid() {
						w.PrivateIPs = append(w.PrivateIPs, a)
					}
				case "publicipaddress":
					if id := d.ref(m, at); id != "" {
						w.PublicIPs = append(w.PublicIPs, id)
					}
				}
			})
		}
	})
	return w
}

// serviceTags reads the "values" of a service tags file or discovery API answer.
func (d *dec) serviceTags(v *jsondoc.Value, p *jsondoc.Path) []*ServiceTag {
	var out []*ServiceTag
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		if k != "values" {
			return
		}
		d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
			t := &ServiceTag{Src: d.src(p)}
			each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				switch k {
				case "name":
					t.Name = d.str(m, at)
				case "region":
					t.Region = strings.ToLower(d.str(m, at))
				case "addressprefixes":
					t.Prefixes = d.prefixes(m, at)
				}
			})
			out = append(out, t)
		})
	})
	return out
}
