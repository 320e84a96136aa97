package fakeazure

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
)

// A row is one resource as Resource Graph stores it: its columns as raw JSON, keyed by
// the column name Resource Graph uses.
type row struct {
	id, sub, typ string // lower case
	cols         map[string]json.RawMessage
}

// estate is what the fake serves: Resource Graph tables, REST-only children and the
// service tags file.
type estate struct {
	tables      map[string][]row             // table → rows sorted by lower-case id
	children    map[string][]json.RawMessage // lower parent id + "/" + lower child type → values
	serviceTags []byte
	subs        []string // every subscription that holds a resource, sorted
	skipped     map[string]int
}

// Where Resource Graph keeps each type (learn.microsoft.com/azure/governance/resource-graph/
// reference/supported-tables-resources): private DNS record sets in dnsresources; firewall
// policy rule collection groups and Virtual Network Manager children in networkresources;
// forwarding rules and ruleset VNet links nowhere (REST only); other children of tracked
// resources (subnets, peerings, security rules, routes) only inline in their parent.
func tableOf(typ string) string {
	const n = "microsoft.network/"
	switch {
	case strings.HasPrefix(typ, n+"privatednszones/") && typ != n+"privatednszones/virtualnetworklinks":
		return "dnsresources"
	case typ == n+"firewallpolicies/rulecollectiongroups", strings.HasPrefix(typ, n+"networkmanagers/"),
		typ == n+"networkgroupmemberships", strings.HasPrefix(typ, n+"effective"):
		return "networkresources"
	case typ == n+"dnsforwardingrulesets/forwardingrules", typ == n+"dnsforwardingrulesets/virtualnetworklinks":
		return "rest"
	case typ == n+"virtualnetworks/subnets", typ == n+"virtualnetworks/virtualnetworkpeerings",
		typ == n+"networksecuritygroups/securityrules", typ == n+"routetables/routes":
		return ""
	}
	return "resources"
}

// loadEstate reads estate files: resource arrays, {"value"}, {"data"}, and a service tags
// file ({"values", "changeNumber"|"cloud"}).
func loadEstate(files map[string][]byte) (*estate, error) {
	e := &estate{tables: map[string][]row{}, children: map[string][]json.RawMessage{}, skipped: map[string]int{}}
	subs := map[string]bool{}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		var top map[string]json.RawMessage
		var list []map[string]json.RawMessage
		b := bytes.TrimSpace(files[name])
		switch {
		case len(b) > 0 && b[0] == '[':
			if err := json.Unmarshal(b, &list); err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
		default:
			if err := json.Unmarshal(b, &top); err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
			if _, ok := top["values"]; ok {
				e.serviceTags = files[name]
				continue
			}
			for _, k := range []string{"value", "data"} {
				if v, ok := top[k]; ok {
					if err := json.Unmarshal(v, &list); err != nil {
						return nil, fmt.Errorf("%s: $.%s: %v", name, k, err)
					}
				}
			}
		}
		for _, r := range list {
			e.add(r, subs)
		}
	}
	for t := range e.tables {
		rs := e.tables[t]
		sort.Slice(rs, func(i, j int) bool { return rs[i].id < rs[j].id })
	}
	for s := range subs {
		e.subs = append(e.subs, s)
	}
	sort.Strings(e.subs)
	return e, nil
}

func (e *estate) add(r map[string]json.RawMessage, subs map[string]bool) {
	var id, typ string
	json.Unmarshal(r["id"], &id)
	json.Unmarshal(r["type"], &typ)
	lid, ltyp := strings.ToLower(id), strings.ToLower(typ)
	table := tableOf(ltyp)
	switch table {
	case "":
		e.skipped[typ]++
		return
	case "rest":
		parent := azure.ParentID(lid)
		child := ltyp[strings.LastIndex(ltyp, "/")+1:]
		e.children[parent+"/"+child] = append(e.children[parent+"/"+child], mustJSON(r))
		return
	}
	sub, rg := idPart(id, "subscriptions"), idPart(id, "resourceGroups")
	subs[strings.ToLower(sub)] = true
	cols := map[string]json.RawMessage{
		"id": r["id"], "name": r["name"], "type": mustJSON(ltyp), "tenantId": mustJSON(tenantID),
		"kind": str(r["kind"]), "location": str(r["location"]), "resourceGroup": mustJSON(strings.ToLower(rg)),
		"subscriptionId": mustJSON(sub), "managedBy": mustJSON(""), "sku": dyn(r["sku"]), "plan": dyn(r["plan"]),
		"properties": dyn(r["properties"]), "tags": dyn(r["tags"]), "identity": dyn(r["identity"]),
		"zones": dyn(r["zones"]), "extendedLocation": dyn(r["extendedLocation"]),
	}
	e.tables[table] = append(e.tables[table], row{id: lid, sub: strings.ToLower(sub), typ: ltyp, cols: cols})
}

const tenantID = "72f988bf-0000-0000-0000-000000000000"

// str and dyn fill absent columns the way Resource Graph does: "" for a string column,
// null for a dynamic one.
func str(v json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return json.RawMessage(`""`)
	}
	return v
}

func dyn(v json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return json.RawMessage(`null`)
	}
	return v
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// idPart returns the segment after key in a resource ID ("" when absent).
func idPart(id, key string) string {
	parts := strings.Split(id, "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], key) {
			return parts[i+1]
		}
	}
	return ""
}
