package firewall

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// FAQ table (learn.microsoft.com/azure/firewall/firewall-faq, target FQDN wildcards).
func TestFQDNPatterns(t *testing.T) {
	tests := []struct {
		pattern, name string
		ok, match     bool
	}{
		{"www.contoso.com", "www.contoso.com", true, true},
		{"www.contoso.com", "WWW.Contoso.COM.", true, true},
		{"www.contoso.com", "contoso.com", true, false},
		{"*.contoso.com", "any.contoso.com", true, true},
		{"*.contoso.com", "sub1.any.contoso.com", true, true},
		{"*.contoso.com", "contoso.com", true, false},
		{"*.contoso.com", "anycontoso.com", true, false},
		{"*contoso.com", "contoso.com", true, true},
		{"*contoso.com", "example.anycontoso.com", true, true},
		{"*contoso.com", "th3re4lcontoso.com", true, true},
		{"*", "anything.example", true, true},
		{"*", "", true, false},
		{"www.contoso.*", "www.contoso.com", false, false},
		{"*.contoso.*", "a.contoso.com", false, false},
		{"www.*.com", "www.contoso.com", false, false},
		{"", "x", false, false},
	}
	for _, tt := range tests {
		p, ok := parseFQDN(tt.pattern)
		if ok != tt.ok || ok && p.match(tt.name) != tt.match {
			t.Errorf("%q vs %q: got ok=%v match=%v, want ok=%v match=%v", tt.pattern, tt.name, ok, ok && p.match(tt.name), tt.ok, tt.match)
		}
	}
}

func TestSNATDecision(t *testing.T) {
	tests := []struct {
		name   string
		ranges []string
		dst    string
		snat   bool
	}{
		{"default RFC1918", nil, "10.20.0.4", false},
		{"default 172.16/12", nil, "172.31.255.1", false},
		{"default 192.168/16", nil, "192.168.1.1", false},
		{"default CGNAT", nil, "100.64.0.1", false},
		{"default public", nil, "52.1.1.1", true},
		{"default 172.32 is public", nil, "172.32.0.1", true},
		{"custom list replaces default", []string{"52.0.0.0/8"}, "10.1.1.1", true},
		{"custom list", []string{"52.0.0.0/8"}, "52.1.1.1", false},
		{"keyword plus public range", []string{"IANAPrivateRanges", "52.0.0.0/8"}, "10.1.1.1", false},
		{"keyword plus public range, public side", []string{"IANAPrivateRanges", "52.0.0.0/8"}, "52.9.9.9", false},
		{"classic comma string", []string{"IANAPrivateRanges,52.0.0.0/8"}, "52.9.9.9", false},
		{"never SNAT", []string{"0.0.0.0/0"}, "52.1.1.1", false},
		{"always SNAT", []string{"255.255.255.255/32"}, "10.1.1.1", true},
		{"single address", []string{"40.1.1.1"}, "40.1.1.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := policy("p", nil)
			p.SNATPrivateRanges = tt.ranges
			e, _ := Compile(testFirewall(p), nil)
			if got := e.SNATsTo(ip(tt.dst)); got != tt.snat {
				t.Errorf("SNATsTo(%s) with %q: got %v, want %v", tt.dst, tt.ranges, got, tt.snat)
			}
		})
	}
}

func TestSNATClassicAndBadEntry(t *testing.T) {
	fw := testFirewall(nil)
	fw.SNATPrivateRanges = []string{"IANAPrivateRanges", "not-a-range"}
	e, warns := Compile(fw, nil)
	if !e.SNATsTo(ip("52.1.1.1")) || e.SNATsTo(ip("10.0.0.1")) {
		t.Errorf("classic ranges: got SNAT(52.1.1.1)=%v SNAT(10.0.0.1)=%v, want true false", e.SNATsTo(ip("52.1.1.1")), e.SNATsTo(ip("10.0.0.1")))
	}
	if len(warns) != 1 || warns[0].Code != "InvalidValue" {
		t.Errorf("got warnings %v, want one InvalidValue", warns)
	}
}

