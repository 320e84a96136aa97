package diff

import (
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/plan"
)

// ApplyPlan applies a plan's overlay to d, as plan.Apply does to wire objects: the resources
// it puts replace (or add) theirs, keeping the properties the plan does not manage; deleted
// resources go with their children; patches set one property. A partial body (a Terraform
// mapping) keeps every property it does not say.
func (d Docs) ApplyPlan(ov *plan.Overlay) {
	for _, id := range ov.Deletes {
		d.removeTree(strings.ToLower(id))
	}
	// Parents first: a partial parent body keeps its deployed inline children, which must not
	// come back over a child the plan puts, nor over one it deletes (so deletes go again after
	// the puts, but for an ID a put gives back, as plan.Apply does).
	putIDs := map[string]bool{}
	for _, p := range ov.Puts {
		putIDs[strings.ToLower(str(p.Body["id"]))] = true
	}
	puts := slices.Clone(ov.Puts)
	slices.SortStableFunc(puts, func(a, b plan.Put) int {
		return strings.Count(str(a.Body["id"]), "/") - strings.Count(str(b.Body["id"]), "/")
	})
	for _, p := range puts {
		body := maps.Clone(p.Body)
		delete(body, "apiVersion") // what-if adds it; a GET has none
		gone := Docs{}             // the children the body lists anew: those it lacks are removed
		for _, seg := range p.ListedChildren() {
			maps.Copy(gone, d.removeTree(strings.ToLower(str(body["id"])+"/"+seg+"/")))
		}
		keep := append(p.KeptProps(), readOnly...)
		d.put(body, func(id string, res map[string]any) {
			old, ok := d[strings.ToLower(id)]
			if !ok {
				if old, ok = gone[strings.ToLower(id)]; !ok {
					return
				}
			}
			props := obj(res["properties"])
			for k, v := range obj(old.Body["properties"]) {
				if _, has := props[k]; !has && (p.Partial || slices.Contains(keep, k)) {
					props[k] = v
				}
			}
			for k, v := range old.Body { // a partial body's nested resources lack their type, etag, ...
				if _, has := res[k]; !has && p.Partial {
					res[k] = v
				}
			}
		})
	}
	for _, id := range ov.Deletes {
		if !putIDs[strings.ToLower(id)] {
			d.removeTree(strings.ToLower(id))
		}
	}
	for _, p := range ov.Patches {
		for _, doc := range d.patched(p) {
			props := obj(doc.Body["properties"])
			if props == nil {
				props = map[string]any{}
				doc.Body["properties"] = props
			}
			prop, v := p.Prop()
			switch {
			case p.List:
				props[prop] = editList(asList(props[prop]), v, p.Remove)
			case v == nil:
				delete(props, prop)
			default:
				props[prop] = v
			}
		}
	}
}

// patched are the resources p changes: the one with its ID, or that NIC's ip configurations.
func (d Docs) patched(p plan.Patch) []Doc {
	id := strings.ToLower(p.ID)
	if !p.EachIPConfig {
		if doc, ok := d[id]; ok {
			return []Doc{doc}
		}
		return nil
	}
	var out []Doc
	for k, doc := range d {
		if strings.HasPrefix(k, id+"/ipconfigurations/") && strings.Count(k, "/") == strings.Count(id, "/")+2 && p.TakesIPConfig(privateIP(doc)) {
			out = append(out, doc)
		}
	}
	return out
}

// privateIP is an ip configuration's address; the zero Addr when it has none.
func privateIP(doc Doc) netip.Addr {
	a, _ := netip.ParseAddr(str(obj(doc.Body["properties"])["privateIPAddress"]))
	return a
}

// editList is list without the elements equal to v (an {id} by its ID), with v added unless
// remove.
func editList(list []any, v any, remove bool) []any {
	out := []any{}
	for _, e := range list {
		if !sameElement(e, v) {
			out = append(out, e)
		}
	}
	if !remove {
		out = append(out, v)
	}
	return out
}

func sameElement(a, b any) bool {
	ia, ib := str(obj(a)["id"]), str(obj(b)["id"])
	if ia != "" || ib != "" {
		return strings.EqualFold(ia, ib)
	}
	return reflect.DeepEqual(obj(obj(a)["properties"])["ipAddress"], obj(obj(b)["properties"])["ipAddress"])
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// readOnly are properties Azure computes (readOnly in azure-rest-api-specs network.json and
// its siblings), which a planned body lacks.
var readOnly = []string{"provisioningState", "resourceGuid", "defaultSecurityRules", "networkInterfaces", "ipConfigurations",
	"subnets", "privateEndpoints", "ipConfigurationProfiles", "serviceAssociationLinks", "resourceNavigationLinks", "flowLogs"}

// put indexes v and the resources inside it, replacing what d had under their IDs; merge
// completes each resource (its properties a copy of its own) from the one it replaces before
// that is gone.
func (d Docs) put(v any, merge func(id string, res map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		if id, ok := isResource(x); ok {
			props := maps.Clone(obj(x["properties"]))
			if props == nil {
				props = map[string]any{}
			}
			x["properties"] = props
			merge(id, x)
			d[strings.ToLower(id)] = Doc{ID: id, Body: x}
		}
		for _, c := range x {
			d.put(c, merge)
		}
	case []any:
		for _, c := range x {
			d.put(c, merge)
		}
	}
}

// removeTree removes the resource id and everything under it, and returns what it removed.
func (d Docs) removeTree(id string) Docs {
	out := Docs{}
	for k, v := range d {
		if k == id || strings.HasPrefix(k, strings.TrimSuffix(id, "/")+"/") {
			out[k] = v
			delete(d, k)
		}
	}
	return out
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
