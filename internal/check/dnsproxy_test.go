package check

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

func TestDNSProxyUpstreamBlocked(t *testing.T) {
	udp53 := model.PortRange{Lo: 53, Hi: 53}
	denyAll := rule("deny-all-in", 4000, model.Deny, model.ProtoAny, "*", "*", model.AllPorts)
	tests := []struct {
		name    string
		proxy   bool
		servers []string
		allowed string // source prefix the DNS NSG admits on UDP 53
		want    []brief
	}{
		{"NSG admits only the frontend", true, []string{"10.0.3.4"}, "10.0.0.4",
			[]brief{{"Error", map[string]any{"dnsServer": "10.0.3.4", "rule": "securityRules/deny-all-in"}}}},
		{"NSG admits the firewall subnet", true, []string{"10.0.3.4"}, "10.0.0.0/26", []brief{}},
		{"Azure DNS upstream", true, nil, "10.0.0.4", []brief{}},
		{"proxy off, spoke uses the firewall", false, nil, "10.0.0.0/26",
			[]brief{{"Error", map[string]any{"dnsServer": "10.0.0.4", "rule": ""}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHubSpoke()
			dns := h.e.subnet(h.hub, "snet-dns", "10.0.3.0/24")
			h.e.nic(dns, "vm-dns1", "10.0.3.4")
			dns.NSG = h.e.nsg("nsg-dns", rule("allow-dns", 100, model.Allow, model.ProtoUDP, tt.allowed, "*", udp53), denyAll)
			h.fw.DNSProxy = tt.proxy
			for _, s := range tt.servers {
				h.fw.DNSServers = append(h.fw.DNSServers, netip.MustParseAddr(s))
			}
			h.spoke.DNSServers = []netip.Addr{ip("10.0.0.4")}
			got := briefs(runCheck(t, h.e.fullPlane(), "DnsProxyUpstreamBlocked"), "dnsServer", "rule")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}
