// Package jsonschema validates a JSON document against a JSON Schema (draft-04), as far as the
// SARIF 2.1.0 schema needs: $ref to the schema's own definitions, type, properties, required,
// additionalProperties, items, minItems, uniqueItems, minimum, maximum, enum, pattern, anyOf,
// oneOf and the formats uri, uri-reference and date-time. Other keywords are ignored; an
// unsupported $ref is an error, so a schema it cannot read fails loudly instead of passing.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Schema is a parsed schema document.
type Schema struct {
	root    map[string]any
	regexps map[string]*regexp.Regexp
}

// Parse reads a schema.
func Parse(data []byte) (*Schema, error) {
	var root map[string]any
	if err := json.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return &Schema{root: root, regexps: map[string]*regexp.Regexp{}}, nil
}

// ValidateFile validates doc against the schema in the file at path.
func ValidateFile(path string, doc []byte) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	return s.Validate(doc)
}

// Validate returns every violation in doc, each as "JSON path: what is wrong", sorted; none
// means doc is valid. Bad JSON is an error.
func (s *Schema) Validate(doc []byte) ([]string, error) {
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	var errs []string
	s.check(s.root, v, "$", &errs)
	sort.Strings(errs)
	return errs, nil
}

func (s *Schema) check(sc map[string]any, v any, path string, errs *[]string) {
	if ref, ok := sc["$ref"].(string); ok {
		target, err := s.resolve(ref)
		if err != nil {
			*errs = append(*errs, path+": "+err.Error())
			return
		}
		s.check(target, v, path, errs)
		return
	}
	fail := func(format string, a ...any) { *errs = append(*errs, path+": "+fmt.Sprintf(format, a...)) }
	if t, ok := sc["type"]; ok && !typeOK(t, v) {
		fail("want type %v, got %s", t, typeName(v))
		return
	}
	if enum, ok := sc["enum"].([]any); ok && !contains(enum, v) {
		fail("%v is not one of %v", v, enum)
	}
	for _, kw := range []string{"anyOf", "oneOf"} {
		subs, ok := sc[kw].([]any)
		if !ok {
			continue
		}
		n := 0
		for _, sub := range subs {
			var e []string
			s.check(sub.(map[string]any), v, path, &e)
			if len(e) == 0 {
				n++
			}
		}
		if n == 0 || kw == "oneOf" && n != 1 {
			fail("%s: %d of %d schemas match", kw, n, len(subs))
		}
	}
	switch x := v.(type) {
	case map[string]any:
		s.object(sc, x, path, errs)
	case []any:
		s.array(sc, x, path, errs)
	case string:
		if p, ok := sc["pattern"].(string); ok && !s.re(p).MatchString(x) {
			fail("%q does not match %s", x, p)
		}
		if f, ok := sc["format"].(string); ok && !formatOK(f, x) {
			fail("%q is not a valid %s", x, f)
		}
	case json.Number:
		f, _ := x.Float64()
		if m, ok := sc["minimum"].(float64); ok && f < m {
			fail("%v is below the minimum %v", x, m)
		}
		if m, ok := sc["maximum"].(float64); ok && f > m {
			fail("%v is above the maximum %v", x, m)
		}
	}
}

func (s *Schema) object(sc map[string]any, x map[string]any, path string, errs *[]string) {
	for _, r := range asList(sc["required"]) {
		if _, ok := x[r.(string)]; !ok {
			*errs = append(*errs, fmt.Sprintf("%s: missing required property %q", path, r))
		}
	}
	props, _ := sc["properties"].(map[string]any)
	for k, val := range x {
		if p, ok := props[k].(map[string]any); ok {
			s.check(p, val, path+"."+k, errs)
			continue
		}
		switch ap := sc["additionalProperties"].(type) {
		case bool:
			if !ap {
				*errs = append(*errs, fmt.Sprintf("%s: property %q is not allowed", path, k))
			}
		case map[string]any:
			s.check(ap, val, path+"."+k, errs)
		}
	}
}

func (s *Schema) array(sc map[string]any, x []any, path string, errs *[]string) {
	if m, ok := sc["minItems"].(float64); ok && float64(len(x)) < m {
		*errs = append(*errs, fmt.Sprintf("%s: %d items, want at least %v", path, len(x), m))
	}
	if u, _ := sc["uniqueItems"].(bool); u {
		for i := range x {
			for j := i + 1; j < len(x); j++ {
				if reflect.DeepEqual(x[i], x[j]) {
					*errs = append(*errs, fmt.Sprintf("%s: items %d and %d are equal", path, i, j))
				}
			}
		}
	}
	if it, ok := sc["items"].(map[string]any); ok {
		for i, e := range x {
			s.check(it, e, fmt.Sprintf("%s[%d]", path, i), errs)
		}
	}
}

// resolve follows "#" and "#/definitions/NAME" (JSON pointer into the root).
func (s *Schema) resolve(ref string) (map[string]any, error) {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("unsupported $ref %q", ref)
	}
	var cur any = s.root
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if tok == "" {
			continue
		}
		m, _ := cur.(map[string]any)
		if cur = m[strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")]; cur == nil {
			return nil, fmt.Errorf("$ref %q points nowhere", ref)
		}
	}
	m, ok := cur.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("$ref %q is not a schema", ref)
	}
	return m, nil
}

func (s *Schema) re(p string) *regexp.Regexp {
	if r, ok := s.regexps[p]; ok {
		return r
	}
	r, err := regexp.Compile(p)
	if err != nil {
		r = regexp.MustCompile(".*") // an ECMA-only pattern Go cannot read: not checked
	}
	s.regexps[p] = r
	return r
}

func typeOK(t any, v any) bool {
	for _, name := range asList(t) {
		switch n := typeName(v); {
		case name == n, name == "number" && n == "integer":
			return true
		}
	}
	return false
}

func typeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "integer"
		}
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

func asList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case nil:
		return nil
	}
	return []any{v}
}

func contains(list []any, v any) bool {
	for _, e := range list {
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil && reflect.DeepEqual(e, f) {
				return true
			}
		}
		if reflect.DeepEqual(e, v) {
			return true
		}
	}
	return false
}

func formatOK(f, s string) bool {
	switch f {
	case "uri":
		u, err := url.Parse(s)
		return err == nil && u.Scheme != ""
	case "uri-reference":
		_, err := url.Parse(s)
		return err == nil
	case "date-time":
		_, err := time.Parse(time.RFC3339, s)
		return err == nil
	}
	return true
}
