package jsondoc

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// Kind is the JSON type of a Value.
type Kind uint8

const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

func (k Kind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

// Value is one node of a parsed JSON document. Strings and numbers are substrings of the
// source (no copy unless the string had escapes). Object keys are stored twice: Key in
// lower case (Azure property names match case-insensitively, cli.md) and Raw as spelled,
// for error paths.
//
// A value holds its text or its members in one pointer and a length (Str, Kids), not in a
// string and a slice: 16 bytes instead of 48, so a member is 48 bytes instead of 80. A
// snapshot's files parse into about as many members as they have kilobytes times 28 (1.8
// million for the 10,000-NIC estate's 65 MB); the tree is written twice while it is built and
// is garbage once decoded, and its size was a fifth of the time `diff` spent loading.
type Value struct {
	ptr  unsafe.Pointer // the text's bytes, or the first member
	n    uint32         // the text's length, or the number of members
	Kind Kind
}

// Str is the text of a String, the literal of a Number, "true" or "false" of a Bool, "null"
// of a parsed Null; "" for an array, an object, or the zero Value.
func (v Value) Str() string {
	if v.Kind == Array || v.Kind == Object {
		return ""
	}
	return unsafe.String((*byte)(v.ptr), v.n)
}

// Kids is an object's members in input order, or an array's items (Key ""); nil for other
// kinds. Read only: the members are the tree's.
func (v Value) Kids() []Member {
	if v.Kind != Array && v.Kind != Object {
		return nil
	}
	return unsafe.Slice((*Member)(v.ptr), v.n)
}

// maxLen is the longest text and the most members a value holds (its length is 32 bits); a
// snapshot file is at most 1 GiB (azure.DefaultMaxFileSize), but standard input is not bounded.
const maxLen uint64 = 1<<32 - 1

func textValue(k Kind, s string) Value {
	return Value{ptr: unsafe.Pointer(unsafe.StringData(s)), n: uint32(len(s)), Kind: k}
}

func kidsValue(k Kind, kids []Member) Value {
	return Value{ptr: unsafe.Pointer(unsafe.SliceData(kids)), n: uint32(len(kids)), Kind: k}
}

// Member is one object member or array item.
type Member struct {
	Key string // lower case; "" for array items
	Raw string // as spelled in the input
	Val Value
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 512

type seg struct {
	key string
	idx int // -1 for an object member
}

type parser struct {
	s     string
	i     int
	keys  map[string]string // raw key -> lower-case key, so each spelling is lowered once
	stack []Member          // scratch for the children of open containers
	slab  []Member          // free part of the current allocation slab
	path  []seg             // where the parser is, for error messages
	err   *Error
	file  string
}

// Parse parses one JSON document. Errors are *Error naming the JSON path where the
// parser stopped and the line and column.
func Parse(file string, data []byte) (*Value, error) {
	src, err := text(file, data)
	if err != nil {
		return nil, err
	}
	return parse(file, src)
}

// ParseOwned is Parse of data that nothing writes to again: the tree's strings are read from data
// in place instead of from a copy (a snapshot's files are tens of MiB, read once and kept only as
// their trees' strings). The caller must not modify data afterwards.
func ParseOwned(file string, data []byte) (*Value, error) {
	if len(data) == 0 || hasBOM(data) || isUTF16(data) {
		return Parse(file, data) // text makes a new string of these anyway
	}
	return parse(file, unsafe.String(unsafe.SliceData(data), len(data)))
}

// hasBOM reports whether b starts with a UTF-8 byte order mark.
func hasBOM(b []byte) bool { return len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF }

// isUTF16 reports whether b starts with a UTF-16 byte order mark (either byte order).
func isUTF16(b []byte) bool {
	return len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF)
}

func parse(file, src string) (*Value, error) {
	p := newParser(file, src)
	defer p.release()
	p.ws()
	v := p.value()
	if p.err == nil {
		p.ws()
		if p.i < len(p.s) {
			p.fail("unexpected data after the top-level value")
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	return &v, nil
}

// ParseStream parses a stream of JSON values one after the other, with or without white space
// between them: concatenated documents, or JSON lines (what piping several `az ... list`
// commands into one standard input produces). One value is returned as Parse returns it;
// several as an array of them, so the second value's path is $[1]. Empty input is an error.
func ParseStream(file string, data []byte) (*Value, error) {
	src, err := text(file, data)
	if err != nil {
		return nil, err
	}
	p := newParser(file, src)
	defer p.release()
	p.ws()
	var vals []Member
	for p.err == nil && (p.i < len(p.s) || len(vals) == 0) {
		if len(vals) > 0 {
			p.path = append(p.path[:0], seg{idx: len(vals)})
		}
		vals = append(vals, Member{Val: p.value()})
		p.ws()
	}
	if p.err != nil {
		return nil, p.err
	}
	if len(vals) == 1 {
		return &vals[0].Val, nil
	}
	if uint64(len(vals)) > maxLen {
		return nil, &Error{File: file, Msg: fmt.Sprintf("more than %d JSON values", maxLen)}
	}
	v := kidsValue(Array, vals)
	return &v, nil
}

// parsers keeps parsers' scratch (the stack, the path, the map of lowered keys) from one
// document to the next: a snapshot of 10,000 one-resource files parses 10,000 documents.
var parsers = sync.Pool{New: func() any { return &parser{keys: map[string]string{}} }}

func newParser(file, src string) *parser {
	p := parsers.Get().(*parser)
	p.s, p.file = src, file
	return p
}

// release returns p's scratch to the pool, holding nothing of the document it parsed.
func (p *parser) release() {
	if len(p.keys) > 4096 {
		p.keys = map[string]string{}
	}
	clear(p.keys)
	clear(p.stack) // close clears what it pops; an error leaves the rest
	if cap(p.stack) > 1<<16 {
		p.stack = nil
	}
	*p = parser{keys: p.keys, stack: p.stack[:0], path: p.path[:0]}
	parsers.Put(p)
}

// text turns file bytes into a string, dropping a UTF-8 byte order mark and decoding
// UTF-16 (what PowerShell's `>` writes).
func text(file string, b []byte) (string, error) {
	switch {
	case hasBOM(b):
		return string(b[3:]), nil
	case isUTF16(b):
		if len(b)%2 != 0 {
			return "", &Error{File: file, Msg: "invalid UTF-16 text (odd length)"}
		}
		u := make([]uint16, 0, len(b)/2-1)
		for i := 2; i+1 < len(b); i += 2 {
			if b[0] == 0xFF {
				u = append(u, uint16(b[i])|uint16(b[i+1])<<8)
			} else {
				u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
			}
		}
		return string(utf16.Decode(u)), nil
	}
	return string(b), nil
}

func (p *parser) fail(format string, a ...any) {
	if p.err != nil {
		return
	}
	line, col := 1, 1
	for j := 0; j < p.i && j < len(p.s); j++ {
		if p.s[j] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	msg := fmt.Sprintf("invalid JSON at line %d column %d: %s", line, col, fmt.Sprintf(format, a...))
	p.err = &Error{File: p.file, Path: formatSegs(p.path), Msg: msg}
}

func formatSegs(segs []seg) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range segs {
		writeSeg(&b, s.key, s.idx)
	}
	return b.String()
}

func (p *parser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value parses one value; it returns it by value so that nothing escapes to the heap.
func (p *parser) value() Value {
	if p.i >= len(p.s) {
		p.fail("unexpected end of input")
		return Value{}
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return kidsValue(Object, p.object())
	case c == '[':
		return kidsValue(Array, p.array())
	case c == '"':
		return p.text(String, p.str())
	case c == '-' || c >= '0' && c <= '9':
		return p.text(Number, p.number())
	}
	var v Value
	p.literal(&v)
	return v
}

// text is a String or Number value, or a failure for a text longer than a value holds.
func (p *parser) text(k Kind, s string) Value {
	if uint64(len(s)) > maxLen {
		p.fail("a %s longer than %d bytes", k, maxLen)
		return Value{}
	}
	return textValue(k, s)
}

func (p *parser) literal(v *Value) {
	for _, lit := range [...]struct {
		s string
		k Kind
	}{{"true", Bool}, {"false", Bool}, {"null", Null}} {
		if strings.HasPrefix(p.s[p.i:], lit.s) {
			*v = textValue(lit.k, lit.s)
			p.i += len(lit.s)
			return
		}
	}
	p.fail("unexpected %s", quoteChar(p.s[p.i:]))
}

func quoteChar(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && size == 1 {
		return fmt.Sprintf("byte 0x%02X (not UTF-8)", s[0])
	}
	return strconv.QuoteRune(r)
}

func (p *parser) enter() bool {
	if len(p.path) >= maxDepth {
		p.fail("nesting deeper than %d levels", maxDepth)
		return false
	}
	return true
}

func (p *parser) object() []Member {
	if !p.enter() {
		return nil
	}
	p.i++ // {
	start := len(p.stack)
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return nil
	}
	for p.err == nil {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			p.expect("a string (object key)")
			break
		}
		raw := p.str()
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			p.expect("':'")
			break
		}
		p.i++
		p.ws()
		if !p.child(seg{key: raw, idx: -1}, p.lower(raw), raw, '}') {
			break
		}
	}
	return p.close(start)
}

func (p *parser) array() []Member {
	if !p.enter() {
		return nil
	}
	p.i++ // [
	start := len(p.stack)
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return nil
	}
	for n := 0; p.err == nil; n++ {
		p.ws()
		if !p.child(seg{idx: n}, "", "", ']') {
			break
		}
	}
	return p.close(start)
}