func TestInstanceAddresses(t *testing.T) {
	tests := []struct {
		name     string
		prefixes []string
		frontend string
		count    uint64
		cover    []string
	}{
		{"/26 with frontend .4", []string{"10.0.0.0/26"}, "10.0.0.4", 58,
			[]string{"10.0.0.5/32", "10.0.0.6/31", "10.0.0.8/29", "10.0.0.16/28", "10.0.0.32/28", "10.0.0.48/29", "10.0.0.56/30", "10.0.0.60/31", "10.0.0.62/32"}},
		{"/26 without frontend", []string{"10.0.0.64/26"}, "", 59,
			[]string{"10.0.0.68/30", "10.0.0.72/29", "10.0.0.80/28", "10.0.0.96/28", "10.0.0.112/29", "10.0.0.120/30", "10.0.0.124/31", "10.0.0.126/32"}},
		{"/25 with frontend in the middle", []string{"10.0.1.0/25"}, "10.0.1.64", 122, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fw := testFirewall(nil)
			fw.Subnet.Prefixes = nil
			for _, p := range tt.prefixes {
				fw.Subnet.Prefixes = append(fw.Subnet.Prefixes, pfx(p))
			}
			fw.PrivateIP = netip.Addr{}
			if tt.frontend != "" {
				fw.PrivateIP = ip(tt.frontend)
			}
			s := InstanceAddresses(fw)
			if s.Size4() != tt.count {
				t.Errorf("count: got %d, want %d", s.Size4(), tt.count)
			}
			if tt.cover != nil {
				var got []string
				for _, p := range s.Prefixes() {
					got = append(got, p.String())
				}
				if d := cmp.Diff(tt.cover, got); d != "" {
					t.Errorf("prefixes (-want +got):\n%s", d)
				}
			}
			if tt.frontend != "" && s.Contains(ip(tt.frontend)) {
				t.Errorf("set contains the frontend %s", tt.frontend)
			}
		})
	}
	hub := &model.Firewall{Name: "hub-fw"}
	if s := InstanceAddresses(hub); !s.IsEmpty() {
		t.Errorf("hub firewall without subnet: got %v, want empty", s)
	}
}

func TestCapacity(t *testing.T) {
	pip := func() *model.PublicIP { return &model.PublicIP{} }
	fw := testFirewall(nil)
	ng := func(ips int, prefixes ...string) *model.NATGateway {
		n := &model.NATGateway{}
		for range ips {
			n.PublicIPs = append(n.PublicIPs, pip())
		}
		for _, p := range prefixes {
			n.PublicIPPrefixes = append(n.PublicIPPrefixes, pfx(p))
		}
		return n
	}
	tests := []struct {
		name      string
		ips       int
		instances int
		nat       *model.NATGateway
		want      Capacity
	}{
		{"one IP, minimum two instances", 1, 0, nil, Capacity{TotalPorts: 4992, PublicIPs: 1, Instances: 2}},
		{"five IPs, four instances", 5, 4, nil, Capacity{TotalPorts: 49920, PublicIPs: 5, Instances: 4}},
		{"instances below minimum", 2, 1, nil, Capacity{TotalPorts: 9984, PublicIPs: 2, Instances: 2}},
		{"NAT gateway with two IPs", 1, 0, ng(2), Capacity{TotalPorts: 129024, PublicIPs: 2, ViaNATGateway: true}},
		{"NAT gateway with a /30 prefix", 1, 0, ng(1, "52.0.0.0/30"), Capacity{TotalPorts: 322560, PublicIPs: 5, ViaNATGateway: true}},
		{"NAT gateway capped at 16 IPs", 1, 0, ng(4, "52.0.0.0/28"), Capacity{TotalPorts: 1032192, PublicIPs: 16, ViaNATGateway: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fw.PublicIPs = nil
			for range tt.ips {
				fw.PublicIPs = append(fw.PublicIPs, pip())
			}
			fw.Instances = tt.instances
			if got := SNATPorts(fw, tt.nat); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	hub := &model.Firewall{HubPublicAddresses: []netip.Addr{ip("20.1.1.1"), ip("20.1.1.2"), ip("20.1.1.3")}}
	if got := SNATPorts(hub, nil); got.TotalPorts != 14976 || got.PublicIPs != 3 {
		t.Errorf("hub firewall: got %+v, want 14976 ports from 3 IPs", got)
	}
	fw.Subnet.NATGateway = ng(3)
	if got := NATGatewayOf(fw); got != fw.Subnet.NATGateway {
		t.Errorf("NATGatewayOf: got %p, want the subnet's", got)
	}
}
