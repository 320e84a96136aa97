package plan

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
)

// childLists are the child resources a parent body may carry inline, by parent type: the
// body's property name and the wire field holding them. A Modify whose body lacks the property
// keeps the deployed children: templates that manage subnets (or rules, routes, peerings) as
// resources of their own omit them from the parent, and what-if then shows a parent without them
// although the deployment removes none (Azure/arm-template-whatif issues #439, #393, #341).
var childLists = map[string][]struct{ prop, field string }{
	"microsoft.network/virtualnetworks":       {{"subnets", "Subnets"}, {"virtualNetworkPeerings", "Peerings"}},
	"microsoft.network/networksecuritygroups": {{"securityRules", "Rules"}},
	"microsoft.network/routetables":           {{"routes", "Routes"}},
}

type header interface{ Header() *azure.Meta }

// Apply applies ov to s, the wire objects of a loaded snapshot, in place: puts replace the
// resource with their ID (with its inline children) or add it; deletes remove the resource and
// every child. A body that Azure's decoder refuses is an *azure.InputError naming the plan file
// and the change.
func Apply(s *azure.Snapshot, ov *Overlay) error {
	add := &azure.Snapshot{}
	kept := map[string]map[string]bool{}  // lower parent ID -> child fields kept from the base
	owned := map[string]map[string]bool{} // lower parent ID -> child segments the body lists itself
	for _, p := range ov.Puts {
		b, err := json.Marshal(p.Body)
		if err != nil {
			return err
		}
		one, err := azure.DecodeFile(ov.File+" ("+p.From+")", b)
		if err != nil {
			return err
		}
		add.Merge(one)
		id := strings.ToLower(str(p.Body["id"]))
		for _, f := range p.Keep {
			setAdd(kept, id, f)
		}
		props := obj(p.Body["properties"])
		for _, c := range childLists[strings.ToLower(str(p.Body["type"]))] {
			if _, ok := lookup(props, c.prop); ok {
				setAdd(owned, id, strings.ToLower(c.prop))
			} else {
				setAdd(kept, id, c.field)
			}
		}
	}
	replaced := map[string]bool{}
	byID := map[string]reflect.Value{} // the replacements, to graft kept children onto
	walk(reflect.ValueOf(add).Elem(), func(m *azure.Meta, v reflect.Value) bool {
		replaced[strings.ToLower(m.ID)] = true
		byID[strings.ToLower(m.ID)] = v
		return true
	})
	deleted := map[string]bool{}
	for _, id := range ov.Deletes {
		deleted[strings.ToLower(id)] = true
	}
	gone := func(id string) bool {
		low := strings.ToLower(id)
		if replaced[low] || deleted[low] || hasDeletedAncestor(low, deleted) {
			return true
		}
		parent := strings.ToLower(azure.ParentID(id))
		return owned[parent][childSegment(low)]
	}
	walk(reflect.ValueOf(s).Elem(), func(m *azure.Meta, v reflect.Value) bool {
		low := strings.ToLower(m.ID)
		if fields := kept[low]; fields != nil {
			if nv, ok := byID[low]; ok {
				graft(v.Elem(), nv.Elem(), fields, gone)
			}
		}
		return !gone(m.ID)
	})
	s.Merge(add)
	return patch(s, ov)
}

// patch applies ov's patches to the merged snapshot.
func patch(s *azure.Snapshot, ov *Overlay) error {
	if len(ov.Patches) == 0 {
		return nil
	}
	byID := map[string][]Patch{}
	for _, p := range ov.Patches {
		byID[strings.ToLower(p.ID)] = append(byID[strings.ToLower(p.ID)], p)
	}
	found := map[string]bool{}
	walk(reflect.ValueOf(s).Elem(), func(m *azure.Meta, v reflect.Value) bool {
		for _, p := range byID[strings.ToLower(m.ID)] {
			if f := v.Elem().FieldByName(p.Field); f.IsValid() && f.CanSet() && reflect.TypeOf(p.Value) == f.Type() {
				f.Set(reflect.ValueOf(p.Value))
				found[strings.ToLower(p.ID)] = true
			}
		}
		return true
	})
	for _, p := range ov.Patches {
		if !found[strings.ToLower(p.ID)] {
			ov.warn("PlanNotApplied", p.ID, "%s changes %s, which neither the snapshot nor the plan has; not applied", p.From, p.ID)
		}
	}
	return nil
}

