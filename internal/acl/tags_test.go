package acl

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// vnetTagOf returns the expanded source of the subnet NSG's AllowVnetInBound rule.
func vnetTagOf(t *testing.T, e *Effective) string {
	t.Helper()
	for _, r := range e.Set(LevelSubnet).Rules {
		if r.Name == "defaultSecurityRules/AllowVnetInBound" {
			return strings.Join(prefixStrings(r.ExpandedSource), " ")
		}
	}
	t.Fatal("no AllowVnetInBound")
	return ""
}

// spec §2.4: VirtualNetwork = VNet ranges + peered ranges + gateway prefixes + UDR prefixes
// + 168.63.129.16; allowVirtualNetworkAccess=false removes the peer's ranges; a 0/0 UDR makes
// it 0.0.0.0/0.
func TestVirtualNetworkTag(t *testing.T) {
	n := newNet()
	a1 := addVNet(n, "vnet-a", "westeurope", "10.1.0.0/16")
	b := addVNet(n, "vnet-b", "westeurope", "10.2.0.0/16")
	c := addVNet(n, "vnet-c", "westeurope", "10.3.0.0/16")
	peer(a1, b)
	ac, _ := peer(a1, c)
	ac.AllowVirtualNetworkAccess = false
	nsg := addNSG(n, "nsg", rule("deny-rdp-from-internet", 100, in, deny, TCP, "Internet", "*", "3389"))
	plain := addSubnet(n, a1, "plain", "10.1.1.0/24")
	udr := addSubnet(n, a1, "udr", "10.1.2.0/24")
	forced := addSubnet(n, a1, "forced", "10.1.3.0/24")
	for _, s := range []*model.Subnet{plain, udr, forced} {
		s.NSG = nsg
	}
	udr.RouteTable = &model.RouteTable{ID: "/rt/udr", Name: "rt-udr", Routes: []*model.Route{
		{Name: "onprem", Prefix: pfx("172.20.0.0/16"), NextHopType: model.HopVirtualAppliance, NextHopIP: ip("10.1.1.4")}}}
	forced.RouteTable = &model.RouteTable{ID: "/rt/forced", Name: "rt-forced", Routes: []*model.Route{
		{Name: "default", Prefix: pfx("0.0.0.0/0"), NextHopType: model.HopVirtualAppliance, NextHopIP: ip("10.1.1.4")}}}
	cp := addNIC(n, "vm-plain", plain, "10.1.1.4", nil)
	cu := addNIC(n, "vm-udr", udr, "10.1.2.4", nil)
	cf := addNIC(n, "vm-forced", forced, "10.1.3.4", nil)
	a, _ := build(t, n)

	for _, tc := range []struct {
		c    *model.IPConfig
		want string
	}{
		{cp, "10.1.0.0/16 10.2.0.0/16 168.63.129.16/32"},
		{cu, "10.1.0.0/16 10.2.0.0/16 168.63.129.16/32 172.20.0.0/16"},
		{cf, "0.0.0.0/0"},
	} {
		if got := vnetTagOf(t, a.ForIPConfig(tc.c)); got != tc.want {
			t.Errorf("%s: VirtualNetwork = %s, want %s", tc.c.NIC.Name, got, tc.want)
		}
	}
	runFlows(t, a.ForIPConfig(cp), []flowCase{
		{"peer with access", in, tcp("10.2.0.5", "10.1.1.4", 22), "Allowed AdminRule=- SubnetNsg=defaultSecurityRules/AllowVnetInBound NicNsg=-"},
		{"peer without access: only the tag changes", in, tcp("10.3.0.5", "10.1.1.4", 22), "Denied AdminRule=- SubnetNsg=defaultSecurityRules/DenyAllInBound"},
	})
	runFlows(t, a.ForIPConfig(cf), []flowCase{
		{"0/0 UDR: internet is VirtualNetwork", in, tcp("8.8.8.8", "10.1.3.4", 22), "Allowed AdminRule=- SubnetNsg=defaultSecurityRules/AllowVnetInBound NicNsg=-"},
		{"0/0 UDR: Internet rule never matches", in, tcp("8.8.8.8", "10.1.3.4", 3389), "Allowed AdminRule=- SubnetNsg=defaultSecurityRules/AllowVnetInBound NicNsg=-"},
	})
	wantNote := []string{"NSG nsg rule securityRules/deny-rdp-from-internet names Internet, which is empty here: a 0.0.0.0/0 UDR makes the subnet's VirtualNetwork tag 0.0.0.0/0 (spec §2.4)"}
	if diff := cmp.Diff(wantNote, a.ForIPConfig(cf).Assumptions); diff != "" {
		t.Errorf("forced subnet assumptions -want +got:\n%s", diff)
	}
	if got := a.ForIPConfig(cp).Assumptions; len(got) != 0 {
		t.Errorf("plain subnet assumptions = %q, want none", got)
	}
	// The note is about an inbound TCP 3389 rule: it could matter to RDP in, not to SSH in or
	// to anything outbound (issue 9 item 3: a note that could not have mattered is not printed).
	notes := a.ForIPConfig(cf).Notes
	for _, tc := range []struct {
		dir  model.Direction
		f    Flow
		want bool
	}{{in, tcp("8.8.8.8", "10.1.3.4", 3389), true}, {in, tcp("8.8.8.8", "10.1.3.4", 22), false}, {model.Outbound, tcp("10.1.3.4", "8.8.8.8", 3389), false}} {
		if len(notes) != 1 || notes[0].Applies(tc.dir, &tc.f) != tc.want {
			t.Errorf("note %v applies to %v %+v: want %v", notes, tc.dir, tc.f, tc.want)
		}
	}
	for _, r := range a.ForIPConfig(cf).Set(LevelSubnet).Rules {
		if r.Name == "defaultSecurityRules/AllowInternetOutBound" && len(r.ExpandedDest) != 0 {
			t.Errorf("Internet with a 0/0 UDR = %v, want empty", r.ExpandedDest)
		}
	}
}