// child parses one object member (key, raw) or array item (key and raw "") at path segment sg
// onto the scratch stack, and reports whether another follows before end.
func (p *parser) child(sg seg, key, raw string, end byte) bool {
	p.path = append(p.path, sg)
	p.stack = append(p.stack, Member{Key: key, Raw: raw})
	kid := p.value()
	p.stack[len(p.stack)-1].Val = kid
	p.path = p.path[:len(p.path)-1]
	return p.next(end)
}

// next consumes ',' (true: another element follows) or the closing byte (false).
func (p *parser) next(end byte) bool {
	if p.err != nil {
		return false
	}
	p.ws()
	if p.i < len(p.s) {
		switch p.s[p.i] {
		case ',':
			p.i++
			return true
		case end:
			p.i++
			return false
		}
	}
	p.expect("',' or '" + string(end) + "'")
	return false
}

func (p *parser) expect(what string) {
	if p.i >= len(p.s) {
		p.fail("unexpected end of input, want %s", what)
		return
	}
	p.fail("unexpected %s, want %s", quoteChar(p.s[p.i:]), what)
}

// close moves the children collected since start into an exact-size slice carved from a
// slab, so a document costs a few large allocations instead of one per container.
func (p *parser) close(start int) []Member {
	var kids []Member
	if n := len(p.stack) - start; uint64(n) > maxLen {
		p.fail("more than %d members", maxLen)
	} else if n > 0 {
		kids = p.alloc(n)
		copy(kids, p.stack[start:])
	}
	clear(p.stack[start:])
	p.stack = p.stack[:start]
	return kids
}

