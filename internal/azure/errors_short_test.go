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
