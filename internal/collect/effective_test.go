package collect

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/collect/fakeazure"
	"github.com/vnetdoctor/vnetdoctor/internal/synth"
)

// TestEffectiveSample: --effective-sample asks Azure (long-running POSTs, polled) for NICs
// of VMs in different VNets, and stores each answer as az prints it: {"value": [...]}, the
// NSG answer's tagMap an object.
func TestEffectiveSample(t *testing.T) {
	fx := newFixture(t, synth.HubSpoke(), fakeazure.Script{LRO: true})
	o := fx.options()
	o.EffectiveSample = 4
	m, err := fx.run(o)
	if err != nil || !m.Complete() {
		t.Fatalf("%v %+v", err, m)
	}
	var routes, nsgs []string
	vnets := map[string]bool{}
	for _, f := range m.Files {
		switch {
		case strings.HasPrefix(f.Path, "live/effective-routes/"):
			routes = append(routes, f.Path)
			vnets[vnetOfNIC(t, fx.out, f.Source)] = true
		case strings.HasPrefix(f.Path, "live/effective-nsg/"):
			nsgs = append(nsgs, f.Path)
		}
	}
	if len(routes) != 4 || len(nsgs) != 4 {
		t.Fatalf("routes %v nsgs %v; want 4 of each", routes, nsgs)
	}
	if len(vnets) < 4 {
		t.Errorf("sampled NICs sit in %d VNets; the example has 5, want 4 different", len(vnets))
	}
	var r struct {
		Value []struct {
			Source, State, NextHopType string
			AddressPrefix              []string
		}
	}
	readJSON(t, filepath.Join(fx.out, routes[0]), &r)
	if len(r.Value) != 6 || r.Value[0].NextHopType != "VnetLocal" || r.Value[0].AddressPrefix[0] != "172.20.2.0/24" {
		t.Errorf("routes answer = %+v", r)
	}
	var n struct {
		Value []struct {
			TagMap                 map[string][]string
			EffectiveSecurityRules []struct{ Name string }
		}
	}
	readJSON(t, filepath.Join(fx.out, nsgs[0]), &n)
	if len(n.Value) != 1 || len(n.Value[0].TagMap["Internet"]) != 4 || n.Value[0].EffectiveSecurityRules[2].Name != "defaultSecurityRules/AllowInternetOutBound" {
		t.Errorf("NSG answer = %+v", n)
	}
}

// TestEffectiveDenied: without the effectiveRouteTable action each NIC's failure is listed
// with the permission it needs; the snapshot itself is written.
func TestEffectiveDenied(t *testing.T) {
	fx := newFixture(t, synth.HubSpoke(), fakeazure.Script{EffectiveDeny: true})
	o := fx.options()
	o.Effective = []string{"vm-app1-nic", "no-such-nic"}
	m, err := fx.run(o)
	if err != nil {
		t.Fatal(err)
	}
	has := func(status int, text string) bool {
		return slices.ContainsFunc(m.Errors, func(e Error) bool { return e.Status == status && strings.Contains(e.Message, text) })
	}
	if !has(http.StatusForbidden, "effectiveRouteTable/action") || !has(http.StatusForbidden, "effectiveNetworkSecurityGroups/action") ||
		!has(http.StatusNotFound, "no collected NIC") {
		t.Errorf("errors = %+v", m.Errors)
	}
	if _, err := os.Stat(filepath.Join(fx.out, "resourcegraph")); err != nil {
		t.Errorf("snapshot not written: %v", err)
	}
}

func readJSON(t *testing.T, p string, v any) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
}

// vnetOfNIC finds the VNet of a collected NIC's first ip configuration.
func vnetOfNIC(t *testing.T, dir, source string) string {
	id := strings.TrimPrefix(source, "live: ")
	var found string
	filepath.Walk(filepath.Join(dir, "resourcegraph"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		var f struct {
			Data []json.RawMessage
		}
		readJSON(t, p, &f)
		for _, row := range f.Data {
			var h rowHead
			json.Unmarshal(row, &h)
			if strings.EqualFold(h.ID, id) {
				n := readNIC(h, row)
				found = n.Subnet[:strings.Index(n.Subnet, "/subnets/")]
			}
		}
		return nil
	})
	return found
}

// TestSample: one NIC per VNet per round, each VNet's subnets in turn; NICs without a VM
// are never chosen.
func TestSample(t *testing.T) {
	nic := func(name, vnet, subnet string, vm bool) nicInfo {
		return nicInfo{ID: "/x/networkInterfaces/" + name, Name: name, Subnet: "/x/virtualNetworks/" + vnet + "/subnets/" + subnet, VM: vm}
	}
	all := []nicInfo{nic("a1", "a", "s1", true), nic("a2", "a", "s1", true), nic("a3", "a", "s2", true),
		nic("b1", "b", "s1", true), nic("c1", "c", "s1", false), nic("c2", "c", "s1", true)}
	var got []string
	for _, x := range sample(all, 5) {
		got = append(got, x.Name)
	}
	if want := []string{"a1", "b1", "c2", "a3", "a2"}; !slices.Equal(got, want) {
		t.Errorf("sample = %v, want %v", got, want)
	}
	if n := len(sample(all, 50)); n != 5 {
		t.Errorf("sample of 50 = %d NICs, want the 5 with a VM", n)
	}
}
