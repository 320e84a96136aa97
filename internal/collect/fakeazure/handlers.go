package fakeazure

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// graphRequest is the body of a Resource Graph query.
type graphRequest struct {
	Subscriptions    []string `json:"subscriptions"`
	ManagementGroups []string `json:"managementGroups"`
	Query            string   `json:"query"`
	Options          struct {
		Top       int    `json:"$top"`
		Skip      int    `json:"$skip"`
		SkipToken string `json:"$skipToken"`
	} `json:"options"`
}

const mgLimit = 10000

func (f *Server) graph(w http.ResponseWriter, r *http.Request) {
	f.Queries.Add(1)
	if !f.quota(w) {
		return
	}
	var req graphRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		armError(w, http.StatusBadRequest, "BadRequest", "unreadable request: "+err.Error())
		return
	}
	q, err := parseQuery(req.Query)
	if err != nil {
		armError(w, http.StatusBadRequest, "InvalidQuery", err.Error())
		return
	}
	subs, limitHit, ok := f.scope(w, &req)
	if !ok {
		return
	}
	var hits []*row
	rows := f.est.tables[q.table]
	for i := range rows {
		if subs[rows[i].sub] && q.match(&rows[i]) {
			hits = append(hits, &rows[i])
		}
	}
	top := req.Options.Top
	if top <= 0 || top > 1000 {
		top = 1000 // at most 1,000 rows a page (concepts/paging-results.md)
	}
	key := tokenKey(&req)
	start := req.Options.Skip
	if req.Options.SkipToken != "" {
		if start, ok = parseToken(req.Options.SkipToken, key); !ok {
			armError(w, http.StatusBadRequest, "InvalidSkipToken", "the $skipToken does not belong to this query")
			return
		}
	}
	start = min(start, len(hits))
	end := min(start+top, len(hits))
	body := f.page(q, hits, start, end, key)
	if len(body) > f.script.MaxPayload {
		armError(w, http.StatusRequestEntityTooLarge, "ResponsePayloadTooLarge",
			fmt.Sprintf("Response payload size is %d, and has exceeded the limit of %d. Please consider querying less data at a time and make paginated call if needed.", len(body), f.script.MaxPayload))
		return
	}
	if limitHit {
		w.Header().Set("x-ms-tenant-subscription-limit-hit", "true")
	}
	if f.cut(w, body) {
		return
	}
	writeJSON(w, f, http.StatusOK, body)
}

// quota writes the throttling headers and, when the window is spent or a scripted 429 is
// due, answers 429 with Retry-After (concepts/guidance-for-throttled-requests.md).
func (f *Server) quota(w http.ResponseWriter) bool {
	f.mu.Lock()
	now := time.Now()
	if now.Sub(f.window) >= f.script.QuotaWindow {
		f.window, f.used = now, 0
	}
	reset := f.script.QuotaWindow - now.Sub(f.window)
	scripted := f.script.Throttle > 0
	if scripted {
		f.script.Throttle--
	}
	limited := f.script.Quota > 0 && f.used >= f.script.Quota
	if !scripted && !limited {
		f.used++
	}
	remaining := math.MaxInt32
	if f.script.Quota > 0 {
		remaining = max(f.script.Quota-f.used, 0)
	}
	f.mu.Unlock()
	w.Header().Set("x-ms-user-quota-remaining", strconv.Itoa(remaining))
	w.Header().Set("x-ms-user-quota-resets-after", hms(reset))
	if scripted || limited {
		after := f.script.RetryAfter
		if limited {
			after = int(math.Ceil(reset.Seconds()))
		}
		f.Throttled.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(after))
		armError(w, http.StatusTooManyRequests, "RateLimiting", "Please provide below info when asking for support: ...")
		return false
	}
	return true
}

