package acl

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const (
	in    = model.Inbound
	out   = model.Outbound
	allow = model.Allow
	deny  = model.Deny
	TCP   = model.ProtoTCP
	UDP   = model.ProtoUDP
	ANY   = model.ProtoAny
)

type flowCase struct {
	name string
	dir  model.Direction
	f    Flow
	want string
}

func runFlows(t *testing.T, e *Effective, cases []flowCase) {
	t.Helper()
	for _, tc := range cases {
		if got := describe(e.Evaluate(tc.dir, tc.f)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

// spec §2.1: leaving: admin → NIC NSG → subnet NSG; arriving: admin → subnet NSG → NIC NSG;
// first match wins, lowest priority first; a missing NSG allows.
func TestOrderAndFirstMatch(t *testing.T) {
	n := newNet()
	v := addVNet(n, "vnet-a", "westeurope", "10.1.0.0/16")
	app := addSubnet(n, v, "app", "10.1.1.0/24")
	app.NSG = addNSG(n, "nsg-subnet",
		rule("deny-in-22", 100, in, deny, TCP, "*", "*", "22"),
		rule("deny-out-web", 100, out, deny, TCP, "*", "*", "80"))
	nicNSG := addNSG(n, "nsg-nic",
		rule("deny-out-8080", 200, out, deny, TCP, "*", "*", "8080"),
		rule("allow-out-all-tcp", 150, out, allow, TCP, "*", "*", "8080-8081"), // lower number wins
		rule("allow-out-web", 100, out, allow, TCP, "*", "*", "80"),
		rule("allow-in-22", 100, in, allow, TCP, "*", "*", "22"))
	c := addNIC(n, "vm-app", app, "10.1.1.4", nicNSG)
	bare := addNIC(n, "vm-bare", addSubnet(n, v, "bare", "10.1.3.0/24"), "10.1.3.4", nil)
	a, _ := build(t, n)

	runFlows(t, a.ForIPConfig(c), []flowCase{
		{"out: NIC allows, subnet denies", out, tcp("10.1.1.4", "8.8.8.8", 80),
			"Denied AdminRule=- NicNsg=securityRules/allow-out-web SubnetNsg=securityRules/deny-out-web"},
		{"out: lowest priority first", out, tcp("10.1.1.4", "8.8.8.8", 8080),
			"Allowed AdminRule=- NicNsg=securityRules/allow-out-all-tcp SubnetNsg=defaultSecurityRules/AllowInternetOutBound"},
		{"in: subnet first", in, tcp("10.1.2.4", "10.1.1.4", 22),
			"Denied AdminRule=- SubnetNsg=securityRules/deny-in-22"},
		{"in: defaults", in, tcp("10.1.2.4", "10.1.1.4", 443),
			"Allowed AdminRule=- SubnetNsg=defaultSecurityRules/AllowVnetInBound NicNsg=defaultSecurityRules/AllowVnetInBound"},
	})
	runFlows(t, a.ForIPConfig(bare), []flowCase{
		{"no NSG at all", in, tcp("8.8.8.8", "10.1.3.4", 22), "Allowed AdminRule=- SubnetNsg=- NicNsg=-"},
	})
	r := a.ForIPConfig(c).Evaluate(out, tcp("10.1.1.4", "8.8.8.8", 80))
	if r.Decider != 2 || r.Levels[r.Decider].NSG != app.NSG || !r.Levels[1].Present {
		t.Errorf("decider = %d (%v), want the subnet NSG at index 2", r.Decider, r.Levels[r.Decider].NSG)
	}
}

// spec §2.3: the six default rules, with the names the API returns.
func TestDefaultRules(t *testing.T) {
	n := newNet()
	v := addVNet(n, "vnet-a", "westeurope", "10.1.0.0/16")
	s := addSubnet(n, v, "app", "10.1.1.0/24")
	s.NSG = addNSG(n, "nsg-empty")
	c := addNIC(n, "vm", s, "10.1.1.4", nil)
	a, _ := build(t, n)
	runFlows(t, a.ForIPConfig(c), []flowCase{
		{"vnet in", in, tcp("10.1.9.9", "10.1.1.4", 22), "Allowed AdminRule=- SubnetNsg=defaultSecurityRules/AllowVnetInBound NicNsg=-"},
		{"internet in", in, tcp("8.8.8.8", "10.1.1.4", 22), "Denied AdminRule=- SubnetNsg=defaultSecurityRules/DenyAllInBound"},
		{"private non-vnet in", in, tcp("192.168.1.1", "10.1.1.4", 22), "Denied AdminRule=- SubnetNsg=defaultSecurityRules/DenyAllInBound"},
		{"vnet out", out, tcp("10.1.1.4", "10.1.200.1", 443), "Allowed AdminRule=- NicNsg=- SubnetNsg=defaultSecurityRules/AllowVnetOutBound"},
		{"internet out", out, tcp("10.1.1.4", "52.1.2.3", 443), "Allowed AdminRule=- NicNsg=- SubnetNsg=defaultSecurityRules/AllowInternetOutBound"},
		{"private non-vnet out", out, tcp("10.1.1.4", "100.64.0.1", 443), "Denied AdminRule=- NicNsg=- SubnetNsg=defaultSecurityRules/DenyAllOutBound"},
	})
	// 168.63.129.16 is in VirtualNetwork, so AllowVnetInBound (65000) answers before
	// AllowAzureLoadBalancerInBound (65001); the latter still matches it on its own.
	rs := a.ForIPConfig(c).Set(LevelSubnet)
	var names []string
	for _, r := range rs.Rules {
		names = append(names, r.Name)
	}
	want := []string{"defaultSecurityRules/AllowVnetInBound", "defaultSecurityRules/AllowAzureLoadBalancerInBound",
		"defaultSecurityRules/DenyAllInBound", "defaultSecurityRules/AllowVnetOutBound",
		"defaultSecurityRules/AllowInternetOutBound", "defaultSecurityRules/DenyAllOutBound"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("default rules -want +got:\n%s", diff)
	}
	lb := rs.Rules[1]
	if !lb.m.matches(&Flow{Src: model.AzurePlatformIP, Dst: ip("10.1.1.4"), Proto: TCP, DstPort: 80}, false) {
		t.Errorf("AllowAzureLoadBalancerInBound does not match 168.63.129.16")
	}
}

// spec §2.5: Deny drops, AlwaysAllow skips the NSGs, Allow continues; lower number first;
// only the VNets the rule applies to; never on special subnets.
func TestAdminRules(t *testing.T) {
	n := newNet()
	v := addVNet(n, "vnet-a", "westeurope", "10.1.0.0/16")
	other := addVNet(n, "vnet-o", "westeurope", "10.9.0.0/16")
	s := addSubnet(n, v, "app", "10.1.1.0/24")
	s.NSG = addNSG(n, "nsg", rule("deny-in-443", 100, in, deny, TCP, "*", "*", "443"),
		rule("deny-in-8443", 110, in, deny, TCP, "*", "*", "8443"))
	gw := addSubnet(n, v, "GatewaySubnet", "10.1.255.0/27")
	gw.NSG = s.NSG
	c := addNIC(n, "vm", s, "10.1.1.4", nil)
	co := addNIC(n, "vm-o", addSubnet(n, other, "o", "10.9.1.0/24"), "10.9.1.4", s.NSG)
	n.AdminRules = []*model.AdminRule{
		adminRule("deny-22", 10, in, deny, "*", "*", "22", v),
		adminRule("always-443", 20, in, model.AlwaysAllow, "Internet", "*", "443", v),
		adminRule("allow-8443", 30, in, allow, "*", "*", "8443", v),
		adminRule("deny-22-first", 5, in, allow, "10.1.0.0/16", "*", "22", v), // lower number: wins for VNet sources
	}
	a, _ := build(t, n)
	runFlows(t, a.ForIPConfig(c), []flowCase{
		{"admin deny", in, tcp("8.8.8.8", "10.1.1.4", 22), "Denied AdminRule=cfg/coll/deny-22"},
		{"admin allow first by priority", in, tcp("10.1.2.2", "10.1.1.4", 22),
			"Allowed AdminRule=cfg/coll/deny-22-first SubnetNsg=defaultSecurityRules/AllowVnetInBound NicNsg=-"},
		{"always allow skips NSG deny", in, tcp("8.8.8.8", "10.1.1.4", 443), "Allowed AdminRule=cfg/coll/always-443"},
		{"allow continues to NSG", in, tcp("8.8.8.8", "10.1.1.4", 8443),
			"Denied AdminRule=cfg/coll/allow-8443 SubnetNsg=securityRules/deny-in-8443"},
		{"no admin match", in, tcp("8.8.8.8", "10.1.1.4", 80),
			"Denied AdminRule=nomatch SubnetNsg=defaultSecurityRules/DenyAllInBound"},
	})
	runFlows(t, a.ForIPConfig(co), []flowCase{
		{"other VNet: no admin rules", in, tcp("8.8.8.8", "10.9.1.4", 22),
			"Denied AdminRule=- SubnetNsg=- NicNsg=defaultSecurityRules/DenyAllInBound"},
	})
	runFlows(t, a.ForSubnet(gw), []flowCase{
		{"special subnet: no admin rules", in, tcp("8.8.8.8", "10.1.255.4", 22),
			"Denied AdminRule=- SubnetNsg=defaultSecurityRules/DenyAllInBound"},
	})
	runFlows(t, a.ForSubnet(s), []flowCase{
		{"bare address in a normal subnet", in, tcp("8.8.8.8", "10.1.1.200", 22), "Denied AdminRule=cfg/coll/deny-22"},
	})
}

// spec §2.2 [ASG]: a source ASG expands to its members' addresses; a destination ASG on an
// inbound rule applies only to member ip configurations.
func TestASGs(t *testing.T) {
	n := newNet()
	v := addVNet(n, "vnet-a", "westeurope", "10.1.0.0/16")
	s := addSubnet(n, v, "app", "10.1.1.0/24")
	web, db := addASG(n, "asg-web"), addASG(n, "asg-db")
	allowWeb := rule("allow-web-to-db", 100, in, allow, TCP, "", "", "1433")
	allowWeb.Sources, allowWeb.Destinations = nil, nil
	allowWeb.SourceASGs, allowWeb.DestASGs = []*model.ASG{web}, []*model.ASG{db}
	denyDB := rule("deny-db", 200, in, deny, TCP, "*", "", "1433")
	denyDB.Destinations, denyDB.DestASGs = nil, []*model.ASG{db}
	s.NSG = addNSG(n, "nsg", allowWeb, denyDB, rule("deny-1433", 300, in, deny, TCP, "*", "*", "1433"))
	addNIC(n, "vm-web1", s, "10.1.1.4", nil, web)
	addNIC(n, "vm-web2", s, "10.1.1.5", nil, web)
	dbc := addNIC(n, "vm-db", s, "10.1.1.10", nil, db)
	plain := addNIC(n, "vm-plain", s, "10.1.1.20", nil)
	a, _ := build(t, n)
	runFlows(t, a.ForIPConfig(dbc), []flowCase{
		{"member source to member dest", in, tcp("10.1.1.5", "10.1.1.10", 1433), "Allowed AdminRule=- SubnetNsg=securityRules/allow-web-to-db NicNsg=-"},
		{"non-member source", in, tcp("10.1.1.20", "10.1.1.10", 1433), "Denied AdminRule=- SubnetNsg=securityRules/deny-db"},
		{"member dest after DNAT keeps membership", in, tcp("10.1.1.4", "10.1.1.99", 1433), "Allowed AdminRule=- SubnetNsg=securityRules/allow-web-to-db NicNsg=-"},
	})
	runFlows(t, a.ForIPConfig(plain), []flowCase{
		{"not a member: ASG rules skipped", in, tcp("10.1.1.4", "10.1.1.20", 1433), "Denied AdminRule=- SubnetNsg=securityRules/deny-1433"},
	})
	r := a.ForIPConfig(dbc).Set(LevelSubnet).Rules[0]
	if got := strings.Join(prefixStrings(r.ExpandedSource), ","); got != "10.1.1.4/31" {
		t.Errorf("ExpandedSource of asg-web = %s, want 10.1.1.4/31", got)
	}
	if !r.SelfDest || r.SelfSource {
		t.Errorf("SelfDest/SelfSource = %v/%v, want true/false", r.SelfDest, r.SelfSource)
	}
}
