package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
)

// reachDoc stands in for the CLI's document (cmd/vnetdoctor's TestServeAnswersAsTheCLI compares
// the real one with `vnetdoctor reach -o json`).
func reachDoc(a *ask.ReachAnswer) any {
	return struct {
		Complete bool        `json:"complete"`
		Rows     []reach.Row `json:"rows"`
	}{a.Complete, a.Rows}
}

// TestReachRendersAskReach: /api/reach is ask.Reach with the CLI's defaults (tcp and udp, every
// port), through Options.ReachJSON; asking again gives the same bytes (the kept answer).
func TestReachRendersAskReach(t *testing.T) {
	_, ts := newTestServer(t, Options{ReachJSON: reachDoc})
	ctx, sn := context.Background(), exampleSnap(t)
	for path, q := range map[string]ask.ReachQuery{
		"/api/reach?to=vm-app1&dport=443": {To: "vm-app1", Protocols: []model.Protocol{model.ProtoTCP, model.ProtoUDP}, Ports: []model.PortRange{{Lo: 443, Hi: 443}}},
		"/api/reach?from=vm-sandbox1&proto=udp&dport=53&all=true": {From: "vm-sandbox1", Protocols: []model.Protocol{model.ProtoUDP},
			Ports: []model.PortRange{{Lo: 53, Hi: 53}}, All: true},
	} {
		a, err := ask.Reach(ctx, sn, q, ask.DefaultOptions())
		w := want(t, reachDoc(a), err)
		for i := 0; i < 2; i++ {
			resp, got := do(t, "GET", ts.URL+path)
			if resp.StatusCode != 200 || !bytes.Equal(got, w) {
				t.Errorf("GET %s (%d) = %d\n%.400s\nwant\n%.400s", path, i, resp.StatusCode, got, w)
			}
		}
	}
	var doc struct{ Rows []reach.Row }
	if _, b := do(t, "GET", ts.URL+"/api/reach?to=vm-app1&dport=443"); json.Unmarshal(b, &doc) != nil || len(doc.Rows) == 0 {
		t.Errorf("who can reach vm-app1 on 443: no rows in %.200s", b)
	}
}

func TestReachBadRequests(t *testing.T) {
	_, ts := newTestServer(t, Options{ReachJSON: reachDoc})
	for path, code := range map[string]int{
		"/api/reach":                            400,
		"/api/reach?to=vm-app1&from=vm-data1":   400,
		"/api/reach?to=vm-app1&proto=esp":       400,
		"/api/reach?to=vm-app1&dport=80-20":     400,
		"/api/reach?to=vm-app1&dport=http":      400,
		"/api/reach?to=vm-app1&all=maybe":       400,
		"/api/reach?to=vm-app1&colour=red":      400,
		"/api/reach?to=vm-app1&assume=nope%3D1": 400,
		"/api/reach?to=no-such-vm":              404,
	} {
		resp, b := do(t, "GET", ts.URL+path)
		var e struct{ Error string }
		if resp.StatusCode != code || json.Unmarshal(b, &e) != nil || e.Error == "" {
			t.Errorf("GET %s = %d %q, want %d with an error", path, resp.StatusCode, b, code)
		}
	}
	_, plain := newTestServer(t, Options{})
	if resp, b := do(t, "GET", plain.URL+"/api/reach?to=vm-app1"); resp.StatusCode != 404 {
		t.Errorf("a server without ReachJSON: %d %s, want 404", resp.StatusCode, b)
	}
}

// TestReachStopsWhenTheClientGoes: a client that leaves mid-question stops the work well before
// the answer would be done, and nothing is kept; a question waiting for a busy slot gives up at
// its time limit (503). The timing is asked of a generated estate of 2,000 NICs, whose `reach
// --from` a VM takes long enough to tell: on the bundled example it takes about 10 ms, less
// than what a cancelled request spends anyway (and, under the race detector, less than the
// shadow-memory work on the answer's buffer). With -short (the race detector's run), the
// example is asked and only what is written and kept is checked.
func TestReachStopsWhenTheClientGoes(t *testing.T) {
	snap, path := exampleSnap(t), "http://127.0.0.1/api/reach?from=vm-data1"
	if !testing.Short() {
		snap, path = generatedSnap(t), "http://127.0.0.1/api/reach?from=vm-00000&proto=tcp,udp,icmp"
	}
	full := time.Duration(1 << 62)
	for range 2 { // the quicker of two: the model and every NIC's rules are ready after the first
		s := New(snap, Options{Loopback: true, ReachJSON: reachDoc})
		began := time.Now()
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		full = min(full, time.Since(began))
		if rec.Code != 200 {
			t.Fatalf("reach: %d %.300s", rec.Code, rec.Body)
		}
	}
	s := New(snap, Options{Loopback: true, ReachJSON: reachDoc})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(full/10, cancel)
	began := time.Now()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil).WithContext(ctx))
	took := time.Since(began)
	if rec.Body.Len() != 0 || (!testing.Short() && took > full/2) {
		t.Errorf("client gone after %v: the request took %v of the %v a full answer takes and wrote %d bytes", full/10, took, full, rec.Body.Len())
	}
	if _, kept := s.reaches.get(canonical(httptest.NewRequest("GET", path, nil).URL.Query())); kept {
		t.Error("a cancelled answer was kept")
	}

	s = New(exampleSnap(t), Options{Loopback: true, ReachJSON: reachDoc, RequestTimeout: 50 * time.Millisecond})
	for range cap(s.heavy) {
		s.heavy <- struct{}{} // every slot busy
	}
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1/api/reach?to=vm-app1&dport=443", nil))
	if rec.Code != 503 {
		t.Errorf("waiting for a busy slot past the time limit: %d %s, want 503", rec.Code, rec.Body)
	}
}

// TestReachConcurrent: questions asked at once (the same and different ones) each get the answer
// asked alone (run with -race).
func TestReachConcurrent(t *testing.T) {
	_, ts := newTestServer(t, Options{ReachJSON: reachDoc})
	paths := []string{"/api/reach?to=vm-app1&dport=443", "/api/reach?to=vm-jump&proto=tcp&dport=22", "/api/reach?dport=443&to=vm-app1"}
	wants := map[string][]byte{}
	_, solo := newTestServer(t, Options{ReachJSON: reachDoc})
	for _, p := range paths {
		_, wants[p] = do(t, "GET", solo.URL+p)
	}
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := paths[i%len(paths)]
			resp, err := http.Get(ts.URL + p)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !bytes.Equal(b, wants[p]) {
				t.Errorf("GET %s at once with others: %d %.200s", p, resp.StatusCode, b)
			}
		}()
	}
	wg.Wait()
}
