package synth

import (
	"strconv"
	"unicode/utf8"
)

// O is a JSON object whose keys keep their insertion order, so the files read like
// `az resource show` output (name, id, type, location, properties) rather than in
// encoding/json's alphabetical map order.
type O []KV

// KV is one member of an O.
type KV struct {
	K string
	V any
}

// Set appends a member and returns the object, for chaining.
func (o O) Set(k string, v any) O { return append(o, KV{k, v}) }

// Get returns the value of the first member named k.
func (o O) Get(k string) (any, bool) {
	for _, kv := range o {
		if kv.K == k {
			return kv.V, true
		}
	}
	return nil, false
}

// ref is an ARM reference object {"id": "..."}.
func ref(id string) O { return O{{"id", id}} }

// refs turns IDs into a list of reference objects.
func refs(ids ...string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = ref(id)
	}
	return out
}

// strs turns strings into a JSON array value.
func strs(s ...string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// appendJSON appends the compact encoding of v. Supported values: O, []any, []O, string,
// int, bool, nil. It is a hand-written encoder because reflection-based encoding of the
// default synthetic estate (tens of MB) costs most of the generation time.
func appendJSON(b []byte, v any) []byte { return appendValue(b, v, false) }

// appendInline is appendJSON with a space after each colon and comma, for the one-line
// objects of the pretty layout.
func appendInline(b []byte, v any) []byte { return appendValue(b, v, true) }

func appendValue(b []byte, v any, spaced bool) []byte {
	switch x := v.(type) {
	case O:
		b = append(b, '{')
		for i, kv := range x {
			b = sep(b, i, spaced)
			b = appendString(b, kv.K)
			b = append(b, ':')
			if spaced {
				b = append(b, ' ')
			}
			b = appendValue(b, kv.V, spaced)
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			b = sep(b, i, spaced)
			b = appendValue(b, e, spaced)
		}
		return append(b, ']')
	case []O:
		b = append(b, '[')
		for i, e := range x {
			b = sep(b, i, spaced)
			b = appendValue(b, e, spaced)
		}
		return append(b, ']')
	case string:
		return appendString(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case bool:
		return strconv.AppendBool(b, x)
	case nil:
		return append(b, "null"...)
	}
	panic("synth: unsupported JSON value type") // programmer error: only builders create values
}

func sep(b []byte, i int, spaced bool) []byte {
	if i == 0 {
		return b
	}
	if spaced {
		return append(b, ',', ' ')
	}
	return append(b, ',')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping what RFC 8259 requires plus <, >, &
// like encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	if plain(s) { // the common case: IDs, names, addresses
		b = append(b, s...)
		return append(b, '"')
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

// plain reports whether s needs no escaping.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// inlineWidth is the longest compact encoding that the pretty printer keeps on one line.
const inlineWidth = 110

// appendPretty appends v indented by two spaces per level, keeping on one line any object
// or array whose inline form fits in inlineWidth, and any reference object {"id": ...},
// like the Azure REST spec examples.
func appendPretty(b []byte, v any, indent int) []byte {
	compact := appendInline(nil, v)
	if len(compact)+indent*2 <= inlineWidth || isRef(v) {
		return append(b, compact...)
	}
	switch x := v.(type) {
	case O:
		b = append(b, '{')
		for i, kv := range x {
			b = prettySep(b, i, indent+1)
			b = appendString(b, kv.K)
			b = append(b, ": "...)
			b = appendPretty(b, kv.V, indent+1)
		}
		return prettyClose(b, indent, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			b = prettySep(b, i, indent+1)
			b = appendPretty(b, e, indent+1)
		}
		return prettyClose(b, indent, ']')
	case []O:
		b = append(b, '[')
		for i, e := range x {
			b = prettySep(b, i, indent+1)
			b = appendPretty(b, e, indent+1)
		}
		return prettyClose(b, indent, ']')
	}
	return append(b, compact...)
}

// isRef reports an object with a single scalar member.
func isRef(v any) bool {
	o, ok := v.(O)
	if !ok || len(o) != 1 {
		return false
	}
	switch o[0].V.(type) {
	case O, []any, []O:
		return false
	}
	return true
}

func prettySep(b []byte, i, indent int) []byte {
	if i > 0 {
		b = append(b, ',')
	}
	b = append(b, '\n')
	for j := 0; j < indent; j++ {
		b = append(b, ' ', ' ')
	}
	return b
}

func prettyClose(b []byte, indent int, c byte) []byte {
	b = append(b, '\n')
	for j := 0; j < indent; j++ {
		b = append(b, ' ', ' ')
	}
	return append(b, c)
}

// listFile encodes resources as an ARM list answer {"value": [...]}, one of the input shapes
// vnetdoctor reads (cli.md). pretty selects the indented layout used for examples.
func listFile(resources []O, pretty bool) []byte {
	doc := O{{"value", resources}}
	if pretty {
		return append(appendPretty(nil, doc, 0), '\n')
	}
	// Compact, but one resource per line so a failing benchmark input can be inspected.
	// Size the buffer from a sample resource: growing a 10 MB buffer by doubling costs more
	// than encoding it.
	b := []byte(`{"value":[`)
	if len(resources) > 0 {
		sample := len(appendJSON(nil, resources[len(resources)/2]))
		b = append(make([]byte, 0, sample*len(resources)*5/4+1024), b...)
	}
	for i, r := range resources {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = appendJSON(b, r)
	}
	return append(b, "\n]}\n"...)
}
