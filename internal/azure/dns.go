package azure

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

// DNS holds the DNS resources of a snapshot (spec §8): private zones with their links and
// record sets, DNS private resolver endpoints and forwarding rulesets. Children that came as
// separate objects are listed apart from their parents' inline children; the converter merges them.
type DNS struct {
	Zones        []*PrivateDNSZone
	ZoneLinks    []*DNSVNetLink  // separate privateDnsZones/virtualNetworkLinks objects
	Records      []*DNSRecordSet // separate privateDnsZones/A, AAAA, CNAME objects
	Rulesets     []*DNSForwardingRuleset
	Rules        []*DNSForwardingRule // separate dnsForwardingRulesets/forwardingRules objects
	RulesetLinks []*DNSVNetLink       // separate dnsForwardingRulesets/virtualNetworkLinks objects
	Resolvers    []*Meta              // dnsResolvers (read for counts)
	Inbounds     []*DNSInboundEndpoint
	Outbounds    []*Meta // dnsResolvers/outboundEndpoints (read for counts)
}

func (d *DNS) merge(o *DNS) {
	d.Zones = append(d.Zones, o.Zones...)
	d.ZoneLinks = append(d.ZoneLinks, o.ZoneLinks...)
	d.Records = append(d.Records, o.Records...)
	d.Rulesets = append(d.Rulesets, o.Rulesets...)
	d.Rules = append(d.Rules, o.Rules...)
	d.RulesetLinks = append(d.RulesetLinks, o.RulesetLinks...)
	d.Resolvers = append(d.Resolvers, o.Resolvers...)
	d.Inbounds = append(d.Inbounds, o.Inbounds...)
	d.Outbounds = append(d.Outbounds, o.Outbounds...)
}

// PrivateDNSZone is Microsoft.Network/privateDnsZones.
type PrivateDNSZone struct {
	Meta
	Links   []*DNSVNetLink
	Records []*DNSRecordSet
}

// DNSVNetLink is a virtualNetworkLinks child of a private zone or a forwarding ruleset.
type DNSVNetLink struct {
	Meta
	VNet             string // virtualNetwork.id
	Registration     bool   // registrationEnabled (zones only)
	ResolutionPolicy string // resolutionPolicy (zones only): Default, NxDomainRedirect
}

// DNSRecordSet is a record set of a private zone: privateDnsZones/A, /AAAA or /CNAME.
type DNSRecordSet struct {
	Meta
	RecType string       // A, AAAA, CNAME: from the type, else from the records present
	Addrs   []netip.Addr // aRecords[].ipv4Address, aaaaRecords[].ipv6Address
	CNAME   string       // cnameRecord.cname
}

// DNSForwardingRuleset is Microsoft.Network/dnsForwardingRulesets.
type DNSForwardingRuleset struct {
	Meta
	Rules []*DNSForwardingRule
	Links []*DNSVNetLink
	// Outbound are dnsResolverOutboundEndpoints[].id.
	Outbound []string
}

// DNSForwardingRule is dnsForwardingRulesets/forwardingRules.
type DNSForwardingRule struct {
	Meta
	Domain  string
	Targets []netip.AddrPort // targetDnsServers[] ipAddress, port (53 when absent)
	State   string           // forwardingRuleState: Enabled (default), Disabled
}

// DNSInboundEndpoint is Microsoft.Network/dnsResolvers/inboundEndpoints.
type DNSInboundEndpoint struct {
	Meta
	IPConfigs []DNSInboundIP
}

// DNSInboundIP is one ipConfigurations entry of an inbound endpoint.
type DNSInboundIP struct {
	Addr   netip.Addr // privateIpAddress
	Subnet string     // subnet.id
}

func init() {
	const n = "Microsoft.Network/"
	add(n+"privateDnsZones", func(s *Snapshot) *[]*PrivateDNSZone { return &s.DNS.Zones }, (*dec).dnsZone)
	add(n+"privateDnsZones/virtualNetworkLinks", func(s *Snapshot) *[]*DNSVNetLink { return &s.DNS.ZoneLinks }, (*dec).dnsLink)
	for _, t := range []string{"A", "AAAA", "CNAME"} {
		add(n+"privateDnsZones/"+t, func(s *Snapshot) *[]*DNSRecordSet { return &s.DNS.Records }, (*dec).dnsRecord)
	}
	add(n+"dnsForwardingRulesets", func(s *Snapshot) *[]*DNSForwardingRuleset { return &s.DNS.Rulesets }, (*dec).dnsRuleset)
	add(n+"dnsForwardingRulesets/forwardingRules", func(s *Snapshot) *[]*DNSForwardingRule { return &s.DNS.Rules }, (*dec).dnsRule)
	add(n+"dnsForwardingRulesets/virtualNetworkLinks", func(s *Snapshot) *[]*DNSVNetLink { return &s.DNS.RulesetLinks }, (*dec).dnsLink)
	add(n+"dnsResolvers", func(s *Snapshot) *[]*Meta { return &s.DNS.Resolvers }, (*dec).bare)
	add(n+"dnsResolvers/inboundEndpoints", func(s *Snapshot) *[]*DNSInboundEndpoint { return &s.DNS.Inbounds }, (*dec).dnsInbound)
	add(n+"dnsResolvers/outboundEndpoints", func(s *Snapshot) *[]*Meta { return &s.DNS.Outbounds }, (*dec).bare)
}

