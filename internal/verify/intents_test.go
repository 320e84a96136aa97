package verify

import (
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

func TestParseYAMLAndJSON(t *testing.T) {
	yaml := `
intents:
  - name: a
    from: vnet-a/snet-1
    to: Internet
    protocol: tcp
    ports: [443, 80]
    expect: through:afw-hub
  - From: 10.0.0.0/24
    To: vm-x
    Expect: Unreachable
`
	json := `[{"name": "a", "from": "vnet-a/snet-1", "to": "Internet", "protocol": "tcp", "ports": "80,443", "expect": "through:afw-hub"},
	          {"from": "10.0.0.0/24", "to": "vm-x", "expect": "unreachable"}]`
	for _, src := range []string{yaml, json} {
		got, err := Parse("f", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("%d intents, want 2", len(got))
		}
		a, b := got[0], got[1]
		if a.Name != "a" || a.Expect != Through || a.Through != "afw-hub" || a.PortsText != "80,443" ||
			len(a.Protocols) != 1 || a.Protocols[0] != model.ProtoTCP || a.ExpectText() != "through:afw-hub" {
			t.Errorf("first intent %+v", a)
		}
		if b.Name != "intent-2" || b.Expect != Unreachable || b.Ports != nil || len(b.Protocols) != 2 || b.From != "10.0.0.0/24" {
			t.Errorf("second intent %+v; want a default name, all ports, tcp and udp", b)
		}
	}
}

// TestParseErrors: each bad file names the file, the line and what is wrong.
func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"", "f: no intents"},
		{"[]", "f: the intents list is empty"},
		{"{a: 1}", "f:1: want a list of intents"},
		{"- from: a\n  to: b\n  expect: maybe", "f:1: intents[0]: expect: want reachable, unreachable or through:<resource>"},
		{"- from: a\n  to: b\n  expect: reachable\n- from: a\n  to: b\n  ports: 99999\n  expect: reachable", "f:4: intents[1]: ports: port \"99999\""},
		{"- from: a\n  expect: reachable", "f:1: intents[0]: from and to are required"},
		{"- from: a\n  to: b\n  expect: reachable\n  colour: red", "f:1: intents[0]: unknown field \"colour\""},
		{"- {from: a, to: b, expect: reachable, protocol: gre}", "f:1: intents[0]: protocol: want tcp, udp, icmp or any"},
		{"- {name: x, from: a, to: b, expect: reachable}\n- {name: x, from: a, to: b, expect: reachable}", "f:2: intents[1]: name \"x\" is also intents[0]'s"},
		{"- [unclosed", "f: "},
	} {
		_, err := Parse("f", []byte(c.src))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v; want an error starting %q", c.src, err, c.want)
		}
	}
}
