package check

import (
	"context"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestDefaultOutboundAgreesWithTrace: on the bundled example, a VM is in a
// DefaultOutboundReliance finding exactly when its traced flow to the internet is translated by
// default outbound access (both ask dataplane.Plane.Outbound, spec §4), under either choice of
// --assume lb-pool-default-outbound. vm-webpub1, behind a public load-balancing rule with
// disableOutboundSnat and no outbound rule, is one of them where default outbound access is kept,
// and where it is lost has none.
func TestDefaultOutboundAgreesWithTrace(t *testing.T) {
	p := examplePlane(t)
	for _, as := range []assume.Set{{}, assume.Set{}.Flip(assume.LBPoolDefaultOutbound)} {
		kept := as.Default(assume.LBPoolDefaultOutbound)
		flagged := outboundAgreement(t, p, as)
		var webpub *model.NIC
		for _, nic := range p.Net.NICs {
			if nic.VMName == "vm-webpub1" {
				webpub = nic
			}
		}
		if webpub == nil {
			t.Fatal("the example has no vm-webpub1")
		}
		if flagged[webpub.ID] != kept {
			t.Errorf("default outbound access kept %v: vm-webpub1 (public load-balancing rule, disableOutboundSnat, no outbound rule) flagged %v", kept, flagged[webpub.ID])
		}
	}
}

// outboundAgreement checks that DefaultOutboundReliance under as flags the VMs whose traced
// flow to the internet, under as, default outbound access translates, and returns the resources
// it flags.
func outboundAgreement(t *testing.T, p *dataplane.Plane, as assume.Set) map[model.ID]bool {
	t.Helper()
	opts := DefaultOptions()
	opts.Assume = as
	flagged := map[model.ID]bool{}
	for _, f := range RunOne(context.Background(), defaultOutboundReliance, p, opts) {
		for _, id := range f.Resources {
			flagged[model.ID(id)] = true
		}
	}
	checked := 0
	for _, nic := range p.Net.NICs {
		if nic.VMName == "" || nic.Primary() == nil {
			continue
		}
		a, err := trace.Run(p, trace.Query{From: string(nic.ID), To: "internet:1.1.1.1", Protocol: model.ProtoTCP, DestinationPort: 443, Assume: as})
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
			t.Errorf("%s: %s: trace default outbound access %v, DefaultOutboundReliance %v", as.Value(assume.LBPoolDefaultOutbound), nic.VMName, doa, flagged[nic.ID])
		}
	}
	if checked == 0 {
		t.Fatal("no trace reached a translation")
	}
	return flagged
}
