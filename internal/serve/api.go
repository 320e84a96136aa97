package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/dns"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// routes registers the API and the UI.
func (s *Server) routes() {
	// The CLI's questions: their answers carry the snapshot's warnings as the CLI's JSON does.
	cli := map[string]func(context.Context, url.Values) (any, error){
		"summary": s.apiSummary,
		"routes":  s.apiRoutes,
		"rules":   s.apiRules,
		"trace":   s.apiTrace,
		"check":   s.apiCheck,
		"resolve": s.apiResolve,
		"reach":   s.apiReach,
	}
	for name, f := range cli {
		var kept *answerCache
		if name == "trace" {
			kept = s.traces
		}
		s.mux.HandleFunc("/api/"+name, func(w http.ResponseWriter, r *http.Request) { s.answer(w, r, f, s.warnings, kept) })
	}
	// The UI's own questions, and the flow database's.
	for name, f := range map[string]func(context.Context, url.Values) (any, error){
		"topology": s.apiTopology,
		// The CLI's flows commands print their documents without the snapshot's warnings.
		"flows/explain": s.apiFlowsExplain,
		"flows/report":  s.apiFlowsReport,
		"search":        s.apiSearch,
		"status":        s.apiStatus,
	} {
		s.mux.HandleFunc("/api/"+name, func(w http.ResponseWriter, r *http.Request) { s.answer(w, r, f, nil, nil) })
	}
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
	})
	s.mux.HandleFunc("/", serveStatic)
}

// answer runs one question and writes its JSON exactly as the CLI writes it: render.JSON, with
// the snapshot's warnings added to an object (render.JSONWithWarnings, cli.md "Every command").
// The answer is rendered to a buffer first, so an error never follows half an answer. With kept,
// answers are kept by their query and a question asked again is answered from there.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, f func(context.Context, url.Values) (any, error), ws []render.Warning, kept *answerCache) {
	q := r.URL.Query()
	var key string
	if kept != nil {
		key = canonical(q)
		e := encoders.Get().(*encoder)
		b, ok := kept.get(key, e.out[:0])
		if ok {
			writeJSON(w, b)
		}
		e.out = b
		e.release()
		if ok {
			return
		}
	}
	v, err := f(r.Context(), q)
	if e, ok := v.(*encoded); ok && err == nil {
		e.write(w, r)
		return
	}
	if err == nil {
		if err = encodeAnswer(v, ws, func(b []byte) {
			if kept != nil {
				kept.put(key, b)
			}
			writeJSON(w, b)
		}); err == nil {
			return
		}
	}
	if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
		return // the client went away: nobody to answer
	}
	code, msg := status(err)
	writeError(w, code, msg)
}

func writeJSON(w http.ResponseWriter, b []byte) {
	h := w.Header()
	h["Content-Type"], h["Cache-Control"] = jsonType, noStore // shared values, as securityHeaders
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

var jsonType, noStore = []string{"application/json; charset=utf-8"}, []string{"no-store"}

// status maps a question's error to an HTTP status and message (cli.md: 400 or 404).
func status(err error) (int, string) {
	var (
		ne *model.NotFoundError
		ae *model.AmbiguousError
		qe *ask.QueryError
		re *dns.ResolveError
		ie *azure.InputError
		pe *paramError
		na notAvailableError
	)
	switch {
	case errors.As(err, &ne), errors.As(err, &na):
		return http.StatusNotFound, err.Error()
	case errors.As(err, &pe), errors.As(err, &ae), errors.As(err, &qe), errors.As(err, &re), errors.As(err, &ie):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, ErrNotImplemented):
		return http.StatusNotImplemented, err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "the question took longer than the server's time limit"
	}
	return http.StatusInternalServerError, "internal error: " + err.Error()
}

// notAvailableError says this server was started without what an endpoint needs.
type notAvailableError string

func (e notAvailableError) Error() string { return string(e) }

func errNotAvailable(what string) error {
	switch what {
	case "flows":
		return notAvailableError("no flow database: start serve with --db DB (vnetdoctor flows ingest fills one)")
	}
	return notAvailableError(what + " is not available in this server")
}

