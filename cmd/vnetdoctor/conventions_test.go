package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestHelpOnStdout: CMD --help and -h print usage, defaults and an example on stdout, exit 0
// (cli.md "Every command").
func TestHelpOnStdout(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"help", "trace"}, {"summary", "-h"}, {"routes", "--help"},
		{"rules", "-h"}, {"trace", "--help"}, {"check", "-h"}, {"resolve", "--help"}, {"check", "-s", example, "--help"}} {
		code, out, stderr := vnetdoctor(t, "", args...)
		if code != 0 || stderr != "" || !strings.Contains(out, "usage: vnetdoctor") || !strings.Contains(out, "example:") {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want usage and an example on stdout, exit 0", args, code, stderr, out)
		}
	}
	_, out, _ := vnetdoctor(t, "", "trace", "--help")
	for _, want := range []string{"--proto", "(default tcp)", "--sport", "(default 49152)", "vnetdoctor trace -s examples/hub-spoke"} {
		if !strings.Contains(out, want) {
			t.Errorf("trace --help lacks %q:\n%s", want, out)
		}
	}
}

func TestVersion(t *testing.T) {
	re := regexp.MustCompile(`^vnetdoctor \S+ \(\S+, \S+\)\n$`)
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, out, _ := vnetdoctor(t, "", args...)
		if code != 0 || !re.MatchString(out) {
			t.Errorf("%v: exit %d, %q; want vnetdoctor <version> (<commit>, <date>)", args, code, out)
		}
	}
}

// TestDidYouMean: an unknown name is exit 2 naming the nearest NIC, VM, endpoint, subnet or
// check code.
func TestDidYouMean(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"routes", "-s", example, "--nic", "vm-app"}, `did you mean "vm-app1"`},
		{[]string{"rules", "-s", example, "--nic", "VM-DNS"}, `"vm-dns1"`},
		{[]string{"trace", "-s", example, "--from", "vm-ap1", "--to", "vm-data1"}, `did you mean "vm-app1"`},
		{[]string{"trace", "-s", example, "--from", "vm-app1", "--to", "pe-sql-dat", "--dport", "1433"}, `"pe-sql-data"`},
		{[]string{"routes", "-s", example, "--subnet", "vnet-hub/GatewaySubnt"}, `did you mean "vnet-hub/GatewaySubnet"`},
		{[]string{"check", "-s", example, "--code", "ShadowRule"}, `did you mean "ShadowedRule"`},
		{[]string{"chek", "-s", example}, `did you mean "check"`},
	} {
		code, _, stderr := vnetdoctor(t, "", c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %s", c.args, code, stderr, c.want)
		}
	}
}

