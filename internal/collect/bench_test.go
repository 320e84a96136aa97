package collect

import (
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/collect/fakeazure"
	"github.com/vnetdoctor/vnetdoctor/internal/synth"
)

// BenchmarkCollectEstate collects the 1,000-VNet / 10,000-NIC estate
// (vnetgen -vnets 1000 -nics 10000 -nsgs 1000 -route-tables 500 -pes 200, 67 MB) from the
// fake with Resource Graph's documented quota (15 queries per 5 s) honoured. It reports
// requests, answer bytes and rows per collection and fails at 60 requests or more (a
// type-by-type lister needs one call per type per subscription plus one per parent).
// Peak memory of the collector alone is measured as a whole process (farm-bench on
// `vnetdoctor collect` against cmd/fakeazure; docs/collect.md).
//
//	go test ./internal/collect -run XXX -bench CollectEstate -benchtime 1x
func BenchmarkCollectEstate(b *testing.B) {
	files := synth.Generate(synth.Estate()) // the vnetgen defaults: exactly the estate above
	f, err := fakeazure.New(files, fakeazure.Script{Quota: 15, QuotaWindow: 5 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fx := &fixture{fake: f}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		fx.t = &testing.T{}
		fx.out = b.TempDir() + "/snap"
		o := benchOptions(b, fx)
		b.StartTimer()
		m, err := Run(b.Context(), o)
		if err != nil || !m.Complete() {
			b.Fatalf("%v %+v", err, m)
		}
		if m.Requests >= 60 {
			b.Fatalf("%d requests; the goal is under 60", m.Requests)
		}
		b.ReportMetric(float64(m.Requests), "requests/op")
		b.ReportMetric(float64(m.Throttled), "throttled/op")
		b.ReportMetric(float64(m.Halved), "halved/op")
		b.ReportMetric(float64(m.Bytes)/1e6, "MB/op")
		b.ReportMetric(float64(m.Rows), "rows/op")
		b.ReportMetric(m.WaitedSeconds, "quota-wait-s/op")
	}
}

func benchOptions(b *testing.B, fx *fixture) Options {
	dir := b.TempDir()
	tf := dir + "/token.json"
	if err := writeFileBytes(tf, fakeazure.TokenFile(time.Now().Add(time.Hour))); err != nil {
		b.Fatal(err)
	}
	cred, err := LoadTokenFile(tf, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return Options{Subscriptions: fx.fake.Subscriptions(), Out: fx.out, Endpoint: fx.fake.URL, Credential: cred, Version: "bench"}
}
