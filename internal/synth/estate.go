package synth

import (
	"sort"
	"strings"
	"sync"
)

// estate accumulates rendered resources per output file, then fills in the read-only
// back-references Azure adds to GET answers (a subnet's ipConfigurations, an NSG's subnets
// and networkInterfaces, a route table's subnets, a public IP's ipConfiguration, a backend
// pool's backendIPConfigurations). Deriving them from the forward references keeps the
// two directions consistent by construction.
type estate struct {
	files map[string][]O
}

func newEstate() *estate { return &estate{files: map[string][]O{}} }

func (e *estate) add(file string, rs ...O) { e.files[file] = append(e.files[file], rs...) }

// names returns the file names in sorted order (the processing order everywhere).
func (e *estate) names() []string {
	out := make([]string, 0, len(e.files))
	for f := range e.files {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// encode links back-references and encodes every file.
func (e *estate) encode(pretty bool) map[string][]byte {
	e.link()
	names := e.names()
	enc := make([][]byte, len(names))
	var wg sync.WaitGroup
	for i, f := range names { // files are independent once linked: encode them in parallel
		wg.Go(func() { enc[i] = listFile(e.files[f], pretty) })
	}
	wg.Wait()
	out := make(map[string][]byte, len(names))
	for i, f := range names {
		out[f] = enc[i]
	}
	return out
}

// link walks every resource and records the back-references.
func (e *estate) link() {
	idx := map[string]*O{}
	for _, f := range e.names() {
		rs := e.files[f]
		for i := range rs {
			indexTree(&rs[i], idx)
		}
	}
	l := linker{idx: idx}
	for _, f := range e.names() {
		for _, r := range e.files[f] {
			l.resource(r)
		}
	}
}

// indexTree records o and every child resource (an element of a []O with an id and a name)
// under its lower-case ID.
func indexTree(o *O, idx map[string]*O) {
	if id, ok := str(*o, "id"); ok {
		if _, named := o.Get("name"); named {
			idx[strings.ToLower(id)] = o
		}
	}
	for _, kv := range *o {
		switch v := kv.V.(type) {
		case O:
			for _, kv2 := range v {
				if list, ok := kv2.V.([]O); ok {
					for i := range list {
						indexTree(&list[i], idx)
					}
				}
			}
		case []O:
			for i := range v {
				indexTree(&v[i], idx)
			}
		}
	}
}

type linker struct{ idx map[string]*O }

func (l linker) resource(r O) {
	id, _ := str(r, "id")
	typ, _ := str(r, "type")
	props, _ := r.Get("properties")
	p, _ := props.(O)
	switch strings.ToLower(typ) {
	case "microsoft.network/virtualnetworks":
		for _, s := range childList(p, "subnets") {
			sid, _ := str(s, "id")
			sp := propsOf(s)
			for _, k := range []string{"networkSecurityGroup", "routeTable", "natGateway"} {
				l.addRef(refID(sp, k), "subnets", sid)
			}
		}
		return
	case "microsoft.network/networkinterfaces":
		l.addRef(refID(p, "networkSecurityGroup"), "networkInterfaces", id)
	case "microsoft.network/privateendpoints":
		l.addRef(refID(p, "subnet"), "privateEndpoints", id)
	}
	for _, k := range []string{"ipConfigurations", "frontendIPConfigurations"} {
		for _, c := range childList(p, k) {
			l.ipConfig(c)
		}
	}
}

// ipConfig links one ip configuration (NIC, load balancer frontend, firewall, gateway).
func (l linker) ipConfig(c O) {
	cid, ok := str(c, "id")
	if !ok {
		return
	}
	cp := propsOf(c)
	l.addRef(refID(cp, "subnet"), "ipConfigurations", cid)
	if t := l.target(refID(cp, "publicIPAddress")); t != nil {
		setProp(t, "ipConfiguration", ref(cid))
	}
	if v, ok := cp.Get("loadBalancerBackendAddressPools"); ok {
		for _, pr := range v.([]any) {
			pid, _ := str(pr.(O), "id")
			l.addRef(pid, "backendIPConfigurations", cid)
		}
	}
}

func (l linker) target(id string) *O {
	if id == "" {
		return nil
	}
	return l.idx[strings.ToLower(id)]
}

// addRef appends {"id": from} to the list property key of the resource targetID.
func (l linker) addRef(targetID, key, from string) {
	t := l.target(targetID)
	if t == nil {
		return
	}
	for i, kv := range *t {
		if kv.K != "properties" {
			continue
		}
		p := kv.V.(O)
		for j, pk := range p {
			if pk.K == key {
				p[j].V = append(pk.V.([]any), ref(from))
				return
			}
		}
		(*t)[i].V = append(p, KV{key, []any{ref(from)}})
		return
	}
}

// setProp sets a single-valued property of a resource.
func setProp(t *O, key string, v any) {
	for i, kv := range *t {
		if kv.K != "properties" {
			continue
		}
		p := kv.V.(O)
		for j, pk := range p {
			if pk.K == key {
				p[j].V = v
				return
			}
		}
		(*t)[i].V = append(p, KV{key, v})
		return
	}
}

func str(o O, k string) (string, bool) {
	v, ok := o.Get(k)
	s, isStr := v.(string)
	return s, ok && isStr
}

func propsOf(o O) O {
	v, _ := o.Get("properties")
	p, _ := v.(O)
	return p
}

func childList(p O, k string) []O {
	v, _ := p.Get(k)
	l, _ := v.([]O)
	return l
}

// refID returns the id of the reference object p[k], or "".
func refID(p O, k string) string {
	v, _ := p.Get(k)
	r, ok := v.(O)
	if !ok {
		return ""
	}
	id, _ := str(r, "id")
	return id
}
