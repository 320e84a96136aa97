package check

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
)

// TestCheckTimings (VNETDOCTOR_ESTATE=DIR) loads a snapshot directory, for example one written by
// `go run ./cmd/vnetgen -out DIR` at 1×, 2×, 5× and 10× (issue 8's scaling table), and logs the
// load, the data plane build and every check's time, findings and heap in use after it, on cold
// route tables as the CLI sees them. Run with -v -timeout 0.
func TestCheckTimings(t *testing.T) {
	dir := os.Getenv("VNETDOCTOR_ESTATE")
	if dir == "" {
		t.Skip("set VNETDOCTOR_ESTATE=DIR to time every check on a snapshot directory")
	}
	start := time.Now()
	n, err := convert.Load([]string{dir}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%-30s %v", "load", time.Since(start).Round(time.Millisecond))
	s := time.Now()
	p := dataplane.Build(n)
	t.Logf("%-30s %v", "data plane", time.Since(s).Round(time.Millisecond))
	var ms runtime.MemStats
	for _, c := range Registry() {
		s := time.Now()
		fs := RunOne(context.Background(), c, p, DefaultOptions())
		runtime.ReadMemStats(&ms)
		t.Logf("%-30s %6d findings %9v  heap %5d MiB", c.Code, len(fs), time.Since(s).Round(time.Millisecond), ms.HeapInuse>>20)
	}
	t.Logf("%-30s %v", "total", time.Since(start).Round(time.Millisecond))
}
