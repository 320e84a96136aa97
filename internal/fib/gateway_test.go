package fib

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// hubSpoke is a hub with a VPN gateway (two private IPs) and one spoke peered to it.
func hubSpoke(spokeUses, hubAllows bool, spokeState string) (n *model.Network, hubSub, spokeSub *model.Subnet) {
	n = newNet()
	hub := addVNet(n, "hub", "westeurope", "10.0.0.0/16")
	spoke := addVNet(n, "spoke", "westeurope", "10.1.0.0/16")
	hubSub = addSubnet(n, hub, "shared", "10.0.1.0/24")
	addSubnet(n, hub, "GatewaySubnet", "10.0.255.0/27")
	spokeSub = addSubnet(n, spoke, "app", "10.1.1.0/24")
	addVPN(n, hub, []string{"10.0.255.4", "10.0.255.5"}, "192.168.10.0/24", "10.100.0.0/16")
	toHub, toSpoke := peer(spoke, hub, spokeState, "Connected")
	toHub.UseRemoteGateways, toSpoke.AllowGatewayTransit = spokeUses, hubAllows
	return n, hubSub, spokeSub
}

var hubGW = []string{
	"VirtualNetworkGateway Active 192.168.10.0/24 VirtualNetworkGateway 10.0.255.4 10.0.255.5",
	"VirtualNetworkGateway Active 10.100.0.0/16 VirtualNetworkGateway 10.0.255.4 10.0.255.5",
}

// Spec §1.3: gateway transit needs useRemoteGateways on the spoke link, allowGatewayTransit on
// the hub link and both links Connected; spec §1.4: propagation disabled removes gateway routes.
func TestGatewayTransit(t *testing.T) {
	tests := []struct {
		name             string
		uses, allows     bool
		state            string
		spokeNoProp      bool
		wantSpokeGateway bool
	}{
		{"transit", true, true, "Connected", false, true},
		{"hub does not allow", true, false, "Connected", false, false},
		{"spoke does not use", false, true, "Connected", false, false},
		{"half-built peering", true, true, "Initiated", false, false},
		{"propagation disabled", true, true, "Connected", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, hubSub, spokeSub := hubSpoke(tt.uses, tt.allows, tt.state)
			if tt.spokeNoProp {
				rt := addRouteTable(n, "rt", []*model.Subnet{spokeSub})
				rt.DisableBGPPropagation = true
			}
			want := defaults("10.1.0.0/16")
			if tt.state == "Connected" {
				want = append(want, "Default Active 10.0.0.0/16 VNetPeering")
			}
			if tt.wantSpokeGateway {
				want = append(want, hubGW...)
			}
			f, _ := Build(n)
			checkRows(t, "spoke", f.Subnet(spokeSub), want)
			if tt.wantSpokeGateway {
				r, _ := f.Subnet(spokeSub).Lookup(ip("192.168.10.7"))
				if r.Gateway == nil || r.Gateway.Name != "hub-gw" || r.Peering == nil || r.Peering.Name != "to-hub" {
					t.Errorf("transit route origin: gateway %v peering %v, want hub-gw via to-hub", r.Gateway, r.Peering)
				}
			}
			hubWant := defaults("10.0.0.0/16")
			if tt.state == "Connected" {
				hubWant = append(hubWant, "Default Active 10.1.0.0/16 VNetPeering")
			}
			checkRows(t, "hub", f.Subnet(hubSub), append(hubWant, hubGW...))
		})
	}
}

// Spec §1.4: disableBgpRoutePropagation on the gateway VNet's own subnet.
func TestOwnGatewayPropagationDisabled(t *testing.T) {
	n, hubSub, _ := hubSpoke(false, false, "Connected")
	addRouteTable(n, "rt", []*model.Subnet{hubSub}).DisableBGPPropagation = true
	checkRows(t, "hub", tableOf(t, n, hubSub), append(defaults("10.0.0.0/16"), "Default Active 10.1.0.0/16 VNetPeering"))
}

