package main

import (
	"encoding/json"
	"testing"
)

// TestNetAppVolumeOnExample: the bundled estate's NetApp volume (Basic network features, its
// mount target at 10.0.8.4, read from mountTargets[].ipAddress) takes NFS from a spoke VM by
// name, and nothing on a port it does not answer.
func TestNetAppVolumeOnExample(t *testing.T) {
	const snap = "../../examples/hub-spoke"
	type hop struct {
		Kind, Name, Address string
	}
	for _, tt := range []struct{ port, verdict, disposition, cause string }{
		{"2049", "Reachable", "Delivered", ""},
		{"22", "Unreachable", "Dropped", "NoListener"},
	} {
		code, out, stderr := vnetdoctor(t, "", "trace", "-s", snap, "--from", "vm-app1", "--to", "anf-hub/pool-premium/vol-shared",
			"--proto", "tcp", "--dport", tt.port, "-o", "json")
		if code != 0 {
			t.Fatalf("port %s: exit %d: %s", tt.port, code, stderr)
		}
		var a struct {
			Verdict string `json:"verdict"`
			Forward struct {
				Disposition string `json:"disposition"`
				DropCause   string `json:"dropCause"`
				Hops        []hop  `json:"hops"`
			} `json:"forward"`
		}
		if err := json.Unmarshal([]byte(out), &a); err != nil {
			t.Fatal(err)
		}
		last := a.Forward.Hops[len(a.Forward.Hops)-1]
		if a.Verdict != tt.verdict || a.Forward.Disposition != tt.disposition || a.Forward.DropCause != tt.cause ||
			last != (hop{"AzureService", "anf-hub/pool-premium/vol-shared", "10.0.8.4"}) {
			t.Errorf("port %s: %s %s/%s at %+v; want %s %s/%s at the volume's mount target", tt.port, a.Verdict,
				a.Forward.Disposition, a.Forward.DropCause, last, tt.verdict, tt.disposition, tt.cause)
		}
	}
}

// TestReachNetAppVolume: reach --to takes the volume by its own name, and its subnet by the mount
// target it holds; snet-app reaches it on NFS.
func TestReachNetAppVolume(t *testing.T) {
	for _, tt := range []struct{ to, label string }{{"vol-shared", "vol-shared (10.0.8.4)"}, {"vnet-hub/snet-anf", "anf-hub/pool-premium/vol-shared (10.0.8.4)"}} {
		reachesVolume(t, tt.to, tt.label)
	}
}

func reachesVolume(t *testing.T, to, label string) {
	t.Helper()
	code, out, stderr := vnetdoctor(t, "", "reach", "-s", "../../examples/hub-spoke", "--to", to, "--proto", "tcp", "--dport", "2049", "-o", "json")
	if code != 0 {
		t.Fatalf("--to %s: exit %d: %s", to, code, stderr)
	}
	var a struct {
		Complete bool `json:"complete"`
		Rows     []struct {
			From, To, Verdict string
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	const app = "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/vnet-spoke-app/subnets/snet-app"
	found := false
	for _, r := range a.Rows {
		found = found || r.From == app && r.To == label && r.Verdict == "Reachable"
	}
	if !a.Complete || !found {
		t.Errorf("--to %s: complete %v, rows %+v; want snet-app reaching %s", to, a.Complete, a.Rows, label)
	}
}
