package flowdb

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Enricher adds what a snapshot says to the records being stored: for each address its NIC,
// VM, subnet, VNet and owner (Endpoint), for each pair Traffic Analytics' flow type, and for
// each flow group or firewall line the NSG, admin configuration or firewall policy rule
// behind it (Context). Answers are cached per address and per context, so millions of records
// cost one lookup per distinct address. A nil *Enricher stores records as the logs wrote them.
// Not safe for concurrent use.
type Enricher struct {
	net   *model.Network
	sites ipset.Set // local network gateways' address spaces (S2S)
	azure ipset.Set // service tag ranges: Microsoft-owned public addresses (AzurePublic)
	addrs map[netip.Addr]*enriched
}

// NewEnricher returns an Enricher for the snapshot n.
func NewEnricher(n *model.Network) *Enricher {
	en := &Enricher{net: n, addrs: map[netip.Addr]*enriched{}}
	var sites, tags []netip.Prefix
	for _, g := range n.LocalGateways {
		sites = append(sites, g.Prefixes...)
	}
	for _, t := range n.ServiceTags {
		for _, p := range t.Prefixes {
			if p.Addr().Is4() {
				tags = append(tags, p)
			}
		}
	}
	// 168.63.129.16 is Azure's (NTAIpDetails lists it as AzurePublic, logs.md §5.1).
	tags = append(tags, netip.PrefixFrom(model.AzurePlatformIP, 32))
	en.sites, en.azure = ipset.Of(sites...), ipset.Of(tags...)
	return en
}

// Network is the snapshot en enriches with.
func (en *Enricher) Network() *model.Network { return en.net }

// class is where an address sits, for the flow type.
type class uint8

const (
	classOther    class = iota // not private, not public: 0/8, 100.64/10, multicast, ...
	classVNet                  // in a VNet's address space
	classSite                  // in an on-premises site behind a VPN or ExpressRoute gateway
	classAzure                 // Microsoft-owned public address
	classExternal              // any other public address
	classPrivate               // RFC 1918, not in a VNet or site
)

// enriched is the answer for one address.
type enriched struct {
	ep    *Endpoint
	class class
	vnet  *model.VNet
}

func (e *enriched) id() uint64 {
	if e == nil || e.ep == nil {
		return 0
	}
	return e.ep.ID
}

