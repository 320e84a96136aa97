package synth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Verify checks that a set of ARM JSON files is a consistent estate: every file parses with
// encoding/json; every reference ({"id": ...} objects and the string-valued reference
// fields subnetId, networkGroupId, resourceId, privateLinkServiceId, ipconfigurationId and
// the IP group lists) names a resource or child resource defined in the files; every
// private address lies in its subnet, outside the five reserved addresses (spec §2.6), and
// is owned once per VNet; subnets lie inside their VNet and do not overlap; every
// route's next hop address is owned by something; a peering's remote address space is the
// remote VNet's. It returns nil or the joined problems (at most 50).
func Verify(files map[string][]byte) error {
	v := &verifier{defined: map[string]string{}, subnets: map[string][]netip.Prefix{},
		owners: map[string]string{}, vnets: map[string][]string{}}
	docs := map[string]any{}
	for _, f := range sortedKeys(files) {
		var doc any
		if err := json.Unmarshal(files[f], &doc); err != nil {
			v.errf("%s: %v", f, err)
			continue
		}
		docs[f] = doc
		v.define(f, doc, "")
	}
	for _, f := range sortedKeys(files) {
		if doc, ok := docs[f]; ok {
			v.check(f, doc, ctx{})
		}
	}
	v.checkHops()
	v.checkVNets()
	if len(v.errs) > 50 {
		v.errs = append(v.errs[:50], fmt.Errorf("... and %d more", len(v.errs)-50))
	}
	return errors.Join(v.errs...)
}

type verifier struct {
	defined  map[string]string         // lower-case ID -> file
	subnets  map[string][]netip.Prefix // lower-case subnet ID -> prefixes
	vnets    map[string][]string       // lower-case VNet ID -> address space
	vnetObjs []map[string]any
	owners   map[string]string // "<vnet>|<ip>" -> owning resource
	hops     []hop
	errs     []error
}

type hop struct{ file, route, ip string }

func (v *verifier) errf(format string, a ...any) { v.errs = append(v.errs, fmt.Errorf(format, a...)) }

// define records every object that has both an id and a name, and the prefixes of subnets
// and VNets.
func (v *verifier) define(file string, x any, parent string) {
	switch t := x.(type) {
	case []any:
		for _, e := range t {
			v.define(file, e, parent)
		}
	case map[string]any:
		id, _ := t["id"].(string)
		if _, named := t["name"]; named && id != "" {
			k := strings.ToLower(id)
			if prev, dup := v.defined[k]; dup {
				v.errf("%s: %s defined twice (also in %s)", file, id, prev)
			}
			v.defined[k] = file
			v.prefixes(file, t, k)
		}
		for _, e := range t {
			v.define(file, e, id)
		}
	}
}

func (v *verifier) prefixes(file string, o map[string]any, key string) {
	p, _ := o["properties"].(map[string]any)
	typ, _ := o["type"].(string)
	switch strings.ToLower(typ) {
	case "microsoft.network/virtualnetworks":
		as, _ := p["addressSpace"].(map[string]any)
		v.vnets[key] = toStrings(as["addressPrefixes"])
		v.vnetObjs = append(v.vnetObjs, o)
	case "microsoft.network/virtualnetworks/subnets":
		list := toStrings(p["addressPrefixes"])
		if s, ok := p["addressPrefix"].(string); ok {
			list = append(list, s)
		}
		for _, s := range list {
			pf, err := netip.ParsePrefix(s)
			if err != nil || pf != pf.Masked() {
				v.errf("%s: subnet %s: bad prefix %q", file, key, s)
				continue
			}
			v.subnets[key] = append(v.subnets[key], pf)
		}
	}
}

// ctx is what the walk knows about the enclosing objects.
type ctx struct {
	top    string // top-level resource ID (the owner of addresses below it)
	subnet string // nearest enclosing subnet reference
}

// refKeys are string fields that hold a resource ID.
var refKeys = map[string]bool{"subnetid": true, "networkgroupid": true, "resourceid": true,
	"privatelinkserviceid": true, "ipconfigurationid": true}

// listRefKeys are string-array fields that hold resource IDs.
var listRefKeys = map[string]bool{"sourceipgroups": true, "destinationipgroups": true}
