package azure

import (
	"strings"
	"testing"
)

func TestDeepPathIsShortenedInTheMessage(t *testing.T) {
	deep := "$" + strings.Repeat("[0]", 512)
	e := &InputError{File: "deep.json", Path: deep, Msg: "nesting deeper than 512 levels"}
	msg := e.Error()
	if len(msg) > 250 || !strings.HasPrefix(msg, "deep.json: $[0][0]") || !strings.HasSuffix(msg, "[0]: nesting deeper than 512 levels") {
		t.Errorf("message = %q (%d bytes); want the path's head and tail within 250 bytes", msg, len(msg))
	}
	short := &InputError{File: "f.json", Path: "$.properties.addressPrefix", Msg: "bad"}
	if got := short.Error(); got != "f.json: $.properties.addressPrefix: bad" {
		t.Errorf("short path changed: %q", got)
	}
}

// A JSON syntax error reaches callers as an *InputError with the parser's message unchanged.
func TestSyntaxErrorIsAnInputError(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":1} {}`:             `f.json: $: invalid JSON at line 1 column 9: unexpected data after the top-level value`,
		strings.Repeat("[", 600): `f.json: $` + strings.Repeat("[0]", 26) + `[…0]` + strings.Repeat("[0]", 26) + `: invalid JSON at line 1 column 513: nesting deeper than 512 levels`,
		"\xff\xfe{":              `f.json: invalid UTF-16 text (odd length)`,
	} {
		_, err := DecodeFile("f.json", []byte(in))
		ie, ok := err.(*InputError)
		if !ok || ie.Error() != want {
			t.Errorf("DecodeFile(%.20q) error = %T %v\nwant *InputError %s", in, err, err, want)
		}
	}
}
