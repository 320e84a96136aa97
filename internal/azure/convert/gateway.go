package convert

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const (
	typeGateway    = "Microsoft.Network/virtualNetworkGateways"
	typeLocal      = "Microsoft.Network/localNetworkGateways"
	typeConnection = "Microsoft.Network/connections"
)

// vnetGateways builds VPN/ExpressRoute gateways; their VNet is the one whose GatewaySubnet
// their ip configurations name.
func (b *builder) buildVNetGateways() {
	for _, w := range dedup(b, b.s.VNetGateways) {
		g := &model.VNetGateway{ID: model.ID(w.ID), Name: w.Name, GatewayType: w.GatewayType,
			ActiveActive: w.ActiveActive, BGPEnabled: w.EnableBGP, ASN: w.ASN}
		for _, c := range w.IPConfigs {
			if c.Subnet != "" && g.Subnet == nil {
				if g.Subnet = b.subnets[b.key(c.Subnet)]; g.Subnet == nil {
					b.dangling(g.ID, "subnet", c.Subnet)
				}
			}
			g.PrivateIPs = addAddr(g.PrivateIPs, c.PrivateIP)
			if p := b.publicIP(g.ID, c.PublicIP); p != nil {
				g.PublicIPs = append(g.PublicIPs, p)
			}
		}
		for _, a := range w.BGPAddrs {
			g.PrivateIPs = addAddr(g.PrivateIPs, a)
			g.BGPAddrs = addAddr(g.BGPAddrs, a)
		}
		if g.Subnet != nil {
			g.VNet = g.Subnet.VNet
			g.VNet.Gateways = append(g.VNet.Gateways, g)
		}
		g.NATRules = b.vpnNATRules(g, w.NATRules) // vpnnat.go
		b.warnNATInstances(g)                     // vpnnatinstance.go
		if len(w.P2SPools) > 0 {
			// Azure routes a point-to-site pool to the gateway in its VNet and peered VNets that
			// use it (learn.microsoft.com/azure/vpn-gateway/point-to-site-about); the model has
			// neither the clients nor those routes.
			b.n.Warn("Unsupported", g.ID, fmt.Sprintf("gateway %s has point-to-site client address pool %v: its clients, and the routes Azure adds towards them, are not modelled; traces to or from those addresses do not see them", g.Name, w.P2SPools))
		}
		b.gateways[b.key(w.ID)] = g
		b.n.VNetGateways = append(b.n.VNetGateways, g)
		b.n.Index(g.ID, g)
		b.count(typeGateway)
	}
}

func (b *builder) buildLocalGateways() {
	for _, w := range dedup(b, b.s.LocalGateways) {
		l := &model.LocalGateway{ID: model.ID(w.ID), Name: w.Name, Prefixes: w.Prefixes, BGPPeer: w.BGPPeer}
		if s := strings.TrimSpace(w.GatewayIP); s != "" {
			// The device's public address decides nothing we compute, so a placeholder (the
			// REST example writes "x.x.x.x") is a warning, not an error.
			if a, err := netip.ParseAddr(s); err == nil {
				l.GatewayIP = a
			} else {
				b.n.Warn("InvalidValue", l.ID, "gatewayIpAddress "+s+" is not an IP address; ignored")
			}
		}
		b.locals[b.key(w.ID)] = l
		b.n.LocalGateways = append(b.n.LocalGateways, l)
		b.n.Index(l.ID, l)
		b.count(typeLocal)
	}
}

func (b *builder) buildConnections() {
	for _, w := range dedup(b, b.s.Connections) {
		c := &model.Connection{ID: model.ID(w.ID), Name: w.Name, Type: w.Type, Status: w.Status, EnableBGP: w.EnableBGP,
			PolicySelectors: w.PolicySelectors}
		c.Gateway = b.gateway(c.ID, w.Gateway1)
		c.Peer = b.gateway(c.ID, w.Gateway2)
		if w.Local2 != "" {
			if c.Local = b.locals[b.key(w.Local2)]; c.Local == nil {
				b.dangling(c.ID, "local network gateway", w.Local2)
			}
		}
		b.connectionNAT(c, w) // vpnnat.go
		if w.PolicySelectors {
			// learn.microsoft.com/azure/vpn-gateway/vpn-gateway-connect-multiple-policybased-rm-ps:
			// the tunnel carries only the prefix pairs of its traffic selectors; which are in force
			// depends on who starts the tunnel (custom-traffic-selectors), so they are not
			// modelled, and each trace crossing the connection says so (trace.selectorsAssumed).
			b.n.Warn("Unsupported", c.ID, "connection "+c.Name+" uses policy-based traffic selectors: Azure carries only their prefix pairs over it; vnetdoctor lets every prefix of the connection cross")
		}
		if c.Gateway != nil {
			c.Gateway.Connections = append(c.Gateway.Connections, c)
		}
		b.n.Connections = append(b.n.Connections, c)
		b.n.Index(c.ID, c)
		b.count(typeConnection)
	}
}

func (b *builder) gateway(from model.ID, id string) *model.VNetGateway {
	if id == "" {
		return nil
	}
	g := b.gateways[b.key(id)]
	if g == nil {
		b.dangling(from, "virtual network gateway", id)
	}
	return g
}