// dnsZone reads a zone with inline children: "virtualNetworkLinks" and "recordSets" arrays
// (hand-written snapshots); exports list them as separate objects.
func (d *dec) dnsZone(v *jsondoc.Value, p *jsondoc.Path) *PrivateDNSZone {
	w := &PrivateDNSZone{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "virtualnetworklinks":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Links = append(w.Links, d.dnsLink(v, p)) })
		case "recordsets", "records":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Records = append(w.Records, d.dnsRecord(v, p)) })
		}
	})
	return w
}

func (d *dec) dnsLink(v *jsondoc.Value, p *jsondoc.Path) *DNSVNetLink {
	w := &DNSVNetLink{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "virtualnetwork":
			w.VNet = d.ref(m, at)
		case "registrationenabled":
			w.Registration = d.boolean(m, at)
		case "resolutionpolicy":
			w.ResolutionPolicy = d.str(m, at)
		}
	})
	return w
}

func (d *dec) dnsRecord(v *jsondoc.Value, p *jsondoc.Path) *DNSRecordSet {
	w := &DNSRecordSet{Meta: d.meta(v, p)}
	if i := strings.LastIndexByte(w.Type, '/'); i >= 0 {
		w.RecType = strings.ToUpper(w.Type[i+1:])
	}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "arecords", "aaaarecords":
			key := "ipv4address"
			if k == "aaaarecords" {
				key = "ipv6address"
			}
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
				each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
					if k == key {
						w.Addrs = appendAddr(w.Addrs, d.addr(m, at))
					}
				})
			})
			if w.RecType == "" || w.RecType == "RECORDSETS" {
				w.RecType = strings.ToUpper(strings.TrimSuffix(k, "records"))
			}
		case "cnamerecord":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "cname" {
					w.CNAME = d.str(m, at)
				}
			})
			w.RecType = "CNAME"
		}
	})
	return w
}

func (d *dec) dnsRuleset(v *jsondoc.Value, p *jsondoc.Path) *DNSForwardingRuleset {
	w := &DNSForwardingRuleset{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "dnsresolveroutboundendpoints":
			w.Outbound = d.refs(m, at)
		case "forwardingrules", "rules":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Rules = append(w.Rules, d.dnsRule(v, p)) })
		case "virtualnetworklinks":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Links = append(w.Links, d.dnsLink(v, p)) })
		}
	})
	return w
}

func (d *dec) dnsRule(v *jsondoc.Value, p *jsondoc.Path) *DNSForwardingRule {
	w := &DNSForwardingRule{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "domainname":
			w.Domain = d.str(m, at)
		case "forwardingrulestate":
			w.State = d.str(m, at)
		case "targetdnsservers":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
				if t := d.dnsTarget(v, p); t.IsValid() {
					w.Targets = append(w.Targets, t)
				}
			})
		}
	})
	return w
}

// dnsTarget reads one targetDnsServers entry; the port defaults to 53.
func (d *dec) dnsTarget(v *jsondoc.Value, p *jsondoc.Path) netip.AddrPort {
	var a netip.Addr
	port := 53
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "ipaddress":
			a = d.addr(m, at)
		case "port":
			if n := d.integer(m, at, 0, 65535); n != 0 {
				port = n
			}
		}
	})
	if !a.IsValid() {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a, uint16(port))
}

func (d *dec) dnsInbound(v *jsondoc.Value, p *jsondoc.Path) *DNSInboundEndpoint {
	w := &DNSInboundEndpoint{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		if k != "ipconfigurations" {
			return
		}
		d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
			var c DNSInboundIP
			each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				switch k {
				case "privateipaddress":
					c.Addr = d.addr(m, at)
				case "subnet":
					c.Subnet = d.ref(m, at)
				}
			})
			w.IPConfigs = append(w.IPConfigs, c)
		})
	})
	return w
}
