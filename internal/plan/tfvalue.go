package plan

import (
	"encoding/json"
	"fmt"
	"strings"
)

// tfVal is one level of a planned resource's after values: the resource itself or one of its
// nested blocks, with the matching after_unknown and configuration expressions.
type tfVal struct {
	t       *tfPlan
	r       *tfRes
	after   map[string]any
	unknown map[string]any
	expr    map[string]any
	path    string
}

func (t *tfPlan) root(r *tfRes) tfVal {
	return tfVal{t: t, r: r, after: r.after, unknown: r.unknown, expr: r.expr}
}

func (v tfVal) at(k string) string { return strings.TrimPrefix(v.path+"."+k, ".") }

// isUnknown reports whether attribute k is known only after apply.
func (v tfVal) isUnknown(k string) bool {
	b, _ := v.unknown[k].(bool)
	return b
}

// unknownWarn warns that attribute k is known only after apply.
func (v tfVal) unknownWarn(k, consequence string) {
	v.t.ov.warn("PlanUnknownValue", v.r.id, "%s: %s is known only after apply; %s", v.r.addr, v.at(k), consequence)
}

// str is a string (or number, or bool) attribute; "" when absent, null or unknown (warned).
func (v tfVal) str(k string) string {
	if v.isUnknown(k) {
		v.unknownWarn(k, "left out, answers that depend on it may be Unknown")
		return ""
	}
	switch x := v.after[k].(type) {
	case string:
		return x
	case json.Number, bool:
		return fmt.Sprint(x)
	}
	return ""
}

// strs is a list (or set) of strings; a single string reads as a list of one.
func (v tfVal) strs(k string) []string {
	if v.isUnknown(k) {
		v.unknownWarn(k, "left out, answers that depend on it may be Unknown")
		return nil
	}
	var out []string
	switch x := v.after[k].(type) {
	case string:
		if x != "" {
			out = append(out, x)
		}
	case []any:
		for _, e := range x {
			if s := fmt.Sprint(e); e != nil && s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// boolean is a bool attribute and whether it is set.
func (v tfVal) boolean(k string) (bool, bool) {
	b, ok := v.after[k].(bool)
	return b, ok && !v.isUnknown(k)
}

// num is a number attribute, or nil.
func (v tfVal) num(k string) any {
	if n, ok := v.after[k].(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return i
		}
	}
	return nil
}

// blocks are the nested blocks k (a list, a set, or one object).
func (v tfVal) blocks(k string) []tfVal {
	var afters []any
	switch x := v.after[k].(type) {
	case []any:
		afters = x
	case map[string]any:
		afters = []any{x}
	}
	unk, _ := v.unknown[k].([]any)
	exprs, _ := v.expr[k].([]any)
	var out []tfVal
	for i, a := range afters {
		b := tfVal{t: v.t, r: v.r, after: obj(a), path: fmt.Sprintf("%s[%d]", v.at(k), i)}
		if i < len(unk) {
			b.unknown = obj(unk[i])
		}
		if i < len(exprs) {
			b.expr = obj(exprs[i])
		} else if len(exprs) > 0 {
			b.expr = obj(exprs[0])
		}
		if b.after != nil {
			out = append(out, b)
		}
	}
	return out
}

// id is a resource ID attribute. Known only after apply, it is the ID of the planned resource
// its configuration expression refers to; failing that, an ID nothing has (answers that depend
// on it are Unknown), with a warning.
func (v tfVal) id(k string) string {
	if !v.isUnknown(k) {
		return str(v.after[k])
	}
	if id := v.t.refID(v, k, 0); id != "" {
		return id
	}
	v.unknownWarn(k, "it refers to nothing the plan creates that vnetdoctor can name; answers that depend on it are Unknown")
	return unknownID(v.t.scope(v.r), strings.TrimSuffix(k, "_id"), len(v.t.ov.Warnings))
}

// ids is a list of resource ID attributes, each resolved as id resolves one.
func (v tfVal) ids(k string) []string {
	if !v.isUnknown(k) {
		list, _ := v.after[k].([]any)
		unk, _ := v.unknown[k].([]any)
		var out []string
		for i, e := range list {
			if i < len(unk) && unk[i] == true {
				if id := v.t.refID(v, k, i); id != "" {
					out = append(out, id)
				}
				continue
			}
			if s := str(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	if id := v.t.refID(v, k, 0); id != "" {
		return []string{id}
	}
	v.unknownWarn(k, "left out, answers that depend on it may be Unknown")
	return nil
}

// refID resolves attribute k of v through its configuration expression's references
// ("azurerm_subnet.a.id", "azurerm_subnet.a") to the ID of a resource in the plan. An instance
// with the referring resource's own index is preferred (count and for_each pairs), else the only
// instance. n picks the nth reference for lists.
func (t *tfPlan) refID(v tfVal, k string, n int) string {
	seen := 0
	for _, addr := range absoluteRefs(v.r, obj(v.expr[k])) {
		addr = strings.TrimSuffix(addr, ".id")
		if r, ok := t.byAddr[addr]; ok {
			if seen == n {
				return r.id
			}
			seen++
			continue
		}
		cands := t.byBase[instanceKey.ReplaceAllString(addr, "")]
		for _, c := range cands {
			if v.r.index != nil && fmt.Sprint(c.index) == fmt.Sprint(v.r.index) && len(cands) > 1 {
				return c.id
			}
		}
		if len(cands) == 1 {
			return cands[0].id
		}
	}
	return ""
}

// absoluteRefs are an expression's references as addresses from the root module. A module's
// var.X is what its caller passed: the call's references, read in the caller's module.
func absoluteRefs(r *tfRes, expr map[string]any) []string {
	prefix, parent := "", ""
	if r.module != "" {
		prefix = r.module + "."
		if j := strings.LastIndex(r.module, ".module."); j >= 0 {
			parent = r.module[:j] + "."
		}
	}
	var out []string
	for _, x := range asList(expr["references"]) {
		ref := str(x)
		if name, ok := strings.CutPrefix(ref, "var."); ok && r.module != "" {
			for _, y := range asList(obj(r.callExpr[name])["references"]) {
				out = append(out, parent+str(y))
			}
			continue
		}
		out = append(out, prefix+ref)
	}
	return out
}

// scope is "/subscriptions/S/resourceGroups/RG" of a planned resource.
func (t *tfPlan) scope(r *tfRes) string {
	rg := str(r.after["resource_group_name"])
	if rg == "" {
		rg = str(r.before["resource_group_name"])
	}
	return "/subscriptions/" + t.subscription(rg) + "/resourceGroups/" + rg
}
