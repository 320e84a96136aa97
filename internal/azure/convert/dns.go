package convert

import (
	"fmt"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const (
	typeDNSZone        = "Microsoft.Network/privateDnsZones"
	typeDNSZoneLink    = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
	typeDNSRuleset     = "Microsoft.Network/dnsForwardingRulesets"
	typeDNSRule        = "Microsoft.Network/dnsForwardingRulesets/forwardingRules"
	typeDNSRulesetLink = "Microsoft.Network/dnsForwardingRulesets/virtualNetworkLinks"
	typeDNSResolver    = "Microsoft.Network/dnsResolvers"
	typeDNSInbound     = "Microsoft.Network/dnsResolvers/inboundEndpoints"
	typeDNSOutbound    = "Microsoft.Network/dnsResolvers/outboundEndpoints"
)

// buildDNS builds private DNS zones, forwarding rulesets and resolver inbound endpoints (spec
// §8). It runs after buildVNets: links and endpoints point at VNets and subnets.
func (b *builder) buildDNS() {
	d := &b.s.DNS
	b.buildDNSZones(d)
	b.buildDNSRulesets(d)
	b.buildDNSInbounds(d)
	// Resolvers and outbound endpoints are counted only: queries forwarded by a ruleset are not
	// traced from the outbound endpoint (internal/dns says so in its answers).
	if k := len(dedup(b, d.Resolvers)); k > 0 {
		b.n.Counts[typeDNSResolver] += k
	}
	if k := len(dedup(b, d.Outbounds)); k > 0 {
		b.n.Counts[typeDNSOutbound] += k
	}
}

func (b *builder) buildDNSZones(d *azure.DNS) {
	zones := map[string]*model.PrivateDNSZone{}
	var links []child[*azure.DNSVNetLink]
	var records []child[*azure.DNSRecordSet]
	for _, w := range dedup(b, d.Zones) {
		z := &model.PrivateDNSZone{ID: model.ID(w.ID), Name: strings.TrimSuffix(strings.ToLower(w.Name), ".")}
		zones[b.key(w.ID)] = z
		b.n.PrivateDNSZones = append(b.n.PrivateDNSZones, z)
		b.n.Index(z.ID, z)
		b.count(typeDNSZone)
		links = inlineChildren(links, w.ID, "virtualNetworkLinks", w.Links)
		for _, r := range w.Records {
			childID(&r.Meta, w.ID, r.RecType)
			records = append(records, child[*azure.DNSRecordSet]{w.ID, r})
		}
	}
	for _, c := range mergeChildren(b, links, d.ZoneLinks) {
		b.dnsZoneLink(zones[b.key(c.parent)], c)
	}
	for _, c := range mergeChildren(b, records, d.Records) {
		b.dnsRecord(zones[b.key(c.parent)], c)
	}
}

func (b *builder) dnsZoneLink(z *model.PrivateDNSZone, c child[*azure.DNSVNetLink]) {
	if z == nil {
		b.dangling(model.ID(c.w.ID), "its private DNS zone", c.parent)
		return
	}
	l := &model.DNSZoneLink{ID: model.ID(c.w.ID), Name: c.w.Name, Zone: z, VNetID: model.ID(c.w.VNet),
		RegistrationEnabled: c.w.Registration, ResolutionPolicy: c.w.ResolutionPolicy}
	l.VNet = b.dnsVNet(l.ID, c.w.VNet)
	z.Links = append(z.Links, l)
	b.n.Index(l.ID, l)
	b.count(typeDNSZoneLink)
}

// dnsVNet resolves a link's VNet; a link to a VNet outside the snapshot stays (VNet nil) and warns.
func (b *builder) dnsVNet(from model.ID, id string) *model.VNet {
	if id == "" {
		b.n.Warn("InvalidValue", from, fmt.Sprintf("%s has no virtualNetwork.id", from))
		return nil
	}
	v := b.vnets[b.key(id)]
	if v == nil {
		b.dangling(from, "virtual network", id)
	}
	return v
}

func (b *builder) dnsRecord(z *model.PrivateDNSZone, c child[*azure.DNSRecordSet]) {
	if z == nil {
		b.dangling(model.ID(c.w.ID), "its private DNS zone", c.parent)
		return
	}
	r := &model.DNSRecord{Name: strings.ToLower(c.w.Name), Type: c.w.RecType, Addrs: c.w.Addrs,
		CNAME: strings.TrimSuffix(strings.ToLower(c.w.CNAME), ".")}
	if r.Type == "" || (len(r.Addrs) == 0 && r.CNAME == "") {
		b.n.Warn("InvalidValue", model.ID(c.w.ID), fmt.Sprintf("record set %s in %s has no A, AAAA or CNAME data; ignored", c.w.Name, z.Name))
		return
	}
	z.Records = append(z.Records, r)
	b.count(typeDNSZone + "/" + r.Type)
}

func (b *builder) buildDNSRulesets(d *azure.DNS) {
	sets := map[string]*model.DNSForwardingRuleset{}
	var rules []child[*azure.DNSForwardingRule]
	var links []child[*azure.DNSVNetLink]
	for _, w := range dedup(b, d.Rulesets) {
		rs := &model.DNSForwardingRuleset{ID: model.ID(w.ID), Name: w.Name}
		sets[b.key(w.ID)] = rs
		b.n.ForwardingRulesets = append(b.n.ForwardingRulesets, rs)
		b.n.Index(rs.ID, rs)
		b.count(typeDNSRuleset)
		rules = inlineChildren(rules, w.ID, "forwardingRules", w.Rules)
		links = inlineChildren(links, w.ID, "virtualNetworkLinks", w.Links)
	}
	for _, c := range mergeChildren(b, rules, d.Rules) {
		b.dnsRule(sets[b.key(c.parent)], c)
	}
	for _, c := range mergeChildren(b, links, d.RulesetLinks) {
		rs := sets[b.key(c.parent)]
		if rs == nil {
			b.dangling(model.ID(c.w.ID), "its DNS forwarding ruleset", c.parent)
			continue
		}
		b.count(typeDNSRulesetLink)
		if v := b.dnsVNet(model.ID(c.w.ID), c.w.VNet); v != nil {
			rs.VNets = append(rs.VNets, v)
		}
	}
}

func (b *builder) dnsRule(rs *model.DNSForwardingRuleset, c child[*azure.DNSForwardingRule]) {
	if rs == nil {
		b.dangling(model.ID(c.w.ID), "its DNS forwarding ruleset", c.parent)
		return
	}
	domain := strings.ToLower(strings.TrimSpace(c.w.Domain))
	if domain != "" && !strings.HasSuffix(domain, ".") {
		domain += "." // Azure stores rule domains fully qualified
	}
	if domain == "" || len(c.w.Targets) == 0 {
		b.n.Warn("InvalidValue", model.ID(c.w.ID), "forwarding rule "+c.w.Name+" has no domainName or no targetDnsServers; ignored")
		return
	}
	rs.Rules = append(rs.Rules, &model.ForwardingRule{Name: c.w.Name, Domain: domain, Targets: c.w.Targets,
		Enabled: !strings.EqualFold(c.w.State, "Disabled")})
	b.count(typeDNSRule)
}

// buildDNSInbounds makes one model endpoint per ip configuration of each inbound endpoint.
func (b *builder) buildDNSInbounds(d *azure.DNS) {
	for _, w := range dedup(b, d.Inbounds) {
		b.count(typeDNSInbound)
		for _, c := range w.IPConfigs {
			in := &model.DNSResolverInbound{ID: model.ID(w.ID), Name: w.Name, Addr: c.Addr}
			if c.Subnet != "" {
				if in.Subnet = b.subnets[b.key(c.Subnet)]; in.Subnet == nil {
					b.dangling(in.ID, "subnet", c.Subnet)
				}
			}
			if !in.Addr.IsValid() {
				b.n.Warn("InsufficientInformation", in.ID, "DNS resolver inbound endpoint "+w.Name+" has no privateIpAddress in the snapshot")
				continue
			}
			b.n.ResolverInbounds = append(b.n.ResolverInbounds, in)
			b.n.Index(in.ID, in)
		}
	}
}
