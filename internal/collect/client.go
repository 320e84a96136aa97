package collect

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// PublicARM is Azure's public Resource Manager endpoint.
const PublicARM = "https://management.azure.com"

// client sends requests to Resource Manager through azcore's pipeline: retries with
// Retry-After, the bearer token, and two policies of ours: one counts every attempt (the
// manifest's requests and throttled), the other holds requests while Resource Graph's quota
// is spent.
type client struct {
	base  *url.URL
	pl    runtime.Pipeline
	stats *stats
	quota *quotaGate
}

// stats are the counters the manifest reports; every field is updated atomically.
type stats struct {
	requests   atomic.Int64 // attempts sent, retries included
	throttled  atomic.Int64 // 429 answers
	bytes      atomic.Int64 // response bytes read
	quotaWaits atomic.Int64 // times a request waited for Resource Graph's quota window
	waitedNano atomic.Int64 // time spent waiting: Retry-After of 429s and quota windows
	rows       atomic.Int64
}

// ParseEndpoint checks --arm-endpoint: https, or plain http only for a loopback host (a
// bearer token must never cross a network in clear text).
func ParseEndpoint(s string) (*url.URL, bool, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, false, fmt.Errorf("--arm-endpoint %q: not an http(s) URL", s)
	}
	if u.Scheme == "https" {
		return u, false, nil
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if host == "localhost" || ip != nil && ip.IsLoopback() {
		return u, true, nil
	}
	return nil, false, fmt.Errorf("--arm-endpoint %q: plain http is accepted only for a loopback host", s)
}

func newClient(base *url.URL, insecureHTTP bool, cred azcore.TokenCredential, opt *Options) *client {
	st := &stats{}
	q := &quotaGate{now: time.Now}
	scope := PublicARM + "/.default"
	if opt.Audience != "" {
		scope = strings.TrimRight(opt.Audience, "/") + "/.default"
	}
	bearer := runtime.NewBearerTokenPolicy(cred, []string{scope},
		&policy.BearerTokenOptions{InsecureAllowCredentialWithHTTP: insecureHTTP})
	co := &policy.ClientOptions{
		Retry: policy.RetryOptions{
			MaxRetries:    opt.MaxRetries,
			TryTimeout:    opt.TryTimeout,
			RetryDelay:    opt.RetryDelay,
			MaxRetryDelay: 5 * time.Minute,
		},
		Telemetry:        policy.TelemetryOptions{ApplicationID: "vnetdoctor-collect"},
		Logging:          policy.LogOptions{IncludeBody: false},
		Transport:        opt.Transport,
		PerRetryPolicies: []policy.Policy{bearer, countPolicy{st, q}},
	}
	return &client{base: base, pl: runtime.NewPipeline("vnetdoctor/collect", "v0", runtime.PipelineOptions{}, co), stats: st, quota: q}
}

// url joins an ARM path (which may be a full nextLink on the same host) with api-version.
func (c *client) url(path, apiVersion string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		u, err := url.Parse(path)
		if err == nil { // nextLinks point at management.azure.com; keep our endpoint
			u.Scheme, u.Host = c.base.Scheme, c.base.Host
			return u.String()
		}
	}
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + path
	if apiVersion != "" {
		q := u.Query()
		q.Set("api-version", apiVersion)
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// do sends one request (body may be nil) and returns the answer with its body read.
func (c *client) do(ctx context.Context, method, u string, body any) (*http.Response, []byte, error) {
	req, err := runtime.NewRequest(ctx, method, u)
	if err != nil {
		return nil, nil, err
	}
	req.Raw().Header.Set("Accept", "application/json")
	if body != nil {
		if err := runtime.MarshalAsJSON(req, body); err != nil {
			return nil, nil, err
		}
	}
	resp, err := c.pl.Do(req)
	if err != nil {
		return resp, nil, err
	}
	b, err := runtime.Payload(resp)
	if err != nil {
		return resp, nil, err
	}
	return resp, b, nil
}

// countPolicy runs once per attempt: it counts, records Resource Graph's quota headers and
// waits (before sending) while the quota window is spent.
type countPolicy struct {
	st *stats
	q  *quotaGate
}

func (p countPolicy) Do(req *policy.Request) (*http.Response, error) {
	if strings.Contains(req.Raw().URL.Path, "/providers/Microsoft.ResourceGraph/") {
		if d := p.q.wait(req.Raw().Context()); d > 0 {
			p.st.quotaWaits.Add(1)
			p.st.waitedNano.Add(int64(d))
		}
	}
	p.st.requests.Add(1)
	resp, err := req.Next()
	if err != nil {
		return resp, err
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		p.st.throttled.Add(1)
		p.st.waitedNano.Add(int64(retryAfter(resp.Header)))
	}
	if b, err := runtime.Payload(resp); err == nil { // read by azcore's body download policy, after this one
		p.st.bytes.Add(int64(len(b)))
	}
	p.q.observe(resp.Header)
	return resp, nil
}

// retryAfter reads Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3).
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// quotaGate follows Resource Graph's per-user quota: every answer carries
// x-ms-user-quota-remaining (queries left in the window) and x-ms-user-quota-resets-after
// (hh:mm:ss until the window resets); at zero the next query waits for the reset rather than
// earning a 429 (learn.microsoft.com/azure/governance/resource-graph/concepts/guidance-for-throttled-requests,
// "Understand throttling headers").
type quotaGate struct {
	mu        sync.Mutex
	known     bool
	remaining int
	resetAt   time.Time
	now       func() time.Time
}

func (q *quotaGate) observe(h http.Header) {
	rem := h.Get("x-ms-user-quota-remaining")
	if rem == "" {
		return
	}
	n, err := strconv.Atoi(rem)
	if err != nil {
		return
	}
	d, ok := parseHMS(h.Get("x-ms-user-quota-resets-after"))
	q.mu.Lock()
	defer q.mu.Unlock()
	q.known, q.remaining = true, n
	if ok {
		// The header has whole seconds: wait half a second more than it says rather than
		// reach the service a moment before its window resets and earn a 429.
		q.resetAt = q.now().Add(d + 500*time.Millisecond)
	}
}

// wait blocks while the window is spent and takes one query from it; it returns how long it
// waited. Parallel streams share the gate, so the count is decremented locally before answers
// bring the server's figure.
func (q *quotaGate) wait(ctx context.Context) time.Duration {
	var waited time.Duration
	for {
		q.mu.Lock()
		if !q.known || q.remaining > 0 {
			if q.known {
				q.remaining--
			}
			q.mu.Unlock()
			return waited
		}
		d := q.resetAt.Sub(q.now())
		if d <= 0 {
			q.known = false // the window has reset; the next answer tells the new figure
			q.mu.Unlock()
			continue
		}
		q.mu.Unlock()
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return waited
		case <-t.C:
			waited += d
		}
	}
}

// parseHMS reads "hh:mm:ss" (fractions of a second allowed).
func parseHMS(s string) (time.Duration, bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, false
	}
	h, e1 := strconv.Atoi(parts[0])
	m, e2 := strconv.Atoi(parts[1])
	sec, e3 := strconv.ParseFloat(parts[2], 64)
	if e1 != nil || e2 != nil || e3 != nil {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec*float64(time.Second)), true
}
