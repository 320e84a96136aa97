package serve

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestTraceAnswersKept: a trace asked again (in any parameter order) is answered from the kept
// bytes, which are the bytes a fresh server answers; errors are not kept; another assume= is
// another question.
func TestTraceAnswersKept(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	_, fresh := newTestServer(t, Options{})
	ask := func(base, path string) []byte {
		t.Helper()
		resp, b := do(t, "GET", base+path)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s = %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	a := "/api/trace?from=vm-app1&to=pe-sql-data&dport=1433"
	first := ask(ts.URL, a)
	again := ask(ts.URL, "/api/trace?dport=1433&to=pe-sql-data&from=vm-app1")
	if !bytes.Equal(first, again) || !bytes.Equal(first, ask(fresh.URL, a)) {
		t.Errorf("asked again: a different answer")
	}
	if n := len(s.traces.m); n != 1 {
		t.Errorf("%d answers kept after one question asked twice, want 1", n)
	}
	if resp, _ := do(t, "GET", ts.URL+"/api/trace?from=nobody&to=vm-app1"); resp.StatusCode != 404 || len(s.traces.m) != 1 {
		t.Errorf("an error: %d, %d answers kept", resp.StatusCode, len(s.traces.m))
	}
	other := a + "&assume=pe-reply-udr%3Dfollow"
	if b := ask(ts.URL, other); bytes.Equal(b, first) || !bytes.Equal(b, ask(fresh.URL, other)) {
		t.Errorf("assume=pe-reply-udr=follow: answered from the other question's answer, or not as a fresh server")
	}
}

func TestAnswerCacheBudget(t *testing.T) {
	c := newAnswerCache(1600)
	for i := 0; i < 40; i++ {
		c.put(fmt.Sprint(i), bytes.Repeat([]byte{'x'}, 90))
	}
	if c.size > 1600 || len(c.m) != 17 {
		t.Errorf("kept %d answers of %d bytes, want 17 within 1600", len(c.m), c.size)
	}
	if _, ok := c.get("0", nil); ok {
		t.Error("the oldest answer is still kept")
	}
	if b, ok := c.get("39", nil); !ok || len(b) != 90 {
		t.Error("the newest answer is not kept")
	}
	c.put("big", make([]byte, 101)) // over budget/16
	if _, ok := c.get("big", nil); ok {
		t.Error("an answer over a sixteenth of the budget was kept")
	}
}

// TestAnswerCacheRing: answers of random sizes, put and read back many rounds around the ring,
// are every one the bytes put or gone, never another's; the newest is always kept, and what is
// kept fits the budget.
func TestAnswerCacheRing(t *testing.T) {
	const budget = 4096
	c := newAnswerCache(budget)
	rng := rand.New(rand.NewPCG(14, 1))
	answer := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 1+(i*7919)%(budget/16)) }
	for i := 0; i < 3000; i++ {
		c.put(fmt.Sprint(i), answer(i))
		if b, ok := c.get(fmt.Sprint(i), nil); !ok || !bytes.Equal(b, answer(i)) {
			t.Fatalf("answer %d just put: kept %v", i, ok)
		}
		for range 5 {
			j := rng.IntN(i + 1)
			if b, ok := c.get(fmt.Sprint(j), nil); ok && !bytes.Equal(b, answer(j)) {
				t.Fatalf("after %d puts, answer %d reads back other bytes", i, j)
			}
		}
		if c.size > budget || len(c.m) != len(c.order) {
			t.Fatalf("after %d puts: %d bytes kept, %d answers mapped, %d in order", i, c.size, len(c.m), len(c.order))
		}
	}
	if len(c.m) < budget/(budget/16) {
		t.Errorf("%d answers kept at the end, want at least %d", len(c.m), budget/(budget/16))
	}
}
