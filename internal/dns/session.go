package dns

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Resolver resolves many names from many VMs of one data plane, sharing what does not depend
// on the name: each query leg (sender, server) is traced once, and private zones are indexed by
// the VNets linked to them, so a lookup costs the labels of the name, not the zones of the
// estate. A Resolver is not safe for concurrent use; Resolve (one name) makes its own.
type Resolver struct {
	p *dataplane.Plane
	// Untraced answers what the DNS servers say without tracing the legs to them: every leg is
	// NotTraced and never times the answer out. Checks that read DNS data use it; whether the
	// servers are reachable is DnsProxyUpstreamBlocked's question.
	Untraced bool
	zones    map[*model.VNet]map[string]zoneLink // VNet → zone name → the first zone linked
	byName   map[string][]*model.PrivateDNSZone  // zone name → zones of that name, in model order
	legs     map[legKey]Leg
}

type zoneLink struct {
	zone *model.PrivateDNSZone
	link *model.DNSZoneLink
}

type legKey struct {
	from, label string
	to          netip.Addr
}

// Plane is the data plane the Resolver answers from.
func (x *Resolver) Plane() *dataplane.Plane { return x.p }

// NewResolver indexes the private zones of p's network by linked VNet and by name.
func NewResolver(p *dataplane.Plane) *Resolver {
	x := &Resolver{p: p, zones: map[*model.VNet]map[string]zoneLink{}, byName: map[string][]*model.PrivateDNSZone{},
		legs: map[legKey]Leg{}}
	if p == nil || p.Net == nil {
		return x
	}
	for _, z := range p.Net.PrivateDNSZones {
		name := zoneName(z.Name)
		x.byName[name] = append(x.byName[name], z)
		for _, l := range z.Links {
			if l.VNet == nil {
				continue
			}
			m := x.zones[l.VNet]
			if m == nil {
				m = map[string]zoneLink{}
				x.zones[l.VNet] = m
			}
			if _, dup := m[name]; !dup {
				m[name] = zoneLink{z, l}
			}
		}
	}
	return x
}

func zoneName(s string) string { return strings.TrimSuffix(strings.ToLower(s), ".") }

// linkedZone returns the longest-named private zone linked to v whose name contains name
// (two zones of one name linked to one VNet: the first in model order). Private zones linked
// to the VNet answer authoritatively: spec §8 [DNSZ].
func (x *Resolver) linkedZone(v *model.VNet, name string) (*model.PrivateDNSZone, *model.DNSZoneLink) {
	m := x.zones[v]
	if len(m) == 0 {
		return nil, nil
	}
	for d := name; ; {
		if zl, ok := m[d]; ok {
			return zl.zone, zl.link
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			break
		}
		d = d[i+1:]
	}
	if zl, ok := m[""]; ok { // a zone named "." holds every name
		return zl.zone, zl.link
	}
	return nil, nil
}

// LinkedZones returns the names of the private zones linked to v, in no particular order.
func (x *Resolver) LinkedZones(v *model.VNet) []string {
	out := make([]string, 0, len(x.zones[v]))
	for name := range x.zones[v] {
		out = append(out, name)
	}
	return out
}

// ZonesFor returns the private zones of the snapshot that would hold name (the longest zone
// name containing it, every zone of that name), whether or not any VNet is linked to them.
func (x *Resolver) ZonesFor(name string) []*model.PrivateDNSZone {
	for d := name; ; {
		if zs := x.byName[d]; len(zs) > 0 {
			return zs
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return nil
		}
		d = d[i+1:]
	}
}
