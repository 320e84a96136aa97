package trace

import (
	"encoding/json"
	"os"
	"testing"
)

func TestDumpHubSpoke(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip()
	}
	h := newHubSpoke()
	h.sn2.NSG = h.n.nsg("nsg2", "allow-web 100 In Allow Tcp 10.1.0.0/16 * 443")
	a := run(t, h.n.plane(), "vm1", "vm2", tcp, 443)
	b, _ := json.MarshalIndent(a, "", "  ")
	os.Stdout.Write(b)
}