// paramError is a bad query string.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func paramf(format string, a ...any) error { return &paramError{fmt.Sprintf(format, a...)} }

// params checks that q holds only the allowed names, each at most once (assume= may repeat),
// and returns the first value of each (empty when absent).
func params(q url.Values, allowed ...string) (map[string]string, error) {
	out := make(map[string]string, len(allowed))
	for name, vs := range q {
		ok := false
		for _, a := range allowed {
			ok = ok || a == name
		}
		if !ok {
			return nil, paramf("unknown parameter %q (this endpoint takes %v)", name, allowed)
		}
		if len(vs) > 1 && name != "assume" {
			return nil, paramf("parameter %q given %d times", name, len(vs))
		}
		out[name] = vs[0]
	}
	return out, nil
}

func writeError(w http.ResponseWriter, code int, msg string) {
	var buf bytes.Buffer
	render.JSON(&buf, struct {
		Error string `json:"error"`
	}{msg})
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

func (s *Server) apiSummary(ctx context.Context, q url.Values) (any, error) {
	if _, err := params(q); err != nil {
		return nil, err
	}
	a, err := ask.Summary(ctx, s.snap, ask.SummaryQuery{}, s.ask)
	if err != nil {
		return nil, err
	}
	return render.NewSummary(a.Network, a.PlaneWarnings), nil
}

// target reads nic= or subnet= (VNET/SUBNET or a subnet ID): exactly one, as the CLI's --nic
// and --subnet.
func target(q url.Values) (nic, subnet string, err error) {
	p, err := params(q, "nic", "subnet")
	if err != nil {
		return "", "", err
	}
	switch {
	case p["nic"] != "" && p["subnet"] != "":
		return "", "", paramf("give nic= or subnet=, not both")
	case p["nic"] == "" && p["subnet"] == "":
		return "", "", paramf("nic= (a NIC ID or name, a VM name or a private IP) or subnet= (VNET/SUBNET or a subnet ID) is required")
	}
	return p["nic"], p["subnet"], nil
}

func (s *Server) apiRoutes(ctx context.Context, q url.Values) (any, error) {
	nic, subnet, err := target(q)
	if err != nil {
		return nil, err
	}
	a, err := ask.Routes(ctx, s.snap, ask.RoutesQuery{NIC: nic, Subnet: subnet}, s.ask)
	if err != nil {
		return nil, err
	}
	return render.Routes(a.Routes, a.DisableBGPPropagation), nil
}

func (s *Server) apiRules(ctx context.Context, q url.Values) (any, error) {
	nic, subnet, err := target(q)
	if err != nil {
		return nil, err
	}
	a, err := ask.Rules(ctx, s.snap, ask.RulesQuery{NIC: nic, Subnet: subnet}, s.ask)
	if err != nil {
		return nil, err
	}
	return acl.EffectiveNSGList{Value: a.NSGs}, nil
}

// traceQuery reads a trace query with the CLI's defaults and checks (cmd/vnetdoctor trace).
func traceQuery(q url.Values) (trace.Query, error) {
	p, err := params(q, "from", "to", "proto", "dport", "sport", "fqdn", "assume")
	if err != nil {
		return trace.Query{}, err
	}
	tq := trace.Query{From: p["from"], To: p["to"], FQDN: p["fqdn"]}
	if tq.From == "" || tq.To == "" {
		return tq, paramf("from= and to= are required")
	}
	proto := p["proto"]
	if proto == "" {
		proto = "tcp"
	}
	pr, ok := model.ParseProtocol(proto)
	if !ok || pr == model.ProtoAny {
		return tq, paramf("proto= must be tcp, udp, icmp, esp or ah, not %q", proto)
	}
	tq.Protocol = pr
	ports := map[string]*uint16{"dport": &tq.DestinationPort, "sport": &tq.SourcePort}
	tq.SourcePort = trace.DefaultSourcePort
	for name, dst := range ports {
		v, ok := p[name]
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 16)
		if err != nil {
			return tq, paramf("%s= must be a port 0-65535, not %q", name, v)
		}
		*dst = uint16(n)
	}
	return tq, nil
}