// Vnet2Vnet connections route the remote gateway VNet's ranges; ExpressRoute is warned.
func TestConnectionTypes(t *testing.T) {
	n := newNet()
	a := addVNet(n, "a", "westeurope", "10.0.0.0/16")
	b := addVNet(n, "b", "eastus", "10.8.0.0/16", "10.9.0.0/16")
	s := addSubnet(n, a, "s", "10.0.0.0/24")
	gwA := &model.VNetGateway{ID: "/gwA", Name: "gwA", VNet: a, PrivateIPs: []netip.Addr{ip("10.0.255.4")}}
	gwB := &model.VNetGateway{ID: "/gwB", Name: "gwB", VNet: b}
	a.Gateways, b.Gateways = []*model.VNetGateway{gwA}, []*model.VNetGateway{gwB}
	v2v := &model.Connection{ID: "/v2v", Name: "v2v", Type: "Vnet2Vnet", Gateway: gwA, Peer: gwB}
	er := &model.Connection{ID: "/er", Name: "er", Type: "ExpressRoute", Gateway: gwA}
	n.VNetGateways = []*model.VNetGateway{gwA, gwB}
	n.Connections = []*model.Connection{v2v, er}
	f, warns := Build(n)
	// gwA is active-standby with no public IP in the snapshot: no next hop address (§1.8 item 2).
	checkRows(t, "s", f.Subnet(s), append(defaults("10.0.0.0/16"),
		"VirtualNetworkGateway Active 10.8.0.0/16 VirtualNetworkGateway",
		"VirtualNetworkGateway Active 10.9.0.0/16 VirtualNetworkGateway"))
	want := []model.Warning{{Code: "Unsupported", Resource: "/er",
		Message: "ExpressRoute connection er: learned routes not in snapshot; its on-premises prefixes are not modelled"}}
	if d := cmp.Diff(want, warns); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
}

// Spec §1.5 rule 3: gateway routes are ignored under an Active VnetLocal, peering or service
// endpoint route, even when more specific; UDRs never are.
func TestGatewayRoutesIgnoredWhenCovered(t *testing.T) {
	n := newNet()
	v := addVNet(n, "v", "westeurope", "10.0.0.0/16")
	w := addVNet(n, "w", "westeurope", "10.1.0.0/16")
	s := addSubnet(n, v, "s", "10.0.0.0/24")
	peer(v, w, "Connected", "Connected")
	addTag(n, "Storage.WestEurope", "20.38.108.0/23")
	s.ServiceEndpoints = []model.ServiceEndpoint{{Service: "Microsoft.Storage"}}
	addVPN(n, v, []string{"10.0.255.4"}, "10.0.5.0/24", "10.0.6.0/24", "10.1.7.0/24", "20.38.108.0/24", "10.2.0.0/16")
	addRouteTable(n, "rt", []*model.Subnet{s}, udr("inspect", "10.0.6.0/25", "VirtualAppliance 10.0.9.4"))
	tab := tableOf(t, n, s)
	tests := []struct{ dst, want string }{
		{"10.0.5.1", "Default Active 10.0.0.0/16 VnetLocal"},
		{"10.1.7.1", "Default Active 10.1.0.0/16 VNetPeering"},
		{"20.38.108.1", "Default Active 20.38.108.0/23 VirtualNetworkServiceEndpoint"},
		{"10.2.0.1", "VirtualNetworkGateway Active 10.2.0.0/16 VirtualNetworkGateway " + gwPublicIP},
		{"10.0.6.1", "User Active 10.0.6.0/25 VirtualAppliance 10.0.9.4"},
		{"10.0.6.200", "Default Active 10.0.0.0/16 VnetLocal"},
	}
	for _, tt := range tests {
		if got := lookupRow(tab, tt.dst); got != tt.want {
			t.Errorf("lookup %s = %q, want %q", tt.dst, got, tt.want)
		}
	}
}