// slabSize is the largest slab; a slab is never larger than the rest of the input could fill
// (a member takes at least minMemberBytes bytes of JSON), so a small document, one of
// thousands of one-resource files, does not zero a large slab it never uses.
const (
	slabSize       = 4096
	minSlab        = 16
	minMemberBytes = 16
)

func (p *parser) alloc(n int) []Member {
	if n > slabSize/4 {
		return make([]Member, n)
	}
	if len(p.slab) < n {
		size := min(slabSize, max(minSlab, n, (len(p.s)-p.i)/minMemberBytes))
		p.slab = make([]Member, size)
	}
	out := p.slab[:n:n]
	p.slab = p.slab[n:]
	return out
}

func (p *parser) lower(raw string) string {
	if k, ok := p.keys[raw]; ok {
		return k
	}
	k := strings.ToLower(raw)
	p.keys[raw] = k
	return k
}

// str parses a string starting at the opening quote.
func (p *parser) str() string {
	p.i++
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return p.s[start : p.i-1]
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			p.fail("control character %q in string", c)
			return ""
		case c >= utf8.RuneSelf:
			if !p.utf8() {
				return ""
			}
			continue
		}
		p.i++
	}
	p.fail("unexpected end of input in string")
	return ""
}

// utf8 steps over the UTF-8 sequence at p.i, or fails: RFC 8259 §8.1 requires UTF-8, and a
// string that is not would reach names and error messages as garbage.
func (p *parser) utf8() bool {
	r, size := utf8.DecodeRuneInString(p.s[p.i:])
	if r == utf8.RuneError && size == 1 {
		p.fail("invalid UTF-8 (byte 0x%02X) in string", p.s[p.i])
		return false
	}
	p.i += size
	return true
}

