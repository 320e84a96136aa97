// Package fakeazure is a fake Azure Resource Manager and Resource Graph on httptest: it
// serves an estate (vnetgen or hand-written files) as paged Resource Graph answers, the REST
// calls Resource Graph lacks, and Azure's effective-route and effective-NSG answers, and it
// scripts what real Azure does to a collector: quota headers and 429 + Retry-After, the
// 16 MiB answer cap, a subscription the caller cannot read, an expired token, slow answers
// and a connection cut mid-page. Tests point the real collector at it with an endpoint and a
// token, the way --arm-endpoint and --token-file do.
package fakeazure

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Token is the bearer token the fake accepts.
const Token = "fake-token-never-printed-7d1f"

// Script is what the fake does besides answering.
type Script struct {
	Quota       int           // Resource Graph queries per window (0: unlimited)
	QuotaWindow time.Duration // default 5 s (the documented example: 15 queries per 5 s)
	Throttle    int           // the first N Resource Graph queries answer 429
	RetryAfter  int           // seconds, on those 429s (default 1)
	MaxPayload  int           // answer cap in bytes (default 16 MiB)

	Forbidden     map[string]bool // subscriptions the caller cannot read
	Refuse403     bool            // a query naming a forbidden subscription is refused (403) rather than silently narrowed
	ListForbidden bool            // GET /subscriptions still lists the forbidden ones
	NoList        bool            // GET /subscriptions answers 404 (GET /subscriptions/{id} still works)

	ExpireAfter int           // every request after the first N answers 401 (0: never)
	Delay       time.Duration // added before every answer
	CutAnswer   int           // the Nth Resource Graph answer (1-based) is cut mid-body
	CutTimes    int           // ... and the next CutTimes-1 tries of the same page too (default 1)

	LRO            bool                // effective routes/NSG answer 202 and are polled
	EffectiveDeny  bool                // effective routes/NSG answer 403 (caller lacks the action)
	ExtraSubs      []string            // readable subscriptions with no resources
	ManagementGrps map[string][]string // management group → subscriptions (default "mg-root" → all)
}

// Server is the fake. Its counters are safe to read while it runs.
type Server struct {
	*httptest.Server
	est    *estate
	script Script

	Requests    atomic.Int64 // every request
	Queries     atomic.Int64 // Resource Graph queries
	Throttled   atomic.Int64 // 429s sent
	BytesOut    atomic.Int64
	inflight    atomic.Int64
	MaxInflight atomic.Int64

	mu       sync.Mutex
	window   time.Time
	used     int
	answers  int
	cutsLeft int
	ops      map[string]opState
}

type opState struct {
	body  []byte
	polls int
}

//go:embed testdata/effective-routes.json
var routesAnswer []byte

//go:embed testdata/effective-nsg.json
var nsgAnswer []byte

// New serves files (name → content) as an estate.
func New(files map[string][]byte, s Script) (*Server, error) {
	est, err := loadEstate(files)
	if err != nil {
		return nil, err
	}
	if s.QuotaWindow == 0 {
		s.QuotaWindow = 5 * time.Second
	}
	if s.RetryAfter == 0 {
		s.RetryAfter = 1
	}
	if s.MaxPayload == 0 {
		s.MaxPayload = 16 << 20
	}
	if s.CutTimes == 0 {
		s.CutTimes = 1
	}
	f := &Server{est: est, script: s, ops: map[string]opState{}, cutsLeft: s.CutTimes}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f, nil
}

// Subscriptions are the subscriptions that hold the estate's resources.
func (f *Server) Subscriptions() []string { return append([]string(nil), f.est.subs...) }

// TokenFile is the JSON `az account get-access-token -o json` prints, for the fake's token.
func TokenFile(expires time.Time) []byte {
	b, _ := json.Marshal(map[string]any{"accessToken": Token, "expiresOn": expires.Local().Format("2006-01-02 15:04:05.000000"),
		"expires_on": expires.Unix(), "subscription": "00000000-0000-0000-0000-000000000001", "tenant": tenantID, "tokenType": "Bearer"})
	return b
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	n := f.Requests.Add(1)
	cur := f.inflight.Add(1)
	defer f.inflight.Add(-1)
	for {
		m := f.MaxInflight.Load()
		if cur <= m || f.MaxInflight.CompareAndSwap(m, cur) {
			break
		}
	}
	if f.script.Delay > 0 {
		time.Sleep(f.script.Delay)
	}
	if r.Header.Get("Authorization") != "Bearer "+Token {
		armError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid.")
		return
	}
	if f.script.ExpireAfter > 0 && n > int64(f.script.ExpireAfter) {
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The access token expiry UTC time is earlier than current UTC time."`)
		armError(w, http.StatusUnauthorized, "ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time.")
		return
	}
	p := strings.ToLower(r.URL.Path)
	switch {
	case r.Method == http.MethodPost && p == "/providers/microsoft.resourcegraph/resources":
		f.graph(w, r)
	case r.Method == http.MethodGet && p == "/subscriptions" && !f.script.NoList:
		f.subscriptions(w, r)
	case r.Method == http.MethodGet && strings.Count(p, "/") == 2 && strings.HasPrefix(p, "/subscriptions/"):
		f.subscription(w, p[len("/subscriptions/"):])
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/providers/microsoft.management/managementgroups/") && strings.HasSuffix(p, "/descendants"):
		f.descendants(w, r)
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/servicetags"):
		f.serviceTags(w, r)
	case r.Method == http.MethodGet && (strings.HasSuffix(p, "/forwardingrules") || strings.HasSuffix(p, "/virtualnetworklinks")):
		f.children(w, p)
	case r.Method == http.MethodPost && (strings.HasSuffix(p, "/effectiveroutetable") || strings.HasSuffix(p, "/effectivenetworksecuritygroups")):
		f.effective(w, r, p)
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/fakeoperations/"):
		f.operation(w, p)
	default:
		armError(w, http.StatusNotFound, "NotFound", "the fake does not serve "+r.Method+" "+r.URL.Path)
	}
}

func armError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-ms-failure-cause", "gateway")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, f *Server, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	n, _ := w.Write(b)
	f.BytesOut.Add(int64(n))
}