// A UDR that overrides the VnetLocal route makes it Invalid, so it no longer hides gateway routes.
func TestGatewayRouteNotIgnoredUnderInvalidVnetLocal(t *testing.T) {
	n := newNet()
	v := addVNet(n, "v", "westeurope", "10.0.0.0/16")
	s := addSubnet(n, v, "s", "10.0.0.0/24")
	addVPN(n, v, []string{"10.0.255.4"}, "10.0.5.0/24")
	addRouteTable(n, "rt", []*model.Subnet{s}, udr("all", "10.0.0.0/16", "VirtualAppliance 10.0.9.4"))
	if got, want := lookupRow(tableOf(t, n, s), "10.0.5.1"),
		"VirtualNetworkGateway Active 10.0.5.0/24 VirtualNetworkGateway "+gwPublicIP; got != want {
		t.Errorf("lookup = %q, want %q", got, want)
	}
}

// azure-semantics.md §1.8 items 3 and 12 (lab 10's real tables; BGP overview): over a Vnet2Vnet
// connection with BGP on both gateways, a VNet also learns the peer's BGP peering address as a
// /32, the ranges of the VNets that use the peer gateway by gateway transit, and the on-premises
// prefixes the peer learns by BGP. Without BGP only the peer VNet's range is installed.
func TestVnet2VnetBGPLearnsPeerRoutes(t *testing.T) {
	for _, bgp := range []bool{true, false} {
		n := newNet()
		a := addVNet(n, "a", "westeurope", "10.4.0.0/16")
		b := addVNet(n, "b", "westeurope", "10.5.0.0/16")
		spoke := addVNet(n, "b-spoke", "westeurope", "10.1.0.0/16")
		s := addSubnet(n, a, "s", "10.4.1.0/24")
		hubLink, spokeLink := peer(b, spoke, "Connected", "Connected")
		hubLink.AllowGatewayTransit, spokeLink.UseRemoteGateways = true, true
		gwA := &model.VNetGateway{ID: "/gwA", Name: "gwA", VNet: a, BGPEnabled: bgp, ActiveActive: true,
			PrivateIPs: []netip.Addr{ip("10.4.0.254")}, BGPAddrs: []netip.Addr{ip("10.4.0.254")}}
		gwB := &model.VNetGateway{ID: "/gwB", Name: "gwB", VNet: b, BGPEnabled: bgp, ActiveActive: true,
			PrivateIPs: []netip.Addr{ip("10.5.0.254")}, BGPAddrs: []netip.Addr{ip("10.5.0.254")}}
		a.Gateways, b.Gateways = []*model.VNetGateway{gwA}, []*model.VNetGateway{gwB}
		lng := &model.LocalGateway{ID: "/lng", Name: "lng", Prefixes: pfxs("192.168.1.0/24")}
		n.VNetGateways = []*model.VNetGateway{gwA, gwB}
		n.Connections = []*model.Connection{
			{ID: "/ab", Name: "ab", Type: "Vnet2Vnet", Gateway: gwA, Peer: gwB, EnableBGP: bgp},
			{ID: "/ba", Name: "ba", Type: "Vnet2Vnet", Gateway: gwB, Peer: gwA, EnableBGP: bgp},
			{ID: "/b-onprem", Name: "b-onprem", Type: "IPsec", Gateway: gwB, Local: lng, EnableBGP: bgp},
		}
		f, _ := Build(n)
		var got []string
		for _, r := range f.Subnet(s).All() {
			if r.Source == SourceGateway {
				got = append(got, r.Prefix.String())
			}
		}
		want := []string{"10.5.0.0/16"}
		if bgp {
			want = append(want, "10.5.0.254/32", "10.1.0.0/16", "192.168.1.0/24")
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("BGP %v: gateway routes of a (-want +got):\n%s", bgp, d)
		}
	}
}
