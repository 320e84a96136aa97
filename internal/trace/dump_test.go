package trace

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

func TestDump(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip()
	}
	n := fwHub(func(h *hubSpoke, fw *model.Firewall) { h.n.natgw("ng-fw", h.n.pip("pip-ng", "20.0.0.20"), fw.Subnet) })()
	a := run(t, n.plane(), "vm1", "internet:93.184.216.34", tcp, 80)
	b, _ := json.MarshalIndent(a, "", "  ")
	os.Stdout.Write(b)
}
