package serve

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
	"github.com/vnetdoctor/vnetdoctor/internal/synth"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

const example = "../../examples/hub-spoke"

var (
	snapOnce sync.Once
	snap     *ask.Snapshot
)

func exampleSnap(t testing.TB) *ask.Snapshot {
	snapOnce.Do(func() {
		s, err := ask.Load(context.Background(), []string{example}, convert.Options{})
		if err != nil {
			panic(err)
		}
		snap = s
	})
	return snap
}

var (
	generatedOnce sync.Once
	generated     *ask.Snapshot
)

// generatedSnap is a generated hub-and-spoke estate of 200 VNets and 2,000 NICs (synth), loaded
// once for the package.
func generatedSnap(t testing.TB) *ask.Snapshot {
	generatedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vnetdoctor-serve-")
		if err == nil {
			defer os.RemoveAll(dir)
			cfg := synth.Config{VNets: 200, NICs: 2000, NSGs: 200, RulesPerNSG: 50, RouteTables: 100, RoutesPerTable: 20, PrivateEndpoints: 40, Seed: 1}
			if err = synth.WriteFiles(dir, synth.Generate(cfg)); err == nil {
				generated, err = ask.Load(context.Background(), []string{dir}, convert.Options{})
			}
		}
		if err != nil {
			panic(err)
		}
	})
	return generated
}