// options are the server's question options with the request's assume=NAME=VALUE choices
// (the CLI's --assume, repeatable) applied over the ones serve was started with.
func (s *Server) options(q url.Values) (ask.Options, error) {
	o := s.ask
	for _, a := range q["assume"] {
		if err := o.Assume.Parse(a); err != nil {
			return o, paramf("assume=: %s", strings.TrimPrefix(err.Error(), "--assume "))
		}
	}
	return o, nil
}

func (s *Server) apiTrace(ctx context.Context, q url.Values) (any, error) {
	tq, err := traceQuery(q)
	if err != nil {
		return nil, err
	}
	o, err := s.options(q)
	if err != nil {
		return nil, err
	}
	return ask.Trace(ctx, s.snap, tq, o)
}

func (s *Server) apiCheck(ctx context.Context, q url.Values) (any, error) {
	if _, err := params(q, "assume"); err != nil {
		return nil, err
	}
	o, err := s.options(q)
	if err != nil {
		return nil, err
	}
	s.checkMu.Lock()
	e, ok := s.checks[o.Assume]
	s.checkMu.Unlock()
	if ok {
		return e, nil
	}
	// The snapshot never changes, so the findings under one set of assumptions are computed
	// and encoded once (a 1,000-VNet estate takes seconds and answers 16 MB, 1.4 MB gzipped);
	// a cancelled run is not kept.
	if err := s.acquireHeavy(ctx); err != nil {
		return nil, err
	}
	fs, err := ask.Check(ctx, s.snap, ask.CheckQuery{}, o)
	s.releaseHeavy()
	if err != nil {
		return nil, err
	}
	var encErr error
	if err := encodeAnswer(checkReport(fs), s.warnings, func(b []byte) { e, encErr = newEncoded(b) }); err != nil {
		return nil, err
	}
	if encErr != nil {
		return nil, encErr
	}
	s.checkMu.Lock()
	s.checks[o.Assume] = e
	s.checkMu.Unlock()
	return e, nil
}

func (s *Server) apiResolve(ctx context.Context, q url.Values) (any, error) {
	p, err := params(q, "from", "name")
	if err != nil {
		return nil, err
	}
	if p["from"] == "" || p["name"] == "" {
		return nil, paramf("from= (the querying VM) and name= (the DNS name) are required")
	}
	return ask.Resolve(ctx, s.snap, ask.ResolveQuery{From: p["from"], Name: p["name"]}, s.ask)
}

// Status is the answer of /api/status.
type Status struct {
	State       string `json:"state"` // warming | ready | failed
	Error       string `json:"error,omitempty"`
	WarmMs      int64  `json:"warmMs,omitempty"`
	UptimeMs    int64  `json:"uptimeMs"`
	VNets       int    `json:"vnets"`
	NICs        int    `json:"nics"`
	Subnets     int    `json:"subnets"`
	RequireAuth bool   `json:"requireAuth"`
	Reach       bool   `json:"reach"` // /api/reach answers
	Flows       bool   `json:"flows"` // /api/flows/* answer (serve --db)
}

func (s *Server) apiStatus(_ context.Context, q url.Values) (any, error) {
	if _, err := params(q); err != nil {
		return nil, err
	}
	n := s.snap.Plane.Net
	st := Status{State: "warming", UptimeMs: time.Since(s.started).Milliseconds(),
		VNets: len(n.VNets), NICs: len(n.NICs), Subnets: len(n.Subnets), RequireAuth: s.opts.Token != "",
		Reach: s.opts.ReachJSON != nil, Flows: s.opts.Flows != nil}
	if e, ok := s.warmErr.Load().(string); ok {
		st.State, st.Error = "failed", e
	} else if s.ready.Load() {
		st.State, st.WarmMs = "ready", s.warmMs.Load()
	}
	return st, nil
}
