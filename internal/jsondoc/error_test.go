package jsondoc

import (
	"strings"
	"testing"
)

func TestErrorRedactsSecrets(t *testing.T) {
	for _, c := range []struct{ msg, secret string }{
		{`invalid prefix "https://x.blob.core.windows.net/c?sv=2022&sig=SuperSecretSig123%3D&se=2030"`, "SuperSecretSig123"},
		{`invalid prefix "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=TopSecretKey0123==;EndpointSuffix=core"`, "TopSecretKey0123"},
		{`want an object, got string "Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=Zm9vYmFy="`, "Zm9vYmFy"},
		{`bad header "SharedAccessSignature sr=x&sig=AbCdEf&se=1"`, "AbCdEf"},
		{`unknown value "{\"sharedKey\": \"Abc123-secret\"}"`, "Abc123-secret"},
		{`invalid "sharedKey: hunter2"`, "hunter2"},
		{`invalid "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"`, "eyJzdWIiOiIxIn0"},
	} {
		got := (&Error{File: "f.json", Path: "$.a", Msg: c.msg}).Error()
		if strings.Contains(got, c.secret) || !strings.Contains(got, "<redacted>") || strings.Contains(got, "\n") {
			t.Errorf("Error() = %s\nwant %q redacted", got, c.secret)
		}
	}
	plain := (&Error{File: "f.json", Path: "$.a", Msg: `invalid prefix "10.0.0.300/16"`}).Error()
	if plain != `f.json: $.a: invalid prefix "10.0.0.300/16"` {
		t.Errorf("Error() = %s, changed a message without secrets", plain)
	}
}

func TestErrorClipsLongValues(t *testing.T) {
	long := strings.Repeat("é", 5000)
	got := (&Error{File: "f.json", Path: "$.a", Msg: `invalid prefix "` + long + `" here`}).Error()
	if len(got) > 200 || !strings.HasSuffix(got, `..." here`) {
		t.Errorf("Error() is %d bytes: %.300s", len(got), got)
	}
	if c := Clip(long); len(c) > MaxQuote || !strings.HasSuffix(c, "...") {
		t.Errorf("Clip = %d bytes %q", len(c), c)
	}
	if got := Clip("sig=abc"); got != "sig=<redacted>" {
		t.Errorf("Clip(sig=abc) = %q", got)
	}
}

func TestInvalidUTF8(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"{\"name\": \"v\xff\"}", `f.json: $.name: invalid JSON at line 1 column 12: invalid UTF-8 (byte 0xFF) in string`},
		{"{\"name\": \"a\\n\xc3\"}", `f.json: $.name: invalid JSON at line 1 column 14: invalid UTF-8 (byte 0xC3) in string`},
		{"[\n\xfe]", `f.json: $[0]: invalid JSON at line 2 column 1: unexpected byte 0xFE (not UTF-8)`},
		{"{\"k\xe9y\": 1}", `f.json: $: invalid JSON at line 1 column 4: invalid UTF-8 (byte 0xE9) in string`},
	} {
		_, err := Parse("f.json", []byte(c.in))
		if err == nil || err.Error() != c.want {
			t.Errorf("Parse(%q) error = %v\nwant %s", c.in, err, c.want)
		}
	}
	if v, err := Parse("f.json", []byte(`{"name": "Zürich 東京 😀"}`)); err != nil || v.Get("name").Text() != "Zürich 東京 😀" {
		t.Errorf("valid UTF-8: %v", err)
	}
}

func TestParseStream(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int // values; 0 = one value, not wrapped
		want string
	}{
		{`{"a":1}`, 0, ""},
		{`{"a":1}{"b":2}`, 2, ""},
		{"[1]\n[2]\n[3]\n", 3, ""},
		{"{\"value\":[]}\n  {\"value\":[1]}", 2, ""},
		{"", 0, `f: $: invalid JSON at line 1 column 1: unexpected end of input`},
		{"{}\n{\"a\":}", 0, `f: $[1].a: invalid JSON at line 2 column 6: unexpected '}'`},
	} {
		v, err := ParseStream("f", []byte(c.in))
		if c.want != "" {
			if err == nil || err.Error() != c.want {
				t.Errorf("ParseStream(%q) error = %v, want %s", c.in, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseStream(%q): %v", c.in, err)
			continue
		}
		if c.n > 0 && (v.Kind != Array || len(v.Kids()) != c.n) {
			t.Errorf("ParseStream(%q) = %v with %d values, want an array of %d", c.in, v.Kind, len(v.Kids()), c.n)
		}
		if c.n == 0 && v.Kind != Object {
			t.Errorf("ParseStream(%q) = %v, want the one object", c.in, v.Kind)
		}
	}
}

func TestRedactLeavesOrdinaryMessages(t *testing.T) {
	for _, msg := range []string{
		`invalid JSON at line 1 column 2: unexpected 'x', want a string (object key)`,
		`unexpected token "abc"`, `want a string, got an object`, `monkey business: 3`,
	} {
		if got := Redact(msg); got != msg {
			t.Errorf("Redact(%q) = %q", msg, got)
		}
	}
}
