package check

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestForwardedTrafficBlocked: only a link lacking allowForwardedTraffic that an appliance's
// traffic really crosses is reported. In the §1.7 worked example VNet2's link lacks the flag but
// Subnet1's 0/0 UDR to the appliance is shadowed for VNet2's ranges by None UDRs.
func TestForwardedTrafficBlocked(t *testing.T) {
	for _, tc := range []struct {
		dir  string
		want []string
	}{
		{"ForwardedTrafficBlocked", []string{"spoke-db-to-hub ilb-nva rt-gateway/to-spoke-db"}},
		{"forwarded-shadowed", nil},
	} {
		fs := RunOne(context.Background(), forwardedTrafficBlocked, scenarioPlane(t, filepath.Join("testdata", tc.dir)), DefaultOptions())
		var got []string
		for _, f := range fs {
			got = append(got, f.Evidence["peering"].(string)+" "+f.Evidence["appliance"].(string)+" "+f.Evidence["route"].(string))
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s findings (-want +got):\n%s", tc.dir, d)
		}
	}
}
