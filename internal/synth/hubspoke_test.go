package synth

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite examples/hub-spoke from the Go description")

const exampleDir = "../../examples/hub-spoke"

// TestHubSpokeFiles pins the committed example to its Go description.
func TestHubSpokeFiles(t *testing.T) {
	files := HubSpoke()
	if *update {
		if err := WriteFiles(exampleDir, files); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range sortedKeys(files) {
		got, err := os.ReadFile(filepath.Join(exampleDir, name))
		if err != nil {
			t.Fatalf("%v (run go test ./internal/synth -run TestHubSpokeFiles -update)", err)
		}
		if !bytes.Equal(got, files[name]) {
			t.Errorf("%s differs from HubSpoke(); rerun with -update and review the diff", name)
		}
	}
	onDisk, _ := filepath.Glob(filepath.Join(exampleDir, "*.json"))
	if len(onDisk) != len(files) {
		t.Errorf("examples/hub-spoke has %d JSON files, HubSpoke() makes %d", len(onDisk), len(files))
	}
}

// TestHubSpokeConsistent parses every committed example file and checks referential
// integrity and address placement.
func TestHubSpokeConsistent(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(exampleDir, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no example files: %v", err)
	}
	files := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(p)] = b
	}
	if err := Verify(files); err != nil {
		t.Fatal(err)
	}
}

func TestHubSpokeCounts(t *testing.T) {
	got := countTypes(t, HubSpoke())
	want := map[string]int{
		"microsoft.network/virtualnetworks":                                                   5,
		"microsoft.network/virtualnetworks/subnets":                                           17,
		"microsoft.network/virtualnetworks/virtualnetworkpeerings":                            6,
		"microsoft.network/networkinterfaces":                                                 15 + aksNodes + 16,
		"microsoft.network/networkinterfaces/ipconfigurations":                                15 + aksNodes*aksIPsPerNode + 16,
		"microsoft.compute/virtualmachines":                                                   15 + aksNodes,
		"microsoft.network/networksecuritygroups":                                             11,
		"microsoft.network/routetables":                                                       4,
		"microsoft.network/privateendpoints":                                                  16,
		"microsoft.network/azurefirewalls":                                                    1,
		"microsoft.network/firewallpolicies/rulecollectiongroups":                             3,
		"microsoft.network/ipgroups":                                                          3,
		"microsoft.network/publicipaddresses":                                                 5,
		"microsoft.network/loadbalancers":                                                     2,
		"microsoft.network/networkmanagers/securityadminconfigurations/rulecollections/rules": 1,
		"microsoft.netapp/netappaccounts/capacitypools/volumes":                               1,
	}
	for typ, n := range want {
		if got[typ] != n {
			t.Errorf("%s: got %d, want %d", typ, got[typ], n)
		}
	}
}

// TestHubSpokeIPCount pins seed case 3's arithmetic: the spoke alone stays under the
// Basic-network-features limit, the hub plus its connected peers go over it.
func TestHubSpokeIPCount(t *testing.T) {
	perVNet := ipsPerVNet(t, HubSpoke())
	if n := perVNet[vnetApp]; n != 998 {
		t.Errorf("spoke-app uses %d IPs, want 998", n)
	}
	if n := perVNet[vnetHub] + perVNet[vnetApp] + perVNet[vnetData]; n <= 1000 {
		t.Errorf("hub + directly peered spokes use %d IPs, want > 1000", n)
	}
}
