package convert

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const (
	typeVirtualHub = "Microsoft.Network/virtualHubs"
	typeHubPeer    = typeVirtualHub + "/bgpConnections"
	typeHubIPConf  = typeVirtualHub + "/ipConfigurations"
)

// buildRouteServers builds the Route Servers: virtualHubs without a virtualWan (`az network
// routeserver show`; learn.microsoft.com/azure/route-server/overview). A Virtual WAN hub is built
// by vwan.go; its bgpConnections and ipConfigurations stay unknown here.
func (b *builder) buildRouteServers() {
	peers := map[string][]*azure.HubBGPConnection{}
	for _, p := range dedup(b, b.s.BGP.HubPeers) {
		peers[b.key(azure.ParentID(p.ID))] = append(peers[b.key(azure.ParentID(p.ID))], p)
	}
	ipconfs := map[string][]*azure.HubIPConfig{}
	for _, c := range dedup(b, b.s.BGP.HubIPConfig) {
		ipconfs[b.key(azure.ParentID(c.ID))] = append(ipconfs[b.key(azure.ParentID(c.ID))], c)
	}
	hubs := dedup(b, b.s.BGP.Hubs)
	b.unknownHubChildren(hubs, peers, ipconfs)
	for _, w := range hubs {
		k := b.key(w.ID)
		rs := &model.RouteServer{ID: model.ID(w.ID), Name: w.Name, IPs: w.RouterIPs, ASN: w.RouterASN,
			BranchToBranch: w.BranchToBranch, RoutingPreference: w.RoutingPreference}
		if rs.RoutingPreference == "" {
			rs.RoutingPreference = "ExpressRoute" // the default (route-server/hub-routing-preference)
		}
		for _, c := range append(w.IPConfigs, ipconfs[k]...) {
			rs.IPs = addAddr(rs.IPs, c.PrivateIP)
			if c.Subnet != "" && rs.Subnet == nil {
				if rs.Subnet = b.subnets[b.key(c.Subnet)]; rs.Subnet == nil {
					b.dangling(rs.ID, "subnet", c.Subnet)
				}
			}
		}
		if rs.Subnet == nil {
			rs.Subnet = b.routeServerSubnet(rs)
		}
		if rs.Subnet != nil {
			rs.VNet = rs.Subnet.VNet
		}
		rs.Peers = b.hubPeers(rs, w.Peers, peers[k])
		b.n.RouteServers = append(b.n.RouteServers, rs)
		b.n.Index(rs.ID, rs)
		b.count(typeVirtualHub)
	}
}

// unknownHubChildren counts the bgpConnections and ipConfigurations of hubs that are not Route
// Servers of the snapshot (Virtual WAN hubs) as unknown types, as they were before Route Servers
// were read.
func (b *builder) unknownHubChildren(hubs []*azure.VirtualHub, peers map[string][]*azure.HubBGPConnection, ipconfs map[string][]*azure.HubIPConfig) {
	rs := map[string]bool{}
	for _, h := range hubs {
		rs[b.key(h.ID)] = true
	}
	for k, ps := range peers {
		if !rs[k] {
			b.n.Unknown[typeName(ps[0].Type, typeHubPeer)] += len(ps)
		}
	}
	for k, cs := range ipconfs {
		if !rs[k] {
			b.n.Unknown[typeName(cs[0].Type, typeHubIPConf)] += len(cs)
		}
	}
}

func typeName(spelled, canon string) string {
	if spelled != "" {
		return spelled
	}
	return canon
}

// routeServerSubnet finds the RouteServerSubnet holding one of the Route Server's addresses when
// its ip configurations do not name the subnet (`az network routeserver show` lists them as
// bare references). Two candidates (overlapping estates) are a warning, not a guess.
func (b *builder) routeServerSubnet(rs *model.RouteServer) *model.Subnet {
	var found []*model.Subnet
	for _, v := range b.n.VNets {
		s := v.SubnetNamed(model.RouteServerSubnetName)
		if s == nil {
			continue
		}
		for _, a := range rs.IPs {
			if s.Contains(a) {
				found = append(found, s)
				break
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0]
	case 0:
		b.n.Warn("InsufficientInformation", rs.ID, "Route Server "+rs.Name+": no RouteServerSubnet in the snapshot holds its addresses "+
			addrList(rs.IPs)+"; the routes it learns are not modelled")
	default:
		b.n.Warn("InsufficientInformation", rs.ID, "Route Server "+rs.Name+": its addresses "+addrList(rs.IPs)+
			" are in the RouteServerSubnet of more than one VNet ("+found[0].VNet.Name+", "+found[1].VNet.Name+
			"); export its ip configurations (az network routeserver show) so its VNet is known; its routes are not modelled")
	}
	return nil
}

// hubPeers merges the Route Server's inline bgpConnections (often bare references) with the
// separate objects (`az network routeserver peering list`), which carry peerIp and peerAsn.
func (b *builder) hubPeers(rs *model.RouteServer, inline, separate []*azure.HubBGPConnection) []*model.BGPPeer {
	var out []*model.BGPPeer
	at := map[string]*model.BGPPeer{}
	for _, w := range append(inline, separate...) {
		if w.ID == "" {
			continue
		}
		p := at[b.key(w.ID)]
		if p == nil {
			p = &model.BGPPeer{ID: model.ID(w.ID), Name: w.Name}
			at[b.key(w.ID)] = p
			out = append(out, p)
			b.count(typeHubPeer)
		}
		if w.PeerIP.IsValid() {
			p.IP = w.PeerIP
		}
		if w.ASN != 0 {
			p.ASN = w.ASN
		}
		if w.State != "" {
			p.State = w.State
		}
	}
	for _, p := range out {
		if !p.IP.IsValid() {
			b.n.Warn("InsufficientInformation", p.ID, "Route Server "+rs.Name+" peering "+p.Name+" has no peerIp in the snapshot"+
				" (export az network routeserver peering list)")
		}
	}
	return out
}

func addrList(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}