var rfc1918 = ipset.Of(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"))

// endpoint is what the snapshot says about a, cached.
func (en *Enricher) endpoint(a netip.Addr) *enriched {
	if e, ok := en.addrs[a]; ok {
		return e
	}
	e := en.lookup(a)
	en.addrs[a] = e
	return e
}

func (en *Enricher) lookup(a netip.Addr) *enriched {
	e := &enriched{}
	if !a.IsValid() {
		return e
	}
	ep := &Endpoint{IP: a}
	if owners := en.net.Owners(a); len(owners) > 0 {
		// Overlapping VNets may both own a: the first (in VNet order) is named.
		setOwner(ep, owners[0])
		e.vnet = owners[0].VNet
	} else if p, ok := en.net.PublicIPByAddr(a); ok {
		ep.OwnerKind, ep.Owner = model.OwnerPublicIP.String(), string(p.ID)
		// A public IP of a resource in a VNet is that VNet's side of a flow (the flow log of a
		// NIC with a public IP records its private address; a DNAT line the public one).
		e.vnet = en.attached(ep, p.AttachedTo)
	}
	if e.vnet == nil {
		e.vnet = en.vnetOf(a)
	}
	switch {
	case e.vnet != nil:
		e.class = classVNet
		ep.VNet = string(e.vnet.ID)
		if ep.Subnet == "" && ep.OwnerKind != model.OwnerPublicIP.String() {
			if s := e.vnet.SubnetOf(a); s != nil {
				ep.Subnet = string(s.ID)
			}
		}
	case en.sites.Contains(a):
		e.class = classSite
	case rfc1918.Contains(a):
		e.class = classPrivate
	case ep.Owner == "" && en.azure.Contains(a):
		e.class = classAzure
	case a.Is4() && !a.IsPrivate() && !a.IsLoopback() && !a.IsMulticast() && !a.IsLinkLocalUnicast() && !a.IsUnspecified() &&
		!sharedAddressSpace.Contains(a) && a.As4()[0] != 0 && a.As4()[0] < 240:
		e.class = classExternal
	}
	if ep.Owner != "" || ep.VNet != "" {
		ep.ID = EndpointID(ep)
		e.ep = ep
	}
	return e
}

// sharedAddressSpace is RFC 6598's 100.64.0.0/10: private in use, not RFC 1918 (logs.md §5.1
// counts it Unknown).
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// vnetOf is the VNet whose address space holds a, the longest prefix first.
func (en *Enricher) vnetOf(a netip.Addr) *model.VNet {
	var best *model.VNet
	bits := -1
	for _, v := range en.net.VNets {
		for _, p := range v.AddressSpace {
			if p.Contains(a) && p.Bits() > bits {
				best, bits = v, p.Bits()
			}
		}
	}
	return best
}

func setOwner(ep *Endpoint, o model.Owner) {
	ep.OwnerKind, ep.Owner = o.Kind.String(), string(o.ResourceID())
	if o.Kind == model.OwnerNIC {
		nic := o.IPConfig.NIC
		ep.NIC, ep.VM = string(nic.ID), string(nic.VMID)
		if nic.VM != nil {
			ep.VM = string(nic.VM.ID)
		}
	}
	if s := o.Subnet(); s != nil {
		ep.Subnet = string(s.ID)
	}
}

// attached names the NIC and VM of a public IP attached to a NIC's ip configuration, and
// returns the VNet of the NIC, firewall or gateway it is attached to (nil when unknown).
func (en *Enricher) attached(ep *Endpoint, cfg model.ID) *model.VNet {
	i := strings.LastIndexByte(string(cfg), '/')
	if i < 0 {
		return nil
	}
	i = strings.LastIndexByte(string(cfg[:i]), '/') // the owner is cfg without /<children>/<name>
	if i < 0 {
		return nil
	}
	r, ok := en.net.Lookup(cfg[:i])
	if !ok {
		return nil
	}
	switch o := r.(type) {
	case *model.NIC:
		ep.NIC, ep.VM = string(o.ID), string(o.VMID)
		if o.VM != nil {
			ep.VM = string(o.VM.ID)
		}
		if s := o.Subnet(); s != nil {
			return s.VNet
		}
	case *model.Firewall:
		if o.Subnet != nil {
			return o.Subnet.VNet
		}
	case *model.VNetGateway:
		return o.VNet
	}
	return nil
}

// flowType is Traffic Analytics' flow type of a flow between s and d (logs.md §5.1, from the
// "Notes" of learn.microsoft.com/azure/network-watcher/traffic-analytics-schema: IntraVNet =
// both IPs in the same VNet, InterVNet = in two VNets, S2S = one IP in a site behind a VPN
// gateway or ExpressRoute, AzurePublic = one IP a Microsoft-owned public IP, ExternalPublic =
// one IP a non-Azure public IP, UnknownPrivate = one IP private and unmapped, Unknown = neither
// side maps). P2S is not computed: the snapshot model does not read vpnClientAddressPool, so a
// point-to-site client counts as UnknownPrivate (documented in cli.md).
func (en *Enricher) flowType(s, d *enriched) FlowType {
	if en == nil {
		return FlowTypeUnknown
	}
	switch {
	case s.class == classVNet && d.class == classVNet:
		if s.vnet == d.vnet {
			return IntraVNet
		}
		return InterVNet
	case s.class == classVNet:
		return otherSide(d.class)
	case d.class == classVNet:
		return otherSide(s.class)
	}
	return FlowTypeUnknown
}

func otherSide(c class) FlowType {
	switch c {
	case classSite:
		return S2S
	case classAzure:
		return AzurePublic
	case classExternal:
		return ExternalPublic
	case classPrivate:
		return UnknownPrivate
	}
	return FlowTypeUnknown
}

// context is the Context of r, with what the snapshot says about its observer and rule.
func (en *Enricher) context(r *flowlog.Record) Context {
	c := Context{Kind: r.Kind, LogID: r.LogID, TargetID: r.TargetID, MAC: r.MAC, ACLID: r.ACLID, Rule: r.Rule,
		Category: r.Category, Policy: r.Policy, RuleCollectionGroup: r.RuleCollectionGroup, RuleCollection: r.RuleCollection,
		ActionReason: r.ActionReason, FQDN: r.FQDN, TargetURL: r.TargetURL}
	c.By = model.ID(r.LogID).Name()
	if r.Kind == flowlog.VNetFlowLog {
		c.By = r.ACLID
	}
	if en != nil {
		switch r.Kind {
		case flowlog.VNetFlowLog:
			en.flowLogRule(&c, r)
		case flowlog.NSGFlowLog:
			if nsg, ok := lookup[*model.NSG](en.net, r.LogID); ok {
				c.By, c.ByID, c.RuleID = nsg.Name, string(nsg.ID), nsgRuleID(nsg, r.Rule)
			}
		case flowlog.Firewall:
			en.firewallRule(&c)
		}
	}
	c.ID = ContextID(&c)
	return c
}

func lookup[T any](n *model.Network, id string) (T, bool) {
	var zero T
	if id == "" {
		return zero, false
	}
	r, ok := n.Lookup(model.ID(id))
	if !ok {
		return zero, false
	}
	t, ok := r.(T)
	return t, ok
}