// The tag reads the subnet's routes through a seam; feed routes directly to check the next
// hop selection, including ConnectedGroup and gateway routes.
func TestVirtualNetworkTagFromRoutes(t *testing.T) {
	n := newNet()
	v := addVNet(n, "vnet-a", "westeurope", "10.1.0.0/16")
	s := addSubnet(n, v, "app", "10.1.1.0/24")
	noAccess := &model.Peering{Name: "p", AllowVirtualNetworkAccess: false}
	routes := []fib.Route{
		{Prefix: pfx("10.1.0.0/16"), NextHop: model.HopVnetLocal},
		{Prefix: pfx("10.5.0.0/16"), NextHop: model.HopConnectedGroup},
		{Prefix: pfx("192.168.0.0/20"), NextHop: model.HopVirtualNetworkGateway, Source: fib.SourceGateway, State: fib.Invalid},
		{Prefix: pfx("10.6.0.0/16"), NextHop: model.HopVNetGlobalPeering, Peering: noAccess},
		{Prefix: pfx("0.0.0.0/0"), NextHop: model.HopInternet},
		{Prefix: pfx("10.0.0.0/8"), NextHop: model.HopNone},
		{Prefix: pfx("20.1.0.0/16"), NextHop: model.HopServiceEndpoint},
		{Prefix: pfx("10.7.0.4/32"), NextHop: model.HopInterfaceEndpoint},
	}
	a := newACL(n, func(*model.Subnet) []fib.Route { return routes })
	got := a.subnetContext(s, false).vnet.set.String()
	if want := "10.1.0.0/16,10.5.0.0/16,168.63.129.16/32,192.168.0.0/20"; got != want {
		t.Errorf("VirtualNetwork = %s, want %s", got, want)
	}
	// Without routes (no FIB), the VNet's ranges still make the tag.
	a = newACL(n, func(*model.Subnet) []fib.Route { return nil })
	if got, want := a.subnetContext(s, false).vnet.set.String(), "10.1.0.0/16,168.63.129.16/32"; got != want {
		t.Errorf("VirtualNetwork without routes = %s, want %s", got, want)
	}
}

