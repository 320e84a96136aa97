package azure

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

// VirtualHub is Microsoft.Network/virtualHubs: a Route Server (no virtualWan; `az network
// routeserver show`, kind "RouteServer") or a Virtual WAN hub (virtualWan set). Fields per the
// REST VirtualHub properties: virtualRouterIps, virtualRouterAsn, allowBranchToBranchTraffic,
// hubRoutingPreference, ipConfigurations, bgpConnections
// (learn.microsoft.com/rest/api/virtualwan/virtual-hubs/get).
type VirtualHub struct {
	Meta
	Kind              string
	VirtualWAN        string // virtualWan.id; "" for a Route Server
	AddressPrefix     string // a Virtual WAN hub's own range
	RouterIPs         []netip.Addr
	RouterASN         uint32
	BranchToBranch    bool
	RoutingPreference string
	IPConfigs         []*HubIPConfig
	Peers             []*HubBGPConnection // inline bgpConnections (often bare references)
}

// HubBGPConnection is Microsoft.Network/virtualHubs/bgpConnections: `az network routeserver
// peering list/show` (peerIp, peerAsn, connectionState).
type HubBGPConnection struct {
	Meta
	PeerIP netip.Addr
	ASN    uint32
	State  string
}

// HubIPConfig is Microsoft.Network/virtualHubs/ipConfigurations: the Route Server's subnet
// (RouteServerSubnet) and private address.
type HubIPConfig struct {
	Meta
	Subnet    string
	PrivateIP netip.Addr
}

func init() {
	const h = "Microsoft.Network/virtualHubs"
	reg(h+"/bgpConnections", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.BGP.HubPeers = append(s.BGP.HubPeers, d.hubPeer(v, p))
	})
	reg(h+"/ipConfigurations", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.BGP.HubIPConfig = append(s.BGP.HubIPConfig, d.hubIPConfig(v, p))
	})
}

// isRouteServer reports whether v, a virtualHubs object, is a Route Server: no virtualWan and no
// addressPrefix (a Virtual WAN hub has both), and kind RouteServer or the Route Server's own
// properties. A Virtual WAN hub is read by vwan.go.
func isRouteServer(v *jsondoc.Value) bool {
	props := v
	if pv := v.Get("properties"); pv != nil && pv.Kind == jsondoc.Object {
		props = pv
	}
	get := func(k string) *jsondoc.Value {
		if x := v.Get(k); x != nil {
			return x
		}
		return props.Get(k)
	}
	if x := get("virtualwan"); x != nil && x.Kind != jsondoc.Null || get("addressprefix").Text() != "" {
		return false
	}
	return strings.EqualFold(get("kind").Text(), "RouteServer") || get("virtualrouterips") != nil ||
		get("ipconfigurations") != nil || get("bgpconnections") != nil
}

func (d *dec) virtualHub(v *jsondoc.Value, p *jsondoc.Path) *VirtualHub {
	w := &VirtualHub{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "kind":
			w.Kind = d.str(m, at)
		case "virtualwan":
			w.VirtualWAN = d.ref(m, at)
		case "addressprefix":
			w.AddressPrefix = d.str(m, at)
		case "virtualrouterips":
			w.RouterIPs = d.addrs(m, at)
		case "virtualrouterasn":
			w.RouterASN = uint32(d.integer(m, at, 0, 1<<32-1))
		case "allowbranchtobranchtraffic":
			w.BranchToBranch = d.boolean(m, at)
		case "hubroutingpreference":
			w.RoutingPreference = d.str(m, at)
		case "ipconfigurations":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.IPConfigs = append(w.IPConfigs, d.hubIPConfig(v, p)) })
		case "bgpconnections":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Peers = append(w.Peers, d.hubPeer(v, p)) })
		}
	})
	return w
}

func (d *dec) hubPeer(v *jsondoc.Value, p *jsondoc.Path) *HubBGPConnection {
	w := &HubBGPConnection{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "peerip":
			w.PeerIP = d.optAddr(m, at)
		case "peerasn":
			w.ASN = uint32(d.integer(m, at, 0, 1<<32-1))
		case "connectionstate":
			w.State = d.str(m, at)
		}
	})
	return w
}

func (d *dec) hubIPConfig(v *jsondoc.Value, p *jsondoc.Path) *HubIPConfig {
	w := &HubIPConfig{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "subnet":
			w.Subnet = d.ref(m, at)
		case "privateipaddress":
			w.PrivateIP = d.optAddr(m, at)
		}
	})
	return w
}
