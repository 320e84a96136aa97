package synth

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// TestHubSpokeLoads loads the committed example with the real loader and checks what it
// built, so the example and the converter cannot drift apart silently.
func TestHubSpokeLoads(t *testing.T) {
	n, err := convert.Load([]string{exampleDir}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range n.Warnings {
		t.Logf("warning: %s %s: %s", w.Code, w.Resource.Name(), w.Message)
	}
	got := map[string]int{
		"VNets": len(n.VNets), "Subnets": len(n.Subnets), "NICs": len(n.NICs), "VMs": len(n.VMs),
		"NSGs": len(n.NSGs), "ASGs": len(n.ASGs), "RouteTables": len(n.RouteTables), "PublicIPs": len(n.PublicIPs),
		"NATGateways": len(n.NATGateways), "PrivateEndpoints": len(n.PrivateEndpoints), "Firewalls": len(n.Firewalls),
		"FirewallPolicies": len(n.FirewallPolicies), "IPGroups": len(n.IPGroups), "VNetGateways": len(n.VNetGateways),
		"LocalGateways": len(n.LocalGateways), "Connections": len(n.Connections), "LoadBalancers": len(n.LoadBalancers),
		"AdminRules": len(n.AdminRules), "NetAppVolumes": len(n.NetAppVolumes), "ServiceTags": len(n.ServiceTags),
	}
	want := map[string]int{
		"VNets": 5, "Subnets": 17, "NICs": 15 + aksNodes, "VMs": 15 + aksNodes, "NSGs": 11, "ASGs": 2,
		"RouteTables": 4, "PublicIPs": 5, "NATGateways": 1, "PrivateEndpoints": 16, "Firewalls": 1,
		"FirewallPolicies": 1, "IPGroups": 3, "VNetGateways": 1, "LocalGateways": 1, "Connections": 1,
		"LoadBalancers": 2, "AdminRules": 1, "NetAppVolumes": 1, "ServiceTags": 8,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %d, want %d", k, got[k], w)
		}
	}
	if len(n.Warnings) != 0 {
		t.Errorf("got %d warnings, want none", len(n.Warnings))
	}
	checkHubSpokeModel(t, n)
}

// checkHubSpokeModel spot-checks the details other packages' tests rely on.
func checkHubSpokeModel(t *testing.T, n *model.Network) {
	t.Helper()
	fw := n.Firewalls[0]
	if fw.PrivateIP != netip.MustParseAddr(fwIP) || fw.Subnet == nil || fw.Subnet.Name != "AzureFirewallSubnet" ||
		len(fw.PublicIPs) != 1 {
		t.Errorf("firewall: got %v in %v with %d public IPs", fw.PrivateIP, fw.Subnet, len(fw.PublicIPs))
	}
	if p := fw.Policy; p == nil || !p.DNSProxy || len(p.DNSServers) != 2 || len(p.Groups) != 3 {
		t.Errorf("firewall policy: got %+v", p)
	}
	nic, err := n.FindNIC("vm-nva-legacy")
	if err != nil || nic.IPForwarding {
		t.Errorf("vm-nva-legacy: got %v, %v; want a NIC without IP forwarding", nic, err)
	}
	if a := n.AdminRules[0]; len(a.AppliesTo) != 2 || a.Access != model.Deny {
		t.Errorf("admin rule: got %+v", a)
	}
	active, states := 0, map[string]int{}
	for _, v := range n.VNets {
		for _, p := range v.Peerings {
			states[p.State]++
			if p.Active() {
				active++
			}
		}
	}
	if active != 4 || states["Initiated"] != 1 || states["Disconnected"] != 1 {
		t.Errorf("peerings: %d active, states %v; want 4 active, 1 Initiated, 1 Disconnected", active, states)
	}
	approved := 0
	for _, pe := range n.PrivateEndpoints {
		if pe.Approved() {
			approved++
		}
	}
	if approved != 15 {
		t.Errorf("approved private endpoints: got %d, want 15", approved)
	}
	if v := n.NetAppVolumes[0]; v.NetworkFeatures != "Basic" || v.Subnet == nil || v.Subnet.Name != "snet-anf" {
		t.Errorf("NetApp volume: got %+v", v)
	}
}

// TestSyntheticLoads loads a small synthetic estate with the real loader.
func TestSyntheticLoads(t *testing.T) {
	dir := t.TempDir()
	if err := WriteDir(small, dir); err != nil {
		t.Fatal(err)
	}
	n, err := convert.Load([]string{dir}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := small.Expected()
	rules := 0
	for _, g := range n.NSGs {
		rules += len(g.Rules)
	}
	got := Counts{VNets: len(n.VNets), Subnets: len(n.Subnets), NICs: len(n.NICs) + len(n.PrivateEndpoints),
		NSGs: len(n.NSGs), SecurityRules: rules, RouteTables: len(n.RouteTables), PrivateEndpoints: len(n.PrivateEndpoints)}
	want = Counts{VNets: want.VNets, Subnets: want.Subnets, NICs: want.NICs, NSGs: want.NSGs,
		SecurityRules: want.SecurityRules, RouteTables: want.RouteTables, PrivateEndpoints: want.PrivateEndpoints}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, w := range n.Warnings {
		t.Errorf("warning: %s %s: %s", w.Code, w.Resource, w.Message)
	}
	if _, err := os.Stat(filepath.Join(dir, "vnets.json")); err != nil {
		t.Error(err)
	}
}

// BenchmarkLoadEstate loads the default synthetic estate with the real loader.
func BenchmarkLoadEstate(b *testing.B) {
	dir := b.TempDir()
	if err := WriteDir(Estate(), dir); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		n, err := convert.Load([]string{dir}, convert.Options{})
		if err != nil || len(n.NICs) != Estate().NICs {
			b.Fatalf("got %v NICs, err %v", len(n.NICs), err)
		}
	}
}
