package plan

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
)

// tfRes is one resource instance a Terraform plan changes.
type tfRes struct {
	addr, base string // "module.m.azurerm_subnet.a[0]"; without the instance key: "module.m.azurerm_subnet.a"
	module     string // "module.m" or ""
	typ, name  string
	index      any
	actions    []string
	before     map[string]any
	after      map[string]any
	unknown    map[string]any // after_unknown
	expr       map[string]any // configuration expressions, when found
	callExpr   map[string]any // the expressions of the module call that made r's module (var.X)
	id         string         // the ARM ID the resource has or will have
}

// tfPlan is a plan being read.
type tfPlan struct {
	ov      *Overlay
	byAddr  map[string]*tfRes
	byBase  map[string][]*tfRes
	subs    map[string]string // lower resource group -> subscription, from the base snapshot
	peers   map[string]string // "lower vnet ID|lower remote vnet ID" -> the base peering's ID
	anySub  string
	subWarn bool
}

// readTerraform reads `terraform show -json PLANFILE` (developer.hashicorp.com/terraform/
// internals/json-format): resource_changes[] {address, module_address, mode, type, name, index,
// change{actions, before, after, after_unknown}} and configuration, whose expressions say which
// resource an attribute known only after apply refers to. A minor format_version bump is
// additive; another major version is refused, as the format's documentation asks.
func readTerraform(file string, doc map[string]any, base *azure.Snapshot) (*Overlay, error) {
	v := fmt.Sprint(doc["format_version"])
	if major, _, _ := strings.Cut(v, "."); major != "0" && major != "1" {
		return nil, &InputError{File: file, Path: "format_version", Msg: fmt.Sprintf("Terraform JSON format %s is not supported (want 0.x or 1.x)", v)}
	}
	t := &tfPlan{ov: &Overlay{File: file, Kind: "terraform"}, byAddr: map[string]*tfRes{}, byBase: map[string][]*tfRes{}}
	t.baseSubscriptions(base)
	changes, _ := doc["resource_changes"].([]any)
	for i, c := range changes {
		r, err := t.resource(fmt.Sprintf("resource_changes[%d]", i), obj(c))
		if err != nil {
			return nil, err
		}
		if r != nil {
			r.expr, r.callExpr = configExpressions(obj(doc["configuration"]), r)
			t.byAddr[r.addr] = r
			t.byBase[r.base] = append(t.byBase[r.base], r)
		}
	}
	order := make([]*tfRes, 0, len(t.byAddr))
	for _, r := range t.byAddr {
		order = append(order, r)
	}
	sort.Slice(order, func(i, j int) bool { return order[i].addr < order[j].addr })
	// IDs first (references need them), parents before children: a subnet's ID is its VNet's
	// plus its name, whatever order the plan lists them in.
	for _, r := range order {
		t.ensureID(r)
	}
	for _, r := range order {
		t.apply(r)
	}
	return t.ov, nil
}

var instanceKey = regexp.MustCompile(`\[[^\]]*\]$`)

func (t *tfPlan) resource(at string, c map[string]any) (*tfRes, error) {
	if c == nil {
		return nil, &InputError{File: t.ov.File, Path: at, Msg: "want a resource change object"}
	}
	if str(c["mode"]) == "data" {
		return nil, nil
	}
	ch := obj(c["change"])
	if ch == nil {
		return nil, &InputError{File: t.ov.File, Path: at + ".change", Msg: "missing"}
	}
	r := &tfRes{addr: str(c["address"]), module: str(c["module_address"]), typ: str(c["type"]), name: str(c["name"]), index: c["index"],
		before: obj(ch["before"]), after: obj(ch["after"]), unknown: obj(ch["after_unknown"])}
	for _, a := range asList(ch["actions"]) {
		r.actions = append(r.actions, str(a))
	}
	if r.addr == "" || r.typ == "" || len(r.actions) == 0 {
		return nil, &InputError{File: t.ov.File, Path: at, Msg: "want address, type and change.actions"}
	}
	r.base = instanceKey.ReplaceAllString(r.addr, "")
	return r, nil
}

// action is what the plan does to r: "put", "delete" or "" (no-op, read, forget).
func (r *tfRes) action() string {
	del, put := false, false
	for _, a := range r.actions {
		switch a {
		case "create", "update":
			put = true
		case "delete":
			del = true
		}
	}
	switch {
	case put:
		return "put"
	case del:
		return "delete"
	}
	return ""
}

// configExpressions finds r's expressions in the configuration: the module's resources by
// address relative to the module (module_calls nest by module name), and the expressions of
// the call that made the module, which its var.X references read.
func configExpressions(cfg map[string]any, r *tfRes) (expr, call map[string]any) {
	mod := obj(cfg["root_module"])
	rel := r.base
	if r.module != "" {
		rel = strings.TrimPrefix(r.base, r.module+".")
		for _, part := range strings.Split(r.module, ".module.") {
			name := instanceKey.ReplaceAllString(strings.TrimPrefix(part, "module."), "")
			c := obj(obj(mod["module_calls"])[name])
			call, mod = obj(c["expressions"]), obj(c["module"])
		}
	}
	for _, x := range asList(mod["resources"]) {
		if res := obj(x); str(res["address"]) == rel {
			return obj(res["expressions"]), call
		}
	}
	return nil, call
}

// baseSubscriptions records the subscription of each resource group the base snapshot has:
// resources a plan creates have no ID yet, and their subscription is the provider's.
func (t *tfPlan) baseSubscriptions(base *azure.Snapshot) {
	t.subs, t.peers = map[string]string{}, map[string]string{}
	if base != nil {
		walk(reflect.ValueOf(base).Elem(), func(m *azure.Meta, v reflect.Value) bool {
			if p, ok := v.Interface().(*azure.Peering); ok {
				t.peers[strings.ToLower(azure.ParentID(p.ID))+"|"+strings.ToLower(p.Remote)] = p.ID
			}
			return true
		})
	}
	for id := range ids(base) {
		parts := strings.Split(id, "/")
		if len(parts) > 4 && parts[1] == "subscriptions" && parts[3] == "resourcegroups" {
			t.subs[parts[4]] = parts[2]
			if t.anySub == "" || parts[2] < t.anySub {
				t.anySub = parts[2]
			}
		}
	}
}

// subscription is the subscription of resource group rg (inference: the base snapshot's
// resources in it, else the base's first subscription, else a placeholder, with a warning).
func (t *tfPlan) subscription(rg string) string {
	if s, ok := t.subs[strings.ToLower(rg)]; ok {
		return s
	}
	if t.anySub != "" {
		return t.anySub
	}
	if !t.subWarn {
		t.subWarn = true
		t.ov.warn("PlanAssumption", "", "the subscription of resources the plan creates is unknown (the snapshot has none); 00000000-0000-0000-0000-000000000000 is used")
	}
	return "00000000-0000-0000-0000-000000000000"
}
