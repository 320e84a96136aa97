package azure

import (
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// AdminRule is networkManagers/securityAdminConfigurations/ruleCollections/rules (spec §2.5).
type AdminRule struct {
	Meta
	Kind         string // Custom, Default
	Priority     int
	Direction    model.Direction
	Access       model.Access
	Protocol     model.Protocol
	Sources      []model.AdminAddress
	Destinations []model.AdminAddress
	SourcePorts  []model.PortRange
	DestPorts    []model.PortRange
}

// AdminRuleCollection is networkManagers/securityAdminConfigurations/ruleCollections.
type AdminRuleCollection struct {
	Meta
	Groups []string // appliesToGroups[].networkGroupId
}

// StaticMember is networkManagers/networkGroups/staticMembers.
type StaticMember struct {
	Meta
	Resource string // resourceId of the member VNet
}

func (d *dec) adminRule(v *jsondoc.Value, p *jsondoc.Path) *AdminRule {
	w := &AdminRule{Meta: d.meta(v, p)}
	if k := v.Get("kind"); k != nil {
		w.Kind = k.Text()
	}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "priority":
			w.Priority = d.integer(m, at, 0, 1<<31-1)
		case "direction":
			w.Direction = d.direction(m, at)
		case "access":
			w.Access = d.access(m, at)
		case "protocol":
			w.Protocol = d.protocol(m, at)
		case "sources":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Sources = append(w.Sources, d.adminAddress(v, p)) })
		case "destinations":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Destinations = append(w.Destinations, d.adminAddress(v, p)) })
		case "sourceportranges":
			w.SourcePorts = d.ports(m, at)
		case "destinationportranges":
			w.DestPorts = d.ports(m, at)
		}
	})
	return w
}

func (d *dec) adminAddress(v *jsondoc.Value, p *jsondoc.Path) model.AdminAddress {
	var a model.AdminAddress
	var at *jsondoc.Path
	var raw *jsondoc.Member
	each(v, p, func(k string, m *jsondoc.Member, mp *jsondoc.Path) {
		switch k {
		case "addressprefix":
			a.Prefix, raw, at = d.str(m, mp), m, mp
		case "addressprefixtype":
			a.IsTag = strings.EqualFold(d.str(m, mp), "ServiceTag")
		}
	})
	if a.IsTag || a.Prefix == "" || a.Prefix == "*" {
		return a
	}
	ps, ok := addressPrefixes(a.Prefix)
	if !ok || len(ps) != 1 {
		d.failAt(at.Key(raw.Raw), "invalid address prefix %q", a.Prefix)
		return a
	}
	a.Canonical = ps[0]
	return a
}

func (d *dec) adminCollection(v *jsondoc.Value, p *jsondoc.Path) *AdminRuleCollection {
	w := &AdminRuleCollection{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		if k != "appliestogroups" {
			return
		}
		d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
			each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
				if k == "networkgroupid" {
					w.Groups = append(w.Groups, d.ref(m, at))
				}
			})
		})
	})
	return w
}

func (d *dec) staticMember(v *jsondoc.Value, p *jsondoc.Path) *StaticMember {
	w := &StaticMember{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		if k == "resourceid" {
			w.Resource = d.ref(m, at)
		}
	})
	return w
}