// escaped finishes a string that contains escapes, building a copy.
func (p *parser) escaped(start int) string {
	var b strings.Builder
	b.WriteString(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String()
		case c < 0x20:
			p.fail("control character %q in string", c)
			return ""
		case c >= utf8.RuneSelf:
			at := p.i
			if !p.utf8() {
				return ""
			}
			b.WriteString(p.s[at:p.i])
			continue
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			break
		}
		e := p.s[p.i+1]
		p.i += 2
		if r, ok := map1[e]; ok {
			b.WriteByte(r)
			continue
		}
		if e != 'u' {
			p.i -= 2
			p.fail("invalid escape %q in string", "\\"+string(e))
			return ""
		}
		r, ok := p.hex4()
		if !ok {
			return ""
		}
		if utf16.IsSurrogate(r) {
			r = p.surrogate(r)
		}
		b.WriteRune(r)
	}
	p.fail("unexpected end of input in string")
	return ""
}

var map1 = map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		p.fail("unexpected end of input in \\u escape")
		return 0, false
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		p.fail("invalid \\u escape %q", p.s[p.i:p.i+4])
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// surrogate combines a UTF-16 surrogate pair; a lone half becomes U+FFFD as in encoding/json.
func (p *parser) surrogate(r1 rune) rune {
	if p.i+6 <= len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
		if n, err := strconv.ParseUint(p.s[p.i+2:p.i+6], 16, 32); err == nil {
			if r := utf16.DecodeRune(r1, rune(n)); r != utf8.RuneError {
				p.i += 6
				return r
			}
		}
	}
	return utf8.RuneError
}

// number scans a JSON number literal (RFC 8259 grammar).
func (p *parser) number() string {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.s) && p.s[p.i] == '0':
		p.i++
	case p.i < len(p.s) && p.s[p.i] >= '1' && p.s[p.i] <= '9':
		p.digits()
	default:
		p.fail("invalid number")
		return ""
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			p.fail("invalid number")
			return ""
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			p.fail("invalid number")
			return ""
		}
	}
	return p.s[start:p.i]
}

func (p *parser) digits() int {
	n := 0
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

// Get returns the value of member key (lower case) of an object, the last one when the key
// repeats (as encoding/json does), or nil.
func (v *Value) Get(key string) *Value {
	if v == nil || v.Kind != Object {
		return nil
	}
	kids := v.Kids()
	for i := len(kids) - 1; i >= 0; i-- {
		if kids[i].Key == key {
			return &kids[i].Val
		}
	}
	return nil
}

// Text returns v.Str() when v is a JSON string, else "".
func (v *Value) Text() string {
	if v == nil || v.Kind != String {
		return ""
	}
	return v.Str()
}
