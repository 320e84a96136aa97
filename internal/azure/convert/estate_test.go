package convert

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

func estate(t *testing.T) *model.Network {
	t.Helper()
	b, err := os.ReadFile("testdata/estate.json")
	if err != nil {
		t.Fatal(err)
	}
	n, err := FromBytes("estate.json", b)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func lookup[T any](t *testing.T, n *model.Network, id string) T {
	t.Helper()
	r, ok := n.Lookup(model.ID(id))
	if !ok {
		t.Fatalf("%s not in the model", id)
	}
	v, ok := r.(T)
	if !ok {
		t.Fatalf("%s is a %T", id, r)
	}
	return v
}

const (
	sub   = "/subscriptions/s/resourceGroups/"
	spoke = sub + "spoke/providers/Microsoft.Network/virtualNetworks/spoke"
	hub   = sub + "hub/providers/Microsoft.Network/virtualNetworks/hub"
)

func TestEstateSubnets(t *testing.T) {
	n := estate(t)
	app := lookup[*model.Subnet](t, n, strings.ToUpper(spoke+"/subnets/app"))
	got := fmt.Sprintf("vnet=%s loc=%s nsg=%s rt=%s nat=%s doa=%v penp=%s", app.VNet.Name, app.VNet.Location,
		app.NSG.Name, app.RouteTable.Name, app.NATGateway.Name, app.DefaultOutboundAccess, app.PrivateEndpointNetworkPolicies)
	if want := "vnet=spoke loc=northeurope nsg=nsg-app rt=rt-app nat=natgw doa=false penp=Enabled"; got != want {
		t.Errorf("subnet app: %s\nwant %s", got, want)
	}
	if nat := app.NATGateway; len(nat.Subnets) != 1 || nat.Subnets[0] != app || nat.PublicIPs[0].Address.String() != "20.0.0.1" {
		t.Errorf("NAT gateway %+v", nat)
	}
	gw := lookup[*model.Subnet](t, n, hub+"/subnets/GatewaySubnet") // inline, no id: named after its parent
	if !gw.DefaultOutboundAccess || gw.PrivateEndpointNetworkPolicies != "Disabled" {
		t.Errorf("defaults: doa %v penp %q, want true Disabled", gw.DefaultOutboundAccess, gw.PrivateEndpointNetworkPolicies)
	}
	if got := n.Counts["Microsoft.Network/virtualNetworks/subnets"]; got != 4 {
		t.Errorf("%d subnets counted, want 4", got)
	}
}

func TestEstatePeerings(t *testing.T) {
	n := estate(t)
	h := lookup[*model.VNet](t, n, hub)
	s := lookup[*model.VNet](t, n, spoke)
	toSpoke, toHub := h.Peerings[0], s.Peerings[0]
	if toSpoke.Remote != s || toHub.Remote != h || toSpoke.Reverse() != toHub || !toSpoke.Active() || !toHub.Global() {
		t.Fatalf("peerings not linked both ways: %+v %+v", toSpoke, toHub)
	}
	if !toSpoke.PeerCompleteVNets || toHub.PeerCompleteVNets || fmt.Sprint(toHub.RemotePrefixes()) != "[10.0.1.0/27]" {
		t.Errorf("subnet peering: complete %v/%v remote %v", toSpoke.PeerCompleteVNets, toHub.PeerCompleteVNets, toHub.RemotePrefixes())
	}
	if fmt.Sprint(h.DNSServers) != "[10.0.0.4]" || h.Gateways[0].Name != "vpngw" {
		t.Errorf("hub DNS %v gateways %v", h.DNSServers, h.Gateways)
	}
}

func TestEstateNICs(t *testing.T) {
	n := estate(t)
	nic, err := n.FindNIC("vm-app")
	if err != nil {
		t.Fatal(err)
	}
	p := nic.Primary()
	got := fmt.Sprintf("%s vm=%s/%v fwd=%v first=%s ip=%s asg=%s pool=%s/%d", nic.Name, nic.VMName, nic.VM != nil, nic.IPForwarding,
		nic.IPConfigs[0].Name, p.PrivateIP, p.ASGs[0].Name, p.BackendPools[0].Name, len(p.BackendPools[0].IPConfigs))
	if want := "nic-app1 vm=vm-app/true fwd=true first=primary ip=10.1.1.4 asg=asg-web pool=pool1/1"; got != want {
		t.Errorf("NIC %s\nwant %s", got, want)
	}
	orphan, err := n.FindNIC("vm-gone")
	if err != nil || orphan.Name != "nic-orphan" || orphan.VM != nil {
		t.Errorf("VM name from virtualMachine.id: %v %v", orphan, err)
	}
	if len(n.NICs) != 2 || n.Counts["Microsoft.Network/networkInterfaces"] != 3 {
		t.Errorf("%d model NICs (%d read), want 2 (3): the private endpoint's NIC is not a model NIC", len(n.NICs), n.Counts["Microsoft.Network/networkInterfaces"])
	}
	rule := n.NSGs[0].Rules[0]
	if rule.DestASGs[0] != p.ASGs[0] || fmt.Sprint(rule.DestPorts) != "[{80 80} {443 443}]" {
		t.Errorf("rule ASGs %v ports %v", rule.DestASGs, rule.DestPorts)
	}
}

func TestEstateEndpointsAndOwners(t *testing.T) {
	n := estate(t)
	pe := n.PrivateEndpoints[0]
	if fmt.Sprint(pe.IPs) != "[10.1.2.5]" || pe.Subnet.Name != "pe" || pe.Approved() {
		t.Errorf("private endpoint %+v", pe)
	}
	for ip, want := range map[string]string{"10.1.2.5": "PrivateEndpoint", "10.1.1.4": "Nic", "10.0.0.4": "Firewall", "10.1.1.10": "LoadBalancer", "10.0.1.5": "VirtualNetworkGateway"} {
		owners := n.Owners(netipMust(ip))
		if len(owners) != 1 || owners[0].Kind.String() != want {
			t.Errorf("owner of %s = %v, want %s", ip, owners, want)
		}
	}
	v := n.NetAppVolumes[0]
	if v.Subnet.Name != "app" || v.NetworkFeatures != "Basic" {
		t.Errorf("netapp volume %+v", v)
	}
}

func TestEstateFirewall(t *testing.T) {
	n := estate(t)
	fw := n.Firewalls[0]
	p := fw.Policy
	if fw.Subnet.Name != "AzureFirewallSubnet" || fw.PublicIPs[0].Name != "pip-fw" || p.Name != "child" || p.Base.Name != "parent" || !p.DNSProxy {
		t.Fatalf("firewall %+v policy %+v", fw, p)
	}
	if fmt.Sprint(fw.SNATPrivateRanges) != "[10.0.0.0/8 255.255.255.255/32]" {
		t.Errorf("classic SNAT ranges %v", fw.SNATPrivateRanges)
	}
	var got []string
	for _, g := range p.Groups {
		for _, c := range g.Collections {
			got = append(got, fmt.Sprintf("%s/%d/%s/%s/%s", g.Name, g.Priority, c.Name, c.Kind, c.Rules[0].Name))
		}
	}
	if want := "b/300/mixed/Network/dns b/300/mixed/Application/web"; strings.Join(got, " ") != want {
		t.Errorf("collections %s\nwant %s", strings.Join(got, " "), want)
	}
	if p.Groups[0].Name != "a" || !hasWarning(n, "InvalidValue", "share priority 300") {
		t.Errorf("group order %s, want a before b with a tie warning", p.Groups[0].Name)
	}
	if g := p.Groups[1].Collections[0].Rules[0].SourceGroups[0]; fmt.Sprint(g.Prefixes) != "[10.1.0.0/23]" {
		t.Errorf("IP group %v", g.Prefixes)
	}
}

func TestEstateGatewaysAndAdminRules(t *testing.T) {
	n := estate(t)
	g := n.VNetGateways[0]
	c := n.Connections[0]
	if g.VNet.Name != "hub" || fmt.Sprint(g.PrivateIPs) != "[10.0.1.4 10.0.1.5]" || c.Gateway != g || c.Local.GatewayIP.String() != "203.0.113.1" {
		t.Errorf("gateway %+v connection %+v", g, c)
	}
	r := n.AdminRules[0]
	if r.RuleName() != "cfg/rc/deny-rdp" || len(r.AppliesTo) != 1 || r.AppliesTo[0].Name != "spoke" ||
		!r.Sources[0].IsTag || r.Destinations[0].Canonical.String() != "10.1.0.0/16" {
		t.Errorf("admin rule %+v", r)
	}
	if !hasWarning(n, "Unsupported", "network group g2 has no static members") {
		t.Errorf("no dynamic-membership warning: %+v", n.Warnings)
	}
}

func TestEstateDuplicatesAndUnknown(t *testing.T) {
	n := estate(t)
	if !n.RouteTables[0].DisableBGPPropagation || len(n.RouteTables) != 1 || !hasWarning(n, "Duplicate", "routeTables/rt-app appears more than once") {
		t.Errorf("duplicate route table: last should win with a warning; %+v", n.Warnings)
	}
	if n.Unknown["Microsoft.Web/sites"] != 1 {
		t.Errorf("unknown = %v", n.Unknown)
	}
}

func netipMust(s string) netip.Addr { return netip.MustParseAddr(s) }
