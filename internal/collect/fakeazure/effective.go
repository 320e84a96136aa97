package fakeazure

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// effective answers POST .../networkInterfaces/{nic}/effectiveRouteTable and
// .../effectiveNetworkSecurityGroups with the REST examples' bodies (testdata), the NSG one
// with tagMap as the object live Azure returns. With Script.LRO the answer is 202 +
// Location, then one 202 poll, then 200 (long-running operations, spec collect.md §6).
func (f *Server) effective(w http.ResponseWriter, r *http.Request, p string) {
	nic := p[:strings.LastIndex(p, "/")]
	if !f.hasNIC(nic) {
		armError(w, http.StatusNotFound, "NotFound", "network interface not found")
		return
	}
	if f.script.EffectiveDeny {
		armError(w, http.StatusForbidden, "AuthorizationFailed", "The client does not have authorization to perform action over scope '"+nic+"'.")
		return
	}
	body := routesAnswer
	if strings.HasSuffix(p, "/effectivenetworksecuritygroups") {
		body = nsgWithTagMap()
	}
	if !f.script.LRO {
		writeJSON(w, f, http.StatusOK, body)
		return
	}
	f.mu.Lock()
	id := fmt.Sprintf("op%d", len(f.ops)+1)
	f.ops[id] = opState{body: body}
	f.mu.Unlock()
	w.Header().Set("Location", fmt.Sprintf("http://%s/fakeoperations/%s?api-version=2024-07-01", r.Host, id))
	w.Header().Set("Retry-After", "0")
	w.WriteHeader(http.StatusAccepted)
}

func (f *Server) operation(w http.ResponseWriter, p string) {
	id := p[strings.LastIndex(p, "/")+1:]
	f.mu.Lock()
	op, ok := f.ops[id]
	op.polls++
	f.ops[id] = op
	f.mu.Unlock()
	switch {
	case !ok:
		armError(w, http.StatusNotFound, "NotFound", "no such operation")
	case op.polls < 2:
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusAccepted)
	default:
		writeJSON(w, f, http.StatusOK, op.body)
	}
}

func (f *Server) hasNIC(id string) bool {
	for _, r := range f.est.tables["resources"] {
		if r.id == id {
			return r.typ == "microsoft.network/networkinterfaces"
		}
	}
	return false
}

func nsgWithTagMap() []byte {
	var a struct {
		Value []map[string]any `json:"value"`
	}
	json.Unmarshal(nsgAnswer, &a)
	for _, e := range a.Value {
		e["tagMap"] = map[string][]string{"Internet": {"32.0.0.0/3", "4.0.0.0/6", "2.0.0.0/7", "1.0.0.0/8"}}
	}
	b, _ := json.Marshal(a)
	return b
}
