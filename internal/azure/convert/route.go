package convert

import (
	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const (
	typeRouteTable = "Microsoft.Network/routeTables"
	typeRoute      = "Microsoft.Network/routeTables/routes"
)

// routeTables builds route tables with their routes, inline or as separate objects.
func (b *builder) buildRouteTables() {
	var routes []child[*azure.Route]
	for _, w := range dedup(b, b.s.RouteTables) {
		t := &model.RouteTable{ID: model.ID(w.ID), Name: w.Name, DisableBGPPropagation: w.DisableBGP}
		b.rts[b.key(w.ID)] = t
		b.n.RouteTables = append(b.n.RouteTables, t)
		b.n.Index(t.ID, t)
		b.count(typeRouteTable)
		routes = inlineChildren(routes, w.ID, "routes", w.Routes)
	}
	for _, c := range mergeChildren(b, routes, b.s.Routes) {
		t := b.rts[b.key(c.parent)]
		if t == nil {
			b.dangling(model.ID(c.w.ID), "its route table", c.parent)
			continue
		}
		r := &model.Route{Name: c.w.Name, Prefix: c.w.Prefix, Tag: c.w.Tag, NextHopType: c.w.NextHop}
		// spec §1.4: only VirtualAppliance routes carry a next hop IP.
		if c.w.NextHop == model.HopVirtualAppliance {
			r.NextHopIP = c.w.NextHopIP
			if !r.NextHopIP.IsValid() {
				b.n.Warn("InvalidValue", t.ID, "route "+c.w.Name+" has next hop VirtualAppliance but no nextHopIpAddress")
			}
		}
		t.Routes = append(t.Routes, r)
		b.checkName(typeRoute, model.ID(c.w.ID), r.Name)
		b.count(typeRoute)
	}
}
