package compare

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
)

func load(t *testing.T, paths ...string) *ask.Snapshot {
	t.Helper()
	s, err := ask.Load(context.Background(), paths, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// merger reads the hand-written az answers for vm-merger1 of the bundled estate.
func merger(t *testing.T) (*ask.Snapshot, Input) {
	t.Helper()
	s := load(t, filepath.Join("..", "..", "examples", "hub-spoke"))
	routes, err := ReadAnswer(filepath.Join("testdata", "hub-spoke", "vm-merger1-routes.az.json"), KindUnknown)
	if err != nil {
		t.Fatal(err)
	}
	nsgs, err := ReadAnswer(filepath.Join("testdata", "hub-spoke", "vm-merger1-nsg.az.json"), KindUnknown)
	if err != nil {
		t.Fatal(err)
	}
	if routes.Kind != KindRoutes || nsgs.Kind != KindNSGs {
		t.Fatalf("kinds = %v, %v", routes.Kind, nsgs.Kind)
	}
	return s, Input{Ref: "vm-merger1", Routes: routes, NSGs: nsgs}
}

func run(t *testing.T, s *ask.Snapshot, in Input) *NICResult {
	t.Helper()
	res, err := NIC(context.Background(), s, in, ask.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The hand-written az answers for vm-merger1 agree with vnetdoctor: the service endpoint row of
// five prefixes counts as five rows, the Internet expansion aggregated otherwise is the same
// set, and the undocumented Microsoft-range None route is not compared.
func TestHubSpokeAgrees(t *testing.T) {
	s, in := merger(t)
	res := run(t, s, in)
	if res.NIC != "vm-merger1-nic" || res.Subnet != "vnet-merger/snet-workload" {
		t.Errorf("nic = %s (%s)", res.NIC, res.Subnet)
	}
	r := res.Routes
	if !r.Match || r.Matched != 13 || r.Azure != 14 || r.Computed != 13 || len(r.Ignored) != 1 || r.Ignored[0].AddressPrefix[0] != "25.33.80.0/20" {
		t.Errorf("routes = %+v", r)
	}
	u := res.Rules
	if !u.Match || u.Matched != 8 || u.Azure != 8 || u.Computed != 8 || len(u.Notes) != 0 {
		t.Errorf("rules = %+v", u)
	}
	sum := Summarise([]NICResult{*res})
	want := Summary{NICs: 1, RoutesMatched: 1, RulesMatched: 1, RoutesCompared: 1, RulesCompared: 1,
		RouteRows: RowCounts{Azure: 14, Computed: 13, Matched: 13, Ignored: 1, Fidelity: 1},
		RuleRows:  RowCounts{Azure: 8, Computed: 8, Matched: 8, Fidelity: 1}, Fidelity: 1}
	if d := cmp.Diff(want, sum); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
}

// Differences planted in Azure's answer are reported exactly: nothing else moves.
func TestPlantedDifferences(t *testing.T) {
	t.Run("missing route", func(t *testing.T) {
		s, in := merger(t)
		in.Routes.Routes = append(in.Routes.Routes, Route{Source: "User", State: "Active", AddressPrefix: []string{"10.50.0.0/16"},
			NextHopType: "VirtualAppliance", NextHopIPAddress: []string{"10.1.0.10"}, Name: "to-legacy"})
		r := run(t, s, in).Routes
		want := []RouteRow{{Source: "User", State: "Active", AddressPrefix: []string{"10.50.0.0/16"}, NextHopType: "VirtualAppliance",
			NextHopIPAddress: []string{"10.1.0.10"}, Name: "to-legacy", Note: "no route for this prefix in vnetdoctor's table"}}
		if d := cmp.Diff(want, r.Missing); d != "" || len(r.Extra) != 0 || r.Match || r.Matched != 13 {
			t.Errorf("missing (-want +got):\n%s\nextra %v", d, r.Extra)
		}
	})
	t.Run("extra rule", func(t *testing.T) {
		s, in := merger(t)
		rules := &in.NSGs.NSGs[0].Rules
		*rules = slices.DeleteFunc(*rules, func(r Rule) bool { return r.Name == "securityRules/allow-to-corp-hub" })
		u := run(t, s, in).Rules
		if len(u.Missing) != 0 || len(u.Extra) != 1 || u.Matched != 7 || u.Match {
			t.Fatalf("rules = %+v", u)
		}
		e := u.Extra[0]
		if e.Name != "securityRules/allow-to-corp-hub" || e.Association != AssocSubnet || e.Direction != "Outbound" ||
			e.Priority != 100 || e.DestinationAddressPrefix != "10.0.0.0/16" || !strings.HasSuffix(e.NetworkSecurityGroup, "/nsg-merger") ||
			e.Note != "Azure lists no rule of this name here" {
			t.Errorf("extra = %+v", e)
		}
	})
	t.Run("different next hop", func(t *testing.T) {
		s, in := merger(t)
		for i, r := range in.Routes.Routes {
			if r.AddressPrefix[0] == "0.0.0.0/0" {
				in.Routes.Routes[i].NextHopType, in.Routes.Routes[i].NextHopIPAddress = "VirtualAppliance", []string{"10.1.0.4"}
			}
		}
		r := run(t, s, in).Routes
		wantMissing := []RouteRow{{Source: "Default", State: "Active", AddressPrefix: []string{"0.0.0.0/0"}, NextHopType: "VirtualAppliance",
			NextHopIPAddress: []string{"10.1.0.4"}, Note: "vnetdoctor has Default Active Internet"}}
		wantExtra := []RouteRow{{Source: "Default", State: "Active", AddressPrefix: []string{"0.0.0.0/0"}, NextHopType: "Internet",
			NextHopIPAddress: []string{}, Note: "Azure has Default Active VirtualAppliance 10.1.0.4"}}
		if d := cmp.Diff(wantMissing, r.Missing) + cmp.Diff(wantExtra, r.Extra); d != "" || r.Matched != 12 {
			t.Errorf("(-want +got):\n%s", d)
		}
	})
	t.Run("rule field", func(t *testing.T) {
		s, in := merger(t)
		for i, r := range in.NSGs.NSGs[0].Rules {
			if r.Name == "securityRules/allow-rdp-from-contoso" {
				in.NSGs.NSGs[0].Rules[i].DestPorts = []string{"3390"}
			}
		}
		u := run(t, s, in).Rules
		if len(u.Missing) != 1 || len(u.Extra) != 1 || u.Matched != 7 ||
			!slices.Equal(u.Missing[0].Differs, []string{"destinationPortRange"}) || u.Extra[0].DestinationPortRange != "3389-3389" {
			t.Errorf("rules = %+v", u)
		}
	})
}

// The REST API examples' nic1 (testdata/corpus-nic1, read from live/ as collect writes it):
// pinned, with the reason for each difference.
func TestCorpusNIC1(t *testing.T) {
	dir := filepath.Join("testdata", "corpus-nic1")
	ins, dirs, err := Live([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 1 || ins[0].Ref != "nic1" || len(dirs) != 1 || ins[0].Routes == nil || ins[0].NSGs == nil {
		t.Fatalf("inputs = %+v, dirs %v", ins, dirs)
	}
	res := run(t, load(t, dir), ins[0])
	r := res.Routes
	var extra []string
	for _, x := range r.Extra {
		extra = append(extra, x.AddressPrefix[0]+" "+x.NextHopType)
	}
	if r.Matched != 6 || len(r.Missing) != 0 || !slices.Equal(extra, []string{"127.0.0.0/8 None", "198.18.0.0/15 None"}) {
		t.Errorf("routes: matched %d, missing %v, extra %v", r.Matched, r.Missing, extra)
	}
	u := res.Rules
	var names []string
	for _, x := range u.Extra {
		names = append(names, x.Name)
	}
	wantExtra := []string{"defaultSecurityRules/AllowInternetOutBound", "defaultSecurityRules/AllowVnetInBound",
		"defaultSecurityRules/AllowAzureLoadBalancerInBound", "defaultSecurityRules/DenyAllInBound",
		"defaultSecurityRules/AllowVnetOutBound", "defaultSecurityRules/DenyAllOutBound"}
	if u.Matched != 2 || len(u.Missing) != 1 || u.Missing[0].Name != "defaultSecurityRules/AllowInternetOutBound" ||
		!slices.Equal(u.Missing[0].Differs, []string{"expandedDestinationAddressPrefix"}) || !slices.Equal(names, wantExtra) {
		t.Errorf("rules: matched %d, missing %+v, extra %v", u.Matched, u.Missing, names)
	}
	if len(u.Notes) != 2 || !strings.Contains(u.Notes[0], "names 3 associations") || !strings.Contains(u.Notes[1], "lists 1 of the 6 default rules") {
		t.Errorf("notes = %q", u.Notes)
	}
}

// A collected snapshot's manifest names the NIC of each live file by ID.
func TestLiveManifest(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "live", RoutesDir, "rg1_nic1.json"), `{"value": []}`)
	write(t, filepath.Join(dir, "manifest.json"), `{"files": [{"path": "live/effective-routes/rg1_nic1.json", "source": "live: /subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/nic1"}]}`)
	ins, _, err := Live([]string{dir})
	if err != nil || len(ins) != 1 || ins[0].Ref != "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/nic1" {
		t.Fatalf("inputs = %+v, %v", ins, err)
	}
}

// A gateway route Azure lists and vnetdoctor does not says where such routes come from; a route
// of the same prefix on the other side is named instead when there is one.
func TestRouteNotes(t *testing.T) {
	gw := Route{Source: "VirtualNetworkGateway", State: "Active", AddressPrefix: []string{"10.20.0.0/16"},
		NextHopType: "VirtualNetworkGateway", NextHopIPAddress: []string{"20.1.2.3"}}
	ours := []Route{{Source: "Default", State: "Active", AddressPrefix: []string{"10.30.0.0/16"}, NextHopType: "VnetLocal"}}
	s := CompareRoutes([]Route{gw, ours[0]}, ours)
	if len(s.Missing) != 1 || !strings.Contains(s.Missing[0].Note, "learned-routes table") || s.Matched != 1 {
		t.Errorf("side = %+v", s)
	}
	// Next hop type spellings: case and Network Watcher's names.
	a := []Route{{Source: "default", State: "active", AddressPrefix: []string{"10.30.0.1/16"}, NextHopType: "virtualnetwork"}}
	if s := CompareRoutes(a, ours); !s.Match {
		t.Errorf("spellings differ: %+v", s)
	}
}

// vm-app1's subnet is under a security admin rule: an answer without admin rules leaves
// vnetdoctor's out with a note; an answer with them compares them, the name by its last part.
func TestAdminRules(t *testing.T) {
	s := load(t, filepath.Join("..", "..", "examples", "hub-spoke"))
	rl, err := ask.Rules(context.Background(), s, ask.RulesQuery{NIC: "vm-app1"}, ask.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ours := FromListing(rl.NSGs)
	var nsgOnly, admin []NSG
	for _, n := range ours {
		if n.NetworkManager != "" {
			a := n
			a.Rules = append([]Rule(nil), n.Rules...)
			a.Rules[0].Name = "deny-rdp-from-internet"
			admin = append(admin, a)
			continue
		}
		nsgOnly = append(nsgOnly, n)
	}
	if len(admin) != 1 || len(admin[0].Rules) != 1 {
		t.Fatalf("admin entries = %+v", admin)
	}
	side := CompareRules(nsgOnly, ours)
	if !side.Match || len(side.Notes) != 1 || side.Notes[0] != "Azure's answer lists no security admin rules; vnetdoctor's 1 were not compared" {
		t.Errorf("without admin rules: %+v", side)
	}
	side = CompareRules(append(nsgOnly, admin...), ours)
	if !side.Match || side.Matched != side.Computed || len(side.Notes) != 0 {
		t.Errorf("with admin rules: %+v", side)
	}
}
