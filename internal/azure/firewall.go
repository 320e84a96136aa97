package azure

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Firewall is Microsoft.Network/azureFirewalls.
type Firewall struct {
	Meta
	SkuTier      string
	ThreatIntel  string
	IPConfigs    []FirewallIPConfig
	Policy       string
	Hub          string // virtualHub.id for a secured Virtual WAN hub
	HubPrivateIP netip.Addr
	HubPublicIPs []netip.Addr
	// Classic rule collections, kind by the property that held them.
	Classic []*RuleCollection
	// Additional is additionalProperties (the Firewall*Key settings).
	Additional  map[string]string
	MinCapacity int // autoscaleConfiguration.minCapacity
}

// The additionalProperties keys of a firewall without a policy that vnetdoctor reads (matched
// case-insensitively): the private ranges it does not SNAT (spec §3.3), its DNS proxy and its
// DNS servers (spec §3.5).
const (
	FirewallSNATRangesKey = "Network.SNAT.PrivateRanges"
	FirewallDNSProxyKey   = "Network.DNS.EnableProxy"
	FirewallDNSServersKey = "Network.DNS.Servers"
)

// FirewallIPConfig is one ip configuration of a firewall.
type FirewallIPConfig struct {
	PrivateIP netip.Addr
	Subnet    string
	PublicIP  string
}

// FirewallPolicy is Microsoft.Network/firewallPolicies.
type FirewallPolicy struct {
	Meta
	Base        string
	GroupRefs   []string               // ruleCollectionGroups as references
	Groups      []*RuleCollectionGroup // ruleCollectionGroups given in full inline
	DNSProxy    bool
	DNSServers  []netip.Addr
	SNATRanges  []string // nil when absent (IANAPrivateRanges)
	ThreatIntel string
	IDPSMode    string // intrusionDetection.mode: Off, Alert or Deny (Premium)
}

// RuleCollectionGroup is Microsoft.Network/firewallPolicies/ruleCollectionGroups.
type RuleCollectionGroup struct {
	Meta
	Priority    int
	Collections []*RuleCollection
}

// RuleCollection is a policy rule collection or a classic firewall rule collection.
type RuleCollection struct {
	Src      Src
	Name     string
	Priority int
	// Kind: for policy collections the ruleCollectionType (FirewallPolicyNatRuleCollection,
	// FirewallPolicyFilterRuleCollection); for classic ones Nat, Network or Application.
	Kind   string
	Action string // Allow, Deny, DNAT, Dnat, Snat
	Rules  []*FirewallRule
}

// FirewallRule is one network, application or NAT rule (policy or classic).
type FirewallRule struct {
	Src               Src
	Name              string
	RuleType          string // NetworkRule, ApplicationRule, NatRule; "" for classic rules
	Protocols         []model.Protocol
	AppProtocols      []model.AppProtocol
	Sources           []string
	SourceGroups      []string
	Destinations      []string
	DestGroups        []string
	DestFQDNs         []string
	DestPorts         []model.PortRange
	TargetFQDNs       []string
	FQDNTags          []string
	WebCategories     []string
	TranslatedAddress netip.Addr
	TranslatedFQDN    string
	TranslatedPort    int
}

// IPGroup is Microsoft.Network/ipGroups; ranges are expanded to prefixes.
type IPGroup struct {
	Meta
	Prefixes []netip.Prefix
}

func (d *dec) firewall(v *jsondoc.Value, p *jsondoc.Path) *Firewall {
	w := &Firewall{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "sku":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "tier" {
					w.SkuTier = d.str(m, at)
				}
			})
		case "threatintelmode":
			w.ThreatIntel = d.str(m, at)
		case "ipconfigurations":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.IPConfigs = append(w.IPConfigs, d.fwIPConfig(v, p)) })
		case "firewallpolicy":
			w.Policy = d.ref(m, at)
		case "virtualhub":
			w.Hub = d.ref(m, at)
		case "hubipaddresses":
			d.hubAddresses(w, m, at)
		case "applicationrulecollections", "natrulecollections", "networkrulecollections":
			kind := classicKinds[k]
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Classic = append(w.Classic, d.ruleCollection(v, p, kind)) })
		case "additionalproperties":
			w.Additional = d.tags(m, at)
		case "autoscaleconfiguration":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "mincapacity" {
					w.MinCapacity = d.integer(m, at, 0, 1<<20)
				}
			})
		}
	})
	return w
}

