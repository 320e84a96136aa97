package convert

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// The corpus files live in ../testdata (copied from /work/shared/corpus; licence in its README).

func load(t *testing.T, files ...string) *model.Network {
	t.Helper()
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join("..", "testdata", f))
	}
	n, err := Load(paths, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

func hasWarning(n *model.Network, code, substr string) bool {
	for _, w := range n.Warnings {
		if w.Code == code && strings.Contains(w.Message, substr) {
			return true
		}
	}
	return false
}

func TestEveryCorpusFileLoads(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.json")
	if len(files) < 30 {
		t.Fatalf("found %d corpus files, want the 35 copied from /work/shared/corpus", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n, err := FromBytes(f, b)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		total := 0
		for _, c := range n.Counts {
			total += c
		}
		for _, c := range n.Unknown {
			total += c
		}
		if total == 0 && !hasWarning(n, "DanglingReference", "") {
			t.Errorf("%s: nothing counted, read or warned", f)
		}
	}
	n := load(t, "")
	if got := n.Counts["Microsoft.Network/virtualNetworks/subnets"]; got != 1 {
		t.Errorf("whole directory: %d subnets, want 1", got)
	}
}

func TestCorpusNIC(t *testing.T) {
	n := load(t, "NetworkInterfaceGet.json")
	nic := n.NICs[0]
	got := fmt.Sprintf("%s vm=%s fwd=%v ip0=%s primary=%v ip1=%s", nic.Name, nic.VMName, nic.IPForwarding,
		nic.IPConfigs[0].PrivateIP, nic.IPConfigs[0].Primary, nic.IPConfigs[1].PrivateIP)
	if want := "test-nic vm=vm1 fwd=false ip0=172.20.2.4 primary=true ip1=172.20.2.16"; got != want {
		t.Errorf("NIC = %s, want %s", got, want)
	}
	if !hasWarning(n, "DanglingReference", "network security group /subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/nsg") {
		t.Errorf("no dangling NSG warning: %+v", n.Warnings)
	}
}

func TestCorpusVNetNSGRoutes(t *testing.T) {
	n := load(t, "VirtualNetworkGet.json", "NetworkSecurityGroupGet.json", "RouteTableGet.json")
	v := n.VNets[0]
	s := v.Subnets[0]
	got := fmt.Sprintf("%s %s %v %s %v %s %v", v.Name, v.Location, v.AddressSpace, s.Name, s.Prefixes,
		s.PrivateEndpointNetworkPolicies, s.DefaultOutboundAccess)
	if want := "test-vnet westus [10.0.0.0/16] subnet1 [10.0.1.0/24] Disabled true"; got != want {
		t.Errorf("VNet = %s, want %s", got, want)
	}
	r := n.NSGs[0].Rules[0]
	wantRule := &model.SecurityRule{Name: "rule1", Priority: 130, Direction: model.Inbound, Access: model.Allow,
		Protocol: model.ProtoAny, Sources: []string{"*"}, Destinations: []string{"*"},
		SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{{Lo: 80, Hi: 80}}}
	if d := cmp.Diff(wantRule, r); d != "" {
		t.Errorf("NSG rule (-want +got):\n%s", d)
	}
	rt := n.RouteTables[0].Routes[0]
	if rt.Name != "route1" || rt.Prefix.String() != "10.0.3.0/24" || rt.NextHopType != model.HopVirtualNetworkGateway {
		t.Errorf("route = %+v", rt)
	}
}

func TestCorpusClassicFirewall(t *testing.T) {
	fw := load(t, "AzureFirewallGet.json").Firewalls[0]
	var got []string
	for _, c := range fw.Classic {
		got = append(got, fmt.Sprintf("%s/%s/%d/%s/%d", c.Name, c.Kind, c.Priority, c.Action, len(c.Rules)))
	}
	if want := "apprulecoll/Application/110/Deny/1 natrulecoll/Nat/112/Dnat/2 netrulecoll/Network/112/Deny/2"; strings.Join(got, " ") != want {
		t.Errorf("collections = %s, want %s", strings.Join(got, " "), want)
	}
	nat := fw.Classic[1].Rules[0]
	if nat.TranslatedAddress.String() != "1.2.3.5" || nat.TranslatedPort != 8443 || nat.DestPorts[0] != (model.PortRange{Lo: 443, Hi: 443}) {
		t.Errorf("DNAT rule = %+v", nat)
	}
	net := fw.Classic[2].Rules[0]
	if strings.Join(net.Sources, ",") != "192.168.1.1-192.168.1.12,10.1.4.12-10.1.4.255" || len(net.DestPorts) != 2 {
		t.Errorf("network rule = %+v", net)
	}
	if fw.PrivateIP.String() != "10.0.0.0" || fw.SkuTier != "Standard" || fw.Instances != 10 || fw.ThreatIntelMode != "Alert" {
		t.Errorf("firewall = ip %s tier %s instances %d ti %s", fw.PrivateIP, fw.SkuTier, fw.Instances, fw.ThreatIntelMode)
	}
	app := fw.Classic[0].Rules[0]
	if app.AppProtocols[0] != (model.AppProtocol{Type: "Https", Port: 443}) || app.TargetFQDNs[0] != "www.test.com" {
		t.Errorf("application rule = %+v", app)
	}
}

func TestCorpusHubFirewall(t *testing.T) {
	n := load(t, "AzureFirewallPutInHub.json")
	fw := n.Firewalls[0]
	if fw.Subnet != nil || fw.PrivateIP.String() != "10.0.0.0" || !cmp.Equal(fw.HubPublicAddresses, addrs("13.73.240.12"), cmp.Comparer(func(a, b netip.Addr) bool { return a == b })) {
		t.Errorf("hub firewall = subnet %v ip %s public %v", fw.Subnet, fw.PrivateIP, fw.HubPublicAddresses)
	}
	if !hasWarning(n, "Unsupported", "Virtual WAN hub") || !hasWarning(n, "DanglingReference", "firewallPolicies/policy1") {
		t.Errorf("warnings = %+v", n.Warnings)
	}
}

func TestCorpusFirewallPolicy(t *testing.T) {
	n := load(t, "FirewallPolicyGet.json", "FirewallPolicyRuleCollectionGroupGet.json", "IpGroupsGet.json")
	p := n.FirewallPolicies[0]
	if !p.DNSProxy || p.DNSServers[0].String() != "30.3.4.5" || strings.Join(p.SNATPrivateRanges, ",") != "IANAPrivateRanges" {
		t.Errorf("policy = proxy %v servers %v snat %v", p.DNSProxy, p.DNSServers, p.SNATPrivateRanges)
	}
	if p.ThreatIntelMode != "Alert" || p.IDPSMode != "Alert" {
		t.Errorf("policy threat intelligence %q, IDPS %q; want Alert and Alert", p.ThreatIntelMode, p.IDPSMode)
	}
	g := p.Groups[0]
	c := g.Collections[0]
	got := fmt.Sprintf("%s/%d %s/%d/%s/%s %s", g.Name, g.Priority, c.Name, c.Priority, c.Kind, c.Action, c.Rules[0].Name)
	if want := "ruleCollectionGroup1/110 Example-Filter-Rule-Collection/200/Network/Deny network-rule1"; got != want {
		t.Errorf("group = %s, want %s", got, want)
	}
	if hasWarning(n, "DanglingReference", "ruleCollectionGroup1") {
		t.Errorf("the group is in the snapshot, yet: %+v", n.Warnings)
	}
	if got := fmt.Sprint(n.IPGroups[0].Prefixes); got != "[13.64.39.16/32 40.74.146.80/31 40.74.147.32/28]" {
		t.Errorf("ip group = %s", got)
	}
	n = load(t, "FirewallPolicyGet.json", "FirewallPolicyNatRuleCollectionGroupPut.json")
	nat := n.FirewallPolicies[0].Groups[0].Collections[0]
	r := nat.Rules[0]
	if nat.Kind != model.NATRules || nat.Action != model.FwDNAT || r.TranslatedFQDN != "internalhttp.server.net" ||
		r.TranslatedPort != 8080 || fmt.Sprint(r.Protocols) != "[Tcp Udp]" {
		t.Errorf("NAT collection = %+v rule %+v", nat, r)
	}
}

func TestCorpusLoadBalancers(t *testing.T) {
	lb := load(t, "LoadBalancerGet.json").LoadBalancers[0]
	rule, nat := lb.Rules[0], lb.InboundNATRules[0]
	got := fmt.Sprintf("%s %s fe=%s rule=%s/%d/%d/%v pool=%s nat=%d->%d/%v", lb.Name, lb.Sku, lb.Frontends[0].PrivateIP,
		rule.Protocol, rule.FrontendPort, rule.BackendPort, rule.FloatingIP, rule.Pool.Name, nat.FrontendPort, nat.BackendPort, nat.FloatingIP)
	if want := "lb Basic fe=10.0.1.4 rule=Tcp/80/80/true pool=be-lb nat=3389->3389/true"; got != want {
		t.Errorf("LB = %s, want %s", got, want)
	}
	if rule.DisableOutboundSNAT {
		t.Errorf("rule %s: disableOutboundSnat false read as true", rule.Name)
	}
	data, err := os.ReadFile(filepath.Join("..", "testdata", "LoadBalancerGet.json"))
	if err != nil {
		t.Fatal(err)
	}
	optOut := filepath.Join(t.TempDir(), "lb.json")
	if err := os.WriteFile(optOut, bytes.Replace(data, []byte(`"disableOutboundSnat":false`), []byte(`"disableOutboundSnat":true`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := Load([]string{optOut}, Options{}); err != nil || !n.LoadBalancers[0].Rules[0].DisableOutboundSNAT {
		t.Errorf("disableOutboundSnat true not read (%v)", err)
	}
	if p := rule.Probe; p == nil || p.Name != "probe-lb" || p.Port != 80 { // azure-semantics.md §1.8 item 7
		t.Errorf("rule %s probe = %+v, want probe-lb on port 80", rule.Name, p)
	}
	gw := load(t, "LoadBalancerCreateGatewayLoadBalancerProviderWithOneBackendPool.json").LoadBalancers[0]
	want := []model.TunnelInterface{{Port: 15000, Identifier: 900, Protocol: "VXLAN", Type: "Internal"},
		{Port: 15001, Identifier: 901, Protocol: "VXLAN", Type: "Internal"}}
	if d := cmp.Diff(want, gw.BackendPools[0].Tunnels); d != "" || !gw.IsGateway() || gw.Rules[0].Pool == nil {
		t.Errorf("gateway LB tunnels (-want +got):\n%s", d)
	}
	n := load(t, "LoadBalancerCreateGatewayLoadBalancerConsumer.json")
	if !hasWarning(n, "DanglingReference", "gateway load balancer frontend") {
		t.Errorf("want a dangling gatewayLoadBalancer warning: %+v", n.Warnings)
	}
}

func TestCorpusGateways(t *testing.T) {
	n := load(t, "VirtualNetworkGatewayGet.json", "LocalNetworkGatewayGet.json", "VirtualNetworkGatewayConnectionGet.json")
	g, l, c := n.VNetGateways[0], n.LocalGateways[0], n.Connections[0]
	got := fmt.Sprintf("%s %s asn=%d ips=%v local=%v conn=%s/%s gw=%v local=%v", g.Name, g.GatewayType, g.ASN, g.PrivateIPs,
		l.Prefixes, c.Type, c.Status, c.Gateway == g, c.Local == l)
	if want := "vpngw Vpn asn=65514 ips=[10.0.1.30 10.3.1.254] local=[10.1.0.0/16] conn=IPsec/Connecting gw=true local=true"; got != want {
		t.Errorf("gateways = %s, want %s", got, want)
	}
	if !hasWarning(n, "InvalidValue", "x.x.x.x") || len(g.Connections) != 1 {
		t.Errorf("warnings %+v, connections %d", n.Warnings, len(g.Connections))
	}
	if hasWarning(n, "Unsupported", "point-to-site") || hasWarning(n, "Unsupported", "traffic selectors") {
		t.Errorf("no pool, no selectors, yet: %+v", n.Warnings)
	}
}

// TestGatewayUnmodelled: a point-to-site client pool and policy-based traffic selectors, which
// the model does not hold, are each an Unsupported warning naming them.
func TestGatewayUnmodelled(t *testing.T) {
	dir := t.TempDir()
	edit := func(file, old, new string) string {
		data, err := os.ReadFile(filepath.Join("..", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		edited := bytes.Replace(data, []byte(old), []byte(new), 1)
		if bytes.Equal(edited, data) {
			t.Fatalf("%s: no %s", file, old)
		}
		path := filepath.Join(dir, file)
		if err := os.WriteFile(path, edited, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, tt := range []struct{ old, new, want string }{
		{`"vpnClientProtocols":["OpenVPN"]`, `"vpnClientAddressPool":{"addressPrefixes":["172.16.201.0/24"]},"vpnClientProtocols":["OpenVPN"]`, "point-to-site client address pool [172.16.201.0/24]"},
		{`"usePolicyBasedTrafficSelectors":false`, `"usePolicyBasedTrafficSelectors":true`, "uses policy-based traffic selectors"},
		{`"trafficSelectorPolicies":[]`, `"trafficSelectorPolicies":[{"localAddressRanges":["10.10.0.0/16"],"remoteAddressRanges":["10.1.0.0/16"]}]`, "uses policy-based traffic selectors"},
		// Read only for the warning: a value vnetdoctor would not use does not reject the file.
		{`"vpnClientProtocols":["OpenVPN"]`, `"vpnClientAddressPool":{"addressPrefixes":[42]},"vpnClientProtocols":["OpenVPN"]`, ""},
		{`"usePolicyBasedTrafficSelectors":false`, `"usePolicyBasedTrafficSelectors":"yes"`, ""},
	} {
		files := []string{"VirtualNetworkGatewayGet.json", "LocalNetworkGatewayGet.json", "VirtualNetworkGatewayConnectionGet.json"}
		for i, f := range files {
			if data, _ := os.ReadFile(filepath.Join("..", "testdata", f)); bytes.Contains(data, []byte(tt.old)) {
				files[i] = edit(f, tt.old, tt.new)
			} else {
				files[i] = filepath.Join("..", "testdata", f)
			}
		}
		n, err := Load(files, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if tt.want == "" && (hasWarning(n, "Unsupported", "point-to-site") || hasWarning(n, "Unsupported", "traffic selectors")) {
			t.Errorf("%s: warnings %+v; want none about it", tt.new, n.Warnings)
		}
		if tt.want != "" && !hasWarning(n, "Unsupported", tt.want) {
			t.Errorf("%s: warnings %+v; want one saying %q", tt.new, n.Warnings, tt.want)
		}
		// The connection carries the mark, for the traces that cross it to say so.
		selectors := strings.Contains(tt.want, "traffic selectors")
		if len(n.Connections) != 1 || n.Connections[0].PolicySelectors != selectors {
			t.Errorf("%s: connections %+v; want one with PolicySelectors %v", tt.new, n.Connections, selectors)
		}
	}
}

func TestCorpusEndpointsAndAddresses(t *testing.T) {
	n := load(t, "PrivateEndpointGet.json", "PublicIpAddressGet.json", "NatGatewayGet.json", "ApplicationSecurityGroupGet.json")
	pe := n.PrivateEndpoints[0]
	if fmt.Sprint(pe.IPs) != "[192.168.0.4 192.168.0.5 192.168.0.6 192.168.0.7]" || !pe.Approved() ||
		pe.Connections[0].GroupIDs[0] != "groupIdFromResource" || pe.NICID.Name() != "testPe.nic.abcd1234" {
		t.Errorf("private endpoint = %+v", pe)
	}
	pip := n.PublicIPs[0]
	if pip.Name != "testDNS-ip" || pip.Address.IsValid() || pip.AttachedTo.Name() != "ipconfig1" {
		t.Errorf("public IP = %+v", pip)
	}
	if n.NATGateways[0].Name != "test-natGateway" || !hasWarning(n, "DanglingReference", "PublicIpPrefix1") {
		t.Errorf("NAT gateway %+v warnings %+v", n.NATGateways[0], n.Warnings)
	}
	if n.ASGs[0].Name != "test-asg" {
		t.Errorf("ASG = %+v", n.ASGs[0])
	}
}

func TestCorpusAdminRule(t *testing.T) {
	n := load(t, "NetworkManagerAdminRuleGet.json")
	r := n.AdminRules[0]
	got := fmt.Sprintf("%s %d %s %s %s src=%v dst=%v dport=%v", r.RuleName(), r.Priority, r.Access, r.Direction, r.Protocol,
		r.Sources, r.Destinations, r.DestPorts)
	if want := "myTestSecurityConfig/testRuleCollection/SampleAdminRule 1 Deny Inbound Tcp src=[{* false invalid Prefix}] dst=[{* false invalid Prefix}] dport=[{22 22}]"; got != want {
		t.Errorf("admin rule = %s\nwant %s", got, want)
	}
}

func TestCorpusNotResources(t *testing.T) {
	n := load(t, "NetworkInterfaceEffectiveRouteTableList.json", "NetworkWatcherIpFlowVerify.json", "VirtualHubGet.json",
		"PrivateDnsVirtualNetworkLinkGet.json", "ServiceTags_Public_excerpt.json", "ServiceTagsList-discovery-api-example.json")
	// VirtualHubGet.json is a Virtual WAN hub: read since issue 15 item 5 (vwan.go).
	if n.Unknown[azure.NotAResource] == 0 || n.Unknown["Microsoft.Network/virtualHubs"] != 0 || len(n.VirtualHubs) != 1 {
		t.Errorf("unknown = %v", n.Unknown)
	}
	// The zone link is read (dns.go) but its zone is not in this snapshot.
	if !hasWarning(n, "DanglingReference", "virtualNetworkLinks/virtualNetworkLink1 references its private DNS zone") {
		t.Errorf("warnings = %+v", n.Warnings)
	}
	if !hasWarning(n, "Ignored", "NetworkWatcherIpFlowVerify.json") {
		t.Errorf("warnings = %+v", n.Warnings)
	}
	tag, ok := n.Tag("servicebus.eastus2")
	if !ok || tag.Name != "ServiceBus.EastUS2" || tag.Region != "eastus2" || fmt.Sprint(tag.Prefixes) != "[13.68.110.36/32 40.70.146.64/29]" {
		t.Errorf("tag = %+v", tag)
	}
	if _, ok := n.Tag("AzureActiveDirectory"); !ok || n.Counts["Microsoft.Network/serviceTags"] != 7 {
		t.Errorf("service tags: %d counted", n.Counts["Microsoft.Network/serviceTags"])
	}
}
