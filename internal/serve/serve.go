// Package serve is vnetdoctor's read-only web server: the embedded UI at / and, under /api/, the
// CLI's JSON answers to the same questions (cli.md "serve").
//
// The server is a thin driver over internal/ask, exactly like the CLI: every /api/ answer is the
// bytes `vnetdoctor <cmd> -o json` prints for the same question, rendered by internal/render.
// It holds one immutable snapshot, so any number of requests run at once; each request's
// context is cancelled when its client goes away or its time limit passes.
//
// Security: only GET and HEAD (405 otherwise); a bearer token, when set, guards /api/ (it is
// required for an address that is not loopback); without a token, requests must name a loopback
// host (no DNS rebinding); a strict Content-Security-Policy (self only, no inline script or
// style); static files come from an embedded allow-list, so no path reaches the disk; bodies
// are refused, URLs and headers are bounded, and every request has a deadline.
package serve

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

// Options configure a Server. The zero value of a field means its default.
type Options struct {
	// Token, when not empty, must be sent as "Authorization: Bearer <Token>" on every /api/
	// request. The UI's static files stay public (they hold no data of the snapshot).
	Token string
	// RequestTimeout bounds the work of one request (default 60s).
	RequestTimeout time.Duration
	// MaxURLBytes bounds the request target (default 4096); longer is 414.
	MaxURLBytes int
	// Ask are the options every question is asked with (default ask.DefaultOptions()).
	Ask *ask.Options
	// Loopback says the listener is on a loopback address. Without a token the server then
	// answers only requests whose Host header names a loopback host (DNS rebinding).
	Loopback bool
	// ReachJSON is the CLI's JSON document of a reach answer (cmd/vnetdoctor's reachJSON), so
	// /api/reach writes the CLI's bytes; without it /api/reach is 404.
	ReachJSON func(*ask.ReachAnswer) any
	// Flows answers /api/flows/*: the flow database serve was started with (--db); without it
	// those endpoints are 404.
	Flows Flows
}

// Defaults of Options.
const (
	DefaultRequestTimeout = 60 * time.Second
	DefaultMaxURLBytes    = 4096
	MaxHeaderBytes        = 16 << 10
)

// Server answers questions about one snapshot over HTTP.
type Server struct {
	snap  *ask.Snapshot
	opts  Options
	ask   ask.Options
	topo  *topology // built once, on first use
	tonce sync.Once

	ready   atomic.Bool
	warmErr atomic.Value // string
	started time.Time
	warmMs  atomic.Int64

	checkMu sync.Mutex
	checks  map[assume.Set]*encoded // check's answer per set of assumptions

	heavy   chan struct{} // a slot per reach or check computing now (acquireHeavy)
	reaches reachCache
	traces  *answerCache // trace answers, encoded

	mux      *http.ServeMux
	warnings []render.Warning // what every CLI answer reports (cli.md "Every command")
}

// New returns a server for snap. Call Warm (usually in a goroutine) to build the tables before
// the first questions need them; the server answers meanwhile, computing what it needs lazily.
func New(snap *ask.Snapshot, opts Options) *Server {
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.MaxURLBytes <= 0 {
		opts.MaxURLBytes = DefaultMaxURLBytes
	}
	s := &Server{snap: snap, opts: opts, ask: ask.DefaultOptions(), started: time.Now(), checks: map[assume.Set]*encoded{},
		heavy: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2)), traces: newAnswerCache(maxTraceCacheBytes)}
	if opts.Ask != nil {
		s.ask = *opts.Ask
	}
	for _, w := range snap.Plane.Net.Warnings {
		if w.Code == "Skipped" || w.Code == "Ignored" || w.Code == model.WarnDanglingReference {
			s.warnings = append(s.warnings, render.Warning{Code: w.Code, Resource: string(w.Resource), Message: w.Message})
		}
	}
	s.mux = http.NewServeMux()
	s.routes()
	return s
}

// Warm builds every route table and rule set of the snapshot (dataplane.Plane.Warm), then
// reports ready in /api/status. It returns ctx's error if ctx ends first.
func (s *Server) Warm(ctx context.Context) error {
	err := s.snap.Plane.Warm(ctx)
	if err == nil {
		s.topology().encodedBase() // the UI's first request
		s.warmMs.Store(time.Since(s.started).Milliseconds())
		s.ready.Store(true)
	} else {
		s.warmErr.Store(err.Error())
	}
	return err
}

// Handler returns the server's HTTP handler with every guard applied.
func (s *Server) Handler() http.Handler { return s.guard(s.mux) }

// HTTPServer returns an http.Server for addr with the server's time and size limits.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      s.opts.RequestTimeout + 10*time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

// CSP is the Content-Security-Policy of every response: the page may load scripts, styles,
// images and data from its own origin only; no inline script or style, no frames, no plugins.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; worker-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; " +
	"frame-ancestors 'none'"

// securityHeaders are set on every response. The values are shared by all responses (net/http
// never writes into a header's value slice; Add would copy it), which saves an allocation per
// header per request.
var securityHeaders = http.Header{
	"Content-Security-Policy":      {CSP},
	"X-Content-Type-Options":       {"nosniff"},
	"X-Frame-Options":              {"DENY"},
	"Referrer-Policy":              {"no-referrer"},
	"Cross-Origin-Opener-Policy":   {"same-origin"},
	"Cross-Origin-Resource-Policy": {"same-origin"},
}

// guard applies the security headers and the method, size, host, token and time rules.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range securityHeaders {
			h[k] = v
		}
		switch {
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			h.Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed: the server is read-only (GET, HEAD)")
			return
		case len(r.RequestURI) > s.opts.MaxURLBytes:
			writeError(w, http.StatusRequestURITooLong, "the request URL is too long")
			return
		case !cleanPath(r.URL.Path) || strings.ContainsAny(r.URL.Path, "\\\x00"):
			writeError(w, http.StatusBadRequest, "the request path is not clean (no '.', '..', '//' or '\\' segments)")
			return
		case r.ContentLength > 0 || len(r.TransferEncoding) > 0:
			writeError(w, http.StatusRequestEntityTooLarge, "requests carry no body")
			return
		case s.opts.Token == "" && s.opts.Loopback && !loopbackHost(r.Host):
			writeError(w, http.StatusForbidden, "host "+r.Host+" is not a loopback name; start serve with --token to serve other names")
			return
		case s.opts.Token != "" && strings.HasPrefix(r.URL.Path, "/api/") && !s.authorized(r):
			h.Set("WWW-Authenticate", `Bearer realm="vnetdoctor"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// cleanPath reports whether p is absolute and already in path.Clean form (a trailing slash allowed).
func cleanPath(p string) bool {
	return strings.HasPrefix(p, "/") && (path.Clean(p) == p || path.Clean(p)+"/" == p)
}

func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(tok), []byte(s.opts.Token)) == 1
}

// loopbackHost reports whether a Host header names this machine by a loopback name or address.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsLoopbackAddr reports whether a listen address (host:port) is on a loopback interface only.
// An empty host (every interface) is not.
func IsLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	return loopbackHost(host)
}