var classicKinds = map[string]string{
	"applicationrulecollections": "Application", "natrulecollections": "Nat", "networkrulecollections": "Network"}

func (d *dec) fwIPConfig(v *jsondoc.Value, p *jsondoc.Path) FirewallIPConfig {
	var c FirewallIPConfig
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "privateipaddress":
			c.PrivateIP = d.addr(m, at)
		case "subnet":
			c.Subnet = d.ref(m, at)
		case "publicipaddress":
			c.PublicIP = d.ref(m, at)
		}
	})
	return c
}

func (d *dec) hubAddresses(w *Firewall, m *jsondoc.Member, at *jsondoc.Path) {
	d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "privateipaddress":
			w.HubPrivateIP = d.addr(m, at)
		case "publicips":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k != "addresses" {
					return
				}
				d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
					each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
						if k == "address" {
							w.HubPublicIPs = appendAddr(w.HubPublicIPs, d.addr(m, at))
						}
					})
				})
			})
		}
	})
}

func (d *dec) firewallPolicy(v *jsondoc.Value, p *jsondoc.Path) *FirewallPolicy {
	w := &FirewallPolicy{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "basepolicy":
			w.Base = d.ref(m, at)
		case "threatintelmode":
			w.ThreatIntel = d.str(m, at)
		case "rulecollectiongroups":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
				if hasRuleCollections(v) {
					w.Groups = append(w.Groups, d.ruleGroup(v, p))
				} else if id := d.meta(v, p).ID; id != "" {
					w.GroupRefs = append(w.GroupRefs, id)
				}
			})
		case "dnssettings":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				switch k {
				case "enableproxy":
					w.DNSProxy = d.boolean(m, at)
				case "servers":
					w.DNSServers = d.addrs(m, at)
				}
			})
		case "snat":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "privateranges" {
					w.SNATRanges = d.strs(m, at)
				}
			})
		case "intrusiondetection":
			d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "mode" {
					w.IDPSMode = d.str(m, at)
				}
			})
		}
	})
	return w
}

func hasRuleCollections(v *jsondoc.Value) bool {
	return v.Get("rulecollections") != nil || v.Get("properties").Get("rulecollections") != nil
}

func (d *dec) ruleGroup(v *jsondoc.Value, p *jsondoc.Path) *RuleCollectionGroup {
	w := &RuleCollectionGroup{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "priority":
			w.Priority = d.integer(m, at, 0, 1<<31-1)
		case "rulecollections":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
				w.Collections = append(w.Collections, d.ruleCollection(v, p, ""))
			})
		}
	})
	return w
}

// ruleCollection reads a policy collection (kind "") or a classic one (Nat, Network, Application).
func (d *dec) ruleCollection(v *jsondoc.Value, p *jsondoc.Path, kind string) *RuleCollection {
	w := &RuleCollection{Src: d.src(p), Kind: kind}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "name":
			w.Name = d.str(m, at)
		case "priority":
			w.Priority = d.integer(m, at, 0, 1<<31-1)
		case "rulecollectiontype":
			w.Kind = d.str(m, at)
		case "action":
			w.Action = d.skuType(m, at)
			switch strings.ToLower(w.Action) {
			case "allow", "deny", "dnat", "snat", "":
			default:
				d.failAt(at.Key(m.Raw), "unknown rule collection action %q (want Allow, Deny or DNAT)", w.Action)
			}
		case "rules":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Rules = append(w.Rules, d.firewallRule(v, p)) })
		}
	})
	return w
}

// skuType reads {"type": "Allow"} or a bare string.
func (d *dec) skuType(m *jsondoc.Member, at *jsondoc.Path) string {
	if m.Val.Kind == jsondoc.String {
		return m.Val.Str()
	}
	var s string
	d.sub(m, at, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		if k == "type" {
			s = d.str(m, at)
		}
	})
	return s
}

