package jsondoc

import (
	"strconv"
	"strings"
)

// Path is a JSON path as a linked list from the leaf to the root, formatted only when
// needed (an error, or a source location printed by a decoder). The nil *Path is the root.
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
