package convert

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// The model's lists of resources do not depend on the order of the input: converting the
// bundled example with every list of wire objects reversed gives the same lists, in ID order
// (but for inputOrder).
func TestListsDoNotDependOnInputOrder(t *testing.T) {
	load := func(reversed bool) *model.Network {
		s, err := azure.Load([]string{"../../../examples/hub-spoke", "testdata/estate.json"}, azure.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if reversed {
			reverseLists(reflect.ValueOf(s).Elem())
		}
		n, err := Convert(s)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	fwd, rev := idLists(load(false)), idLists(load(true))
	if len(fwd) < 40 {
		t.Fatalf("only %d lists of resources found", len(fwd))
	}
	for path, ids := range fwd {
		if inputOrder.MatchString(path) {
			continue
		}
		if !slices.Equal(ids, rev[path]) {
			t.Errorf("%s: %q in input order, %q reversed", path, ids, rev[path])
		}
		nested := strings.Contains(path, "[")
		if !slices.IsSortedFunc(ids, func(a, b model.ID) int { return strings.Compare(a.Key(), b.Key()) }) &&
			!(nested && keepsAzureOrder[path[strings.LastIndexByte(path, '.')+1:]]) {
			t.Errorf("%s: %q not sorted by ID", path, ids)
		}
	}
}

// keepsAzureOrder are the lists inside a resource that keep Azure's order (model.Network.sortLists):
// a NIC's ip configurations, a VM's NICs, a load balancer's or outbound rule's frontends, public
// IPs, and a policy's rule collection groups (in processing order).
var keepsAzureOrder = map[string]bool{"IPConfigs": true, "NICs": true, "Frontends": true, "PublicIPs": true, "Groups": true}

// inputOrder are the lists model.Network.sortLists leaves in input order because answers show it.
var inputOrder = regexp.MustCompile(`^Network\.(PrivateEndpoints|VNets\[[^]]+\]\.Subnets)$`)

// reverseLists reverses every slice in the wire snapshot's fields (not inside the objects).
func reverseLists(v reflect.Value) {
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.Slice:
			for a, b := 0, f.Len()-1; a < b; a, b = a+1, b-1 {
				x, y := f.Index(a).Interface(), f.Index(b).Interface()
				f.Index(a).Set(reflect.ValueOf(y))
				f.Index(b).Set(reflect.ValueOf(x))
			}
		case reflect.Struct:
			reverseLists(f)
		}
	}
}

// idLists returns every list of resources with IDs reachable from n, by where it was found
// (e.g. "VNets[vnet-hub].Subnets"), as the IDs in list order.
func idLists(n *model.Network) map[string][]model.ID {
	out := map[string][]model.ID{}
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			return
		}
		for i := range v.NumField() {
			f, name := v.Field(i), v.Type().Field(i).Name
			if !v.Type().Field(i).IsExported() || f.Kind() != reflect.Slice || f.Type().Elem().Kind() != reflect.Pointer {
				continue
			}
			if _, ok := f.Type().Elem().Elem().FieldByName("ID"); !ok || f.Len() == 0 {
				continue
			}
			p := path + "." + name
			ids := make([]model.ID, f.Len())
			for j := range f.Len() {
				ids[j] = f.Index(j).Elem().FieldByName("ID").Interface().(model.ID)
			}
			out[p] = ids
			for j := range f.Len() {
				walk(f.Index(j), fmt.Sprintf("%s[%s]", p, ids[j].Name()))
			}
		}
	}
	walk(reflect.ValueOf(n), "Network")
	return out
}
