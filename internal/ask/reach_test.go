package ask

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestReachJump: "who can reach vm-jump on 22 or 3389" on the bundled estate. The internet reaches
// its public IP on 22 (allow-ssh-any) but not 3389 (the admin rule), every row's example traces
// to the row's verdict, and the sandbox, whose peering is Disconnected, reaches nothing.
func TestReachJump(t *testing.T) {
	s, ctx, opts := example(t), context.Background(), DefaultOptions()
	q := ReachQuery{To: "vm-jump", Protocols: []model.Protocol{model.ProtoTCP}, Ports: []model.PortRange{{Lo: 22, Hi: 22}, {Lo: 3389, Hi: 3389}}, All: true}
	a, err := Reach(ctx, s, q, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Complete || len(a.Rows) == 0 || len(a.Endpoints) != 2 {
		t.Fatalf("complete %v, %d rows, endpoints %+v; want complete rows for vm-jump and its public IP", a.Complete, len(a.Rows), a.Endpoints)
	}
	internet := map[string]trace.Verdict{}
	for _, r := range a.Rows {
		got, err := Trace(ctx, s, r.Example, opts)
		if err != nil || got.Verdict != r.Verdict {
			t.Errorf("row %s → %s %s %s: example %+v traces to %v (%v)", r.From, r.To, r.Ports, r.Verdict, r.Example, got, err)
		}
		if r.From == reach.Internet && r.Example.To == "20.103.51.40" && slices.ContainsFunc(r.Prefixes, func(p netip.Prefix) bool { return p.Contains(netip.MustParseAddr("198.51.100.7")) }) {
			internet[r.Ports] = r.Verdict
		}
		if r.From == string(sandboxSubnet(t, s).ID) && r.Verdict == trace.Reachable {
			t.Errorf("the sandbox reaches vm-jump: %+v", r)
		}
	}
	if internet["22"] != trace.Reachable || internet["3389"] == trace.Reachable {
		t.Errorf("internet → pip-vm-jump by port: %v; want 22 Reachable, 3389 not", internet)
	}
	without, err := Reach(ctx, s, ReachQuery{To: q.To, Protocols: q.Protocols, Ports: q.Ports}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range without.Rows {
		if r.Verdict == trace.Unreachable {
			t.Errorf("Unreachable row without All: %+v", r)
		}
	}
}

// TestReachForms: subnets, prefixes, addresses and --from resolve; bad queries are errors.
func TestReachForms(t *testing.T) {
	s, ctx, opts := example(t), context.Background(), DefaultOptions()
	ports := []model.PortRange{{Lo: 53, Hi: 53}}
	for _, tt := range []struct {
		q    ReachQuery
		want int // endpoints
	}{
		{ReachQuery{To: "vnet-hub/snet-dns"}, 2},
		{ReachQuery{To: "10.0.3.0/24"}, 2},
		{ReachQuery{To: "10.0.3.4"}, 1},
		{ReachQuery{From: "vm-sandbox1"}, 1},
		{ReachQuery{From: "internet:198.51.100.7"}, 1},
	} {
		tt.q.Ports, tt.q.Protocols = ports, []model.Protocol{model.ProtoUDP}
		a, err := Reach(ctx, s, tt.q, opts)
		if err != nil || len(a.Endpoints) != tt.want || !a.Complete {
			t.Errorf("%+v: %v, %+v", tt.q, err, a)
		}
	}
	var qe *QueryError
	var nf *model.NotFoundError
	if _, err := Reach(ctx, s, ReachQuery{To: "vm-jump", From: "vm-app1"}, opts); !errors.As(err, &qe) {
		t.Errorf("both sides: %v, want a *QueryError", err)
	}
	if _, err := Reach(ctx, s, ReachQuery{To: "no-such-vm"}, opts); !errors.As(err, &nf) {
		t.Errorf("unknown endpoint: %v, want a *model.NotFoundError", err)
	}
	if _, err := Reach(ctx, s, ReachQuery{To: "10.99.0.0/16"}, opts); !errors.As(err, &qe) {
		t.Errorf("empty prefix: %v, want a *QueryError", err)
	}
}

func sandboxSubnet(t *testing.T, s *Snapshot) *model.Subnet {
	sub, err := findSubnet(context.Background(), s, "vnet-sandbox/snet-default")
	if err != nil {
		t.Fatal(err)
	}
	return sub
}
