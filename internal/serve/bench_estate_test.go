package serve

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

var estateOnce struct {
	sync.Once
	snap     *ask.Snapshot
	vms, ips []string
	err      error
}

// estate loads $VNETDOCTOR_ESTATE once per test binary, warmed, with its VM names and IPs.
func estate(tb testing.TB) (*ask.Snapshot, []string, []string) {
	dir := os.Getenv("VNETDOCTOR_ESTATE")
	if dir == "" {
		tb.Skip("set VNETDOCTOR_ESTATE to a vnetgen estate")
	}
	e := &estateOnce
	e.Do(func() {
		e.snap, e.err = ask.Load(context.Background(), []string{dir}, convert.Options{})
		if e.err != nil {
			return
		}
		e.err = e.snap.Plane.Warm(context.Background())
		for _, n := range e.snap.Plane.Net.NICs {
			if c := n.Primary(); n.VMName != "" && c != nil && c.PrivateIP.IsValid() {
				e.vms, e.ips = append(e.vms, n.VMName), append(e.ips, c.PrivateIP.String())
			}
		}
	})
	if e.err != nil {
		tb.Fatal(e.err)
	}
	return e.snap, e.vms, e.ips
}

func BenchmarkEstateTrace(b *testing.B) {
	snap, vms, ips := estate(b)
	for _, c := range []struct {
		name string
		eps  []string
	}{{"byName", vms}, {"byIP", ips}, {"byName2", vms}} {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			for b.Loop() {
				q := trace.Query{From: c.eps[rng.IntN(len(c.eps))], To: c.eps[rng.IntN(len(c.eps))], Protocol: model.ProtoTCP, SourcePort: 49152, DestinationPort: 443}
				if _, err := ask.Trace(context.Background(), snap, q, ask.DefaultOptions()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("json", func(b *testing.B) {
		q := trace.Query{From: vms[0], To: vms[1234], Protocol: model.ProtoTCP, SourcePort: 49152, DestinationPort: 443}
		a, err := ask.Trace(context.Background(), snap, q, ask.DefaultOptions())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			render.JSON(io.Discard, a)
		}
	})
}

// BenchmarkEstateAPITrace is one /api/trace request through the server's handler (guards,
// question, encoding; no network), from all GOMAXPROCS at once, on the warmed estate.
func BenchmarkEstateAPITrace(b *testing.B) {
	snap, vms, ips := estate(b)
	h := New(snap, Options{Loopback: true}).Handler()
	for _, c := range []struct {
		name string
		eps  []string
	}{{"byName", vms}, {"byIP", ips}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var seed atomic.Uint64
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(seed.Add(1), 14))
				for pb.Next() {
					q := url.Values{"from": {c.eps[rng.IntN(len(c.eps))]}, "to": {c.eps[rng.IntN(len(c.eps))]}, "dport": {"443"}}
					w := httptest.NewRecorder()
					h.ServeHTTP(w, httptest.NewRequest("GET", "http://127.0.0.1/api/trace?"+q.Encode(), nil))
					if w.Code != 200 {
						b.Fatalf("%s: %d %s", q.Encode(), w.Code, w.Body)
					}
				}
			})
		})
	}
}