// newTestServer starts a server on the example; Host headers are 127.0.0.1:port (loopback).
func newTestServer(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	opts.Loopback = true
	s := New(exampleSnap(t), opts)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

func do(t *testing.T, method, u string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// want renders v as the CLI does.
func want(t *testing.T, v any, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := render.JSON(&b, v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestEndpointsRenderTheQuestionLayer: each endpoint is ask + render, byte for byte (the CLI
// comparison itself is cmd/vnetdoctor's TestServeAnswersAsTheCLI).
func TestEndpointsRenderTheQuestionLayer(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	ctx, sn, o := context.Background(), exampleSnap(t), ask.DefaultOptions()
	sum, err := ask.Summary(ctx, sn, ask.SummaryQuery{}, o)
	if err != nil {
		t.Fatal(err)
	}
	routes, err := ask.Routes(ctx, sn, ask.RoutesQuery{NIC: "vm-app1"}, o)
	if err != nil {
		t.Fatal(err)
	}
	gw, gerr := ask.Routes(ctx, sn, ask.RoutesQuery{Subnet: "vnet-hub/GatewaySubnet"}, o)
	rules, err := ask.Rules(ctx, sn, ask.RulesQuery{NIC: "vm-dns1"}, o)
	if err != nil {
		t.Fatal(err)
	}
	udp, _ := model.ParseProtocol("udp")
	tr, err := ask.Trace(ctx, sn, trace.Query{From: "afw-hub", To: "vm-dns1", Protocol: udp, SourcePort: 49152, DestinationPort: 53}, o)
	fs, cerr := ask.Check(ctx, sn, ask.CheckQuery{}, o)
	res, rerr := ask.Resolve(ctx, sn, ask.ResolveQuery{From: "vm-data1", Name: "sql-data-prod.database.windows.net"}, o)
	for _, c := range []struct {
		path string
		want []byte
	}{
		{"/api/summary", want(t, render.NewSummary(sum.Network, sum.PlaneWarnings), nil)},
		{"/api/routes?nic=vm-app1", want(t, render.Routes(routes.Routes, routes.DisableBGPPropagation), nil)},
		{"/api/routes?subnet=vnet-hub%2FGatewaySubnet", want(t, render.Routes(gw.Routes, gw.DisableBGPPropagation), gerr)},
		{"/api/rules?nic=vm-dns1", want(t, struct {
			V any `json:"value"`
		}{rules.NSGs}, nil)},
		{"/api/trace?from=afw-hub&to=vm-dns1&proto=udp&dport=53", want(t, tr, err)},
		{"/api/check", want(t, render.CheckReport{Findings: fs}, cerr)},
		{"/api/resolve?from=vm-data1&name=sql-data-prod.database.windows.net", want(t, res, rerr)},
	} {
		resp, got := do(t, "GET", ts.URL+c.path)
		if resp.StatusCode != 200 || !bytes.Equal(got, c.want) {
			t.Errorf("GET %s = %d\n%.400s\nwant\n%.400s", c.path, resp.StatusCode, got, c.want)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("GET %s Content-Type %q", c.path, ct)
		}
		head, body := do(t, "HEAD", ts.URL+c.path)
		if head.StatusCode != 200 || len(body) != 0 || head.ContentLength != int64(len(c.want)) {
			t.Errorf("HEAD %s = %d, %d body bytes, Content-Length %d", c.path, head.StatusCode, len(body), head.ContentLength)
		}
	}
}

func TestTopologyAndSearch(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	var top Topology
	_, b := do(t, "GET", ts.URL+"/api/topology")
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	if len(top.Regions) != 2 || len(top.VNets) != 5 || len(top.OnPremises) != 1 || top.Devices != nil {
		t.Fatalf("topology: %d regions, %d vnets, %d on-premises, %d devices; want 2, 5, 1 and none", len(top.Regions), len(top.VNets), len(top.OnPremises), len(top.Devices))
	}
	states := map[string]string{}
	for _, v := range top.VNets {
		for _, p := range v.Peerings {
			states[p.Name] = fmt.Sprint(p.State, " ", p.Active)
		}
	}
	if states["peer-hub-to-sandbox"] != "Disconnected false" || states["peer-merger-to-hub"] != "Initiated false" {
		t.Errorf("peering states %v", states)
	}
	_, b = do(t, "GET", ts.URL+"/api/topology?vnet=vnet-hub")
	top = Topology{}
	json.Unmarshal(b, &top)
	kinds := map[string]string{}
	for _, d := range top.Devices {
		kinds[d.Name] = d.Kind
	}
	for name, kind := range map[string]string{"afw-hub": KindFirewall, "vgw-hub": KindGateway, "vm-dns1-nic": KindVM,
		"vm-nva-legacy-nic": KindNIC, "vm-nva-gw1-nic": KindNVA, "pe-kv-hub": KindPE, "lb-gwlb-nva": KindLB} {
		if kinds[name] != kind && !(name == "vm-nva-legacy-nic" && kinds[name] == KindVM) {
			t.Errorf("device %s kind %q, want %q", name, kinds[name], kind)
		}
	}
	for q, wantName := range map[string]string{"10.2.2.5": "pe-sql-data", "afw": "afw-hub", "VM-APP1": "vm-app1-nic"} {
		var hits []Hit
		_, b := do(t, "GET", ts.URL+"/api/search?q="+q)
		json.Unmarshal(b, &hits)
		if len(hits) == 0 || hits[0].Name != wantName {
			t.Errorf("search %q = %v, want %s first", q, hits, wantName)
		}
	}
	if resp, _ := do(t, "GET", ts.URL+"/api/topology?vnet=nope"); resp.StatusCode != 404 {
		t.Errorf("unknown vnet: %d, want 404", resp.StatusCode)
	}
}

func TestStatusWarmsThenReady(t *testing.T) {
	sn, err := ask.Load(context.Background(), []string{example}, convert.Options{}) // a cold plane
	if err != nil {
		t.Fatal(err)
	}
	s := New(sn, Options{Loopback: true})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	var st Status
	_, b := do(t, "GET", ts.URL+"/api/status")
	json.Unmarshal(b, &st)
	if st.State != "warming" || st.VNets != 5 {
		t.Fatalf("before Warm: %s", b)
	}
	if err := s.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, b = do(t, "GET", ts.URL+"/api/status")
	json.Unmarshal(b, &st)
	if st.State != "ready" {
		t.Fatalf("after Warm: %s", b)
	}
}

func TestMethodsOtherThanGetAndHeadAre405(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"} {
		for _, p := range []string{"/", "/api/trace?from=vm-app1&to=vm-data1", "/api/nope"} {
			resp, b := do(t, m, ts.URL+p)
			if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s = %d (Allow %q), want 405", m, p, resp.StatusCode, resp.Header.Get("Allow"))
			}
			if m != "CONNECT" && !strings.Contains(string(b), `"error"`) {
				t.Errorf("%s %s body %q", m, p, b)
			}
		}
	}
}

func TestBadRequestsAre400And404(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	for path, code := range map[string]int{
		"/api/nope":                  404,
		"/api/":                      404,
		"/api/trace/extra":           404,
		"/nope.js":                   404,
		"/api/routes?nic=no-such-vm": 404,
		"/api/routes":                400,
		"/api/routes?subnet=vnet-hub/snet-dns&nic=vm-app1": 400,
		"/api/routes?subnet=vnet-hub/snet-dns&subnet=x":    400,
		"/api/rules?subnet=vnet-hub/nope":                  404,
		"/api/routes?nic=vm-app1&nic=vm-app2":              400,
		"/api/routes?nic=vm-app1&colour=red":               400,
		"/api/summary?x=1":                                 400,
		"/api/trace?from=vm-app1":                          400,
		"/api/trace?from=vm-app1&to=vm-data1&proto=gre":    400,
		"/api/trace?from=vm-app1&to=vm-data1&dport=65536":  400,
		"/api/trace?from=vm-app1&to=vm-data1&sport=-1":     400,
		"/api/trace?from=nobody&to=vm-data1":               404,
		"/api/resolve?from=vm-app1":                        400,
		"/api/resolve?from=vm-app1&name=bad..name":         400,
		"/api/search": 400,
		"/api/rules?nic=" + strings.Repeat("x", 5000): 414,
	} {
		resp, b := do(t, "GET", ts.URL+path)
		var e struct{ Error string }
		if resp.StatusCode != code || json.Unmarshal(b, &e) != nil || e.Error == "" {
			t.Errorf("GET %.60s = %d %q, want %d with an error", path, resp.StatusCode, b, code)
		}
	}
}

func TestToken(t *testing.T) {
	_, ts := newTestServer(t, Options{Token: "tok-123"})
	for _, c := range []struct {
		path, auth string
		code       int
	}{
		{"/api/summary", "", 401},
		{"/api/summary", "Bearer wrong", 401},
		{"/api/summary", "Basic tok-123", 401},
		{"/api/summary", "Bearer tok-123x", 401},
		{"/api/summary", "Bearer tok-123", 200},
		{"/api/trace?from=vm-app1&to=vm-data1&dport=443", "Bearer tok-123", 200},
		{"/api/nope", "", 401}, // nothing of the API answers without the token
		{"/", "", 200},         // the UI's files are public; the UI sends the token
		{"/app.js", "", 200},
	} {
		resp, _ := do(t, "GET", ts.URL+c.path, "Authorization", c.auth)
		if resp.StatusCode != c.code {
			t.Errorf("GET %s with %q = %d, want %d", c.path, c.auth, resp.StatusCode, c.code)
		}
	}
}

// TestLoopbackRefusesOtherHostNames: without a token, a loopback server answers only requests
// addressed to a loopback name, so a DNS-rebinding page cannot read the API.
func TestLoopbackRefusesOtherHostNames(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	for host, code := range map[string]int{"evil.example:80": 403, "localhost:8080": 200, "[::1]:1": 200, "127.0.0.2": 200, "10.0.0.1": 403} {
		req, _ := http.NewRequest("GET", ts.URL+"/api/status", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != code {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, code)
		}
	}
}

// raw sends a request line as written, without the client's path cleaning.
func raw(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", target)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location") + " " + string(b)
}

func TestPathTraversal(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	addr := strings.TrimPrefix(ts.URL, "http://")
	for _, target := range []string{
		"/../../../../etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "/ui/index.html",
		"/./serve.go", "/..\\..\\etc\\passwd", "/app.js/../../serve.go", "/%2fetc%2fpasswd", "//etc/passwd",
		"/api/../serve.go", "/app.js%00.html", "/static.go", "/ui/app.js", "/README.md",
	} {
		code, body := raw(t, addr, target)
		if code == 200 || strings.Contains(body, "root:") || strings.Contains(body, "package serve") {
			t.Errorf("GET %s = %d %.80q, want no file outside the UI", target, code, body)
		}
		if code != 404 && code != 400 {
			t.Errorf("GET %s = %d, want 400 or 404", target, code)
		}
	}
}

func TestSecurityHeadersAndLimits(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	for _, p := range []string{"/", "/app.js", "/api/summary", "/api/nope"} {
		resp, _ := do(t, "GET", ts.URL+p)
		if resp.Header.Get("Content-Security-Policy") != CSP || resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s headers %v", p, resp.Header)
		}
	}
	if strings.Contains(CSP, "unsafe") || !strings.Contains(CSP, "script-src 'self'") || !strings.Contains(CSP, "default-src 'none'") {
		t.Errorf("CSP %q is not strict", CSP)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/api/summary", strings.NewReader("a body"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("GET with a body: %d, want 413", resp.StatusCode)
	}
}

// TestClientGoneCancelsWork: a request whose context is done gets no answer written; one
// whose time limit passes is 503.
func TestClientGoneCancelsWork(t *testing.T) {
	s := New(exampleSnap(t), Options{Loopback: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("GET", "http://127.0.0.1/api/check", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Body.Len() != 0 {
		t.Errorf("cancelled request got %d bytes: %.100s", rec.Body.Len(), rec.Body.String())
	}
	s = New(exampleSnap(t), Options{Loopback: true, RequestTimeout: time.Nanosecond})
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1/api/check", nil))
	if rec.Code != 503 {
		t.Errorf("request over its time limit: %d %s, want 503", rec.Code, rec.Body)
	}
}

// TestConcurrentQuestions asks many questions at once while the tables warm; every answer
// equals the one asked alone (run with -race).
func TestConcurrentQuestions(t *testing.T) {
	sn, err := ask.Load(context.Background(), []string{example}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := New(sn, Options{Loopback: true})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	go s.Warm(context.Background())
	paths := []string{
		"/api/trace?from=vm-app1&to=pe-sql-data&dport=1433", "/api/trace?from=afw-hub&to=vm-dns1&proto=udp&dport=53",
		"/api/trace?from=internet:198.51.100.7&to=pip-lb-web&dport=443", "/api/routes?nic=vm-app1", "/api/rules?nic=vm-dns1",
		"/api/resolve?from=vm-app1&name=stdataprod001.blob.core.windows.net", "/api/summary", "/api/topology", "/api/check",
		"/api/search?q=10.1", "/api/topology?vnet=vnet-spoke-app",
	}
	got := make([][][]byte, len(paths))
	var wg sync.WaitGroup
	const clients = 16
	for i := range paths {
		got[i] = make([][]byte, clients)
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := http.Get(ts.URL + paths[i])
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				got[i][c], _ = io.ReadAll(resp.Body)
				if resp.StatusCode != 200 {
					t.Errorf("GET %s = %d", paths[i], resp.StatusCode)
				}
			}()
		}
	}
	wg.Wait()
	for i, p := range paths {
		for c := 1; c < clients; c++ {
			if !bytes.Equal(got[i][c], got[i][0]) {
				t.Errorf("GET %s: answers differ between concurrent clients", p)
				break
			}
		}
	}
}

func TestIsLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "localhost:1": true, "[::1]:80": true,
		":8080": false, "0.0.0.0:80": false, "10.0.0.4:80": false, "example.com:80": false, "nonsense": false} {
		if got := IsLoopbackAddr(addr); got != want {
			t.Errorf("IsLoopbackAddr(%q) = %v, want %v", addr, got, want)
		}
	}
}

// TestEncodedAnswersGzip: the answers encoded once (the VNet-level topology, check's findings)
// are gzipped for a client that accepts gzip and decode to the bytes every other client gets;
// q=0 refuses gzip.
func TestEncodedAnswersGzip(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	for _, path := range []string{"/api/topology", "/api/check", "/api/check"} {
		resp, plain := do(t, "GET", ts.URL+path, "Accept-Encoding", "identity")
		if resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Vary") != "Accept-Encoding" || !json.Valid(plain) {
			t.Fatalf("%s identity: Content-Encoding %q, Vary %q", path, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
		}
		resp, gz := do(t, "GET", ts.URL+path, "Accept-Encoding", "br, gzip;q=0.8")
		if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("%s gzip accepted: Content-Encoding %q, Content-Type %q", path, resp.Header.Get("Content-Encoding"), resp.Header.Get("Content-Type"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(zr); err != nil || !bytes.Equal(b, plain) {
			t.Errorf("%s: gzip decodes to %d bytes (%v), want the %d bytes of the plain answer", path, len(b), err, len(plain))
		}
		if resp, _ := do(t, "GET", ts.URL+path, "Accept-Encoding", "gzip;q=0"); resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s gzip;q=0: Content-Encoding %q", path, resp.Header.Get("Content-Encoding"))
		}
		if resp, _ := do(t, "HEAD", ts.URL+path, "Accept-Encoding", "gzip"); resp.StatusCode != 200 || resp.ContentLength != int64(len(gz)) {
			t.Errorf("%s HEAD: %d, Content-Length %d", path, resp.StatusCode, resp.ContentLength)
		}
	}
}
