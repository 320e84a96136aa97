package check

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const storageAcct = "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"
const sqlServer = "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Sql/servers/sql"

func TestPrivateEndpointCost(t *testing.T) {
	tests := []struct {
		name    string
		gateway bool
		want    []brief
	}{
		{"no gateway: storage replaceable", false, []brief{
			{"Info", map[string]any{"count": 3, "monthlyUsd": 21.9, "targetType": "Microsoft.Storage/storageAccounts"}},
			{"Info", map[string]any{"count": 3, "monthlyUsd": 21.9, "targetType": "Microsoft.Storage/storageAccounts"}},
			{"Info", map[string]any{"count": 2, "monthlyUsd": 14.6, "targetType": "Microsoft.Sql/servers"}},
		}},
		{"gateway in the hub: still listed, with the caveat", true, []brief{
			{"Info", map[string]any{"count": 3, "monthlyUsd": 21.9, "targetType": "Microsoft.Storage/storageAccounts"}},
			{"Info", map[string]any{"count": 3, "monthlyUsd": 21.9, "targetType": "Microsoft.Storage/storageAccounts"}},
			{"Info", map[string]any{"count": 2, "monthlyUsd": 14.6, "targetType": "Microsoft.Sql/servers"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHubSpoke()
			pe := h.e.subnet(h.spoke, "pe", "10.1.2.0/24")
			for i, target := range []string{storageAcct, storageAcct, storageAcct, sqlServer, sqlServer} {
				h.e.privateEndpoint(pe, "pe"+itoa(i), addrIn("10.1.2.4", i), target)
			}
			if tt.gateway {
				h.hub.Gateways = []*model.VNetGateway{{Name: "vpngw"}}
			}
			got := briefs(runCheck(t, h.e.plane(), "PrivateEndpointCost"), "count", "monthlyUsd", "targetType")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

func TestPricesOverridable(t *testing.T) {
	prices := DefaultPrices()
	prices.PrivateEndpointHourUSD = 0.02
	if got, want := monthlyUSD(10, prices), 146.0; got != want {
		t.Errorf("monthlyUSD(10) = %v, want %v", got, want)
	}
}

func TestLimitExceeded(t *testing.T) {
	tests := []struct {
		name   string
		rules  int
		routes int
		want   []brief
	}{
		{"under", 100, 10, []brief{}},
		{"near", 900, 10, []brief{{"Warning", map[string]any{"count": 900, "limit": 1000}}}},
		{"over both", 1001, 401, []brief{{"Error", map[string]any{"count": 1001, "limit": 1000}}, {"Error", map[string]any{"count": 401, "limit": 400}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEstate()
			var rules []*model.SecurityRule
			for i := 0; i < tt.rules; i++ {
				rules = append(rules, &model.SecurityRule{Name: "r" + itoa(i), Priority: 100 + i})
			}
			e.nsg("nsg-big", rules...)
			var routes []*model.Route
			for i := 0; i < tt.routes; i++ {
				routes = append(routes, udr("r"+itoa(i), addrIn("10.0.0.0", i*256)+"/24", model.HopNone, ""))
			}
			e.routeTable("rt-big", routes...)
			got := briefs(runCheck(t, e.plane(), "LimitExceeded"), "count", "limit")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

func TestReservedPortInUse(t *testing.T) {
	udp65330 := []model.PortRange{{Lo: 65330, Hi: 65330}}
	tests := []struct {
		name string
		rule *model.SecurityRule
		lb   *model.LBRule
		want []brief
	}{
		{"nothing", nil, nil, []brief{}},
		{"NSG allows UDP 65330", &model.SecurityRule{Name: "allow-65330", Protocol: model.ProtoUDP, DestPorts: udp65330},
			nil, []brief{{"Warning", map[string]any{"rule": "security rule allow-65330"}}}},
		{"NSG TCP 65330 is fine", &model.SecurityRule{Name: "tcp", Protocol: model.ProtoTCP, DestPorts: udp65330}, nil, []brief{}},
		{"NSG range including it", &model.SecurityRule{Name: "range", Protocol: model.ProtoUDP,
			DestPorts: []model.PortRange{{Lo: 60000, Hi: 65535}}}, nil, []brief{}},
		{"LB rule on 65330", nil, &model.LBRule{Name: "udp", Protocol: model.ProtoUDP, FrontendPort: 65330, BackendPort: 65330},
			[]brief{{"Error", map[string]any{"rule": "load-balancing rule udp"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHubSpoke()
			if tt.rule != nil {
				h.e.nsg("nsg", tt.rule)
			}
			lb := h.e.ilb(h.nvaSubnet, "ilb", "10.0.1.10", h.nva)
			if tt.lb != nil {
				tt.lb.Frontend, tt.lb.Pool = lb.Frontends[0], lb.BackendPools[0]
				lb.Rules = append(lb.Rules, tt.lb)
			}
			got := briefs(runCheck(t, h.e.plane(), "ReservedPortInUse"), "rule")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

func TestSortAndFailOn(t *testing.T) {
	fs := []Finding{
		{Code: "B", Severity: Info, Resources: []string{"x"}},
		{Code: "Z", Severity: Error, Resources: []string{"b"}},
		{Code: "A", Severity: Warning},
		{Code: "Z", Severity: Error, Resources: []string{"a"}},
	}
	Sort(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.Severity.String()+":"+string(f.Code)+":"+join(f.Resources))
	}
	want := []string{"Error:Z:a", "Error:Z:b", "Warning:A:", "Info:B:x"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
	for _, tc := range []struct {
		fs    []Finding
		level string
		want  bool
	}{
		{fs, "error", true}, {fs[2:], "error", false}, {fs[2:], "warning", true}, {fs[3:], "warning", false},
		{fs[3:], "info", true}, {nil, "info", false}, {fs, "bogus", false},
	} {
		if got := FailOn(tc.fs, tc.level); got != tc.want {
			t.Errorf("FailOn(%d findings, %q) = %v, want %v", len(tc.fs), tc.level, got, tc.want)
		}
	}
}

func join(s []string) string {
	out := ""
	for _, x := range s {
		out += x
	}
	return out
}

func TestFindingJSON(t *testing.T) {
	f := Finding{Code: "X", Severity: Warning, Title: "t", Message: "m", Resources: []string{"/r"},
		Evidence: map[string]any{"k": 1}, Fix: "f"}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"code":"X","severity":"Warning","title":"t","message":"m","resources":["/r"],"evidence":{"k":1},"fix":"f"}`
	if string(b) != want {
		t.Errorf("json = %s\nwant   %s", b, want)
	}
	var back Finding
	if err := json.Unmarshal(b, &back); err != nil || back.Severity != Warning {
		t.Errorf("round trip: %v, severity %v", err, back.Severity)
	}
}

func TestRunOneRecoversPanics(t *testing.T) {
	c := Check{Code: "Boom", Run: func(*Pass) []Finding { panic("not implemented") }}
	got := RunOne(context.Background(), c, &dataplane.Plane{Net: &model.Network{}}, DefaultOptions())
	if len(got) != 1 || got[0].Code != "CheckFailed" || got[0].Evidence["check"] != "Boom" {
		t.Errorf("RunOne = %+v, want one CheckFailed finding for Boom", got)
	}
}

func TestRegistryComplete(t *testing.T) {
	seen := map[Code]bool{}
	for _, c := range Registry() {
		if c.Name == "" || c.Code == "" || c.Doc == "" || c.Run == nil {
			t.Errorf("check %+v is incomplete", c.Code)
		}
		if seen[c.Code] {
			t.Errorf("duplicate code %s", c.Code)
		}
		seen[c.Code] = true
	}
}
