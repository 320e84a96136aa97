package check

import (
	"context"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestDefaultOutboundAgreesWithTrace: on the bundled example, a VM is in a
// DefaultOutboundReliance finding exactly when its traced flow to the internet is translated by
// default outbound access (both ask dataplane.Plane.Outbound, spec §4). vm-webpub1, behind a
// public load-balancing rule and no outbound rule, is one of them.
func TestDefaultOutboundAgreesWithTrace(t *testing.T) {
	p := examplePlane(t)
	flagged := map[model.ID]bool{}
	for _, f := range RunOne(context.Background(), defaultOutboundReliance, p, DefaultOptions()) {
		for _, id := range f.Resources {
			flagged[model.ID(id)] = true
		}
	}
	checked := 0
	for _, nic := range p.Net.NICs {
		if nic.VMName == "" || nic.Primary() == nil {
			continue
		}
		a, err := trace.Run(p, trace.Query{From: string(nic.ID), To: "internet:1.1.1.1", Protocol: model.ProtoTCP, DestinationPort: 443})
		if err != nil {
			t.Fatalf("%s: %v", nic.VMName, err)
		}
		snat, doa := false, false
		for _, h := range a.Forward.Hops {
			for _, s := range h.Steps {
				if s.Step == trace.StepSnat {
					snat = true
					doa = doa || strings.Contains(s.Detail, "by default outbound access")
				}
			}
		}
		if !snat {
			continue // dropped before any translation: the trace says nothing about the method
		}
		checked++
		if doa != flagged[nic.ID] {
			t.Errorf("%s: trace default outbound access %v, DefaultOutboundReliance %v", nic.VMName, doa, flagged[nic.ID])
		}
	}
	if checked == 0 {
		t.Fatal("no trace reached a translation")
	}
	t.Logf("%d VMs traced to a translation, %d resources flagged", checked, len(flagged))
	var webpub *model.NIC
	for _, nic := range p.Net.NICs {
		if nic.VMName == "vm-webpub1" {
			webpub = nic
		}
	}
	if webpub == nil {
		t.Fatal("the example has no vm-webpub1")
	}
	if !flagged[webpub.ID] {
		t.Errorf("vm-webpub1 (public load-balancing rule, disableOutboundSnat, no outbound rule) is not flagged")
	}
}
