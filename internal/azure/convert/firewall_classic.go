package convert

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// firewalls builds Azure Firewalls: frontend IP, subnet, public IPs, policy or classic rules,
// and the classic additionalProperties (spec §3.1, §3.3, §3.5).
func (b *builder) buildFirewalls() {
	for _, w := range dedup(b, b.s.Firewalls) {
		fw := &model.Firewall{ID: model.ID(w.ID), Name: w.Name, SkuTier: w.SkuTier, ThreatIntelMode: w.ThreatIntel,
			HubPublicAddresses: w.HubPublicIPs, Instances: w.MinCapacity}
		b.firewallAddresses(fw, w)
		if w.Policy != "" {
			if fw.Policy = b.policies[b.key(w.Policy)]; fw.Policy == nil {
				b.dangling(fw.ID, "firewall policy", w.Policy)
				fw.MissingPolicy = model.ID(w.Policy)
			}
		}
		for _, c := range w.Classic {
			fw.Classic = append(fw.Classic, b.ruleCollection(fw.ID, c)...)
		}
		b.classicSettings(fw, w.Additional)
		b.n.Firewalls = append(b.n.Firewalls, fw)
		b.n.Index(fw.ID, fw)
		b.count(typeFirewall)
	}
}

// firewallAddresses: the frontend is ipConfigurations[0].privateIPAddress (spec §3.1), or
// hubIPAddresses.privateIPAddress for a hub firewall.
func (b *builder) firewallAddresses(fw *model.Firewall, w *azure.Firewall) {
	for i, c := range w.IPConfigs {
		if i == 0 {
			fw.PrivateIP = c.PrivateIP
		}
		if c.Subnet != "" && fw.Subnet == nil {
			if fw.Subnet = b.subnets[b.key(c.Subnet)]; fw.Subnet == nil {
				b.dangling(fw.ID, "subnet", c.Subnet)
			}
		}
		if p := b.publicIP(fw.ID, c.PublicIP); p != nil {
			fw.PublicIPs = append(fw.PublicIPs, p)
		}
	}
	if !fw.PrivateIP.IsValid() {
		fw.PrivateIP = w.HubPrivateIP
	}
}

// classicSettings reads additionalProperties; keys match case-insensitively.
// Keys: SNAT ranges spec §3.3 [FWSNAT]; DNS proxy and servers spec §3.5 [FWDNS].
func (b *builder) classicSettings(fw *model.Firewall, props map[string]string) {
	for k, v := range props {
		switch {
		case strings.EqualFold(k, azure.FirewallSNATRangesKey):
			fw.SNATPrivateRanges = splitList(v)
		case strings.EqualFold(k, azure.FirewallDNSProxyKey):
			fw.DNSProxy = strings.EqualFold(strings.TrimSpace(v), "true")
		case strings.EqualFold(k, azure.FirewallDNSServersKey):
			for _, s := range splitList(v) {
				if a, err := netip.ParseAddr(s); err == nil {
					fw.DNSServers = append(fw.DNSServers, a)
				} else {
					b.n.Warn("InvalidValue", fw.ID, "additionalProperties "+azure.FirewallDNSServersKey+" holds "+s+", not an IP address")
				}
			}
		}
	}
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
}
