package fib

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/snapshottest"
)

const vwanScenario = "../../testdata/scenarios/vwan-secured-hub/snapshot"

// vwanVariant writes the vwan-secured-hub snapshot with edit applied to each resource of
// vwan.json (a nil result drops the resource) and loads it.
func vwanVariant(t *testing.T, edit func(r map[string]any) map[string]any, extra ...map[string]any) *model.Network {
	t.Helper()
	dir := t.TempDir()
	net, err := os.ReadFile(filepath.Join(vwanScenario, "network.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rs []map[string]any
	b, err := os.ReadFile(filepath.Join(vwanScenario, "vwan.json"))
	if err == nil {
		err = json.Unmarshal(b, &rs)
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, r := range rs {
		if r = edit(r); r != nil {
			out = append(out, r)
		}
	}
	out = append(out, extra...)
	b, _ = json.Marshal(out)
	if err := os.WriteFile(filepath.Join(dir, "vwan.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "network.json"), net, 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := convert.Load([]string{dir}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func vnetSubnet(t *testing.T, n *model.Network, vnet string) *model.Subnet {
	t.Helper()
	for _, v := range n.VNets {
		if v.Name == vnet {
			return v.Subnets[0]
		}
	}
	t.Fatalf("no VNet %s", vnet)
	return nil
}

// TestVWANRoutesWithoutIntent: a spoke learns what its associated table holds from the other
// connections' propagation, with the hub router's addresses as next hop; a connection that
// propagates to None is in no table; 0/0 is absent (no hub route holds one).
func TestVWANRoutesWithoutIntent(t *testing.T) {
	n := vwanVariant(t, snapshottest.VWANWithoutIntent)
	f, _ := Build(n)
	var got []string
	for _, r := range f.Subnet(vnetSubnet(t, n, "vnet-spoke1")).All() {
		if r.Hub != nil {
			got = append(got, r.Source.String()+" "+r.Prefix.String()+" "+r.NextHop.String()+" "+addrsText(r.NextHopIPs))
		}
	}
	want := []string{
		"VirtualNetworkGateway 10.3.0.0/16 VirtualNetworkGateway 10.100.0.68,10.100.0.69",
		"VirtualNetworkGateway 10.4.0.0/16 VirtualNetworkGateway 10.100.0.68,10.100.0.69",
		"VirtualNetworkGateway 100.64.10.0/24 VirtualNetworkGateway 10.100.0.68,10.100.0.69",
		"VirtualNetworkGateway 192.168.10.0/24 VirtualNetworkGateway 10.100.0.68,10.100.0.69",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("spoke1 hub routes:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The hub decides by spoke2's association (defaultRouteTable), which holds spoke1.
	h := n.VirtualHubs[0]
	hr := f.HubRouter(h)
	c2 := f.HubConnectionOf(vnetSubnet(t, n, "vnet-spoke2").VNet)
	d := hr.Decide(c2, nil, netip.MustParseAddr("10.1.1.4"))
	if d.Entry == nil || d.Entry.Connection == nil || d.Entry.Connection.Name != "conn-spoke1" || d.Table.Name != "defaultRouteTable" || d.Policy != nil {
		t.Errorf("spoke2 → 10.1.1.4 decided %+v, want conn-spoke1 by defaultRouteTable", d)
	}
	c1 := f.HubConnectionOf(vnetSubnet(t, n, "vnet-spoke1").VNet)
	if c1 == nil {
		t.Fatal("vnet-spoke1 has no hub connection")
	}
	if d := hr.Decide(c1, nil, netip.MustParseAddr("10.2.1.4")); d.Entry != nil {
		t.Errorf("spoke1 → spoke2 decided %+v, want no route (spoke2 propagates to None)", d.Entry)
	}
}

// TestVWANRoutesWithIntent pins the scenario's spoke routes: routing intent's private prefixes
// and 0/0 to the firewall, nothing more specific [how-to-routing-policies].
func TestVWANRoutesWithIntent(t *testing.T) {
	n := vwanVariant(t, func(r map[string]any) map[string]any { return r })
	f, _ := Build(n)
	var got []string
	for _, r := range f.Subnet(vnetSubnet(t, n, "vnet-spoke2")).All() {
		if r.Hub != nil {
			got = append(got, r.Prefix.String()+" "+addrsText(r.NextHopIPs))
		}
	}
	want := "10.0.0.0/8 10.100.1.4|172.16.0.0/12 10.100.1.4|192.168.0.0/16 10.100.1.4|0.0.0.0/0 10.100.1.4"
	if strings.Join(got, "|") != want {
		t.Errorf("spoke2 hub routes %s, want %s", strings.Join(got, "|"), want)
	}
	// A spoke without enableInternetSecurity does not learn 0/0 [about-virtual-hub-routing].
	n = vwanVariant(t, func(r map[string]any) map[string]any {
		if r["name"] == "conn-spoke2" {
			r["properties"].(map[string]any)["enableInternetSecurity"] = false
		}
		return r
	})
	f, _ = Build(n)
	got = got[:0]
	for _, r := range f.Subnet(vnetSubnet(t, n, "vnet-spoke2")).All() {
		if r.Hub != nil {
			got = append(got, r.Prefix.String()+" "+addrsText(r.NextHopIPs))
		}
	}
	// the private prefixes still, 0/0 not
	if want := "10.0.0.0/8 10.100.1.4|172.16.0.0/12 10.100.1.4|192.168.0.0/16 10.100.1.4"; strings.Join(got, "|") != want {
		t.Errorf("spoke2 without internet security learned %s, want %s", strings.Join(got, "|"), want)
	}
}

// TestNoVWANNoCost: a network without hubs builds no Virtual WAN state.
func TestNoVWANNoCost(t *testing.T) {
	n, err := convert.Load([]string{"../../examples/hub-spoke"}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := Build(n)
	if f.b.vwan != nil {
		t.Errorf("vwan state built for an estate without hubs")
	}
}

func addrsText(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}

// TestVWANLabelsAndStaticRoutes: a custom table reached by label, a VNet connection's static
// route behind an appliance propagated to it, and a hub route to the firewall without routing
// intent, which spokes learn with the firewall's address [about-virtual-hub-routing,
// scenario-route-through-nva].
func TestVWANLabelsAndStaticRoutes(t *testing.T) {
	const arm = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-vwan/providers/Microsoft.Network/"
	const hub = arm + "virtualHubs/hub-weu"
	red := map[string]any{"name": "rt-red", "id": hub + "/hubRouteTables/rt-red", "type": "Microsoft.Network/virtualHubs/hubRouteTables",
		"properties": map[string]any{"labels": []any{"red"}, "routes": []any{map[string]any{"name": "to-firewall",
			"destinationType": "CIDR", "destinations": []any{"0.0.0.0/0", "172.16.0.0/12"}, "nextHopType": "ResourceId",
			"nextHop": arm + "azureFirewalls/afw-hub-weu"}}}}
	n := vwanVariant(t, func(r map[string]any) map[string]any {
		if r = snapshottest.VWANWithoutIntent(r); r == nil {
			return nil
		}
		props, _ := r["properties"].(map[string]any)
		switch r["name"] {
		case "conn-spoke1": // propagates to rt-red by label; 10.9.0.0/16 behind an appliance in spoke1
			rc := props["routingConfiguration"].(map[string]any)
			rc["propagatedRouteTables"] = map[string]any{"labels": []any{"red"}}
			rc["vnetRoutes"] = map[string]any{"staticRoutes": []any{map[string]any{"name": "behind-nva",
				"addressPrefixes": []any{"10.9.0.0/16"}, "nextHopIpAddress": "10.1.1.10"}}}
		case "conn-spoke2":
			props["routingConfiguration"].(map[string]any)["associatedRouteTable"] = map[string]any{"id": hub + "/hubRouteTables/rt-red"}
		}
		return r
	}, red)
	f, _ := Build(n)
	var got []string
	for _, r := range f.Subnet(vnetSubnet(t, n, "vnet-spoke2")).All() {
		if r.Hub != nil {
			got = append(got, r.Prefix.String()+" "+addrsText(r.NextHopIPs))
		}
	}
	want := "172.16.0.0/12 10.100.1.4|10.1.0.0/16 10.100.0.68,10.100.0.69|10.9.0.0/16 10.100.0.68,10.100.0.69|0.0.0.0/0 10.100.1.4"
	if strings.Join(got, "|") != want {
		t.Errorf("spoke2 (associated with rt-red) hub routes\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
	hr := f.HubRouter(n.VirtualHubs[0])
	c2 := f.HubConnectionOf(vnetSubnet(t, n, "vnet-spoke2").VNet)
	d := hr.Decide(c2, nil, netip.MustParseAddr("10.9.3.3"))
	if d.Entry == nil || d.Entry.NextHopIP.String() != "10.1.1.10" || d.Entry.Connection.Name != "conn-spoke1" || d.Table.Name != "rt-red" {
		t.Errorf("spoke2 → 10.9.3.3 decided %+v, want the appliance 10.1.1.10 in conn-spoke1 by rt-red", d.Entry)
	}
	if d := hr.Decide(c2, nil, netip.MustParseAddr("8.8.8.8")); d.Entry == nil || d.Entry.Firewall == nil || d.Entry.Route.Name != "to-firewall" {
		t.Errorf("spoke2 → 8.8.8.8 decided %+v, want rt-red's to-firewall", d.Entry)
	}
	// spoke1 stays associated with defaultRouteTable, where it no longer propagates: spoke3 and
	// the branch are there, not its own ranges.
	c3 := f.HubConnectionOf(vnetSubnet(t, n, "vnet-spoke3").VNet)
	if c3 == nil {
		t.Fatal("vnet-spoke3 has no hub connection")
	}
	if d := hr.Decide(c3, nil, netip.MustParseAddr("10.1.1.4")); d.Entry != nil {
		t.Errorf("spoke3 → spoke1 decided %+v, want no route (spoke1 propagates to rt-red only)", d.Entry)
	}
}

// TestVWANBranchToBranch: a second VPN site reaches the first through the hub unless the WAN's
// allowBranchToBranchTraffic is false (virtual-wan-faq).
func TestVWANBranchToBranch(t *testing.T) {
	const arm = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-vwan/providers/Microsoft.Network/"
	for _, allow := range []bool{true, false} {
		n := vwanVariant(t, func(r map[string]any) map[string]any {
			if r = snapshottest.VWANWithoutIntent(r); r == nil {
				return nil
			}
			props, _ := r["properties"].(map[string]any)
			switch r["name"] {
			case "vwan-corp":
				props["allowBranchToBranchTraffic"] = allow
			case "vpngw-hub-weu":
				c := map[string]any{"name": "conn-branch2", "id": arm + "vpnGateways/vpngw-hub-weu/vpnConnections/conn-branch2",
					"properties": map[string]any{"remoteVpnSite": map[string]any{"id": arm + "vpnSites/site-branch2"}}}
				props["connections"] = append(props["connections"].([]any), c)
			}
			return r
		}, map[string]any{"name": "site-branch2", "id": arm + "vpnSites/site-branch2", "type": "Microsoft.Network/vpnSites",
			"properties": map[string]any{"addressSpace": map[string]any{"addressPrefixes": []any{"192.168.20.0/24"}}}})
		f, _ := Build(n)
		h := n.VirtualHubs[0]
		var b2 *model.HubBranch
		for _, b := range h.Branches {
			if b.Name == "conn-branch2" {
				b2 = b
			}
		}
		if b2 == nil {
			t.Fatalf("branches %v", h.Branches)
		}
		d := f.HubRouter(h).Decide(nil, b2, netip.MustParseAddr("192.168.10.5"))
		if got := d.Entry != nil && d.Entry.Branch != nil && d.Entry.Branch.Name == "conn-branch1"; got != allow {
			t.Errorf("allowBranchToBranchTraffic=%v: branch2 → branch1 decided %+v", allow, d.Entry)
		}
	}
}
