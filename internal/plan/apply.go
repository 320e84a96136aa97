package plan

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
)

// childLists are the child resources a parent body may carry inline, by parent type: the
// body's property name and the wire field holding them. A Modify whose body lacks the property
// keeps the deployed children: templates that manage subnets (or rules, routes, peerings) as
// resources of their own omit them from the parent, and what-if then shows a parent without them
// although the deployment removes none (Azure/arm-template-whatif issues #439, #393, #341).
//
// A NetApp volume's mount targets are read-only (Azure assigns their addresses): a body that
// lacks them, as what-if's and azapi's of a changed volume do, keeps the deployed ones.
var childLists = map[string][]struct{ prop, field string }{
	"microsoft.network/virtualnetworks":                     {{"subnets", "Subnets"}, {"virtualNetworkPeerings", "Peerings"}},
	"microsoft.network/networksecuritygroups":               {{"securityRules", "Rules"}},
	"microsoft.network/routetables":                         {{"routes", "Routes"}},
	"microsoft.netapp/netappaccounts/capacitypools/volumes": {{"mountTargets", "MountTargets"}},
}

// inlineChildren are child resources the snapshot decoder reads only inside their parent's
// body (a load balancer's pools, rules, probes and NAT rules, a VNet gateway's NAT rules), by
// lower type: the parent's property that lists them and the wire field holding them. A
// Terraform plan manages each as a resource of its own (azurerm_lb_rule, ...), and what-if may
// list them so; a put of one is grafted into its parent.
var inlineChildren = map[string]struct{ prop, field string }{
	"microsoft.network/loadbalancers/backendaddresspools": {"backendAddressPools", "Pools"},
	"microsoft.network/loadbalancers/loadbalancingrules":  {"loadBalancingRules", "Rules"},
	"microsoft.network/loadbalancers/probes":              {"probes", "Probes"},
	"microsoft.network/loadbalancers/inboundnatrules":     {"inboundNatRules", "NATRules"},
	"microsoft.network/loadbalancers/outboundrules":       {"outboundRules", "OutboundRules"},
	"microsoft.network/virtualnetworkgateways/natrules":   {"natRules", "NATRules"},
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
	var children []Put
	for _, p := range ov.Puts {
		if _, ok := inlineChildren[strings.ToLower(str(p.Body["type"]))]; ok {
			children = append(children, p)
			continue
		}
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
	for _, p := range children {
		if err := putChild(s, ov, p); err != nil {
			return err
		}
	}
	unlistMembers(s, byID)
	return patch(s, ov)
}

// putChild grafts an inline child's put into its parent in s: it replaces the child with its ID
// (keeping the fields p.Keep names) or joins the parent's list.
func putChild(s *azure.Snapshot, ov *Overlay, p Put) error {
	id := str(p.Body["id"])
	typ := str(p.Body["type"])
	c := inlineChildren[strings.ToLower(typ)]
	parentID := azure.ParentID(id)
	wrapper := map[string]any{"id": parentID, "name": parentID[strings.LastIndexByte(parentID, '/')+1:],
		"type": typ[:strings.LastIndexByte(typ, '/')], "properties": map[string]any{c.prop: []any{p.Body}}}
	b, err := json.Marshal(wrapper)
	if err != nil {
		return err
	}
	one, err := azure.DecodeFile(ov.File+" ("+p.From+")", b)
	if err != nil {
		return err
	}
	var child reflect.Value
	walk(reflect.ValueOf(one).Elem(), func(m *azure.Meta, v reflect.Value) bool {
		if strings.EqualFold(m.ID, id) {
			child = v
		}
		return true
	})
	placed := false
	walk(reflect.ValueOf(s).Elem(), func(m *azure.Meta, v reflect.Value) bool {
		if placed || !child.IsValid() || !strings.EqualFold(m.ID, parentID) {
			return true
		}
		// The ID may name a resource of another kind (an NSG): only a list of this child's type takes it.
		if list := v.Elem().FieldByName(c.field); list.IsValid() && list.Kind() == reflect.Slice && list.Type().Elem() == child.Type() {
			placed = true
			replaceOrAppend(list, child, setOf(p.Keep))
		}
		return true
	})
	if !placed {
		ov.warn("PlanNotApplied", id, "%s: its parent %s is not a %s in the snapshot or the plan; not applied", p.From, parentID, typ[:strings.LastIndexByte(typ, '/')])
	}
	return nil
}

// replaceOrAppend puts child in list in place of the element with its ID, keeping that one's
// fields kept, or at the end.
func replaceOrAppend(list, child reflect.Value, kept map[string]bool) {
	id := child.Interface().(header).Header().ID
	for i := range list.Len() {
		if e := list.Index(i); strings.EqualFold(e.Interface().(header).Header().ID, id) {
			graft(e.Elem(), child.Elem(), kept, func(string) bool { return false })
			e.Set(child)
			return
		}
	}
	list.Set(reflect.Append(list, child))
}

func setOf(fields []string) map[string]bool {
	m := map[string]bool{}
	for _, f := range fields {
		m[f] = true
	}
	return m
}

// unlistMembers drops, from every backend pool's backendIPConfigurations and inbound NAT rule's
// backendIPConfiguration, the ip configurations of the NICs the plan puts that no longer name the
// pool or rule: those are Azure's read-only reflection of the NICs' loadBalancerBackendAddressPools
// and loadBalancerInboundNatRules (REST BackendAddressPool, InboundNatRule), and the converter
// joins both sides, so a stale entry would keep a member the plan removes.
func unlistMembers(s *azure.Snapshot, put map[string]reflect.Value) {
	names := map[string]map[string]bool{} // lower ip configuration ID of a put NIC -> lower pool and NAT rule IDs it names
	for _, nic := range s.NICs {
		if _, ok := put[strings.ToLower(nic.ID)]; !ok {
			continue
		}
		for _, c := range nic.IPConfigs {
			named := map[string]bool{}
			for _, id := range append(slices.Clone(c.BackendPools), c.InboundNATRules...) {
				named[strings.ToLower(id)] = true
			}
			names[strings.ToLower(c.ID)] = named
		}
	}
	if len(names) == 0 {
		return
	}
	for _, lb := range s.LoadBalancers {
		for _, pool := range lb.Pools {
			pool.IPConfigs = slices.DeleteFunc(slices.Clone(pool.IPConfigs), func(id string) bool {
				pools, ok := names[strings.ToLower(id)]
				return ok && !pools[strings.ToLower(pool.ID)]
			})
		}
		for _, r := range lb.NATRules {
			if rules, ok := names[strings.ToLower(r.Target)]; ok && !rules[strings.ToLower(r.ID)] {
				r.Target = ""
			}
		}
	}
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
			targets := []reflect.Value{v.Elem()}
			if nic, ok := v.Interface().(*azure.NetworkInterface); ok && p.EachIPConfig {
				targets = nil
				for _, c := range nic.IPConfigs {
					if p.TakesIPConfig(c.PrivateIP) {
						targets = append(targets, reflect.ValueOf(c).Elem())
					}
				}
			}
			for _, t := range targets {
				if setField(t.FieldByName(p.Field), p) {
					found[strings.ToLower(p.ID)] = true
				}
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

// setField sets f to p's value, or adds it to the list f (or removes it): false when f is not a
// field of that type.
func setField(f reflect.Value, p Patch) bool {
	if !f.IsValid() || !f.CanSet() {
		return false
	}
	val := reflect.ValueOf(p.Value)
	if !val.IsValid() {
		return false
	}
	if !p.List {
		if val.Type() != f.Type() {
			return false
		}
		f.Set(val)
		return true
	}
	if f.Kind() != reflect.Slice || val.Type() != f.Type().Elem() {
		return false
	}
	out := reflect.MakeSlice(f.Type(), 0, f.Len()+1)
	for i := range f.Len() {
		if e := f.Index(i); !sameValue(e, val) {
			out = reflect.Append(out, e)
		}
	}
	if !p.Remove {
		out = reflect.Append(out, val)
	}
	f.Set(out)
	return true
}

// sameValue compares list elements: IDs case-insensitively, anything else by ==.
func sameValue(a, b reflect.Value) bool {
	if a.Kind() == reflect.String {
		return strings.EqualFold(a.String(), b.String())
	}
	return a.Interface() == b.Interface()
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
		if list, field, ok := strings.Cut(f, "."); ok {
			graftEach(base.FieldByName(list), repl.FieldByName(list), field)
			continue
		}
		from, to := base.FieldByName(f), repl.FieldByName(f)
		if !from.IsValid() || !to.IsValid() || !to.IsZero() {
			continue
		}
		if from.Kind() != reflect.Slice || !from.Type().Elem().Implements(reflect.TypeFor[header]()) {
			to.Set(from) // a value, or a list of values (a volume's mount targets): no child is gone
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

// graftEach copies field of each base list element onto the replacement's element with the
// same ID, where that one lacks it ("IPConfigs.ASGs": a NIC's ip configurations keep the ASGs
// that association resources manage).
func graftEach(base, repl reflect.Value, field string) {
	if !base.IsValid() || !repl.IsValid() || base.Kind() != reflect.Slice || repl.Kind() != reflect.Slice {
		return
	}
	for i := range repl.Len() {
		r := repl.Index(i)
		for j := range base.Len() {
			b := base.Index(j)
			if strings.EqualFold(b.Interface().(header).Header().ID, r.Interface().(header).Header().ID) {
				if to := r.Elem().FieldByName(field); to.IsValid() && to.IsZero() {
					to.Set(b.Elem().FieldByName(field))
				}
			}
		}
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
	"BackendPools": "loadBalancerBackendAddressPools", "InboundNATRules": "loadBalancerInboundNatRules",
	"ASGs": "applicationSecurityGroups", "IPConfigs": "backendIPConfigurations", "Addresses": "loadBalancerBackendAddresses",
	"AddressLinks": "loadBalancerBackendAddresses",
	"Target":       "backendIPConfiguration",
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

// Prop is the ARM property a patch sets, and its value as ARM writes it; for a list patch, the
// element it adds or removes.
func (p Patch) Prop() (string, any) {
	prop := fieldProps[p.Field]
	if a, ok := p.Value.(netip.Addr); ok {
		return prop, map[string]any{"properties": map[string]any{"ipAddress": a.String()}}
	}
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
