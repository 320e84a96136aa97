package synth

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

var small = Config{VNets: 5, NICs: 40, NSGs: 7, RulesPerNSG: 12, RouteTables: 3, RoutesPerTable: 25,
	PrivateEndpoints: 9, Seed: 7}

func checkCounts(t *testing.T, cfg Config, files map[string][]byte) {
	t.Helper()
	got := countTypes(t, files)
	for typ, want := range cfg.Expected().ByType() {
		if got[strings.ToLower(typ)] != want {
			t.Errorf("%+v: %s: got %d, want %d", cfg, typ, got[strings.ToLower(typ)], want)
		}
	}
}

func TestGenerateConfigs(t *testing.T) {
	for _, cfg := range []Config{
		small,
		{VNets: 1, NICs: 30, NSGs: 2, RulesPerNSG: 3, RouteTables: 1, RoutesPerTable: 2, PrivateEndpoints: 3},
		{VNets: 2, NICs: 0, NSGs: 0, RulesPerNSG: 5, RouteTables: 0, PrivateEndpoints: 0},
		{VNets: 3, NICs: 25, NSGs: 20, RulesPerNSG: 1, RouteTables: 9, RoutesPerTable: 3, PrivateEndpoints: 40, Seed: 3},
	} {
		files := Generate(cfg)
		if err := Verify(files); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
		checkCounts(t, cfg, files)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, b := Generate(small), Generate(small)
	if len(a) != len(b) {
		t.Fatalf("got %d and %d files", len(a), len(b))
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	other := small
	other.Seed++
	if c := Generate(other); bytes.Equal(a["nsgs-00.json"], c["nsgs-00.json"]) {
		t.Error("a different seed gave the same NSG rules")
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want Config
	}{
		{Config{VNets: 0, NICs: -1, RulesPerNSG: 5000, RoutesPerTable: 900},
			Config{VNets: 1, NICs: 0, RulesPerNSG: maxRulesPerNSG, RoutesPerTable: maxRoutesPerTbl}},
		// One spoke of /20: two /22 NIC subnets of 1,019 usable addresses, room for 509 rounds of 2 NICs.
		{Config{VNets: 2, NICs: 1 << 20, PrivateEndpoints: 1 << 20},
			Config{VNets: 2, NICs: 509 * 2, PrivateEndpoints: hubSharedN + 1019}},
		{Config{VNets: 1 << 20}, Config{VNets: maxSpokes + 1}},
	}
	for _, tc := range tests {
		if got := tc.in.Normalize(); got != tc.want {
			t.Errorf("Normalize(%+v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// TestGenerateFull fills one spoke to the brim: every address placement must stay valid.
func TestGenerateFull(t *testing.T) {
	cfg := Config{VNets: 2, NICs: 1 << 20, PrivateEndpoints: 1 << 20}.Normalize()
	files := Generate(cfg)
	if err := Verify(files); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, cfg, files)
}

func TestGenerateEstate(t *testing.T) {
	if testing.Short() {
		t.Skip("default estate: a few seconds")
	}
	start := time.Now()
	files := Generate(Estate())
	elapsed := time.Since(start)
	size := 0
	for _, b := range files {
		size += len(b)
	}
	t.Logf("default estate: %d files, %.1f MB, generated in %v", len(files), float64(size)/1e6, elapsed)
	// Well under 5 s alone; 15 s leaves room for the package tests `go test ./...` runs beside it.
	if elapsed > 15*time.Second {
		t.Errorf("generation took %v, want well under 5s", elapsed)
	}
	if err := Verify(files); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, Estate(), files)
	want := Counts{VNets: 1000, Subnets: 4 + 3*999, Peerings: 2 * 999, NICs: 10200, IPConfigs: 11000 + 200,
		VMs: 10000, NSGs: 1000, SecurityRules: 50000, DefaultRules: 6000, ASGs: 100, RouteTables: 500, Routes: 10000,
		PrivateEndpoints: 200, Firewalls: 1, FirewallPolicies: 1, RuleCollectionGroups: 2, IPGroups: 2, PublicIPs: 2,
		VNetGateways: 1, LocalGateways: 1, Connections: 1, PaaSTargets: 200}
	if got := Estate().Expected(); got != want {
		t.Errorf("Expected() = %+v, want %+v", got, want)
	}
}

func BenchmarkGenerateEstate(b *testing.B) {
	for b.Loop() {
		Generate(Estate())
	}
}