// spec §2.4: Internet = everything outside VirtualNetwork and the private ranges.
func TestInternetTag(t *testing.T) {
	n := newNet()
	v := addVNet(n, "vnet-a", "westeurope", "10.1.0.0/16", "40.0.0.0/24")
	s := addSubnet(n, v, "app", "10.1.1.0/24")
	a := newACL(n, func(*model.Subnet) []fib.Route { return nil })
	inet := a.subnetContext(s, false).internet.set
	for _, tc := range []struct {
		addr string
		want bool
	}{{"8.8.8.8", true}, {"40.0.0.7", false}, {"40.0.1.7", true}, {"10.200.0.1", false}, {"172.16.5.5", false},
		{"192.168.0.1", false}, {"100.64.0.1", false}, {"168.63.129.16", false}, {"168.63.129.17", true}} {
		if got := inet.Contains(ip(tc.addr)); got != tc.want {
			t.Errorf("Internet contains %s = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

// spec §2.4: a tag from the service tags file expands; an unknown tag never matches and is
// reported both as a Build warning and as an assumption of the effective rules.
func TestServiceTags(t *testing.T) {
	n := newNet()
	addTag(n, "Storage.WestEurope", "20.38.0.0/16", "2603:1020::/48")
	v := addVNet(n, "vnet-a", "westeurope", "10.1.0.0/16")
	s := addSubnet(n, v, "app", "10.1.1.0/24")
	s.NSG = addNSG(n, "nsg",
		rule("deny-storage", 100, out, deny, TCP, "*", "storage.westeurope", "443"),
		rule("deny-mystery", 110, out, deny, TCP, "*", "Mystery,52.0.0.1", "443"),
		rule("deny-all-mystery", 120, in, deny, ANY, "Mystery", "*", "*"))
	c := addNIC(n, "vm", s, "10.1.1.4", nil)
	a, ws := build(t, n)
	e := a.ForIPConfig(c)
	runFlows(t, e, []flowCase{
		{"tag from file (case-insensitive)", out, tcp("10.1.1.4", "20.38.1.1", 443), "Denied AdminRule=- NicNsg=- SubnetNsg=securityRules/deny-storage"},
		{"unknown tag never matches", in, tcp("8.8.4.4", "10.1.1.4", 22), "Denied AdminRule=- SubnetNsg=defaultSecurityRules/DenyAllInBound"},
		{"unknown tag's rule still matches its other entries", out, tcp("10.1.1.4", "52.0.0.1", 443), "Denied AdminRule=- NicNsg=- SubnetNsg=securityRules/deny-mystery"},
		{"other addresses pass", out, tcp("10.1.1.4", "52.0.0.2", 443), "Allowed AdminRule=- NicNsg=- SubnetNsg=defaultSecurityRules/AllowInternetOutBound"},
	})
	wantNotes := []string{
		`NSG nsg rule securityRules/deny-mystery: service tag "Mystery" is unknown (not in the snapshot's service tags); the rule never matches it (spec §2.4)`,
		`NSG nsg rule securityRules/deny-all-mystery: service tag "Mystery" is unknown (not in the snapshot's service tags); the rule never matches it (spec §2.4)`,
	}
	if diff := cmp.Diff(wantNotes, e.Assumptions); diff != "" {
		t.Errorf("Assumptions -want +got:\n%s", diff)
	}
	if len(ws) != 1 || ws[0].Code != "UnknownServiceTag" || ws[0].Resource != s.NSG.ID {
		t.Errorf("warnings = %+v, want one UnknownServiceTag on the NSG", ws)
	}
}

// spec §2.6: NSG rules do not filter traffic to 168.63.129.16 and 169.254.169.254, except
// rules naming the AzurePlatform* tags.
func TestPlatformAddresses(t *testing.T) {
	n := newNet()
	v := addVNet(n, "vnet-a", "westeurope", "10.1.0.0/16")
	s := addSubnet(n, v, "app", "10.1.1.0/24")
	s.NSG = addNSG(n, "nsg",
		rule("deny-dns", 100, out, deny, UDP, "*", "AzurePlatformDNS", "53"),
		rule("deny-all-out", 200, out, deny, ANY, "*", "*", "*"))
	c := addNIC(n, "vm", s, "10.1.1.4", nil)
	a, ws := build(t, n)
	e := a.ForIPConfig(c)
	udp := func(dst string, port uint16) Flow {
		return Flow{Src: ip("10.1.1.4"), Dst: ip(dst), Proto: UDP, SrcPort: 50000, DstPort: port}
	}
	runFlows(t, e, []flowCase{
		{"DNS denied by the platform tag", out, udp("168.63.129.16", 53), "Denied AdminRule=- NicNsg=- SubnetNsg=securityRules/deny-dns"},
		{"IMDS not filtered", out, tcp("10.1.1.4", "169.254.169.254", 80), "Allowed AdminRule=- NicNsg=- SubnetNsg=nomatch"},
		{"other ports to the host not filtered", out, udp("168.63.129.16", 123), "Allowed AdminRule=- NicNsg=- SubnetNsg=nomatch"},
		{"ordinary destination", out, udp("8.8.8.8", 53), "Denied AdminRule=- NicNsg=- SubnetNsg=securityRules/deny-all-out"},
	})
	if r := e.Evaluate(out, udp("168.63.129.16", 123)); !r.Platform {
		t.Errorf("Platform = false for a flow to 168.63.129.16")
	}
	if len(ws) != 0 {
		t.Errorf("platform tags reported as unknown: %v", ws)
	}
}

// spec §5: the subnet NSG filters traffic to a private endpoint only with
// privateEndpointNetworkPolicies Enabled or NetworkSecurityGroupEnabled.
func TestPrivateEndpointPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy, want string
		notes        int
	}{
		{"", "Allowed", 1},
		{"Disabled", "Allowed", 1},
		{"RouteTableEnabled", "Allowed", 1},
		{"NetworkSecurityGroupEnabled", "Denied SubnetNsg=securityRules/deny-sql", 0},
		{"Enabled", "Denied SubnetNsg=securityRules/deny-sql", 0},
	} {
		n := newNet()
		v := addVNet(n, "vnet-a", "westeurope", "10.1.0.0/16")
		s := addSubnet(n, v, "pe", "10.1.5.0/24")
		s.PrivateEndpointNetworkPolicies = tc.policy
		s.NSG = addNSG(n, "nsg", rule("deny-sql", 100, in, deny, TCP, "*", "*", "1433"))
		pe := &model.PrivateEndpoint{ID: "/pe/sql", Name: "pe-sql", Subnet: s, IPs: []netip.Addr{ip("10.1.5.4")}}
		n.PrivateEndpoints = append(n.PrivateEndpoints, pe)
		a, _ := build(t, n)
		e := a.ForPrivateEndpoint(pe)
		if got := describe(e.Evaluate(in, tcp("10.1.1.4", "10.1.5.4", 1433))); got != tc.want {
			t.Errorf("policy %q: got %q, want %q", tc.policy, got, tc.want)
		}
		if len(e.Assumptions) != tc.notes {
			t.Errorf("policy %q: assumptions %q, want %d", tc.policy, e.Assumptions, tc.notes)
		}
	}
}

// spec §2.2: augmented rules (several prefixes and ports); ports only constrain TCP and UDP.
func TestAugmentedRulesAndPorts(t *testing.T) {
	n := newNet()
	v := addVNet(n, "vnet-a", "westeurope", "10.1.0.0/16")
	s := addSubnet(n, v, "app", "10.1.1.0/24")
	multi := rule("allow-multi", 100, in, allow, ANY, "1.1.1.0/24,2.2.2.2", "*", "22,3389,8000-8010")
	multi.SourcePorts = ports("1024-65535")
	s.NSG = addNSG(n, "nsg", multi)
	c := addNIC(n, "vm", s, "10.1.1.4", nil)
	a, _ := build(t, n)
	icmp := Flow{Src: ip("1.1.1.1"), Dst: ip("10.1.1.4"), Proto: model.ProtoICMP}
	runFlows(t, a.ForIPConfig(c), []flowCase{
		{"first prefix, port list", in, tcp("1.1.1.9", "10.1.1.4", 3389), "Allowed AdminRule=- SubnetNsg=securityRules/allow-multi NicNsg=-"},
		{"single address, port range", in, tcp("2.2.2.2", "10.1.1.4", 8010), "Allowed AdminRule=- SubnetNsg=securityRules/allow-multi NicNsg=-"},
		{"port outside", in, tcp("2.2.2.2", "10.1.1.4", 8011), "Denied AdminRule=- SubnetNsg=defaultSecurityRules/DenyAllInBound"},
		{"source port outside", in, Flow{Src: ip("2.2.2.2"), Dst: ip("10.1.1.4"), Proto: UDP, SrcPort: 53, DstPort: 22}, "Denied AdminRule=- SubnetNsg=defaultSecurityRules/DenyAllInBound"},
		{"icmp ignores port rules", in, icmp, "Denied AdminRule=- SubnetNsg=defaultSecurityRules/DenyAllInBound"},
	})
}

// The listing shows the tag's member ranges as Azure does: adjacent VNet ranges stay two
// entries (no merged 10.0.0.0/15), while a covering 0.0.0.0/0 UDR swallows what it covers.
func TestVirtualNetworkTagListsMemberRanges(t *testing.T) {
	n := newNet()
	hub := addVNet(n, "vnet-hub", "westeurope", "10.0.0.0/16")
	spoke := addVNet(n, "vnet-spoke", "westeurope", "10.1.0.0/16")
	peer(hub, spoke)
	nsg := addNSG(n, "nsg")
	s := addSubnet(n, hub, "app", "10.0.1.0/24")
	s.NSG = nsg
	c := addNIC(n, "vm", s, "10.0.1.4", nil)
	a, _ := build(t, n)
	if got, want := vnetTagOf(t, a.ForIPConfig(c)), "10.0.0.0/16 10.1.0.0/16 168.63.129.16/32"; got != want {
		t.Errorf("VirtualNetwork listed as %s, want %s", got, want)
	}
}
