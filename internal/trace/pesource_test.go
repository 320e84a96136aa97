package trace

import (
	"strings"
	"testing"
)

// A private endpoint as the trace source is PlatformBlocked by design (spec §5: clients
// initiate; the endpoint never does); the detail says so and points to the useful trace.
func TestPrivateEndpointSourceIsPlatformBlocked(t *testing.T) {
	n := newNet()
	s := n.subnet(n.vnet("v", "10.0.0.0/16"), "s", "10.0.1.0/24")
	n.vm(s, "client", "10.0.1.4")
	n.pe(s, "pe-blob", "10.0.1.10", "Approved")
	p := n.plane()
	for _, from := range []string{"pe-blob", "10.0.1.10"} {
		a := run(t, p, from, "client", tcp, 443)
		if got := summary(a) + " " + path(a.Forward); got != "Unreachable Dropped/PlatformBlocked Platform= PrivateEndpoint:pe-blob" {
			t.Errorf("from %s: got %q", from, got)
			continue
		}
		d := a.Forward.Hops[0].Steps[0].Detail
		for _, want := range []string{"spec §5", "clients initiate", "the endpoint never does", "--to pe-blob"} {
			if !strings.Contains(d, want) {
				t.Errorf("from %s: detail %q lacks %q", from, d, want)
			}
		}
	}
}
