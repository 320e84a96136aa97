// Package verify reads intents (cli.md "verify") and judges them against the equivalence
// classes of package reach: an intent holds only if it holds for every class, so for every
// address, protocol and port it names, and a class that breaks it is the counterexample.
package verify

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
)

// Expectation is what an intent expects of every packet it names.
type Expectation int

const (
	Reachable   Expectation = iota + 1 // every packet is Reachable
	Unreachable                        // no packet is Reachable or Intermittent
	Through                            // every packet that gets through crosses Intent.Through
)

// Intent is one line of an intents file.
type Intent struct {
	Name      string
	From, To  string
	Protocols []model.Protocol  // tcp, udp, icmp; "any" is all three; default tcp and udp
	Ports     []model.PortRange // destination ports; default all
	PortsText string            // as written ("" = all)
	Expect    Expectation
	Through   string // the resource of through:<resource>
	Line      int    // where the intent starts in its file
}

// ExpectText is the expectation as the file spells it.
func (in Intent) ExpectText() string {
	switch in.Expect {
	case Reachable:
		return "reachable"
	case Unreachable:
		return "unreachable"
	}
	return "through:" + in.Through
}

// InputError is a bad intents file: the file, the line and what is wrong.
type InputError struct {
	File string
	Line int
	Msg  string
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// Parse reads an intents file: YAML or JSON (JSON is YAML), either a list of intents or an
// object whose "intents" member is that list. Field names match case-insensitively.
func Parse(file string, data []byte) ([]Intent, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &InputError{File: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 {
		return nil, &InputError{File: file, Msg: "no intents: want a list of {name, from, to, protocol, ports, expect}"}
	}
	list := doc.Content[0]
	if list.Kind == yaml.MappingNode {
		if v := member(list, "intents"); v != nil {
			list = v
		}
	}
	if list.Kind != yaml.SequenceNode {
		return nil, &InputError{File: file, Line: list.Line, Msg: "want a list of intents, or an object with an \"intents\" list"}
	}
	var out []Intent
	names := map[string]int{}
	for i, n := range list.Content {
		in, err := intent(n)
		if err != nil {
			return nil, &InputError{File: file, Line: n.Line, Msg: fmt.Sprintf("intents[%d]: %s", i, err)}
		}
		if in.Name == "" {
			in.Name = fmt.Sprintf("intent-%d", i+1)
		}
		if at, dup := names[in.Name]; dup {
			return nil, &InputError{File: file, Line: n.Line, Msg: fmt.Sprintf("intents[%d]: name %q is also intents[%d]'s", i, in.Name, at)}
		}
		names[in.Name] = i
		out = append(out, in)
	}
	if len(out) == 0 {
		return nil, &InputError{File: file, Msg: "the intents list is empty"}
	}
	return out, nil
}

// member is the value of key k (case-insensitive) in mapping m, or nil.
func member(m *yaml.Node, k string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if strings.EqualFold(m.Content[i].Value, k) {
			return m.Content[i+1]
		}
	}
	return nil
}

var fields = []string{"name", "from", "to", "protocol", "ports", "expect"}

func intent(n *yaml.Node) (Intent, error) {
	in := Intent{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return in, fmt.Errorf("want an object {name, from, to, protocol, ports, expect}")
	}
	val := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := strings.ToLower(n.Content[i].Value), n.Content[i+1]
		known := false
		for _, f := range fields {
			known = known || f == k
		}
		if !known {
			return in, fmt.Errorf("unknown field %q (want %s)", n.Content[i].Value, strings.Join(fields, ", "))
		}
		if k == "ports" && v.Kind == yaml.SequenceNode { // ports: [22, 443]
			var ps []string
			for _, x := range v.Content {
				ps = append(ps, x.Value)
			}
			val[k] = strings.Join(ps, ",")
			continue
		}
		if v.Kind != yaml.ScalarNode {
			return in, fmt.Errorf("%s: want a string", k)
		}
		val[k] = strings.TrimSpace(v.Value)
	}
	in.Name, in.From, in.To = val["name"], val["from"], val["to"]
	if in.From == "" || in.To == "" {
		return in, fmt.Errorf("from and to are required")
	}
	var err error
	if in.Protocols, err = protocols(val["protocol"]); err != nil {
		return in, err
	}
	if p := val["ports"]; p != "" && !strings.EqualFold(p, "any") && p != "*" {
		if in.Ports, err = reach.ParsePorts(p); err != nil {
			return in, fmt.Errorf("ports: %v", err)
		}
		in.PortsText = reach.PortsString(in.Ports)
	}
	e := strings.ToLower(val["expect"])
	switch {
	case e == "reachable":
		in.Expect = Reachable
	case e == "unreachable":
		in.Expect = Unreachable
	case strings.HasPrefix(e, "through:") && len(strings.TrimSpace(val["expect"][8:])) > 0:
		in.Expect, in.Through = Through, strings.TrimSpace(val["expect"][8:])
	default:
		return in, fmt.Errorf("expect: want reachable, unreachable or through:<resource>, not %q", val["expect"])
	}
	return in, nil
}

// protocols reads "tcp", "udp", "icmp", "any" or a comma-separated list; "" is tcp and udp.
func protocols(s string) ([]model.Protocol, error) {
	if s == "" {
		return []model.Protocol{model.ProtoTCP, model.ProtoUDP}, nil
	}
	if strings.EqualFold(s, "any") || s == "*" {
		return []model.Protocol{model.ProtoTCP, model.ProtoUDP, model.ProtoICMP}, nil
	}
	var out []model.Protocol
	for _, part := range strings.Split(s, ",") {
		p, ok := model.ParseProtocol(strings.TrimSpace(part))
		if !ok || (p != model.ProtoTCP && p != model.ProtoUDP && p != model.ProtoICMP) {
			return nil, fmt.Errorf("protocol: want tcp, udp, icmp or any, not %q", part)
		}
		out = append(out, p)
	}
	return out, nil
}