func hms(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

// scope is the set of subscriptions a query reads, or false after answering 403.
func (f *Server) scope(w http.ResponseWriter, req *graphRequest) (map[string]bool, bool, bool) {
	out := map[string]bool{}
	if len(req.ManagementGroups) > 0 {
		var all []string
		for _, mg := range req.ManagementGroups {
			all = append(all, f.mgSubs(mg)...)
		}
		sort.Strings(all)
		hit := len(all) > mgLimit
		if hit {
			all = all[:mgLimit]
		}
		for _, s := range all {
			if !f.script.Forbidden[s] {
				out[s] = true
			}
		}
		return out, hit, true
	}
	for _, s := range req.Subscriptions {
		s = strings.ToLower(s)
		if f.script.Forbidden[s] {
			if f.script.Refuse403 {
				armError(w, http.StatusForbidden, "AuthorizationFailed",
					"The client does not have authorization to perform action 'Microsoft.ResourceGraph/resources/read' over scope '/subscriptions/"+s+"'.")
				return nil, false, false
			}
			continue
		}
		out[s] = true
	}
	return out, false, true
}

func (f *Server) mgSubs(mg string) []string {
	if f.script.ManagementGrps != nil {
		return f.script.ManagementGrps[strings.ToLower(mg)]
	}
	if strings.EqualFold(mg, "mg-root") {
		return f.allSubs()
	}
	return nil
}

func (f *Server) allSubs() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(append([]string(nil), f.est.subs...), f.script.ExtraSubs...) {
		s = strings.ToLower(s)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for s := range f.script.Forbidden {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// page renders rows [start, end) with the projected columns, as resultFormat objectArray.
func (f *Server) page(q *query, hits []*row, start, end int, key string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"totalRecords":%d,"count":%d,"data":[`, len(hits), end-start)
	cols := q.columns
	if cols == nil {
		cols = []string{"id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId",
			"managedBy", "sku", "plan", "properties", "tags", "identity", "zones", "extendedLocation"}
	}
	for i := start; i < end; i++ {
		if i > start {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		for j, c := range cols {
			if j > 0 {
				b.WriteByte(',')
			}
			v, ok := hits[i].cols[c]
			if !ok {
				v = json.RawMessage("null")
			}
			fmt.Fprintf(&b, "%q:", c)
			json.Compact(&b, v)
		}
		b.WriteByte('}')
	}
	b.WriteString(`],"facets":[],"resultTruncated":"false"`)
	if end < len(hits) {
		fmt.Fprintf(&b, `,"$skipToken":%q`, makeToken(key, end))
	}
	b.WriteByte('}')
	return b.Bytes()
}

// A skip token names the query and scope it belongs to and the next row.
func tokenKey(req *graphRequest) string {
	h := sha256.Sum256([]byte(req.Query + "|" + strings.Join(req.Subscriptions, ",") + "|" + strings.Join(req.ManagementGroups, ",")))
	return hex.EncodeToString(h[:8])
}

func makeToken(key string, next int) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%s:%d", key, next)))
}

func parseToken(tok, key string) (int, bool) {
	b, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	k, n, ok := strings.Cut(string(b), ":")
	next, err := strconv.Atoi(n)
	return next, ok && err == nil && k == key
}

// cut sends the scripted cut answer: full headers, half the body, then the connection closes.
func (f *Server) cut(w http.ResponseWriter, body []byte) bool {
	f.mu.Lock()
	f.answers++
	due := f.script.CutAnswer > 0 && f.answers >= f.script.CutAnswer && f.cutsLeft > 0
	if due {
		f.cutsLeft--
	}
	f.mu.Unlock()
	if !due {
		return false
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		return false
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return false
	}
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	buf.Write(body[:len(body)/2])
	buf.Flush()
	conn.Close()
	return true
}

// subscriptions is GET /subscriptions, 500 a page with nextLink.
func (f *Server) subscriptions(w http.ResponseWriter, r *http.Request) {
	var vis []string
	for _, s := range f.allSubs() {
		if !f.script.Forbidden[s] || f.script.ListForbidden {
			vis = append(vis, s)
		}
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	start = min(max(start, 0), len(vis))
	end := min(start+500, len(vis))
	var vals []map[string]any
	for _, s := range vis[start:end] {
		vals = append(vals, map[string]any{"id": "/subscriptions/" + s, "subscriptionId": s, "tenantId": tenantID,
			"displayName": "sub-" + s[len(s)-4:], "state": "Enabled"})
	}
	out := map[string]any{"value": vals}
	if end < len(vis) {
		out["nextLink"] = fmt.Sprintf("https://management.azure.com/subscriptions?api-version=2022-12-01&$skiptoken=%d", end)
	}
	b, _ := json.Marshal(out)
	writeJSON(w, f, http.StatusOK, b)
}

// subscription is GET /subscriptions/{id}: 404 SubscriptionNotFound for one the caller
// cannot read, as for one that does not exist.
func (f *Server) subscription(w http.ResponseWriter, s string) {
	if f.script.Forbidden[s] || !slices.Contains(f.allSubs(), s) {
		armError(w, http.StatusNotFound, "SubscriptionNotFound", "The subscription '"+s+"' could not be found.")
		return
	}
	b, _ := json.Marshal(map[string]any{"id": "/subscriptions/" + s, "subscriptionId": s, "tenantId": tenantID, "state": "Enabled"})
	writeJSON(w, f, http.StatusOK, b)
}

// descendants lists a management group's subscriptions (as "/subscriptions" entries).
func (f *Server) descendants(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	mg := parts[len(parts)-2]
	subs := f.mgSubs(mg)
	if subs == nil {
		armError(w, http.StatusNotFound, "NotFound", "management group "+mg+" not found")
		return
	}
	var vals []map[string]any
	for _, s := range subs {
		vals = append(vals, map[string]any{"id": "/subscriptions/" + s, "type": "/subscriptions", "name": s,
			"properties": map[string]any{"displayName": "sub-" + s, "parent": map[string]string{"id": "/providers/Microsoft.Management/managementGroups/" + mg}}})
	}
	b, _ := json.Marshal(map[string]any{"value": vals})
	writeJSON(w, f, http.StatusOK, b)
}

// serviceTags answers every location with the estate's service tags file.
func (f *Server) serviceTags(w http.ResponseWriter, r *http.Request) {
	body := f.est.serviceTags
	if body == nil {
		body = []byte(`{"changeNumber":"1","cloud":"Public","values":[]}`)
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		armError(w, http.StatusInternalServerError, "InternalError", "bad service tags file")
		return
	}
	sub := strings.Split(strings.Trim(r.URL.Path, "/"), "/")[1]
	m["name"], m["type"] = mustJSON("Public"), mustJSON("Microsoft.Network/serviceTags")
	m["id"] = mustJSON("/subscriptions/" + sub + "/providers/Microsoft.Network/serviceTags/Public")
	b, _ := json.Marshal(m)
	writeJSON(w, f, http.StatusOK, b)
}

// children lists a ruleset's forwarding rules or VNet links.
func (f *Server) children(w http.ResponseWriter, p string) {
	vals := f.est.children[p]
	if vals == nil {
		vals = []json.RawMessage{}
	}
	b, _ := json.Marshal(map[string]any{"value": vals})
	writeJSON(w, f, http.StatusOK, b)
}
