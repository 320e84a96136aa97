package azure

import (
	"sort"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

// DecodeFile reads one file's bytes: any of the shapes in cli.md "Snapshot input".
// Bad input is an *InputError naming the file and JSON path.
func DecodeFile(name string, data []byte) (*Snapshot, error) {
	return decode(name, data, jsondoc.Parse)
}

// decode is DecodeFile with the parser given: a stream (standard input) may hold several JSON
// values one after the other (jsondoc.ParseStream); a file's tree may come from Parsed.
func decode(name string, data []byte, parse func(string, []byte) (*jsondoc.Value, error)) (*Snapshot, error) {
	if msg := notJSONSource(name); msg != "" {
		return nil, &InputError{File: name, Msg: msg}
	}
	v, err := parse(name, data)
	if err != nil {
		if msg := recognise(data); msg != "" {
			return nil, &InputError{File: name, Msg: msg}
		}
		return nil, err
	}
	w := &walker{d: &dec{file: name}, s: &Snapshot{}}
	w.node(v, nil, 0)
	if w.d.err != nil {
		return nil, w.d.err
	}
	w.s.resources = w.resources
	if w.resources == 0 {
		looks := looksLike(v, w.s.Unknown)
		w.s.empty = append(w.s.empty, emptyFile{name, looks})
		if w.ignored > 0 {
			w.s.Notes = append(w.s.Notes, Note{Code: "Ignored", File: name,
				Msg: "holds no Azure resource (" + looks + "); nothing read from it"})
		}
	}
	return w.s, nil
}

type walker struct {
	d         *dec
	s         *Snapshot
	resources int
	ignored   int
}

// unknown counts an object of a type not read (Snapshot.Unknown), making the map on first use:
// most one-resource files never need it.
func (w *walker) unknown(typ string) {
	if w.s.Unknown == nil {
		w.s.Unknown = map[string]int{}
	}
	w.s.Unknown[typ]++
}

// maxWrap bounds how deep wrapper objects ({"newVNet": {...}}) are followed.
const maxWrap = 8

func (w *walker) node(v *jsondoc.Value, p *jsondoc.Path, depth int) {
	if w.d.err != nil {
		return
	}
	switch v.Kind {
	case jsondoc.Array:
		for i := range v.Kids() {
			w.node(&v.Kids()[i].Val, p.Index(i), depth)
		}
	case jsondoc.Object:
		w.object(v, p, depth)
	case jsondoc.Null:
	default:
		w.d.failAt(p, "want a resource object or a list of them, got %s", describe(v))
	}
}

func (w *walker) object(v *jsondoc.Value, p *jsondoc.Path, depth int) {
	if isTemplate(v) {
		w.d.failAt(p, templateMsg)
		return
	}
	if m := member(v, "responses"); m != nil && m.Val.Kind == jsondoc.Object {
		w.restExample(&m.Val, p.Key(m.Raw), depth)
		return
	}
	typ := resourceType(v)
	if w.bgp(typ, v, p) { // Route Servers and BGP tables (learned.go)
		return
	}
	if w.deployment(v, p) { // Virtual Network Manager deployment status (connectivity.go)
		return
	}
	if typ != "" {
		w.resource(typ, v, p)
		return
	}
	if m := member(v, "values"); m != nil && m.Val.Kind == jsondoc.Array && (v.Get("cloud") != nil || v.Get("changenumber") != nil) {
		w.resources++
		w.s.ServiceTags = append(w.s.ServiceTags, w.d.serviceTags(v, p)...)
		return
	}
	for _, list := range []string{"value", "data"} {
		if m := member(v, list); m != nil && m.Val.Kind == jsondoc.Array {
			w.node(&m.Val, p.Key(m.Raw), depth)
			return
		}
	}
	if depth < maxWrap && isWrapper(v) {
		for i := range v.Kids() {
			w.node(&v.Kids()[i].Val, p.Key(v.Kids()[i].Raw), depth+1)
		}
		return
	}
	w.ignored++
	w.unknown(NotAResource)
}

// restExample follows an Azure REST API example ({"parameters", "responses"}) to the body
// of its 200 response, or of the first other 2xx response that has one.
func (w *walker) restExample(r *jsondoc.Value, p *jsondoc.Path, depth int) {
	codes := make([]int, 0, len(r.Kids()))
	for i, k := range r.Kids() {
		if strings.HasPrefix(k.Key, "2") && k.Val.Get("body") != nil {
			codes = append(codes, i)
		}
	}
	sort.SliceStable(codes, func(a, b int) bool { return r.Kids()[codes[a]].Key == "200" && r.Kids()[codes[b]].Key != "200" })
	if len(codes) == 0 {
		w.ignored++
		w.unknown(NotAResource)
		return
	}
	resp := &r.Kids()[codes[0]]
	body := member(&resp.Val, "body")
	w.node(&body.Val, p.Key(resp.Raw).Key(body.Raw), depth)
}

func (w *walker) resource(typ string, v *jsondoc.Value, p *jsondoc.Path) {
	decode, ok := kinds[strings.ToLower(typ)]
	if !ok {
		w.unknown(typ)
		return
	}
	w.resources++
	decode(w.d, v, p, w.s)
}

// member returns the member with lower-case key (the last when repeated), or nil.
func member(v *jsondoc.Value, key string) *jsondoc.Member {
	for i := len(v.Kids()) - 1; i >= 0; i-- {
		if v.Kids()[i].Key == key {
			return &v.Kids()[i]
		}
	}
	return nil
}

// resourceType returns the type of a resource object: its "type" when that looks like a
// resource type, else the type its ID implies. A bare reference {"id": ...} is not a
// resource.
func resourceType(v *jsondoc.Value) string {
	if t := v.Get("type").Text(); strings.IndexByte(t, '/') > 0 {
		return t
	}
	id := v.Get("id").Text()
	if id == "" || (v.Get("name") == nil && v.Get("properties") == nil) {
		return ""
	}
	return TypeFromID(id)
}

// isWrapper reports whether v only wraps resources, as az CLI's {"newVNet": {...}} does.
func isWrapper(v *jsondoc.Value) bool {
	if len(v.Kids()) == 0 || v.Get("id") != nil || v.Get("type") != nil {
		return false
	}
	for _, k := range v.Kids() {
		if k.Val.Kind != jsondoc.Object {
			return false
		}
	}
	return true
}

// isTemplate reports whether v is an ARM deployment template or parameters file.
func isTemplate(v *jsondoc.Value) bool {
	s := strings.ToLower(v.Get("$schema").Text())
	return strings.Contains(s, "deploymenttemplate") || strings.Contains(s, "deploymentparameters") ||
		(v.Get("contentversion") != nil && v.Get("resources") != nil)
}
