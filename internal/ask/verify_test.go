package ask

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
	"github.com/vnetdoctor/vnetdoctor/internal/verify"
)

// TestVerifyHubSpoke pins the outcome of the example intents on the bundled estate, and checks
// every counterexample: trace gives it the stated verdict, which breaks the intent.
func TestVerifyHubSpoke(t *testing.T) {
	s, ctx, opts := example(t), context.Background(), DefaultOptions()
	file := filepath.Join("..", "..", "cmd", "vnetdoctor", "testdata", "verify", "hub-spoke-intents.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	intents, err := verify.Parse(file, data)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Verify(ctx, s, intents, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]verify.Outcome{
		"spokes-isolated-sandbox":         verify.Unknown,  // the firewall's application rules need an FQDN for 80/443
		"hub-dns-reachable-from-app":      verify.Violated, // nsg-hub-dns deny-dns-from-anywhere-else
		"no-internet-to-management-ports": verify.Violated, // vm-jump's public IP, allow-ssh-any
		"app-to-data-through-firewall":    verify.Holds,
		"web-egress-through-firewall":     verify.Holds,
	}
	if a.Holds != 2 || a.Violated != 2 || a.Unknown != 1 {
		t.Errorf("holds %d, violated %d, unknown %d; want 2, 2, 1", a.Holds, a.Violated, a.Unknown)
	}
	for _, r := range a.Intents {
		if r.Result != want[r.Name] || r.Holds != (r.Result == verify.Holds) {
			t.Errorf("%s: %s (holds %v); want %s", r.Name, r.Result, r.Holds, want[r.Name])
		}
		x := r.Counterexample
		if (x == nil) != r.Holds {
			t.Errorf("%s: counterexample %+v with result %s", r.Name, x, r.Result)
			continue
		}
		if x == nil {
			continue
		}
		got, err := Trace(ctx, s, x.Query, opts)
		if err != nil || got.Verdict != x.Verdict {
			t.Errorf("%s: counterexample %+v traces to %v (%v)", r.Name, x.Query, got, err)
		}
	}
	if x := a.Intents[2].Counterexample; x == nil || x.To != "20.103.51.40" || x.DestinationPort != 22 {
		t.Errorf("no-internet-to-management-ports: counterexample %+v; want SSH to pip-vm-jump 20.103.51.40", x)
	}
}

// TestVerifyAgreesWithSampling: for intents that hold, no sampled packet (random owned
// addresses of the two subnets, random ports) breaks them; classes, not samples, decide.
func TestVerifyAgreesWithSampling(t *testing.T) {
	s, ctx, opts := example(t), context.Background(), DefaultOptions()
	n := s.Plane.Net
	owned := func(sub string) []string {
		var out []string
		for _, nic := range n.NICs {
			for _, c := range nic.IPConfigs {
				if c.Subnet != nil && strings.HasSuffix(strings.ToLower(string(c.Subnet.ID)), strings.ToLower("/"+strings.Replace(sub, "/", "/subnets/", 1))) {
					out = append(out, c.PrivateIP.String())
				}
			}
		}
		return out
	}
	r := rand.New(rand.NewPCG(1, 2))
	subnets := []string{"vnet-spoke-app/snet-app", "vnet-spoke-app/snet-web", "vnet-spoke-data/snet-data", "vnet-hub/snet-dns", "vnet-sandbox/snet-default", "vnet-spoke-app/snet-mgmt"}
	checked := 0
	for _, from := range subnets {
		for _, to := range subnets {
			if from == to {
				continue
			}
			for _, exp := range []string{"unreachable", "through:afw-hub", "reachable"} {
				in := verify.Intent{Name: from + "->" + to, From: from, To: to, Protocols: []model.Protocol{model.ProtoTCP, model.ProtoUDP}, Expect: map[string]verify.Expectation{"unreachable": verify.Unreachable, "reachable": verify.Reachable}[exp]}
				if strings.HasPrefix(exp, "through:") {
					in.Expect, in.Through = verify.Through, "afw-hub"
				}
				a, err := Verify(ctx, s, []verify.Intent{in}, opts)
				if err != nil {
					t.Fatal(err)
				}
				if a.Intents[0].Result != verify.Holds {
					continue
				}
				checked++
				src, dst := owned(from), owned(to)
				for range 40 {
					q := trace.Query{From: src[r.IntN(len(src))], To: dst[r.IntN(len(dst))], Protocol: []model.Protocol{model.ProtoTCP, model.ProtoUDP}[r.IntN(2)], DestinationPort: uint16(r.IntN(65536))}
					got, err := trace.Run(s.Plane, q)
					if err != nil {
						t.Fatal(err)
					}
					crossed := false
					for _, h := range got.Forward.Hops {
						crossed = crossed || h.Name == "afw-hub"
					}
					bad := (in.Expect == verify.Unreachable && got.Verdict != trace.Unreachable) ||
						(in.Expect == verify.Reachable && got.Verdict != trace.Reachable) ||
						(in.Expect == verify.Through && got.Verdict != trace.Unreachable && !crossed)
					if bad {
						t.Errorf("%s %s holds, but %+v is %s (crossed afw-hub %v)", in.Name, exp, q, got.Verdict, crossed)
					}
				}
			}
		}
	}
	if checked < 5 {
		t.Errorf("only %d intents held; the sampling checks too little", checked)
	}
}
