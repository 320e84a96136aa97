package assume

import (
	"strings"
	"testing"
)

func TestParseAndFlip(t *testing.T) {
	var s Set
	for _, n := range Names() {
		if !s.Default(n) || s.Value(n) != n.Values()[0] {
			t.Errorf("zero Set: %s = %s, want the default %s", n, s.Value(n), n.Values()[0])
		}
	}
	if err := s.Parse("forwarded-reply=dropped"); err != nil {
		t.Fatal(err)
	}
	if s.Value(ForwardedReply) != "dropped" || s.Default(ForwardedReply) || !s.Default(PEReplyUDR) {
		t.Errorf("after Parse: %s=%s, pe-reply-udr default %v", ForwardedReply, s.Value(ForwardedReply), s.Default(PEReplyUDR))
	}
	if f := s.Flip(ForwardedReply); f.Value(ForwardedReply) != "allowed" || s.Value(ForwardedReply) != "dropped" {
		t.Errorf("Flip changed the receiver or did not flip: %s / %s", f.Value(ForwardedReply), s.Value(ForwardedReply))
	}
	for arg, want := range map[string]string{"forwarded-reply": "NAME=VALUE", "forwarded-reply=maybe": "allowed, dropped",
		"nope=x": "unknown name"} {
		if err := s.Parse(arg); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error saying %q", arg, err, want)
		}
	}
}
