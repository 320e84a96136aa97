package synth

import (
	"strings"
	"testing"
)

// miniEstate is a VNet with one subnet, one NIC and one route table; mutate tweaks it.
func miniEstate(mutate func(*vnetSpec, *nicSpec, *routeTableSpec)) map[string][]byte {
	vid := netID("s", "rg", "virtualNetworks", "v1")
	v := vnetSpec{id: vid, name: "v1", location: weu, prefixes: []string{"10.9.0.0/16"},
		subnets: []subnetSpec{{name: "a", prefix: "10.9.1.0/24"}}}
	n := nicSpec{id: netID("s", "rg", "networkInterfaces", "n1"), name: "n1", location: weu,
		ipconfigs: []ipcSpec{{name: "c1", subnet: vid + "/subnets/a", ip: "10.9.1.4"}}}
	rt := routeTableSpec{id: netID("s", "rg", "routeTables", "rt"), name: "rt", location: weu,
		routes: []routeSpec{{"r", "0.0.0.0/0", "VirtualAppliance", "10.9.1.4"}}}
	mutate(&v, &n, &rt)
	e := newEstate()
	e.add("a.json", v.render(), n.render(), rt.render())
	return e.encode(false)
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*vnetSpec, *nicSpec, *routeTableSpec)
		want   string // substring of the error; "" = valid
	}{
		{"valid", func(*vnetSpec, *nicSpec, *routeTableSpec) {}, ""},
		{"dangling subnet", func(_ *vnetSpec, n *nicSpec, _ *routeTableSpec) { n.ipconfigs[0].subnet += "x" }, "no file defines"},
		{"dangling NSG", func(_ *vnetSpec, n *nicSpec, _ *routeTableSpec) {
			n.nsg = netID("s", "rg", "networkSecurityGroups", "x")
		}, "no file defines"},
		{"outside subnet", func(_ *vnetSpec, n *nicSpec, _ *routeTableSpec) { n.ipconfigs[0].ip = "10.9.2.4" }, "not inside subnet"},
		{"reserved", func(_ *vnetSpec, n *nicSpec, _ *routeTableSpec) { n.ipconfigs[0].ip = "10.9.1.255" }, "reserved"},
		{"owned twice", func(v *vnetSpec, n *nicSpec, _ *routeTableSpec) {
			n.ipconfigs = append(n.ipconfigs, ipcSpec{name: "c2", subnet: v.id + "/subnets/a", ip: "10.9.1.4"})
		}, ""}, // same NIC twice is one owner
		{"hop unowned", func(_ *vnetSpec, _ *nicSpec, rt *routeTableSpec) { rt.routes[0].hopIP = "10.9.1.9" }, "owned by nothing"},
		{"subnet outside vnet", func(v *vnetSpec, _ *nicSpec, _ *routeTableSpec) { v.subnets[0].prefix = "10.8.1.0/24" }, "outside the VNet"},
		{"subnets overlap", func(v *vnetSpec, _ *nicSpec, _ *routeTableSpec) {
			v.subnets = append(v.subnets, subnetSpec{name: "b", prefix: "10.9.1.128/25"})
		}, "overlap"},
		{"peering space", func(v *vnetSpec, _ *nicSpec, _ *routeTableSpec) {
			v.peerings = []peeringSpec{{name: "p", remote: v.id, remotePrefixes: []string{"10.7.0.0/16"}, state: "Connected"}}
		}, "remote address space"},
	}
	for _, tc := range tests {
		err := Verify(miniEstate(tc.mutate))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: got %v, want no error", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestVerifyOwnedTwiceByTwoNICs(t *testing.T) {
	files := miniEstate(func(*vnetSpec, *nicSpec, *routeTableSpec) {})
	other := nicSpec{id: netID("s", "rg", "networkInterfaces", "n2"), name: "n2", location: weu,
		ipconfigs: []ipcSpec{{name: "c1", subnet: netID("s", "rg", "virtualNetworks", "v1") + "/subnets/a", ip: "10.9.1.4"}}}
	files["b.json"] = listFile([]O{other.render()}, false)
	if err := Verify(files); err == nil || !strings.Contains(err.Error(), "owned by both") {
		t.Errorf("got %v, want an ownership conflict", err)
	}
}

func TestVerifyBadJSON(t *testing.T) {
	if err := Verify(map[string][]byte{"x.json": []byte(`{"value": [`)}); err == nil {
		t.Error("got nil, want a parse error")
	}
}
