package check

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// BenchmarkCheckSnapshot (VNETDOCTOR_ESTATE=DIR) times every check, and all of them, on a snapshot
// directory, for example one written by `go run ./cmd/vnetgen -out DIR` at 1×, 2×, 5× and 10× (issue
// 8's scaling table). Each iteration starts from a freshly built data plane, so route tables and
// rule sets are cold as the CLI sees them; the findings count is reported with the time.
//
//	VNETDOCTOR_ESTATE=/tmp/estate go test -run '^$' -bench CheckSnapshot -benchtime 1x -timeout 0 ./internal/check/
func BenchmarkCheckSnapshot(b *testing.B) {
	dir := os.Getenv("VNETDOCTOR_ESTATE")
	if dir == "" {
		b.Skip("set VNETDOCTOR_ESTATE=DIR to time every check on a snapshot directory")
	}
	n, err := convert.Load([]string{dir}, convert.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range Registry() {
		b.Run(string(c.Code), func(b *testing.B) { benchCold(b, n, []Check{c}) })
	}
	b.Run("All", func(b *testing.B) { benchCold(b, n, Registry()) })
}

func benchCold(b *testing.B, n *model.Network, cs []Check) {
	findings := 0
	var cpu time.Duration // on a shared machine the process's CPU time says more than the wall clock
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p := dataplane.Build(n)
		before := cpuTime()
		b.StartTimer()
		findings = 0
		for _, c := range cs {
			findings += len(RunOne(context.Background(), c, p, DefaultOptions()))
		}
		b.StopTimer()
		cpu += cpuTime() - before
		b.StartTimer()
	}
	b.ReportMetric(float64(findings), "findings")
	b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/op")
}
