package jsonschema

import (
	"strings"
	"testing"
)

const schema = `{"definitions": {"pos": {"type": "integer", "minimum": 1}},
 "type": "object", "required": ["name"], "additionalProperties": false,
 "properties": {"name": {"type": "string", "pattern": "^[a-z]+$"}, "line": {"$ref": "#/definitions/pos"},
  "tags": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"enum": ["a", "b"]}},
  "uri": {"type": "string", "format": "uri"}, "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}}`

func TestValidate(t *testing.T) {
	s, err := Parse([]byte(schema))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ doc, want string }{
		{`{"name": "ok", "line": 3, "tags": ["a", "b"], "uri": "https://x/y", "either": 2}`, ""},
		{`{}`, `missing required property "name"`},
		{`{"name": "Bad"}`, "does not match"},
		{`{"name": "x", "line": 0}`, "below the minimum"},
		{`{"name": "x", "line": 1.5}`, "want type integer"},
		{`{"name": "x", "tags": []}`, "want at least 1"},
		{`{"name": "x", "tags": ["a", "a"]}`, "are equal"},
		{`{"name": "x", "tags": ["c"]}`, "is not one of"},
		{`{"name": "x", "uri": "relative/path"}`, "not a valid uri"},
		{`{"name": "x", "either": true}`, "oneOf: 0 of 2"},
		{`{"name": "x", "extra": 1}`, `property "extra" is not allowed`},
	} {
		errs, err := s.Validate([]byte(c.doc))
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(errs, "; ")
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%s: errors %q, want %q", c.doc, got, c.want)
		}
	}
}
