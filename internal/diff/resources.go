// Package diff compares two snapshots: the resources added, removed and changed (down to the
// JSON path), and each subnet's effective routes.
package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Resources is what changed between two sets of resources, by ID (case-insensitive; IDs are
// written as the after snapshot spells them, the before one's for removals).
type Resources struct {
	Added   []string  `json:"added"`
	Removed []string  `json:"removed"`
	Changed []Changed `json:"changed"`
}

// Changed is one resource present on both sides whose body differs.
type Changed struct {
	ID     string   `json:"id"`
	Fields []string `json:"fields"` // JSON paths from the resource's object, e.g. $.properties.securityRules[0].properties.access
}

// Docs are the resource objects of a snapshot by lower-cased ID, each with the ID as written.
type Docs map[string]Doc

// Doc is one resource object.
type Doc struct {
	ID   string
	Body map[string]any
}

// ReadDocs reads files and directories (recursively, *.json, as -s does; "-" is read from stdin)
// and indexes every resource object they hold: a JSON object with an ARM "id" and a "name",
// "type" or "properties", wherever it sits (lists, Resource Graph "data", az CLI wrappers, child
// resources inline). An ID seen twice keeps the larger body.
func ReadDocs(paths []string, stdin io.Reader) (Docs, error) {
	docs := Docs{}
	for _, p := range paths {
		if p == "-" {
			data, err := io.ReadAll(stdin)
			if err == nil {
				err = docs.read("-", data)
			}
			if err != nil {
				return nil, err
			}
			continue
		}
		if err := walkJSON(p, os.ReadFile, docs.read); err != nil {
			return nil, err
		}
	}
	return docs, nil
}

// isResource: an object with an ARM ID and something besides a reference's fields.
func isResource(m map[string]any) (string, bool) {
	id, _ := m["id"].(string)
	if !strings.HasPrefix(id, "/") || !strings.Contains(strings.ToLower(id), "/providers/") {
		return "", false
	}
	_, n := m["name"]
	_, t := m["type"]
	_, p := m["properties"]
	return id, n || t || p
}

func (d Docs) index(v any) {
	switch x := v.(type) {
	case map[string]any:
		if id, ok := isResource(x); ok {
			k := strings.ToLower(id)
			if old, seen := d[k]; !seen || size(x) > size(old.Body) {
				d[k] = Doc{ID: id, Body: x}
			}
		}
		for _, c := range x {
			d.index(c)
		}
	case []any:
		for _, c := range x {
			d.index(c)
		}
	}
}

func size(v any) int {
	b, _ := json.Marshal(v)
	return len(b)
}

// CompareResources lists the resources only after has (added), only before has (removed), and
// those whose bodies differ, with the JSON paths of every differing value. Child resources inside
// a body are compared on their own, not as part of their parent; "etag" is ignored.
func CompareResources(before, after Docs) Resources {
	r := Resources{Added: []string{}, Removed: []string{}, Changed: []Changed{}}
	for k, a := range after {
		b, ok := before[k]
		if !ok {
			r.Added = append(r.Added, a.ID)
			continue
		}
		var fields []string
		compare("$", b.Body, a.Body, true, firewallRules(a.ID), &fields)
		if len(fields) > 0 {
			r.Changed = append(r.Changed, Changed{ID: a.ID, Fields: fields})
		}
	}
	for k, b := range before {
		if _, ok := after[k]; !ok {
			r.Removed = append(r.Removed, b.ID)
		}
	}
	slices.Sort(r.Added)
	slices.Sort(r.Removed)
	slices.SortFunc(r.Changed, func(x, y Changed) int { return strings.Compare(x.ID, y.ID) })
	return r
}

// compare appends the paths where before and after differ. top is true for the resource's own
// object (nested resources are skipped, not compared); fw for a resource that lists firewall
// rules (firewallRules).
func compare(path string, before, after any, top, fw bool, out *[]string) {
	bm, bok := before.(map[string]any)
	am, aok := after.(map[string]any)
	if bok && aok {
		if !top {
			if _, ok := isResource(am); ok {
				return
			}
		}
		keys := map[string]bool{}
		for k := range bm {
			keys[k] = true
		}
		for k := range am {
			keys[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			if k == "etag" {
				continue
			}
			compare(path+"."+k, bm[k], am[k], false, fw, out)
		}
		return
	}
	ba, bok := before.([]any)
	aa, aok := after.([]any)
	if bok && aok {
		compareArrays(path, ba, aa, fw, out)
		return
	}
	if bs, ok := before.(string); ok && strings.HasSuffix(path, ".id") {
		if as, ok := after.(string); ok && strings.EqualFold(bs, as) {
			return // resource IDs match case-insensitively (cli.md "Snapshot input")
		}
	}
	if !equal(before, after) {
		*out = append(*out, path)
	}
}

// compareArrays matches elements by name (or id) when every element has one, else by position.
func compareArrays(path string, before, after []any, fw bool, out *[]string) {
	bk, bok := keyed(before)
	ak, aok := keyed(after)
	if !bok || !aok {
		for i := range max(len(before), len(after)) {
			var b, a any
			if i < len(before) {
				b = before[i]
			}
			if i < len(after) {
				a = after[i]
			}
			compare(fmt.Sprintf("%s[%d]", path, i), b, a, false, fw, out)
		}
		return
	}
	for i, a := range after {
		j, ok := bk[elemKey(a)]
		if !ok {
			*out = append(*out, fmt.Sprintf("%s[%d]", path, i))
			continue
		}
		compare(fmt.Sprintf("%s[%d]", path, i), before[j], a, false, fw, out)
	}
	for j, b := range before {
		if _, ok := ak[elemKey(b)]; !ok {
			*out = append(*out, fmt.Sprintf("%s[%d] (removed)", path, j))
		}
	}
	if fw && strings.EqualFold(path[strings.LastIndexByte(path, '.')+1:], "rules") && reordered(bk, after) {
		*out = append(*out, path+" (order)")
	}
}

// firewallRules reports whether the resource with this ID lists firewall rules, whose order in
// a rule collection decides: the first rule that matches wins (spec §3.2). Other named lists
// (NSG rules, routes, subnets, a WAF policy's rules) are ordered by priority or not at all.
func firewallRules(id string) bool {
	low := strings.ToLower(id)
	return strings.Contains(low, "/providers/microsoft.network/azurefirewalls/") ||
		strings.Contains(low, "/providers/microsoft.network/firewallpolicies/") && strings.Contains(low, "/rulecollectiongroups/")
}

// reordered reports whether the elements of after that before also holds (bk: their positions
// in before) come in another order than before's.
func reordered(bk map[string]int, after []any) bool {
	last := -1
	for _, a := range after {
		if j, ok := bk[elemKey(a)]; ok {
			if j < last {
				return true
			}
			last = j
		}
	}
	return false
}

func keyed(xs []any) (map[string]int, bool) {
	m := map[string]int{}
	for i, x := range xs {
		k := elemKey(x)
		if k == "" {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false
		}
		m[k] = i
	}
	return m, true
}

func elemKey(x any) string {
	m, ok := x.(map[string]any)
	if !ok {
		return ""
	}
	if n, ok := m["name"].(string); ok && n != "" {
		return "name:" + strings.ToLower(n)
	}
	if id, ok := m["id"].(string); ok && id != "" {
		return "id:" + strings.ToLower(id)
	}
	return ""
}

func equal(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// walkJSON calls fn with the bytes of p, or of every *.json file under directory p, as -s reads
// them, each read with read.
func walkJSON(p string, read func(string) ([]byte, error), fn func(path string, data []byte) error) error {
	return filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || (path != p && !strings.EqualFold(filepath.Ext(path), ".json")) {
			return nil
		}
		data, err := read(path)
		if err != nil {
			return err
		}
		return fn(path, data)
	})
}
