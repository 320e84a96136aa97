package check

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
)

// TestOverlapScale (VNETDOCTOR_OVERLAP_DIR=<snapshot dir>) times AddressSpaceOverlap alone on a
// snapshot, for example one written by `go run ./cmd/vnetgen -out DIR -vnets 10000 -nics 100000`.
// With VNETDOCTOR_OVERLAP_TWIN=1 it also runs the pairwise twin and requires identical JSON.
func TestOverlapScale(t *testing.T) {
	dir := os.Getenv("VNETDOCTOR_OVERLAP_DIR")
	if dir == "" {
		t.Skip("set VNETDOCTOR_OVERLAP_DIR to a snapshot directory to time AddressSpaceOverlap on it")
	}
	start := time.Now()
	n, err := convert.Load([]string{dir}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := dataplane.Build(n)
	t.Logf("loaded %d VNets in %v", len(n.VNets), time.Since(start).Round(time.Millisecond))
	start = time.Now()
	fs := RunOne(context.Background(), addressSpaceOverlap, p, DefaultOptions())
	t.Logf("AddressSpaceOverlap: %d findings in %v", len(fs), time.Since(start).Round(time.Millisecond))
	if os.Getenv("VNETDOCTOR_OVERLAP_TWIN") == "" {
		return
	}
	start = time.Now()
	slow := RunOne(context.Background(), Check{Code: addressSpaceOverlap.Code, Run: slowAddressSpaceOverlap}, p, DefaultOptions())
	t.Logf("pairwise twin: %d findings in %v", len(slow), time.Since(start).Round(time.Millisecond))
	got, _ := json.Marshal(fs)
	want, _ := json.Marshal(slow)
	if string(got) != string(want) {
		t.Errorf("AddressSpaceOverlap differs from its pairwise twin (%d vs %d bytes)", len(got), len(want))
	}
}
