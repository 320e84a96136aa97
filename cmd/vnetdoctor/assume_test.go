package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// --assume switches a contested behaviour for trace and check alike (cli.md "Every command");
// an unknown name or value is a usage error.
func TestAssumeFlag(t *testing.T) {
	snap := "../../testdata/scenarios/gateway-hairpin/snapshot"
	for _, tt := range []struct {
		value, verdict string
		decided        bool
	}{{"works", "Reachable", true}, {"broken", "Unreachable", true}} {
		code, out, stderr := vnetdoctor(t, "", "trace", "-s", snap, "--from", "vm-hub", "--to", "vm-far", "--dport", "22",
			"--assume", "gw-subnet-no-propagation="+tt.value, "-o", "json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.value, code, stderr)
		}
		var a struct {
			Verdict string `json:"verdict"`
			Assumed []struct {
				Name, Value string
				Decided     bool
			} `json:"assumed"`
		}
		if err := json.Unmarshal([]byte(out), &a); err != nil {
			t.Fatal(err)
		}
		if a.Verdict != tt.verdict || len(a.Assumed) != 1 || a.Assumed[0].Name != "gw-subnet-no-propagation" ||
			a.Assumed[0].Value != tt.value || a.Assumed[0].Decided != tt.decided {
			t.Errorf("%s: verdict %s, assumed %+v", tt.value, a.Verdict, a.Assumed)
		}
	}
	code, out, _ := vnetdoctor(t, "", "check", "-s", snap, "--assume", "gw-subnet-no-propagation=broken", "-o", "json")
	if code != 0 || !strings.Contains(out, `"assume": "gw-subnet-no-propagation=broken"`) {
		t.Errorf("check under broken: exit %d, output lacks the switch:\n%s", code, out)
	}
	for _, bad := range []string{"gw-subnet-no-propagation=maybe", "no-such-switch=1", "forwarded-reply"} {
		code, _, stderr := vnetdoctor(t, "", "trace", "-s", snap, "--from", "vm-hub", "--to", "vm-far", "--assume", bad)
		if code != 2 || !strings.Contains(stderr, "--assume") {
			t.Errorf("--assume %s: exit %d, stderr %q; want exit 2 naming --assume", bad, code, stderr)
		}
	}
}