// TestAmbiguousNameListsCandidates: an ambiguous name lists each candidate on its own line
// with its addresses.
func TestAmbiguousNameListsCandidates(t *testing.T) {
	dir := t.TempDir()
	nic := func(rg, ip string) string {
		return `{"id": "/subscriptions/s/resourceGroups/` + rg + `/providers/Microsoft.Network/networkInterfaces/nic-a", "name": "nic-a",
		"type": "Microsoft.Network/networkInterfaces", "properties": {"ipConfigurations": [{"name": "ipc", "properties": {
		"privateIPAddress": "` + ip + `", "subnet": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}}}]}}`
	}
	vnet := `{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "name": "v",
		"type": "Microsoft.Network/virtualNetworks", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
		"subnets": [{"name": "s", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
		"properties": {"addressPrefix": "10.0.0.0/24"}}]}}`
	if err := os.WriteFile(filepath.Join(dir, "net.json"), []byte("["+vnet+","+nic("rg1", "10.0.0.4")+","+nic("rg2", "10.0.0.5")+"]"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := vnetdoctor(t, "", "routes", "-s", dir, "--nic", "nic-a")
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if code != 2 || len(lines) != 3 || !strings.Contains(lines[0], "ambiguous") ||
		!strings.Contains(lines[1], "/rg1/") || !strings.HasSuffix(lines[1], "10.0.0.4") ||
		!strings.Contains(lines[2], "/rg2/") || !strings.HasSuffix(lines[2], "10.0.0.5") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 2, a line saying ambiguous, then one candidate a line with its IP", code, stderr)
	}
}

// TestSubnetQueries: routes and rules --subnet for any subnet, by VNET/SUBNET or ID.
func TestSubnetQueries(t *testing.T) {
	for _, args := range [][]string{
		{"routes", "--subnet", "vnet-hub/GatewaySubnet"},
		{"routes", "--subnet", "vnet-hub/AzureFirewallSubnet"},
		{"rules", "--subnet", "vnet-hub/AzureFirewallSubnet"},
		{"rules", "--subnet", "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/GatewaySubnet"},
	} {
		code, out, stderr := vnetdoctor(t, "", append([]string{args[0], "-s", example, "-o", "json"}, args[1:]...)...)
		var got struct{ Value []json.RawMessage }
		if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.Value == nil {
			t.Errorf("%v: exit %d, stderr %q, out %.200s", args, code, stderr, out)
		}
		if args[0] == "routes" && len(got.Value) == 0 {
			t.Errorf("%v: no routes", args)
		}
	}
	if code, out, _ := vnetdoctor(t, "", "routes", "-s", example, "--subnet", "vnet-hub/GatewaySubnet"); code != 0 ||
		!strings.HasPrefix(out, "Effective routes of subnet vnet-hub/GatewaySubnet\n") {
		t.Errorf("text: exit %d, %.200s", code, out)
	}
	if code, _, _ := vnetdoctor(t, "", "routes", "-s", example, "--subnet", "vnet-hub/GatewaySubnet", "--nic", "vm-app1"); code != 2 {
		t.Errorf("--nic and --subnet together: exit %d, want 2", code)
	}
}

// TestInternetPrivateRejected: internet:<ip> must be an internet address.
func TestInternetPrivateRejected(t *testing.T) {
	for _, ep := range []string{"internet:10.1.2.4", "internet:192.168.1.1", "internet:100.64.0.1", "internet:127.0.0.1", "internet:fd00::1", "internet:nonsense"} {
		code, _, stderr := vnetdoctor(t, "", "trace", "-s", example, "--from", ep, "--to", "vm-app1", "--dport", "443")
		if code != 2 || !strings.Contains(stderr, ep) {
			t.Errorf("--from %s: exit %d, %q; want 2 naming it", ep, code, stderr)
		}
	}
	if code, _, stderr := vnetdoctor(t, "", "trace", "-s", example, "--from", "internet:198.51.100.7", "--to", "pip-lb-web", "--dport", "443"); code != 0 {
		t.Errorf("a public internet address: exit %d, %s", code, stderr)
	}
}

// TestDanglingReferencesOnEveryCommand: with nsgs.json removed, every command reports each
// dangling reference on stderr, and JSON objects carry them under "warnings".
func TestDanglingReferencesOnEveryCommand(t *testing.T) {
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(example, "*.json"))
	for _, f := range files {
		if filepath.Base(f) == "nsgs.json" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, out, _ := vnetdoctor(t, "", "summary", "-s", dir, "-o", "json")
	var sum struct{ DanglingReferences int }
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.DanglingReferences == 0 {
		t.Fatalf("summary: %v, %d dangling references; want some", err, sum.DanglingReferences)
	}
	for _, args := range [][]string{
		{"routes", "--nic", "vm-app1"}, {"rules", "--nic", "vm-app1"}, {"check", "--code", "PeeringNotConnected"},
		{"trace", "--from", "vm-app1", "--to", "vm-data1", "--dport", "443"},
		{"resolve", "--from", "vm-app1", "stdataprod001.blob.core.windows.net"},
	} {
		full := append([]string{args[0], "-s", dir}, args[1:]...)
		code, _, stderr := vnetdoctor(t, "", full...)
		if n := strings.Count(stderr, "vnetdoctor: warning: [DanglingReference] "); code != 0 || n != sum.DanglingReferences {
			t.Errorf("%v: exit %d, %d dangling lines on stderr, want %d", args, code, n, sum.DanglingReferences)
		}
		code, out, _ := vnetdoctor(t, "", append(full, "-o", "json")...)
		var doc struct {
			Warnings []struct{ Code, Resource, Message string }
		}
		if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil || len(doc.Warnings) != sum.DanglingReferences ||
			doc.Warnings[0].Code != "DanglingReference" || doc.Warnings[0].Message == "" {
			t.Errorf("%v -o json: exit %d, %v, %d warnings; want %d DanglingReference", args, code, err, len(doc.Warnings), sum.DanglingReferences)
		}
	}
	// SARIF carries them as tool execution notifications and stays valid.
	code, out, _ := vnetdoctor(t, "", "check", "-s", dir, "-o", "sarif")
	if code != 0 || strings.Count(out, `"id": "DanglingReference"`) != sum.DanglingReferences {
		t.Errorf("check -o sarif: exit %d, want %d DanglingReference notifications", code, sum.DanglingReferences)
	}
	validateSARIFFile(t, []byte(out))
	// A file skipped by --skip-invalid is a warning too.
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte("{nope"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = vnetdoctor(t, "", "routes", "-s", dir, "--skip-invalid", "--nic", "vm-app1", "-o", "json")
	if code != 0 || !strings.Contains(out, `"code": "Skipped"`) || !strings.Contains(out, "broken.json") {
		t.Errorf("--skip-invalid: exit %d, JSON lacks the Skipped warning:\n%.300s", code, out)
	}
	// The complete example has none: its JSON answers are unchanged.
	_, out, _ = vnetdoctor(t, "", "routes", "-s", example, "--nic", "vm-app1", "-o", "json")
	if strings.Contains(out, `"warnings"`) || strings.Contains(out, "invocations") {
		t.Errorf("complete snapshot: routes JSON has warnings")
	}
}

// TestNoColorWhenPiped: text written anywhere but a terminal has no escape codes.
func TestNoColorWhenPiped(t *testing.T) {
	for _, args := range [][]string{{"check"}, {"rules", "--nic", "vm-app1"}, {"trace", "--from", "vm-app1", "--to", "pe-sql-data", "--dport", "1433"}} {
		_, out, _ := vnetdoctor(t, "", append([]string{args[0], "-s", example}, args[1:]...)...)
		if strings.Contains(out, "\x1b[") {
			t.Errorf("%v: escape codes in piped output", args)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if colorOn(w) {
		t.Errorf("colour on a pipe")
	}
	t.Setenv("NO_COLOR", "1")
	if colorOn(os.Stdout) {
		t.Errorf("colour with NO_COLOR set")
	}
}

// TestTraceTextWidth: the README's traces print no line wider than about 120 columns.
func TestTraceTextWidth(t *testing.T) {
	for _, tr := range [][]string{
		{"vm-app1", "pe-sql-data", "tcp", "1433"}, {"afw-hub", "vm-dns1", "udp", "53"}, {"internet:198.51.100.7", "pip-lb-web", "tcp", "443"},
		{"vm-batch1", "internet:1.1.1.1", "tcp", "443"}, {"192.168.10.5", "vm-app1", "tcp", "443"}, {"vm-app1", "172.16.10.5", "tcp", "443"},
	} {
		_, out, _ := vnetdoctor(t, "", "trace", "-s", example, "--from", tr[0], "--to", tr[1], "--proto", tr[2], "--dport", tr[3])
		for _, l := range strings.Split(out, "\n") {
			if n := len([]rune(l)); n > 130 {
				t.Errorf("%v: line of %d columns: %s", tr, n, l)
			}
		}
	}
}

// TestReadmeCommands: the README's first two commands stay what they are, and every
// `go run ./cmd/vnetdoctor` example in it runs with exit 0.
func TestReadmeCommands(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "    go ") {
			cmds = append(cmds, strings.TrimSpace(l))
		}
	}
	if len(cmds) < 2 || cmds[0] != "go run ./cmd/vnetdoctor check -s examples/hub-spoke" || cmds[1] != "go test ./..." {
		t.Fatalf("README's first commands = %q, want the main job and go test ./...", cmds[:min(2, len(cmds))])
	}
	tmp := t.TempDir() + "/" // a flow database left in /tmp by an older vnetdoctor must not fail the test
	for _, c := range cmds {
		rest, ok := strings.CutPrefix(c, "go run ./cmd/vnetdoctor ")
		if !ok {
			continue
		}
		rest, _, _ = strings.Cut(rest, ">")
		rest = strings.ReplaceAll(strings.ReplaceAll(rest, "examples/", "../../examples/"), "/tmp/", tmp)
		args := strings.Fields(rest)
		if args[0] == "serve" {
			continue
		}
		if code, _, stderr := vnetdoctor(t, "", args...); code != 0 {
			t.Errorf("%s: exit %d, %s", c, code, stderr)
		}
	}
}
