package azure

import (
	"strconv"
	"strings"
)

// InputError is bad input: a file that cannot be read, is not JSON, or holds a value that
// is not what Azure would write there. It never carries a stack trace; the CLI prints it
// on one line and exits 2 (cli.md).
type InputError struct {
	File string // as the user named it ("-" for stdin)
	Path string // JSON path, e.g. $.properties.subnets[0].properties.addressPrefix; "" when none
	Msg  string
}

func (e *InputError) Error() string {
	if e.Path == "" {
		return e.File + ": " + e.Msg
	}
	return e.File + ": " + shortPath(e.Path) + ": " + e.Msg
}

// maxPathLen keeps the one-line message readable for absurdly deep input (a path 512
// levels deep); the head and the tail are the parts that locate the value.
const maxPathLen = 160

func shortPath(p string) string {
	if len(p) <= maxPathLen {
		return p
	}
	return p[:maxPathLen/2] + "…" + p[len(p)-maxPathLen/2:]
}

// Path is a JSON path as a linked list from the leaf to the root, formatted only when
// needed (an error, or a Src printed by the converter).
type Path struct {
	up  *Path
	key string // member name as spelled, when idx < 0
	idx int
}

// Key returns the path of member key of the object at p.
func (p *Path) Key(key string) *Path { return &Path{up: p, key: key, idx: -1} }

// Index returns the path of item i of the array at p.
func (p *Path) Index(i int) *Path { return &Path{up: p, idx: i} }

func (p *Path) String() string {
	var segs []*Path
	for q := p; q != nil; q = q.up {
		segs = append(segs, q)
	}
	var b strings.Builder
	b.WriteByte('$')
	for i := len(segs) - 1; i >= 0; i-- {
		writeSeg(&b, segs[i].key, segs[i].idx)
	}
	return b.String()
}

// writeSeg appends .key, ["odd key"] or [i].
func writeSeg(b *strings.Builder, key string, idx int) {
	if idx >= 0 {
		b.WriteString("[" + strconv.Itoa(idx) + "]")
		return
	}
	if plainKey(key) {
		b.WriteString("." + key)
		return
	}
	b.WriteString("[" + strconv.Quote(key) + "]")
}

func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c == '-') {
			return false
		}
	}
	return true
}

// Src is where a wire object came from: the converter names it in its errors and warnings.
type Src struct {
	File string
	Path *Path
}

func (s Src) String() string { return s.File + ": " + s.Path.String() }

// Err returns an InputError for the member key of the object at s.
func (s Src) Err(key, msg string) *InputError {
	p := s.Path
	if key != "" {
		p = p.Key(key)
	}
	return &InputError{File: s.File, Path: p.String(), Msg: msg}
}
