package trace

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// VPN gateway NAT on the IPsec connection a packet crosses
// (learn.microsoft.com/azure/vpn-gateway/nat-overview [VPNNAT]): "An IngressSNAT rule defines the
// translation of the source IP addresses coming into the Azure VPN gateway from the on-premises
// network. It also handles the translation of the destination IP addresses leaving from the VNet
// to the same on-premises network. An EgressSNAT rule defines the translation of the source IP
// addresses leaving the Azure VPN gateway to on-premises networks. It also handles the
// translation of the destination IP addresses for packets coming into the VNet via those
// connections." Dynamic rules are one-way: "communication must be initiated from the site that is
// represented in the Internal Mapping field of the rule".

// exitConnection is the connection of gw a packet for dst leaves through: the one that brought
// the route, else the IPsec connection whose (post-NAT) prefixes hold dst.
func exitConnection(gw *model.VNetGateway, r *fib.Route, dst netip.Addr) *model.Connection {
	if r != nil && r.Connection != nil && r.Connection.Gateway == gw {
		return r.Connection
	}
	var best *model.Connection
	bits := -1
	for _, c := range gw.Connections {
		if c.Local == nil || !strings.EqualFold(c.Type, "IPsec") {
			continue
		}
		for _, p := range c.TranslatedPrefixes(c.Local.Prefixes) {
			if p.Contains(dst) && p.Bits() > bits {
				best, bits = c, p.Bits()
			}
		}
	}
	return best
}

// selectorsAssumed says, for a flow crossing connection c, that c's policy-based traffic
// selectors are not modelled, and the trace lets the flow cross. The tunnel carries only the
// prefix pairs of the selectors in force
// (learn.microsoft.com/azure/vpn-gateway/vpn-gateway-connect-multiple-policybased-rm-ps), and
// which those are the snapshot cannot say: "The custom-configured traffic selectors are proposed
// only when a VPN gateway initiates the connection. A VPN gateway accepts any traffic selectors
// proposed by a remote gateway" (learn.microsoft.com/azure/vpn-gateway/custom-traffic-selectors).
func (w *walker) selectorsAssumed(c *model.Connection) {
	if c != nil && c.PolicySelectors {
		w.assume("connection %s uses policy-based traffic selectors, which are not modelled: the flow is assumed to be inside those in force (Azure proposes its own only when it starts the tunnel, and accepts any the on-premises device proposes)", c.Name)
	}
}

// natRule finds the rule of rs whose mapping (internal when toExternal, else external) holds a,
// and a's translation.
func natRule(rs []*model.VPNNATRule, a netip.Addr, toExternal bool) (*model.VPNNATRule, netip.Addr, bool) {
	for _, r := range rs {
		var t netip.Addr
		var ok bool
		if toExternal {
			t, ok = r.ToExternal(a)
		} else {
			t, ok = r.ToInternal(a)
		}
		if ok {
			return r, t, true
		}
	}
	return nil, netip.Addr{}, false
}

// natEgress translates a packet leaving Azure over c: the destination by c's IngressSnat rules
// (external → internal), the source by its EgressSnat rules (internal → external). False means
// the leg has ended (a new flow against a dynamic IngressSnat rule).
func (w *walker) natEgress(c *model.Connection) bool {
	if c == nil || len(c.IngressNAT)+len(c.EgressNAT) == 0 {
		return true
	}
	before := w.pkt
	var names []string
	if r, a, ok := natRule(c.IngressNAT, w.pkt.dst, false); ok {
		if r.Dynamic && !w.reply {
			w.drop(NoInboundPath, StepSnat, r.ID, r.Name, "dynamic IngressSnat rule %s of connection %s: traffic must be initiated from "+
				"on-premises (its internal mapping); a flow from Azure to %s is not established [VPNNAT]", r.Name, c.Name, w.pkt.dst)
			return false
		}
		w.pkt.dst, names = a, append(names, r.Name)
	}
	if r, a, ok := natRule(c.EgressNAT, w.pkt.src, true); ok {
		w.pkt.src, names = a, append(names, r.Name)
	}
	w.natStep(c, before, names)
	return true
}

// natIngress translates a packet entering Azure over c: the source by c's IngressSnat rules
// (internal → external), the destination by its EgressSnat rules (external → internal). A new flow
// from on-premises to an address of the VNet's internal mapping is shown as on-premises sends
// it: to the external address. False means the leg has ended (a new flow against a dynamic
// EgressSnat rule).
func (w *walker) natIngress(c *model.Connection) bool {
	if c == nil || len(c.IngressNAT)+len(c.EgressNAT) == 0 {
		return true
	}
	if !w.reply {
		if r, ext, ok := natRule(c.EgressNAT, w.pkt.dst, true); ok {
			w.step(StepSnat, Matched, r.ID, r.Name, "on-premises reaches %s as %s (EgressSnat rule %s of connection %s)", w.pkt.dst, ext, r.Name, c.Name)
			w.pkt.dst = ext
		}
	}
	before := w.pkt
	var names []string
	if r, a, ok := natRule(c.IngressNAT, w.pkt.src, true); ok {
		w.pkt.src, names = a, append(names, r.Name)
	}
	if r, a, ok := natRule(c.EgressNAT, w.pkt.dst, false); ok {
		if r.Dynamic && !w.reply {
			w.drop(NoInboundPath, StepSnat, r.ID, r.Name, "dynamic EgressSnat rule %s of connection %s: traffic must be initiated from "+
				"the VNet (its internal mapping); a flow from on-premises to %s is not established [VPNNAT]", r.Name, c.Name, w.pkt.dst)
			return false
		}
		w.pkt.dst, names = a, append(names, r.Name)
	}
	w.natStep(c, before, names)
	return true
}

func (w *walker) natStep(c *model.Connection, before packet, rules []string) {
	if len(rules) == 0 {
		return
	}
	w.step(StepSnat, Translated, c.ID, strings.Join(rules, ","), "VPN NAT on connection %s (rules %s): %s → %s becomes %s → %s",
		c.Name, strings.Join(rules, ", "), before.src, before.dst, w.pkt.src, w.pkt.dst)
}

// onPremConnection is the connection of o's gateway to o's local network gateway, where a flow
// from that site enters.
func onPremConnection(o dataplane.OnPremPrefix) *model.Connection {
	if o.Gateway == nil {
		return nil
	}
	for _, c := range o.Gateway.Connections {
		if c.Local == o.Local {
			return c
		}
	}
	return nil
}

// natOnPrem resolves an address in a connection's IngressSnat external mapping (a site as Azure
// sees it after NAT) to that site: the merger case, where two sites share one range and only the
// post-NAT address names one of them. A source becomes the site's own (internal) address.
func natOnPrem(p *dataplane.Plane, a netip.Addr, isSource bool) (endpoint, bool) {
	for _, c := range p.Net.Connections {
		if c.Local == nil || c.Gateway == nil {
			continue
		}
		r, in, ok := natRule(c.IngressNAT, a, false)
		if !ok {
			continue
		}
		o := dataplane.OnPremPrefix{Local: c.Local, Gateway: c.Gateway}
		for i, x := range r.External {
			if x.Contains(a) && i < len(r.Internal) {
				o.Prefix = x
				if isSource {
					o.Prefix = r.Internal[i] // the site's own range, which its address is in
				}
			}
		}
		e := endpoint{kind: epOnPrem, addr: a, onPrem: o}
		if isSource {
			e.addr = in
		}
		return e, true
	}
	return endpoint{}, false
}
