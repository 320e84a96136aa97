package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const example = "../../examples/hub-spoke"

// vnetdoctor runs the CLI in-process and returns exit code, stdout and stderr.
func vnetdoctor(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadInputExitsTwoNamingFileAndPath(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content, want string
	}{
		{"truncated.json", `{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v", "type": "Microsoft.Network/virtualNetworks", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"`, "truncated.json"},
		{"badprefix.json", `{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v", "name": "v", "type": "Microsoft.Network/virtualNetworks", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.300/16"]}}}`, "10.0.0.300/16"},
		{"notjson.json", "this is not JSON", "notjson.json"},
		{"badnumber.json", `{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkSecurityGroups/n", "name": "n", "type": "Microsoft.Network/networkSecurityGroups", "properties": {"securityRules": [{"name": "r", "properties": {"priority": "high", "direction": "Inbound", "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "sourcePortRange": "*", "destinationPortRange": "22"}}]}}`, "priority"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name)
			if err := os.WriteFile(p, []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := vnetdoctor(t, "", "summary", "-s", p)
			if code != 2 {
				t.Fatalf("exit code = %d, want 2 (stderr %q)", code, stderr)
			}
			if lines := strings.Count(strings.TrimSpace(stderr), "\n"); lines != 0 {
				t.Errorf("stderr has %d lines, want one: %q", lines+1, stderr)
			}
			if !strings.Contains(stderr, c.want) || !strings.Contains(stderr, c.name) {
				t.Errorf("stderr = %q, want it to name %q and %q", stderr, c.name, c.want)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"nosuchcommand"},
		{"routes", "-s", example},                     // --nic missing
		{"routes", "-s", example, "--nic", "nope-vm"}, // not found
		{"summary"},                                   // -s missing
		{"summary", "-s", example, "-o", "xml"},
		{"trace", "-s", example, "--from", "vm-app1", "--to", "vm-data1", "--proto", "gre"},
	} {
		if code, _, stderr := vnetdoctor(t, "", args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, stderr)
		}
	}
}

func TestRoutesJSONHasAzShape(t *testing.T) {
	code, out, stderr := vnetdoctor(t, "", "routes", "-s", example, "--nic", "vm-app1", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Value []struct {
			Source, State, NextHopType      string
			AddressPrefix, NextHopIPAddress []string
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	// rt-spoke-app sends 0/0 to the firewall: the default Internet route is Invalid and the
	// User route Active (spec §1.2 DECISION).
	var userDefault, invalidInternet bool
	for _, r := range got.Value {
		if r.AddressPrefix[0] == "0.0.0.0/0" && r.Source == "User" && r.State == "Active" &&
			r.NextHopType == "VirtualAppliance" && r.NextHopIPAddress[0] == "10.0.1.4" {
			userDefault = true
		}
		if r.AddressPrefix[0] == "0.0.0.0/0" && r.Source == "Default" && r.State == "Invalid" && r.NextHopType == "Internet" {
			invalidInternet = true
		}
		if r.NextHopType == "None" && r.Source == "Default" {
			t.Errorf("default None route %v listed despite 0/0 to an appliance", r.AddressPrefix)
		}
	}
	if !userDefault || !invalidInternet {
		t.Errorf("userDefault=%v invalidInternet=%v in %s", userDefault, invalidInternet, out)
	}
}

func TestRulesJSONListsSubnetAndNICNSGs(t *testing.T) {
	code, out, stderr := vnetdoctor(t, "", "rules", "-s", example, "--nic", "vm-dns1", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Value []struct {
			NetworkSecurityGroup   struct{ ID string }
			EffectiveSecurityRules []struct {
				Name, Access, Direction string
				Priority                int
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Value) == 0 {
		t.Fatalf("no NSG entries: %s", out)
	}
	var sawDefault bool
	for _, r := range got.Value[0].EffectiveSecurityRules {
		if r.Name == "defaultSecurityRules/DenyAllInBound" && r.Priority == 65500 && r.Access == "Deny" {
			sawDefault = true
		}
	}
	if !strings.HasSuffix(strings.ToLower(got.Value[0].NetworkSecurityGroup.ID), "/nsg-hub-dns") || !sawDefault {
		t.Errorf("first entry %s, DenyAllInBound seen %v", got.Value[0].NetworkSecurityGroup.ID, sawDefault)
	}
}

func TestSummaryFromStdinNeverKeepsSecrets(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(example, "edge.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "sharedKey") {
		t.Fatal("example edge.json lost its sharedKey; this test needs it")
	}
	code, out, stderr := vnetdoctor(t, string(data), "summary", "-s", "-", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(strings.ToLower(out), "sharedkey") {
		t.Errorf("summary output mentions the shared key: %s", out)
	}
	var s struct{ Counts map[string]int }
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Counts["Microsoft.Network/connections"] != 1 {
		t.Errorf("connections counted %d, want 1 (counts %v)", s.Counts["Microsoft.Network/connections"], s.Counts)
	}
}

func TestTraceToDNSNameResolvesFromTheSourceVM(t *testing.T) {
	snap := "../../internal/dns/testdata"
	code, out, stderr := vnetdoctor(t, "", "trace", "-s", snap, "--from", "nic-vm-a", "--to", "stdata.blob.core.windows.net", "--dport", "443", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var a struct {
		Query   struct{ To, FQDN string }
		Verdict string
		Forward struct {
			FlowAtDestination struct{ Destination string }
		}
		Assumptions []string
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	// The privatelink zone linked to the hub answers 10.0.4.5 for the spoke (Azure DNS through
	// the firewall's DNS proxy), so the flow goes to the private endpoint.
	if a.Verdict != "Reachable" || a.Forward.FlowAtDestination.Destination != "10.0.4.5" || a.Query.FQDN != "stdata.blob.core.windows.net" {
		t.Errorf("verdict %s, destination %s, fqdn %q; want Reachable to 10.0.4.5 with the name as FQDN", a.Verdict,
			a.Forward.FlowAtDestination.Destination, a.Query.FQDN)
	}
	if code, _, stderr := vnetdoctor(t, "", "trace", "-s", snap, "--from", "nic-vm-a", "--to", "nothing.contoso.internal"); code != 2 || stderr == "" {
		t.Errorf("unresolvable name: exit %d, stderr %q; want 2 and a message", code, stderr)
	}
}
