package dns

import (
	"errors"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// A trace to a DNS name from a NIC without a subnet cannot resolve the name: the answer is the
// not-found reference (cli.md exit 2), not a bare error the CLI reports as internal (found by
// FuzzPipeline).
func TestTraceNameFromNICWithoutSubnet(t *testing.T) {
	e := newEstate()
	orphan := e.vm(e.dnsSubnet, "orphan", "10.0.2.9")
	orphan.IPConfigs[0].Subnet = nil
	_, _, err := Trace(e.plane(), trace.Query{From: orphan.Name, To: "www.example.com"})
	var nf *model.NotFoundError
	if !errors.As(err, &nf) || nf.Ref != "www.example.com" {
		t.Errorf("got error %T %v, want *model.NotFoundError for www.example.com", err, err)
	}
}
