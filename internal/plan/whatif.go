package plan

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
)

// readWhatIf reads ARM what-if output. Shapes (iac.md §1): the CLI's `az deployment group
// what-if --no-pretty-print -o json` prints the SDK's WhatIfOperationResult flat ({status,
// error, changes, potentialChanges, diagnostics}); the REST answer nests them under
// "properties" (POST .../deployments/{name}/whatIf, learn.microsoft.com/rest/api/resources/
// deployments/what-if); a REST example file wraps that in responses.200.body. Each change is
// {resourceId, changeType, before, after, delta, unsupportedReason}, before and after being full
// ARM bodies ("FullResourcePayloads", the default result format).
func readWhatIf(file string, doc map[string]any, base *azure.Snapshot) (*Overlay, error) {
	if r := obj(doc["responses"]); r != nil {
		doc = obj(obj(r["200"])["body"])
	}
	if st := str(doc["status"]); strings.EqualFold(st, "Failed") || obj(doc["error"]) != nil {
		e := obj(doc["error"])
		return nil, &InputError{File: file, Path: "error", Msg: fmt.Sprintf("the what-if operation failed (status %q): %s %s", st, str(e["code"]), str(e["message"]))}
	}
	body := doc
	if p := obj(doc["properties"]); p != nil && p["changes"] != nil {
		body = p
	}
	changes, ok := body["changes"].([]any)
	if !ok {
		return nil, &InputError{File: file, Path: "changes", Msg: "want an array of changes"}
	}
	ov := &Overlay{File: file, Kind: "what-if"}
	have := ids(base)
	for i, c := range changes {
		if err := ov.whatIfChange(fmt.Sprintf("changes[%d]", i), obj(c), have); err != nil {
			return nil, err
		}
	}
	for _, c := range asList(body["potentialChanges"]) {
		ch := obj(c)
		ov.warn("PlanPotentialChange", str(ch["resourceId"]), "what-if says %s could change (%s); not applied", str(ch["resourceId"]), str(ch["changeType"]))
	}
	for _, d := range asList(body["diagnostics"]) {
		dg := obj(d)
		ov.warn("PlanDiagnostic", str(dg["target"]), "what-if %s %s: %s", str(dg["level"]), str(dg["code"]), str(dg["message"]))
	}
	return ov, nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// ids are the lower-cased IDs of every wire object in s.
func ids(s *azure.Snapshot) map[string]bool {
	out := map[string]bool{}
	if s == nil {
		return out
	}
	walk(reflect.ValueOf(s).Elem(), func(m *azure.Meta, _ reflect.Value) bool {
		out[strings.ToLower(m.ID)] = true
		return true
	})
	return out
}

// whatIfChange applies one change's changeType (iac.md §1 table).
func (ov *Overlay) whatIfChange(at string, c map[string]any, have map[string]bool) error {
	if c == nil {
		return &InputError{File: ov.File, Path: at, Msg: "want a change object {resourceId, changeType, after}"}
	}
	id, typ := str(c["resourceId"]), str(c["changeType"])
	if id == "" {
		return &InputError{File: ov.File, Path: at + ".resourceId", Msg: "missing"}
	}
	after := obj(c["after"])
	switch strings.ToLower(typ) {
	case "create", "modify", "deploy":
		if after == nil {
			if strings.EqualFold(typ, "Deploy") {
				return &InputError{File: ov.File, Path: at + ".after", Msg: "no resource body: run what-if with the default result format (--result-format FullResourcePayloads), not ResourceIdOnly"}
			}
			return &InputError{File: ov.File, Path: at + ".after", Msg: typ + " without an after body"}
		}
		if _, ok := lookup(after, "properties"); !ok {
			ov.warn("PlanNotApplied", id, "what-if %s of %s has no after.properties; the deployed resource is kept", typ, id)
			return nil
		}
		ov.put(id, after)
		if strings.EqualFold(typ, "create") {
			ov.newZoneGroup(id, after)
		}
	case "nochange":
		if after != nil && !have[strings.ToLower(id)] {
			ov.put(id, after) // unchanged by the deployment, but absent from the snapshot
		}
	case "delete":
		ov.Deletes = append(ov.Deletes, id)
	case "ignore", "unsupported":
		msg := str(c["unsupportedReason"])
		if msg == "" {
			msg = "what-if does not evaluate it (a resource outside the template's scope, or beyond what-if's limits)"
		}
		ov.warn("PlanNotApplied", id, "%s %s: %s; the deployed resource is kept", typ, id, msg)
	default:
		return &InputError{File: ov.File, Path: at + ".changeType", Msg: fmt.Sprintf("unknown change type %q (want Create, Delete, Deploy, Ignore, Modify, NoChange or Unsupported)", typ)}
	}
	return nil
}

// put records an after body under the change's resource ID, its unevaluated expressions made
// unknown.
func (ov *Overlay) put(id string, after map[string]any) {
	after["id"] = id
	if str(after["type"]) == "" {
		after["type"] = azure.TypeFromID(id)
	}
	if str(after["name"]) == "" {
		after["name"] = id[strings.LastIndexByte(id, '/')+1:]
	}
	ov.scrub(id, after, "", "")
	ov.Puts = append(ov.Puts, Put{From: id, Body: after})
}

// expression matches a template expression what-if left unevaluated ("[reference(...)]"); a
// string starting "[[" is a literal that starts with "[" (learn.microsoft.com azure-resource-
// manager/templates/template-expressions, "Escape characters").
var expression = regexp.MustCompile(`^\[[\s\S]*\]$`)

// scrub replaces the unevaluated expressions in v (at path) with unknowns: a reference's id
// becomes one that resolves to nothing, any other value is left out.
func (ov *Overlay) scrub(res string, v map[string]any, path, parentKey string) {
	for k, x := range v {
		p := strings.TrimPrefix(path+"."+k, ".")
		switch t := x.(type) {
		case map[string]any:
			ov.scrub(res, t, p, k)
		case []any:
			for i, e := range t {
				ep := fmt.Sprintf("%s[%d]", p, i)
				switch et := e.(type) {
				case map[string]any:
					ov.scrub(res, et, ep, k)
				case string:
					if strings.HasPrefix(et, "[[") {
						t[i] = et[1:]
					} else if expression.MatchString(et) {
						ov.warn("PlanUnknownValue", res, "%s: %s is %s until deployment; left out", res, ep, clip(et))
						t[i] = nil
					}
				}
			}
		case string:
			switch {
			case strings.HasPrefix(t, "[["):
				v[k] = t[1:]
			case expression.MatchString(t) && strings.EqualFold(k, "id"):
				v[k] = unknownID(res, parentKey, len(ov.Warnings))
				ov.warn("PlanUnknownValue", res, "%s: %s is %s until deployment; answers that depend on it are Unknown", res, p, clip(t))
			case expression.MatchString(t):
				delete(v, k)
				ov.warn("PlanUnknownValue", res, "%s: %s is %s until deployment; left out, answers that depend on it may be Unknown", res, p, clip(t))
			}
		}
	}
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// refTypes are the resource types the references under these property names point to.
var refTypes = map[string]string{
	"networksecuritygroup": "networkSecurityGroups", "routetable": "routeTables", "natgateway": "natGateways",
	"publicipaddress": "publicIPAddresses", "firewallpolicy": "firewallPolicies", "remotevirtualnetwork": "virtualNetworks",
	"virtualnetwork": "virtualNetworks", "subnet": "virtualNetworks/unknown-until-deployment/subnets",
	"basepolicy": "firewallPolicies", "publicipprefix": "publicIPPrefixes",
}

// unknownID is an ID in res's resource group that no resource has: what a reference known only
// after deployment resolves to, so that the converter reports it as dangling and answers that
// depend on it say Unknown.
func unknownID(res, key string, n int) string {
	scope := res
	if i := strings.Index(strings.ToLower(res), "/providers/"); i >= 0 {
		scope = res[:i]
	}
	t, ok := refTypes[strings.ToLower(key)]
	if !ok {
		t = "unknownResources"
	}
	return fmt.Sprintf("%s/providers/Microsoft.Network/%s/unknown-until-deployment-%d", scope, t, n+1)
}
