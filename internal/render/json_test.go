package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzAppendIndent: AppendIndent indents any compact JSON value exactly as json.Indent does
// (the twin it replaces on the hot path). Seeds: strings with escaped quotes and backslashes,
// empty and nested containers, deep nesting, HTML and Unicode left unescaped.
func FuzzAppendIndent(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a":[]}`, `[{},[],{"":""}]`, `"x\"y\\"`, `{"a\\\"":"\\\\","b":"\"\\\""}`,
		`[1,-2.5e3,true,false,null]`, `{"<a>&":"é\u2028"}`, strings.Repeat("[", 40) + strings.Repeat("]", 40),
		`{"k":{"k":{"k":[{"z":"}],{\"["}]}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, b); err != nil {
			t.Fatal(err)
		}
		compact.WriteByte('\n') // as json.Encoder writes it
		var want bytes.Buffer
		if err := json.Indent(&want, compact.Bytes(), "", "  "); err != nil {
			t.Fatal(err)
		}
		if got := AppendIndent(nil, compact.Bytes()); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("AppendIndent(%s) =\n%s\njson.Indent:\n%s", compact.Bytes(), got, want.Bytes())
		}
	})
}
