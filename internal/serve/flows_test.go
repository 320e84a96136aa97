package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"testing"
)

// echoFlows answers each question with the query it was given.
type echoFlows struct{}

func (echoFlows) Explain(_ context.Context, q FlowsExplainQuery) (any, error) { return q, nil }
func (echoFlows) Report(_ context.Context, q FlowsReportQuery) (any, error) {
	if q.View == "asymmetric" {
		return nil, fmt.Errorf("flows report: %w", ErrNotImplemented)
	}
	return q, nil
}

// TestFlowsQueries: /api/flows/* read the CLI's flags with its defaults (limit 1000, any port)
// (report: view top, limit 50) and pass them to Options.Flows; bad values are 400, a view the
// store cannot answer 501, no --db 404.
func TestFlowsQueries(t *testing.T) {
	_, ts := newTestServer(t, Options{Flows: echoFlows{}})
	var ex FlowsExplainQuery
	getJSON(t, ts.URL+"/api/flows/explain", &ex)
	if ex != (FlowsExplainQuery{DstPort: -1, Limit: 1000}) {
		t.Errorf("explain defaults: %+v", ex)
	}
	getJSON(t, ts.URL+"/api/flows/explain?src=10.1.2.4&dst=10.2.1.4&dport=0&denied=true&disagree=1&limit=0", &ex)
	if want := (FlowsExplainQuery{Src: netip.MustParseAddr("10.1.2.4"), Dst: netip.MustParseAddr("10.2.1.4"), DstPort: 0, Denied: true, Disagree: true}); ex != want {
		t.Errorf("explain: %+v, want %+v", ex, want)
	}
	var rep FlowsReportQuery
	getJSON(t, ts.URL+"/api/flows/report", &rep)
	if want := (FlowsReportQuery{View: "top", Limit: 50}); rep != want {
		t.Errorf("report defaults: %+v, want %+v", rep, want)
	}
	getJSON(t, ts.URL+"/api/flows/report?view=denied&since=2026-12-01T00:00:00Z&limit=20", &rep)
	if want := (FlowsReportQuery{View: "denied", Since: "2026-12-01T00:00:00Z", Limit: 20}); rep != want {
		t.Errorf("report: %+v, want %+v", rep, want)
	}
	for path, code := range map[string]int{
		"/api/flows/explain?src=fe80::1":      400,
		"/api/flows/explain?dst=10.0.0":       400,
		"/api/flows/explain?dport=65536":      400,
		"/api/flows/explain?denied=yes":       400,
		"/api/flows/explain?limit=-2":         400,
		"/api/flows/explain?view=top":         400,
		"/api/flows/report?view=":             400,
		"/api/flows/report?view=pie":          400,
		"/api/flows/report?view=asymmetric":   501,
		"/api/flows/nope":                     404,
		"/api/flows/report?view=top&limit=x1": 400,
	} {
		if resp, b := do(t, "GET", ts.URL+path); resp.StatusCode != code {
			t.Errorf("GET %s = %d %s, want %d", path, resp.StatusCode, b, code)
		}
	}
	_, plain := newTestServer(t, Options{})
	if resp, b := do(t, "GET", plain.URL+"/api/flows/explain"); resp.StatusCode != 404 {
		t.Errorf("without a flow database: %d %s, want 404", resp.StatusCode, b)
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, b := do(t, "GET", u)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s", u, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v: %s", u, err, b)
	}
}
