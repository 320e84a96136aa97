package convert

import (
	"fmt"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const (
	typeVNet    = "Microsoft.Network/virtualNetworks"
	typeSubnet  = "Microsoft.Network/virtualNetworks/subnets"
	typePeering = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
)

// child is a child resource with its parent's ID.
type child[T any] struct {
	parent string
	w      T
}

// inlineChildren appends a parent's inline children to out, paired with the parent for
// mergeChildren; a child without an ID is named after its parent (childID).
func inlineChildren[T wire](out []child[T], parent, segment string, items []T) []child[T] {
	for _, w := range items {
		childID(w.Header(), parent, segment)
		out = append(out, child[T]{parent, w})
	}
	return out
}

// mergeChildren joins children given inline with children given as separate objects. One
// per ID; a separate object replaces an inline copy of the same child (it is at least as
// detailed), and repeated separate objects warn (dedup).
func mergeChildren[T wire](b *builder, inline []child[T], separate []T) []child[T] {
	if len(separate) == 0 {
		return inline // the common case; inline children are unique by construction
	}
	pos := make(map[string]int, len(inline)+len(separate))
	out := make([]child[T], 0, len(inline)+len(separate))
	add := func(c child[T]) {
		k := b.key(c.w.Header().ID)
		if i, ok := pos[k]; ok {
			b.sameChild(out[i].w, c.w)
			out[i] = c
			return
		}
		pos[k] = len(out)
		out = append(out, c)
	}
	for _, c := range inline {
		if c.w.Header().ID != "" {
			add(c)
		}
	}
	for _, w := range dedup(b, separate) {
		add(child[T]{parent: azure.ParentID(w.Header().ID), w: w})
	}
	return out
}

// sameChild warns when a child given inline in its parent and as a separate object holds
// different values: one of the two copies is stale (an export taken mid-change), and Azure holds
// only one. The separate object is used (mergeChildren).
func (b *builder) sameChild(inline, separate wire) {
	if sameContent(inline, separate) {
		return
	}
	m, s := inline.Header(), separate.Header()
	b.n.Warn(WarnRefused, model.ID(s.ID), fmt.Sprintf("%s is given twice with different content: inline in its parent (%s) and "+
		"as a separate object (%s); vnetdoctor uses the separate object", s.ID, m.Src, s.Src))
}

func (b *builder) buildVNets() {
	var subnets []child[*azure.Subnet]
	var peerings []child[*azure.Peering]
	for _, w := range dedup(b, b.s.VNets) {
		v := &model.VNet{ID: model.ID(w.ID), Name: w.Name, Location: location(w.Location),
			AddressSpace: w.AddressSpace, DNSServers: w.DNSServers, Tags: w.Tags}
		b.vnets[b.key(w.ID)] = v
		b.n.VNets = append(b.n.VNets, v)
		b.n.Index(v.ID, v)
		b.count(typeVNet)
		subnets = inlineChildren(subnets, w.ID, "subnets", w.Subnets)
		peerings = inlineChildren(peerings, w.ID, "virtualNetworkPeerings", w.Peerings)
	}
	for _, c := range mergeChildren(b, subnets, b.s.Subnets) {
		b.subnet(c.parent, c.w)
	}
	for _, c := range mergeChildren(b, peerings, b.s.Peerings) {
		b.peering(c.parent, c.w)
	}
}

func (b *builder) subnet(parent string, w *azure.Subnet) {
	v := b.vnets[b.key(parent)]
	if v == nil {
		b.dangling(model.ID(w.ID), "its virtual network", parent)
		return
	}
	s := &model.Subnet{ID: model.ID(w.ID), Name: w.Name, VNet: v, Prefixes: w.Prefixes,
		ServiceEndpoints: w.ServiceEndpoints, Delegations: w.Delegations,
		// spec §5 [PENP]: privateEndpointNetworkPolicies defaults to Disabled.
		PrivateEndpointNetworkPolicies: "Disabled",
		// spec §4 [DOA]: defaultOutboundAccess absent means true.
		DefaultOutboundAccess: w.DefaultOutboundAccess == nil || *w.DefaultOutboundAccess,
	}
	if w.PENetworkPolicies != "" {
		s.PrivateEndpointNetworkPolicies = w.PENetworkPolicies
	}
	for _, id := range w.ServiceEndpointPolicies {
		s.ServiceEndpointPolicies = append(s.ServiceEndpointPolicies, model.ID(id))
	}
	if w.NSG != "" {
		if s.NSG = b.nsgs[b.key(w.NSG)]; s.NSG == nil {
			b.dangling(s.ID, "network security group", w.NSG)
			s.MissingNSG = model.ID(w.NSG)
		}
	}
	if w.RouteTable != "" {
		if s.RouteTable = b.rts[b.key(w.RouteTable)]; s.RouteTable == nil {
			b.dangling(s.ID, "route table", w.RouteTable)
			s.MissingRouteTable = model.ID(w.RouteTable)
		}
	}
	if w.NATGW != "" {
		if s.NATGateway = b.nats[b.key(w.NATGW)]; s.NATGateway == nil {
			b.dangling(s.ID, "NAT gateway", w.NATGW)
		} else {
			s.NATGateway.Subnets = append(s.NATGateway.Subnets, s)
		}
	}
	b.checkInside(v, s)
	v.Subnets = append(v.Subnets, s)
	b.subnets[b.key(w.ID)] = s
	b.n.Subnets = append(b.n.Subnets, s)
	b.n.Index(s.ID, s)
	b.count(typeSubnet)
}

// checkInside warns when a subnet prefix is outside its VNet's address space (Azure refuses
// this; a snapshot that has it is inconsistent).
// learn.microsoft.com/azure/virtual-network/virtual-network-manage-subnet (a subnet lies inside its VNet's space).
func (b *builder) checkInside(v *model.VNet, s *model.Subnet) {
	for _, p := range s.Prefixes {
		ok := false
		for _, r := range v.AddressSpace {
			ok = ok || r.Bits() <= p.Bits() && r.Contains(p.Addr())
		}
		if !ok && len(v.AddressSpace) > 0 {
			b.n.Warn("InvalidValue", s.ID, fmt.Sprintf("subnet prefix %s is outside the address space of %s", p, v.Name))
		}
	}
}

func (b *builder) peering(parent string, w *azure.Peering) {
	v := b.vnets[b.key(parent)]
	if v == nil {
		b.dangling(model.ID(w.ID), "its virtual network", parent)
		return
	}
	p := &model.Peering{ID: model.ID(w.ID), Name: w.Name, Local: v, RemoteID: model.ID(w.Remote),
		State: w.State, AllowVirtualNetworkAccess: w.AllowVirtualNetworkAccess,
		AllowForwardedTraffic: w.AllowForwardedTraffic, AllowGatewayTransit: w.AllowGatewayTransit,
		UseRemoteGateways: w.UseRemoteGateways, RemoteAddressSpace: w.RemoteAddressSpace,
		// Subnet peering: peerCompleteVnets absent means the whole VNet (spec §1.3).
		PeerCompleteVNets: w.PeerCompleteVNets == nil || *w.PeerCompleteVNets,
		LocalSubnetNames:  w.LocalSubnetNames, RemoteSubnetNames: w.RemoteSubnetNames,
	}
	if w.Remote != "" {
		if p.Remote = b.vnets[b.key(w.Remote)]; p.Remote == nil {
			b.dangling(p.ID, "remote virtual network", w.Remote)
		}
	}
	v.Peerings = append(v.Peerings, p)
	b.n.Index(p.ID, p)
	b.count(typePeering)
}
