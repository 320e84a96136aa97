package convert

import (
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// VPN gateway NAT rules and their links to connections
// (learn.microsoft.com/azure/vpn-gateway/nat-overview [VPNNAT], …/nat-howto).

// vpnNATRules converts a gateway's natRules. "Each NAT rule can include only one address prefix"
// and "the two rules must match the prefix lengths" of internal and external mappings (the NAT
// FAQ): a rule whose mappings differ in number, or a static one whose lengths differ, is kept and
// warned about, since a static mapping of unequal ranges is not 1:1.
func (b *builder) vpnNATRules(g *model.VNetGateway, ws []*azure.VPNNATRule) []*model.VPNNATRule {
	var out []*model.VPNNATRule
	for _, w := range ws {
		r := &model.VPNNATRule{ID: model.ID(w.ID), Name: w.Name, Dynamic: strings.EqualFold(w.Type, "Dynamic"),
			Egress: strings.EqualFold(w.Mode, "EgressSnat"), Internal: w.Internal, External: w.External}
		if r.ID == "" {
			r.ID = model.ID(string(g.ID) + "/natRules/" + w.Name)
		}
		switch {
		case len(r.Internal) == 0 || len(r.Internal) != len(r.External):
			b.n.Warn("InvalidValue", r.ID, "NAT rule "+w.Name+" of gateway "+g.Name+" needs as many external as internal mappings; "+
				"addresses without a counterpart are not translated")
		case !r.Dynamic && r.Internal[0].Bits() != r.External[0].Bits():
			b.n.Warn("InvalidValue", r.ID, "static NAT rule "+w.Name+" of gateway "+g.Name+" maps "+r.Internal[0].String()+" to "+
				r.External[0].String()+": a static rule is 1:1 and needs equal prefix lengths (VPN NAT FAQ)")
		}
		out = append(out, r)
		b.n.Index(r.ID, r)
	}
	return out
}

// connectionNAT resolves a connection's ingressNatRules and egressNatRules on its gateway. NAT
// "is supported on IPsec cross-premises connections only" [VPNNAT]: on another type the links
// are warned about and ignored. A rule linked with the wrong mode is warned about and used in
// the mode it has.
func (b *builder) connectionNAT(c *model.Connection, w *azure.Connection) {
	if len(w.IngressNAT)+len(w.EgressNAT) == 0 {
		return
	}
	if !strings.EqualFold(c.Type, "IPsec") {
		b.n.Warn("InvalidValue", c.ID, "connection "+c.Name+" of type "+c.Type+" links NAT rules; VPN NAT applies to IPsec "+
			"cross-premises connections only, so they are ignored")
		return
	}
	for _, id := range append(append([]string(nil), w.IngressNAT...), w.EgressNAT...) {
		r := b.natRule(c, id)
		if r == nil {
			continue
		}
		if r.Egress {
			c.EgressNAT = append(c.EgressNAT, r)
		} else {
			c.IngressNAT = append(c.IngressNAT, r)
		}
	}
}

func (b *builder) natRule(c *model.Connection, id string) *model.VPNNATRule {
	if c.Gateway != nil {
		for _, r := range c.Gateway.NATRules {
			if strings.EqualFold(string(r.ID), id) {
				return r
			}
		}
	}
	b.dangling(c.ID, "VPN gateway NAT rule", id)
	return nil
}
