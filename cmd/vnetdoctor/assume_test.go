package main

import (
	"encoding/json"
	"os"
	"path/filepath"
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
		verdict, assumed := assumedTrace(t, "-s", snap, "--from", "vm-hub", "--to", "vm-far", "--dport", "22",
			"--assume", "gw-subnet-no-propagation="+tt.value)
		if verdict != tt.verdict || len(assumed) != 1 || assumed[0].Name != "gw-subnet-no-propagation" ||
			assumed[0].Value != tt.value || assumed[0].Decided != tt.decided {
			t.Errorf("%s: verdict %s, assumed %+v", tt.value, verdict, assumed)
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

// A value Azure would refuse (here a NIC address outside its subnet) is a warning on every
// command, not only summary (issue 10 item 2).
func TestInvalidValueWarnsEveryCommand(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile("../../testdata/scenarios/gateway-hairpin/snapshot/nics.json")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(b), `"10.31.1.4"`, `"10.31.9.4"`, 1) // vm-s1 outside snet-s1 10.31.1.0/24
	for _, f := range []string{"network.json", "edge.json"} {
		c, err := os.ReadFile("../../testdata/scenarios/gateway-hairpin/snapshot/" + f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), c, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "nics.json"), []byte(bad), 0o644)
	for _, args := range [][]string{{"routes", "--nic", "vm-hub"}, {"check"}, {"trace", "--from", "vm-hub", "--to", "vm-far"}} {
		code, _, stderr := vnetdoctor(t, "", append(append([]string{}, args[0], "-s", dir), args[1:]...)...)
		if code != 0 || !strings.Contains(stderr, "vnetdoctor: warning: [InvalidValue] ") {
			t.Errorf("%s: exit %d, stderr lacks the InvalidValue warning:\n%s", args[0], code, stderr)
		}
	}
}

// --assume internet-tag: with a 0/0 UDR to the gateway, vm-pub's subnet VirtualNetwork tag is
// 0.0.0.0/0, so by default Internet is empty and AllowVnetInBound admits the client; read as the
// public address space, the NSG's own allow-https-in rule (from Internet) does (spec §2.4).
func TestAssumeInternetTag(t *testing.T) {
	snap := "../../testdata/scenarios/gateway-hairpin/snapshot"
	for _, tt := range []struct{ value, rule string }{
		{"complement", "defaultSecurityRules/AllowVnetInBound"}, {"static", "securityRules/allow-https-in"}} {
		code, out, stderr := vnetdoctor(t, "", "trace", "-s", snap, "--from", "internet:198.51.100.7", "--to", "20.31.0.5",
			"--dport", "443", "--assume", "internet-tag="+tt.value, "-o", "json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.value, code, stderr)
		}
		var a struct {
			Forward struct {
				Deciding struct{ Rule string } `json:"deciding"`
			} `json:"forward"`
			Assumed []struct{ Name, Value string } `json:"assumed"`
		}
		if err := json.Unmarshal([]byte(out), &a); err != nil {
			t.Fatal(err)
		}
		named := false
		for _, x := range a.Assumed {
			named = named || (x.Name == "internet-tag" && x.Value == tt.value)
		}
		if a.Forward.Deciding.Rule != tt.rule || !named {
			t.Errorf("internet-tag=%s: deciding %q, assumed %+v; want %q and the switch named", tt.value, a.Forward.Deciding.Rule, a.Assumed, tt.rule)
		}
	}
	// A flow no Internet rule touches, in a subnet whose tags do not depend on the reading, does
	// not name the switch.
	code, out, _ := vnetdoctor(t, "", "trace", "-s", snap, "--from", "vm-s1", "--to", "vm-s2", "--dport", "443", "-o", "json")
	if code != 0 || strings.Contains(out, `"internet-tag"`) {
		t.Errorf("vm-s1 → vm-s2 names internet-tag (exit %d)", code)
	}
}

// --assume lb-pool-default-outbound decides whether vm-webpub1 (the example's VM behind a
// public load-balancing rule with disableOutboundSnat and no outbound rule) reaches the
// internet, and check's DefaultOutboundReliance follows the same choice.
func TestAssumeLBPoolDefaultOutbound(t *testing.T) {
	const snap = "../../examples/hub-spoke"
	for _, tt := range []struct{ value, verdict string }{{"kept", "Reachable"}, {"lost", "Unreachable"}} {
		verdict, assumed := assumedTrace(t, "-s", snap, "--from", "vm-webpub1", "--to", "internet:1.1.1.1", "--dport", "443",
			"--assume", "lb-pool-default-outbound="+tt.value)
		found := false
		for _, x := range assumed {
			found = found || x.Name == "lb-pool-default-outbound" && x.Value == tt.value && x.Decided
		}
		if verdict != tt.verdict || !found {
			t.Errorf("%s: verdict %s, assumed %+v; want %s, the switch deciding", tt.value, verdict, assumed, tt.verdict)
		}
		code, out, stderr := vnetdoctor(t, "", "check", "-s", snap, "--code", "DefaultOutboundReliance",
			"--assume", "lb-pool-default-outbound="+tt.value, "-o", "json")
		if code != 0 {
			t.Fatalf("check %s: exit %d: %s", tt.value, code, stderr)
		}
		if listed := strings.Contains(out, "vm-webpub1"); listed != (tt.value == "kept") {
			t.Errorf("check under %s: vm-webpub1 listed %v:\n%s", tt.value, listed, out)
		}
	}
}

// assumedSwitch is one entry of a trace's "assumed" (cli.md "--assume").
type assumedSwitch struct {
	Name, Value string
	Decided     bool
}

// assumedTrace runs trace with args as JSON: its verdict and the --assume switches it consulted.
func assumedTrace(t *testing.T, args ...string) (string, []assumedSwitch) {
	t.Helper()
	code, out, stderr := vnetdoctor(t, "", append(append([]string{"trace"}, args...), "-o", "json")...)
	if code != 0 {
		t.Fatalf("trace %q: exit %d: %s", args, code, stderr)
	}
	var a struct {
		Verdict string          `json:"verdict"`
		Assumed []assumedSwitch `json:"assumed"`
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	return a.Verdict, a.Assumed
}
