package model

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// tiny builds two VNets that reuse 10.0.0.0/16 (a merger) with one NIC each, peered hub-to-a.
func tiny() (*Network, *NIC, *NIC) {
	n := &Network{}
	mk := func(name, loc string) (*VNet, *Subnet) {
		v := &VNet{ID: ID("/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/" + name),
			Name: name, Location: loc, AddressSpace: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}}
		s := &Subnet{ID: v.ID + "/subnets/default", Name: "default", VNet: v,
			Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.1.0/24")}}
		v.Subnets = []*Subnet{s}
		n.VNets = append(n.VNets, v)
		n.Subnets = append(n.Subnets, s)
		return v, s
	}
	va, sa := mk("vnet-a", "westeurope")
	vb, sb := mk("vnet-b", "northeurope")
	nic := func(name, vm string, s *Subnet) *NIC {
		c := &NIC{ID: ID("/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkInterfaces/" + name), Name: name, VMName: vm}
		c.IPConfigs = []*IPConfig{{Name: "ipconfig1", NIC: c, Subnet: s, PrivateIP: netip.MustParseAddr("10.0.1.4"), Primary: true}}
		n.NICs = append(n.NICs, c)
		n.Index(c.ID, c)
		return c
	}
	a, b := nic("nic-a", "vm-shared", sa), nic("nic-b", "vm-shared", sb)
	ab := &Peering{Name: "a-to-b", Local: va, Remote: vb, State: "Connected"}
	ba := &Peering{Name: "b-to-a", Local: vb, Remote: va, State: "Initiated"}
	va.Peerings, vb.Peerings = []*Peering{ab}, []*Peering{ba}
	n.Freeze()
	return n, a, b
}

func TestOwnerIndexIsScopedPerVNet(t *testing.T) {
	n, a, b := tiny()
	addr := netip.MustParseAddr("10.0.1.4")
	for _, c := range []struct {
		nic  *NIC
		want *NIC
	}{{a, a}, {b, b}} {
		o, ok := n.OwnerIn(c.nic.Subnet().VNet, addr)
		if !ok || o.IPConfig.NIC != c.want || o.Kind != OwnerNIC {
			t.Errorf("OwnerIn(%s) = %+v, %v; want %s", c.nic.Subnet().VNet.Name, o, ok, c.want.Name)
		}
	}
	if got := len(n.Owners(addr)); got != 2 {
		t.Errorf("Owners(10.0.1.4) has %d owners, want 2 (one per overlapping VNet)", got)
	}
	if _, ok := n.OwnerIn(a.Subnet().VNet, netip.MustParseAddr("10.0.1.5")); ok {
		t.Error("10.0.1.5 has an owner; nothing owns it")
	}
}

func TestFindNIC(t *testing.T) {
	n, a, _ := tiny()
	if got, err := n.FindNIC("NIC-A"); err != nil || got != a {
		t.Errorf("FindNIC(NIC-A) = %v, %v; want nic-a (names match case-insensitively)", got, err)
	}
	if got, err := n.FindNIC(string(a.ID)); err != nil || got != a {
		t.Errorf("FindNIC(id) = %v, %v", got, err)
	}
	var amb *AmbiguousError
	if _, err := n.FindNIC("vm-shared"); !errors.As(err, &amb) || len(amb.Candidates) != 2 {
		t.Errorf("FindNIC(vm-shared) error = %v; want an ambiguity listing 2 candidates", err)
	}
	if _, err := n.FindNIC("10.0.1.4"); !errors.As(err, &amb) {
		t.Errorf("FindNIC(10.0.1.4) error = %v; want ambiguity (two VNets reuse the address)", err)
	}
	var nf *NotFoundError
	if _, err := n.FindNIC("vm-nope"); !errors.As(err, &nf) {
		t.Errorf("FindNIC(vm-nope) error = %v; want not found", err)
	}
}

func TestPeeringNeedsBothLinksConnected(t *testing.T) {
	n, _, _ := tiny()
	ab := n.VNets[0].Peerings[0]
	if ab.Reverse() == nil || ab.Reverse().Name != "b-to-a" {
		t.Fatalf("Reverse() = %v, want b-to-a", ab.Reverse())
	}
	if ab.Active() {
		t.Error("a-to-b is Active although b-to-a is Initiated (spec §1.3)")
	}
	if !ab.Global() {
		t.Error("westeurope ↔ northeurope is not Global")
	}
	ab.Reverse().State = "connected"
	if !ab.Active() {
		t.Error("both links Connected (any case) but not Active")
	}
}

func TestParseVocabularies(t *testing.T) {
	for _, c := range []struct {
		in   string
		want NextHopType
	}{{"virtualappliance", HopVirtualAppliance}, {"VnetLocal", HopVnetLocal}, {"VirtualNetworkServiceEndpoint", HopServiceEndpoint}} {
		if got, ok := ParseNextHopType(c.in); !ok || got != c.want {
			t.Errorf("ParseNextHopType(%q) = %v, %v; want %v", c.in, got, ok, c.want)
		}
	}
	if _, ok := ParseNextHopType("Teleport"); ok {
		t.Error("ParseNextHopType accepted Teleport")
	}
	if p, ok := ParseProtocol("*"); !ok || p != ProtoAny || p.String() != "All" {
		t.Errorf("ParseProtocol(*) = %v, %v", p, ok)
	}
	if !ProtoAny.Matches(ProtoUDP) || ProtoTCP.Matches(ProtoUDP) {
		t.Error("Protocol.Matches is wrong")
	}
}

// TestLookupCase finds a resource by its ID in any case: ASCII IDs are lowered on the stack, the
// rest (non-ASCII, or longer than the stack buffer) as ID.Key does.
func TestLookupCase(t *testing.T) {
	long := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/" + strings.Repeat("V", 600)
	for _, id := range []string{
		"/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/networkSecurityGroups/NSG-1",
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-Ünïcode",
		long,
	} {
		n := &Network{}
		v := &VNet{ID: ID(id)}
		n.Index(v.ID, v)
		for _, ask := range []string{id, strings.ToLower(id), strings.ToUpper(id)} {
			if r, ok := n.Lookup(ID(ask)); !ok || r != v {
				t.Errorf("Lookup(%.60q...) = %v, %v; want the VNet", ask, r, ok)
			}
		}
		if _, ok := n.Lookup(ID(id + "x")); ok {
			t.Errorf("Lookup of another ID found %.60q", id)
		}
	}
}

// TestVMName: a VM's name from its ID is the last segment, except a Uniform scale set instance's,
// which Azure names {scale-set-name}_{instance-id}.
func TestVMName(t *testing.T) {
	const c = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/"
	for id, want := range map[ID]string{
		c + "virtualMachines/vm-web1":                                      "vm-web1",
		c + "virtualMachineScaleSets/aks-nodepool1-vmss/virtualMachines/2": "aks-nodepool1-vmss_2",
		c + "VIRTUALMACHINESCALESETS/ss/VirtualMachines/10":                "ss_10",
		c + "virtualMachineScaleSets/ss":                                   "ss",
		"vm":                                                               "vm",
	} {
		if got := id.VMName(); got != want {
			t.Errorf("%s: VMName %q, want %q", id, got, want)
		}
	}
}
