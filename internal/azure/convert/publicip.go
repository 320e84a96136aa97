package convert

import (
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const (
	typePublicIP       = "Microsoft.Network/publicIPAddresses"
	typePublicIPPrefix = "Microsoft.Network/publicIPPrefixes"
	typeNATGateway     = "Microsoft.Network/natGateways"
)

func (b *builder) buildPublicIPs() {
	for _, w := range dedup(b, b.s.PublicIPs) {
		p := &model.PublicIP{ID: model.ID(w.ID), Name: w.Name, Address: w.Address, Sku: w.Sku, AttachedTo: model.ID(w.IPConfig)}
		b.pips[b.key(w.ID)] = p
		b.n.PublicIPs = append(b.n.PublicIPs, p)
		b.n.Index(p.ID, p)
		b.count(typePublicIP)
	}
	for _, w := range dedup(b, b.s.PublicIPPrefixes) {
		b.prefixes[b.key(w.ID)] = w
		b.count(typePublicIPPrefix)
	}
}

// publicIP resolves a public IP reference, warning when it dangles.
func (b *builder) publicIP(from model.ID, id string) *model.PublicIP {
	if id == "" {
		return nil
	}
	p := b.pips[b.key(id)]
	if p == nil {
		b.dangling(from, "public IP address", id)
	}
	return p
}

// natGateways builds NAT gateways; their subnets are linked after the VNets exist.
func (b *builder) buildNATGateways() {
	b.natWire = dedup(b, b.s.NATGateways)
	for _, w := range b.natWire {
		g := &model.NATGateway{ID: model.ID(w.ID), Name: w.Name}
		for _, id := range w.PublicIPs {
			if p := b.publicIP(g.ID, id); p != nil {
				g.PublicIPs = append(g.PublicIPs, p)
			}
		}
		for _, id := range w.PublicIPPrefixes {
			if p := b.prefixes[b.key(id)]; p != nil && p.Prefix.IsValid() {
				g.PublicIPPrefixes = append(g.PublicIPPrefixes, p.Prefix)
			} else {
				b.dangling(g.ID, "public IP prefix", id)
			}
		}
		b.nats[b.key(w.ID)] = g
		b.n.NATGateways = append(b.n.NATGateways, g)
		b.n.Index(g.ID, g)
		b.count(typeNATGateway)
	}
}

// natSubnets links NAT gateways and subnets named only on the NAT gateway's side (the
// subnet side was linked when the subnet was built): either side is enough (spec §4).
func (b *builder) buildNATSubnets() {
	for _, w := range b.natWire {
		g := b.nats[b.key(w.ID)]
		for _, id := range w.Subnets {
			s := b.subnets[b.key(id)]
			switch {
			case s == nil:
				b.dangling(g.ID, "subnet", id)
			case s.NATGateway == nil:
				s.NATGateway = g
				g.Subnets = append(g.Subnets, s)
			case s.NATGateway != g:
				b.n.Warn("InvalidValue", s.ID, "subnet is claimed by NAT gateways "+string(s.NATGateway.ID)+" and "+string(g.ID)+"; keeping the subnet's own")
			}
		}
	}
}
