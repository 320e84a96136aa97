package ask

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/diff"
	"github.com/vnetdoctor/vnetdoctor/internal/synth"
)

// diffEstates is the estate-scale pair the diff benchmarks compare: VNETDOCTOR_ESTATE and
// VNETDOCTOR_ESTATE_AFTER when set, else the synthetic 10,000-NIC estate (synth.Estate, as
// `go run ./cmd/vnetgen -out DIR`) written twice, the second with one NSG rule's access flipped
// (nsg-0000's first rule, UDP 53 from anywhere, Allow → Deny). Skipped under -short.
func diffEstates(b *testing.B) (string, string) {
	if testing.Short() {
		b.Skip("estate-scale benchmark: writes and loads two 10,000-NIC estates (65 MB each); run without -short")
	}
	if dir, dir2 := os.Getenv("VNETDOCTOR_ESTATE"), os.Getenv("VNETDOCTOR_ESTATE_AFTER"); dir != "" && dir2 != "" {
		return dir, dir2
	}
	files := synth.Generate(synth.Estate())
	before, after := b.TempDir(), b.TempDir()
	if err := synth.WriteFiles(before, files); err != nil {
		b.Fatal(err)
	}
	nsgs := files["nsgs-00.json"]
	changed := bytes.Replace(nsgs, []byte(`"access":"Allow"`), []byte(`"access":"Deny"`), 1)
	if bytes.Equal(changed, nsgs) {
		b.Fatal("nsgs-00.json: no Allow rule to flip")
	}
	files["nsgs-00.json"] = changed
	if err := synth.WriteFiles(after, files); err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(after, "nsgs-00.json")); err != nil {
		b.Fatal(err)
	}
	return before, after
}

// loadPair loads both snapshots and their changed resource documents at once, parsing the files
// they hold alike once, as `vnetdoctor diff` does.
func loadPair(b testing.TB, dir, dir2 string) (*Snapshot, *Snapshot, diff.Docs, diff.Docs) {
	ctx := context.Background()
	var sb, sa *Snapshot
	var bd, ad diff.Docs
	var errB, errA, errD error
	var wg sync.WaitGroup
	opts := convert.Options{Parsed: azure.NewParsed()}
	wg.Go(func() { sa, errA = Load(ctx, []string{dir2}, opts) })
	read := func(path string) ([]byte, error) { return opts.Parsed.Read(path, azure.DefaultMaxFileSize) }
	wg.Go(func() { bd, ad, errD = diff.ReadChanged([]string{dir}, []string{dir2}, read) })
	sb, errB = Load(ctx, []string{dir}, opts)
	wg.Wait()
	for _, err := range []error{errB, errA, errD} {
		if err != nil {
			b.Fatal(err)
		}
	}
	return sb, sa, bd, ad
}

// BenchmarkDiffOneRuleEstate is `vnetdoctor diff` of two 10,000-NIC estates differing in one NSG
// rule, load included (rendering left out): resources, routes, the incremental reachability
// and both snapshots' findings.
func BenchmarkDiffOneRuleEstate(b *testing.B) {
	dir, dir2 := diffEstates(b)
	ctx, opts := context.Background(), DefaultOptions()
	for b.Loop() {
		sb, sa, bd, ad := loadPair(b, dir, dir2)
		a, err := Diff(ctx, sb, sa, bd, ad, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(a.Reachability)), "rows")
		b.ReportMetric(float64(a.ReachStats.Traces), "traces")
	}
}

// BenchmarkDiffReachOneRuleEstate is the reachability step of that diff alone (snapshots
// loaded once, outside the timer): the scope, the decision delta, and the traces it needs.
func BenchmarkDiffReachOneRuleEstate(b *testing.B) {
	dir, dir2 := diffEstates(b)
	ctx, opts := context.Background(), DefaultOptions()
	sb, sa, bd, ad := loadPair(b, dir, dir2)
	res := diff.CompareResources(bd, ad)
	routes := diff.CompareRoutesIn(sb.Plane, sa.Plane, routeSubnets(res, sb.Plane.Net, sa.Plane.Net))
	for b.Loop() {
		sc := scopeOf(res, routes, sb.Plane.Net, sa.Plane.Net)
		rows, st, err := diffReach(ctx, sb, sa, sc, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(rows)), "rows")
		b.ReportMetric(float64(st.Traces), "traces")
	}
}
