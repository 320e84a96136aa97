package verify_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/synth"
	"github.com/vnetdoctor/vnetdoctor/internal/verify"
)

// BenchmarkVerify100IntentsEstate is `verify` of 100 intents on the 10,000-NIC estate
// (VNETDOCTOR_ESTATE, else synth.Estate written to a temporary directory), the reachability
// model build included: spoke-to-spoke isolation on management ports, spoke to hub (or a
// neighbouring subnet) on DNS, spoke to Internet, each between subnets spread over the estate. Skipped under -short.
func BenchmarkVerify100IntentsEstate(b *testing.B) {
	if testing.Short() {
		b.Skip("estate-scale benchmark: writes and loads a 10,000-NIC estate (65 MB); run without -short")
	}
	dir := os.Getenv("VNETDOCTOR_ESTATE")
	if dir == "" {
		dir = b.TempDir()
		if err := synth.WriteFiles(dir, synth.Generate(synth.Estate())); err != nil {
			b.Fatal(err)
		}
	}
	ctx, opts := context.Background(), ask.DefaultOptions()
	s, err := ask.Load(ctx, []string{dir}, convert.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var subnets, hub []string // subnets holding a VM (a destination must own something)
	seen := map[string]bool{}
	for _, nic := range s.Plane.Net.NICs {
		c := nic.Primary()
		if c == nil || c.Subnet == nil || c.Subnet.VNet == nil || nic.VMName == "" {
			continue
		}
		ref := c.Subnet.VNet.Name + "/" + c.Subnet.Name
		if seen[ref] {
			continue
		}
		seen[ref] = true
		if strings.Contains(c.Subnet.VNet.Name, "hub") {
			hub = append(hub, ref)
		} else {
			subnets = append(subnets, ref)
		}
	}
	if len(subnets) < 100 {
		b.Fatalf("estate has %d subnets with a VM; want 100", len(subnets))
	}
	if len(hub) == 0 {
		hub = subnets[1:] // the generator's hub holds no VM: a neighbouring subnet instead
	}
	var doc strings.Builder
	doc.WriteString("intents:\n")
	for i := range 100 {
		from, to := subnets[(i*37)%len(subnets)], subnets[(i*53+11)%len(subnets)]
		switch i % 4 {
		case 0, 1:
			fmt.Fprintf(&doc, "  - {name: iso-%d, from: %s, to: %s, protocol: tcp, ports: \"22,3389\", expect: unreachable}\n", i, from, to)
		case 2:
			fmt.Fprintf(&doc, "  - {name: hub-%d, from: %s, to: %s, protocol: udp, ports: \"53\", expect: reachable}\n", i, from, hub[i%len(hub)])
		default:
			fmt.Fprintf(&doc, "  - {name: net-%d, from: %s, to: Internet, protocol: tcp, ports: \"443\", expect: reachable}\n", i, from)
		}
	}
	intents, err := verify.Parse("bench.yaml", []byte(doc.String()))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		a, err := ask.Verify(ctx, s, intents, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(a.Holds), "holds")
		b.ReportMetric(float64(a.Violated), "violated")
	}
}
