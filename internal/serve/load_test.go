package serve

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
)

// TestTraceUnderLoad measures the API trace round trip with 50 concurrent clients on a large
// estate (VNETDOCTOR_ESTATE=/tmp/estate, from go run ./cmd/vnetgen -out /tmp/estate), after the
// tables are warm, and logs p50/p99 and the heap. Goal (issue 14): p99 under 20 ms.
func TestTraceUnderLoad(t *testing.T) {
	estate := os.Getenv("VNETDOCTOR_ESTATE")
	if estate == "" || testing.Short() {
		t.Skip("set VNETDOCTOR_ESTATE to a vnetgen estate to measure trace round trips under load")
	}
	start := time.Now()
	sn, err := ask.Load(context.Background(), []string{estate}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	loaded := time.Since(start)
	s := New(sn, Options{Loopback: true})
	if err := s.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	warm := time.Since(start) - loaded
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("%d VNets, %d NICs: load %v, warm %v; heap in use %d MiB, from the OS %d MiB",
		len(sn.Plane.Net.VNets), len(sn.Plane.Net.NICs), loaded.Round(time.Millisecond), warm.Round(time.Millisecond),
		ms.HeapInuse>>20, ms.Sys>>20)

	var vms, ips []string
	for _, n := range sn.Plane.Net.NICs {
		if c := n.Primary(); n.VMName != "" && c != nil && c.PrivateIP.IsValid() {
			vms, ips = append(vms, n.VMName), append(ips, c.PrivateIP.String())
		}
	}
	if len(vms) < 2 {
		t.Fatal("the estate has no VMs to trace between")
	}
	t.Logf("resident set %d MiB", rssMiB())
	hs := &handlerTimes{next: s.Handler()}
	ts := httptest.NewServer(hs)
	defer ts.Close()
	if p := os.Getenv("VNETDOCTOR_LOAD_PROFILE"); p != "" { // the load only, not the load of the estate
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	// Each run asks questions not asked before (the server keeps trace answers), except the last.
	load(t, ts.URL, hs, "VM names", vms, 1)
	load(t, ts.URL, hs, "private IPs", ips, 2)
	load(t, ts.URL, hs, "VM names, again", vms, 3)
	load(t, ts.URL, hs, "the same 100 questions (answers kept)", vms[:10], 4)
	runtime.ReadMemStats(&ms)
	t.Logf("heap in use after the load %d MiB; resident set %d MiB; %d GCs, %v paused in all",
		ms.HeapInuse>>20, rssMiB(), ms.NumGC, time.Duration(ms.PauseTotalNs).Round(time.Microsecond))
}

// handlerTimes records how long the server's handler takes per request: the server-side share
// of a round trip, without the client, the connection and the wait for a CPU before the handler runs.
type handlerTimes struct {
	next http.Handler
	mu   sync.Mutex
	lat  []time.Duration
}

func (h *handlerTimes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	h.next.ServeHTTP(w, r)
	d := time.Since(t0)
	h.mu.Lock()
	h.lat = append(h.lat, d)
	h.mu.Unlock()
}

// take returns the times recorded since the last take, sorted.
func (h *handlerTimes) take() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.lat
	h.lat = nil
	slices.Sort(l)
	return l
}

// rssMiB is this process's resident set (Linux), or 0.
func rssMiB() int {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, res int
	fmt.Sscan(string(b), &size, &res)
	return res * os.Getpagesize() >> 20
}

// pct is the q quantile of sorted latencies.
func pct(lat []time.Duration, q float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	return lat[int(q*float64(len(lat)-1))].Round(10 * time.Microsecond)
}

// load runs 50 clients of 40 traces each between random endpoints and logs the latencies.
func load(t *testing.T, base string, hs *handlerTimes, what string, endpoints []string, seed uint64) {
	const clients, perClient = 50, 40
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	lat := make([]time.Duration, 0, clients*perClient)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var failed sync.Once
	began, cpu0, gc0 := time.Now(), cpuTime(), gcCPU()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), seed))
			for i := 0; i < perClient; i++ {
				q := url.Values{"from": {endpoints[rng.IntN(len(endpoints))]}, "to": {endpoints[rng.IntN(len(endpoints))]}, "dport": {fmt.Sprint([]int{22, 443, 1433, 3389}[rng.IntN(4)])}}
				t0 := time.Now()
				resp, err := hc.Get(base + "/api/trace?" + q.Encode())
				if err != nil {
					failed.Do(func() { t.Error(err) })
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				if resp.StatusCode != 200 {
					failed.Do(func() { t.Errorf("GET trace %s = %d", q.Encode(), resp.StatusCode) })
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	total := time.Since(began)
	cpu, gc := cpuTime()-cpu0, gcCPU()-gc0
	slices.Sort(lat)
	srv := hs.take()
	t.Logf("by %s: %d traces from %d clients in %v (%.0f/s) on %d CPUs: round trip p50 %v, p90 %v, p99 %v, max %v; "+
		"handler p50 %v, p99 %v; %.0f µs of CPU per trace (server and clients), %.0f of it GC; load average %s",
		what, len(lat), clients, total.Round(time.Millisecond), float64(len(lat))/total.Seconds(), runtime.GOMAXPROCS(0),
		pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.99), lat[len(lat)-1].Round(10*time.Microsecond),
		pct(srv, 0.50), pct(srv, 0.99), float64(cpu.Microseconds())/float64(len(lat)), gc*1e6/float64(len(lat)), loadAverage())
}

// cpuTime is the CPU time (user and system) this process has used: on a shared machine the CPU
// per request varies much less than the latencies, which depend on what else runs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// gcCPU is the CPU time the garbage collector has spent, in seconds (runtime/metrics).
func gcCPU() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return s[0].Value.Float64()
}

// loadAverage is the machine's one-minute load average (Linux), or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}
