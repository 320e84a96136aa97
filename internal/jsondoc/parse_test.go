package jsondoc

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// toAny converts a parsed Value to what encoding/json produces, for differential tests.
func toAny(v *Value) any {
	switch v.Kind {
	case Null:
		return nil
	case Bool:
		return v.Str() == "true"
	case Number:
		var f float64
		_ = json.Unmarshal([]byte(v.Str()), &f)
		return f
	case String:
		return v.Str()
	case Array:
		out := []any{}
		for i := range v.Kids() {
			out = append(out, toAny(&v.Kids()[i].Val))
		}
		return out
	}
	out := map[string]any{}
	for i := range v.Kids() {
		out[v.Kids()[i].Raw] = toAny(&v.Kids()[i].Val)
	}
	return out
}

var jsonCases = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e10`, `-12.25E-3`, `"x"`,
	`{"a":1,"b":[1,2,{"c":null}]}`, ` [ 1 , 2 ] `, `"\u00e9\n\t\"\\\/"`, `"\ud83d\ude00"`, `"\ud83d"`,
	`{"a":1,"a":2}`, `[[[[]]]]`, `"é"`,
	// invalid
	``, `{`, `[1,]`, `{"a"}`, `{"a":}`, `01`, `1.`, `.5`, `-`, `1e`, `tru`, `nul`, `"abc`, `"a\x"`, `{"a":1}x`,
	"\"a\tb\"", `[1 2]`, `{1:2}`, `{"a":1,}`, `"\u12"`, `+1`,
}

func TestParseMatchesEncodingJSON(t *testing.T) {
	for _, in := range jsonCases {
		var want any
		wantErr := json.Unmarshal([]byte(in), &want)
		v, err := Parse("f.json", []byte(in))
		if (err != nil) != (wantErr != nil) {
			t.Errorf("Parse(%q) error = %v, encoding/json error = %v", in, err, wantErr)
			continue
		}
		if err == nil && !reflect.DeepEqual(toAny(v), want) {
			t.Errorf("Parse(%q) = %#v, want %#v", in, toAny(v), want)
		}
	}
}

func TestParseRandomMutations(t *testing.T) {
	seed := `{"id":"/subscriptions/s/x","properties":{"addressPrefixes":["10.0.0.0/16"],"n":[1,-2.5e3,true,null,"\u0041"]}}`
	r := rand.New(rand.NewSource(1))
	alphabet := []byte(`{}[]:,"\ 0123456789.eE+-tfnulra`)
	for i := 0; i < 20000; i++ {
		b := []byte(seed)
		for j := r.Intn(4); j >= 0; j-- {
			b[r.Intn(len(b))] = alphabet[r.Intn(len(alphabet))]
		}
		var want any
		wantErr := json.Unmarshal(b, &want)
		v, err := Parse("f", b)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("Parse(%q) error = %v, encoding/json error = %v", b, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(toAny(v), want) {
			t.Fatalf("Parse(%q) = %#v, want %#v", b, toAny(v), want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"properties": {"subnets": [{"name": "a"`, `f.json: $.properties.subnets[0]: invalid JSON at line 1 column 41: unexpected end of input, want ',' or '}'`},
		{"hello", `f.json: $: invalid JSON at line 1 column 1: unexpected 'h'`},
		{"{\n  \"a\": [1,\n  2,,]}", `f.json: $.a[2]: invalid JSON at line 3 column 5: unexpected ','`},
		{"", `f.json: $: invalid JSON at line 1 column 1: unexpected end of input`},
		{`{"a":1} {}`, `f.json: $: invalid JSON at line 1 column 9: unexpected data after the top-level value`},
		{strings.Repeat("[", 600), `f.json: ` + shortPath(`$`+strings.Repeat("[0]", 512)) + `: invalid JSON at line 1 column 513: nesting deeper than 512 levels`},
	} {
		_, err := Parse("f.json", []byte(c.in))
		if err == nil || err.Error() != c.want {
			t.Errorf("Parse(%.40q) error = %v\nwant %s", c.in, err, c.want)
		}
	}
}

func TestParseEncodings(t *testing.T) {
	utf16le := []byte{0xFF, 0xFE}
	for _, r := range `{"a":"é"}` {
		utf16le = append(utf16le, byte(r), byte(r>>8))
	}
	for name, in := range map[string][]byte{
		"bom":     append([]byte{0xEF, 0xBB, 0xBF}, `{"a":"é"}`...),
		"utf16le": utf16le,
	} {
		v, err := Parse(name, in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := v.Get("a").Text(); got != "é" {
			t.Errorf("%s: a = %q, want é", name, got)
		}
	}
}

func TestKeysAreCaseInsensitive(t *testing.T) {
	v, err := Parse("f", []byte(`{"AddressPrefix":"x","addressPREFIX":"y"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Get("addressprefix").Text(); got != "y" {
		t.Errorf("Get = %q, want the last member y", got)
	}
	if v.Kids()[0].Raw != "AddressPrefix" || v.Kids()[0].Key != "addressprefix" {
		t.Errorf("member 0 = %q/%q, want raw AddressPrefix key addressprefix", v.Kids()[0].Raw, v.Kids()[0].Key)
	}
}

// TestParseOwnedMatchesParse parses every case, and the encodings, both ways: the same tree or
// the same error, whether the strings are read in place or from a copy.
func TestParseOwnedMatchesParse(t *testing.T) {
	utf16le := []byte{0xFF, 0xFE}
	for _, r := range `{"a":"é"}` {
		utf16le = append(utf16le, byte(r), byte(r>>8))
	}
	ins := [][]byte{append([]byte{0xEF, 0xBB, 0xBF}, `{"a":"é"}`...), utf16le, {0xFF}}
	for _, c := range jsonCases {
		ins = append(ins, []byte(c))
	}
	for _, in := range ins {
		want, wantErr := Parse("f.json", in)
		got, err := ParseOwned("f.json", append([]byte(nil), in...))
		if !sameTree(got, want) || !reflect.DeepEqual(err, wantErr) {
			t.Errorf("ParseOwned(%q) = %v, %v; Parse gives %v, %v", in, got, err, want, wantErr)
		}
	}
}

// sameTree reports whether two trees hold the same kinds, texts and members (reflect.DeepEqual
// would compare where their texts are stored).
func sameTree(a, b *Value) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind || a.Str() != b.Str() || len(a.Kids()) != len(b.Kids()) {
		return false
	}
	for i, m := range a.Kids() {
		n := b.Kids()[i]
		if m.Key != n.Key || m.Raw != n.Raw || !sameTree(&m.Val, &n.Val) {
			return false
		}
	}
	return true
}

// TestValueSize pins the size of a member: the tree is written twice while it is built, and a
// snapshot's files parse into millions of members (Value).
func TestValueSize(t *testing.T) {
	if s := unsafe.Sizeof(Member{}); s != 48 {
		t.Errorf("a member is %d bytes, want 48", s)
	}
}
