package forward

import (
	"net/netip"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const sub = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/"

// estate: hub 10.0.0.0/16 with a firewall at 10.0.0.4 and an appliance NIC at 10.0.1.4, peered with
// spoke 10.1.0.0/16 whose subnet sends 0/0 to the firewall, 10.2.0.0/16 to an address nothing owns,
// 10.3.0.0/16 to None and 10.0.1.0/24 to the appliance.
func estate(t *testing.T) (*dataplane.Plane, *model.Subnet, *model.Peering) {
	t.Helper()
	n := &model.Network{}
	vnet := func(name, space string) *model.VNet {
		v := &model.VNet{ID: model.ID(sub + "virtualNetworks/" + name), Name: name, AddressSpace: []netip.Prefix{netip.MustParsePrefix(space)}}
		n.VNets = append(n.VNets, v)
		return v
	}
	subnet := func(v *model.VNet, name, prefix string) *model.Subnet {
		s := &model.Subnet{ID: v.ID + "/subnets/" + model.ID(name), Name: name, VNet: v, Prefixes: []netip.Prefix{netip.MustParsePrefix(prefix)}}
		v.Subnets, n.Subnets = append(v.Subnets, s), append(n.Subnets, s)
		return s
	}
	hub, spoke := vnet("hub", "10.0.0.0/16"), vnet("spoke", "10.1.0.0/16")
	link := func(a, b *model.VNet) *model.Peering {
		p := &model.Peering{ID: a.ID + "/virtualNetworkPeerings/to-" + model.ID(b.Name), Name: "to-" + b.Name, Local: a, Remote: b,
			RemoteID: b.ID, State: "Connected", AllowVirtualNetworkAccess: true, AllowForwardedTraffic: true, PeerCompleteVNets: true}
		a.Peerings = append(a.Peerings, p)
		return p
	}
	toHub := link(spoke, hub)
	link(hub, spoke)
	fwSubnet, nvaSubnet, app := subnet(hub, "AzureFirewallSubnet", "10.0.0.0/26"), subnet(hub, "nva", "10.0.1.0/24"), subnet(spoke, "app", "10.1.1.0/24")
	n.Firewalls = []*model.Firewall{{ID: sub + "azureFirewalls/fw", Name: "fw", Subnet: fwSubnet, PrivateIP: netip.MustParseAddr("10.0.0.4")}}
	nic := &model.NIC{ID: sub + "networkInterfaces/nva", Name: "nva", IPForwarding: true}
	nic.IPConfigs = []*model.IPConfig{{ID: nic.ID + "/ipConfigurations/ip", Name: "ip", NIC: nic, Subnet: nvaSubnet, PrivateIP: netip.MustParseAddr("10.0.1.4"), Primary: true}}
	n.NICs = []*model.NIC{nic}
	udr := func(prefix string, hop model.NextHopType, ip string) *model.Route {
		r := &model.Route{Name: "to-" + prefix, Prefix: netip.MustParsePrefix(prefix), NextHopType: hop}
		if ip != "" {
			r.NextHopIP = netip.MustParseAddr(ip)
		}
		return r
	}
	app.RouteTable = &model.RouteTable{ID: sub + "routeTables/rt", Name: "rt", Routes: []*model.Route{
		udr("0.0.0.0/0", model.HopVirtualAppliance, "10.0.0.4"), udr("10.2.0.0/16", model.HopVirtualAppliance, "10.9.9.9"),
		udr("10.3.0.0/16", model.HopNone, ""), udr("10.0.1.0/24", model.HopVirtualAppliance, "10.0.1.4")}}
	n.RouteTables = []*model.RouteTable{app.RouteTable}
	n.Freeze()
	return dataplane.Build(n), app, toHub
}

func TestLeave(t *testing.T) {
	p, app, toHub := estate(t)
	tests := []struct {
		dst       string
		kind      Kind
		owner     model.OwnerKind
		via       *model.Peering
		forwarder bool
	}{
		{"8.8.8.8", Appliance, model.OwnerFirewall, toHub, true},
		{"10.0.1.20", Appliance, model.OwnerNIC, toHub, true},
		{"10.2.0.1", Unresolved, 0, nil, false},
		{"10.3.0.1", Drop, 0, nil, false},
		{"10.1.1.9", Local, 0, nil, false},
		{"10.0.2.1", Peering, 0, nil, false},
	}
	for _, tt := range tests {
		d := Leave(p, app, netip.MustParseAddr(tt.dst), false)
		if d.Kind != tt.kind {
			t.Errorf("%s: kind %s, want %s", tt.dst, d.Kind, tt.kind)
			continue
		}
		_, from, ok := d.Device()
		if ok != tt.forwarder || (ok && (d.Owner.Kind != tt.owner || d.Via != tt.via || from == nil)) {
			t.Errorf("%s: device ok=%v owner %s via %v from %v, want ok=%v owner %s via %v", tt.dst, ok, d.Owner.Kind, d.Via, from, tt.forwarder, tt.owner, tt.via)
		}
	}
	// System routes only (a private endpoint's reply): the UDRs are ignored.
	if d := Leave(p, app, netip.MustParseAddr("8.8.8.8"), true); d.Kind != Internet {
		t.Errorf("system-only 8.8.8.8: kind %s, want Internet", d.Kind)
	}
	if d := Leave(p, nil, netip.MustParseAddr("8.8.8.8"), false); d.Kind != NoTable {
		t.Errorf("nil subnet: kind %s, want NoTable", d.Kind)
	}
}