func (d *dec) firewallRule(v *jsondoc.Value, p *jsondoc.Path) *FirewallRule {
	w := &FirewallRule{Src: d.src(p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "name":
			w.Name = d.str(m, at)
		case "ruletype":
			w.RuleType = d.str(m, at)
		case "protocols", "ipprotocols":
			d.fwProtocols(w, m, at)
		case "sourceaddresses":
			w.Sources = d.addresses(m, at)
		case "sourceipgroups":
			w.SourceGroups = d.strs(m, at)
		case "destinationaddresses":
			w.Destinations = d.addresses(m, at)
		case "destinationipgroups":
			w.DestGroups = d.strs(m, at)
		case "destinationfqdns":
			w.DestFQDNs = d.strs(m, at)
		case "destinationports":
			w.DestPorts = d.ports(m, at)
		case "targetfqdns":
			w.TargetFQDNs = d.strs(m, at)
		case "fqdntags":
			w.FQDNTags = d.strs(m, at)
		case "webcategories":
			w.WebCategories = d.strs(m, at)
		case "translatedaddress":
			w.TranslatedAddress = d.addr(m, at)
		case "translatedfqdn":
			w.TranslatedFQDN = d.str(m, at)
		case "translatedport":
			w.TranslatedPort = d.integer(m, at, 0, 65535)
		}
	})
	return w
}

// fwProtocols reads network/NAT protocols (["TCP", "Any"]) or application protocols
// ([{"protocolType": "Https", "port": 443}]).
func (d *dec) fwProtocols(w *FirewallRule, m *jsondoc.Member, at *jsondoc.Path) {
	if m.Val.Kind != jsondoc.Array {
		if m.Val.Kind != jsondoc.Null {
			d.want(m, at, "an array")
		}
		return
	}
	ap := at.Key(m.Raw)
	for i := range m.Val.Kids() {
		it := &m.Val.Kids()[i]
		if it.Val.Kind == jsondoc.Object {
			w.AppProtocols = append(w.AppProtocols, d.appProtocol(&it.Val, ap.Index(i)))
			continue
		}
		s := it.Val.Text()
		pr, ok := model.ParseProtocol(s)
		if !ok {
			d.failAt(ap.Index(i), "unknown protocol %s", describe(&it.Val))
			continue
		}
		w.Protocols = append(w.Protocols, pr)
	}
}

func (d *dec) appProtocol(v *jsondoc.Value, p *jsondoc.Path) model.AppProtocol {
	var a model.AppProtocol
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "protocoltype":
			a.Type = d.str(m, at)
		case "port":
			a.Port = uint16(d.integer(m, at, 0, 65535))
		}
	})
	return a
}

func (d *dec) ipGroup(v *jsondoc.Value, p *jsondoc.Path) *IPGroup {
	w := &IPGroup{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		if k != "ipaddresses" {
			return
		}
		for i, s := range d.strs(m, at) {
			ps, ok := addressPrefixes(s)
			if !ok {
				d.failAt(at.Key(m.Raw).Index(i), "invalid address %q", s)
			}
			w.Prefixes = append(w.Prefixes, ps...)
		}
	})
	return w
}

// addressPrefixes turns an IP, CIDR or "a-b" range into prefixes.
func addressPrefixes(s string) ([]netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		return []netip.Prefix{p.Masked()}, true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return []netip.Prefix{netip.PrefixFrom(a, a.BitLen())}, true
	}
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		return nil, false
	}
	a, err1 := netip.ParseAddr(strings.TrimSpace(lo))
	b, err2 := netip.ParseAddr(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil || a.BitLen() != b.BitLen() || b.Less(a) {
		return nil, false
	}
	return rangePrefixes(a, b), true
}

// rangePrefixes covers [a, b] with the fewest CIDR prefixes.
func rangePrefixes(a, b netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	for {
		bits := a.BitLen()
		// Grow the prefix while it stays aligned at a and inside [a, b].
		for bits > 0 {
			p := netip.PrefixFrom(a, bits-1)
			if p.Masked().Addr() != a || ipset.PrefixRange(p).To.Compare(b) > 0 {
				break
			}
			bits--
		}
		p := netip.PrefixFrom(a, bits)
		out = append(out, p)
		last := ipset.PrefixRange(p).To
		if last.Compare(b) >= 0 || !last.Next().IsValid() {
			return out
		}
		a = last.Next()
	}
}