func setAdd(m map[string]map[string]bool, k, v string) {
	if m[k] == nil {
		m[k] = map[string]bool{}
	}
	m[k][v] = true
}

// childSegment is the type segment before a child ID's name: ".../subnets/a" -> "subnets".
func childSegment(id string) string {
	parts := strings.Split(strings.TrimRight(id, "/"), "/")
	if len(parts) < 2 {
		return ""
	}
	return parts[len(parts)-2]
}

func hasDeletedAncestor(id string, deleted map[string]bool) bool {
	for p := azure.ParentID(id); strings.Count(p, "/") > 4; p = azure.ParentID(p) {
		if deleted[p] {
			return true
		}
	}
	return false
}

// graft copies the base object's inline children in fields onto its replacement, leaving out
// those the plan replaces or deletes.
func graft(base, repl reflect.Value, fields map[string]bool, gone func(string) bool) {
	for f := range fields {
		from, to := base.FieldByName(f), repl.FieldByName(f)
		if !from.IsValid() || !to.IsValid() || !to.IsZero() {
			continue
		}
		if from.Kind() != reflect.Slice {
			to.Set(from)
			continue
		}
		out := reflect.MakeSlice(from.Type(), 0, from.Len())
		for i := range from.Len() {
			if e := from.Index(i); !gone(e.Interface().(header).Header().ID) {
				out = reflect.Append(out, e)
			}
		}
		to.Set(out)
	}
}

// walk visits every wire object in v (a Snapshot, or a wire struct), top-level lists and inline
// children alike, and keeps those keep returns true for; it descends into the kept ones.
// Reflection keeps this in step with every list azure.Snapshot has or will have.
func walk(v reflect.Value, keep func(m *azure.Meta, elem reflect.Value) bool) {
	for i := range v.NumField() {
		f := v.Field(i)
		if !f.CanSet() {
			continue
		}
		switch f.Kind() {
		case reflect.Struct:
			walk(f, keep)
		case reflect.Slice:
			if !f.Type().Elem().Implements(reflect.TypeFor[header]()) {
				continue
			}
			out := f.Slice(0, 0)
			for j := range f.Len() {
				e := f.Index(j)
				if e.IsNil() {
					continue
				}
				if keep(e.Interface().(header).Header(), e) {
					walk(e.Elem(), keep)
					out = reflect.Append(out, e)
				}
			}
			f.Set(out)
		}
	}
}

// fieldProps are the ARM properties behind the wire fields Put.Keep and Patch name.
var fieldProps = map[string]string{
	"NSG": "networkSecurityGroup", "RouteTable": "routeTable", "NATGW": "natGateway", "VM": "virtualMachine",
	"Subnets": "subnets", "Peerings": "virtualNetworkPeerings", "Rules": "securityRules", "Routes": "routes",
	"State": "peeringState", "PublicIPs": "publicIpAddresses", "PublicIPPrefixes": "publicIpPrefixes",
	"Links": "virtualNetworkLinks", "Records": "records",
}

// KeptProps are the ARM properties of p's resource that the deployed resource keeps: the wire
// fields p.Keep names, and the child lists of a parent body that omits them.
func (p Put) KeptProps() []string {
	var out []string
	for _, f := range p.Keep {
		if prop := fieldProps[f]; prop != "" {
			out = append(out, prop)
		}
	}
	props := obj(p.Body["properties"])
	for _, c := range childLists[strings.ToLower(str(p.Body["type"]))] {
		if _, ok := lookup(props, c.prop); !ok {
			out = append(out, c.prop)
		}
	}
	return out
}

// Prop is the ARM property a patch sets, and its value as ARM writes it.
func (p Patch) Prop() (string, any) {
	prop := fieldProps[p.Field]
	if s, ok := p.Value.(string); ok && prop != "peeringState" {
		if s == "" {
			return prop, nil
		}
		return prop, map[string]any{"id": s}
	}
	return prop, p.Value
}

// ListedChildren are the child lists p's body holds (their property names, which are also
// the children's ID segments): the plan's children replace every deployed one of those kinds.
func (p Put) ListedChildren() []string {
	var out []string
	props := obj(p.Body["properties"])
	for _, c := range childLists[strings.ToLower(str(p.Body["type"]))] {
		if _, ok := lookup(props, c.prop); ok {
			out = append(out, c.prop)
		}
	}
	return out
}
