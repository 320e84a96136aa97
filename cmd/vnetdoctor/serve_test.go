package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startServe runs `vnetdoctor serve` in-process on a free loopback port and returns its base URL;
// the server stops when the test ends.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	return startServeOn(t, example, args...)
}

func startServeOn(t *testing.T, snapshot string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveUntil(ctx, append([]string{"-s", snapshot, "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), io.Discard, ready)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v", err)
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("serve stopped before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

func get(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestServeAnswersAsTheCLI: every API endpoint returns exactly the bytes `vnetdoctor <cmd> -o
// json` prints for the same question (cli.md "serve"), on the bundled example.
func TestServeAnswersAsTheCLI(t *testing.T) {
	base := startServe(t)
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	cases := []struct {
		cli []string
		api string
	}{
		{[]string{"summary"}, "/api/summary"},
		{[]string{"check"}, "/api/check"},
		{[]string{"routes", "--nic", "vm-app1"}, "/api/routes?nic=vm-app1"},
		{[]string{"routes", "--nic", "vm-merger1"}, "/api/routes?nic=vm-merger1"},
		{[]string{"routes", "--nic", "10.0.3.4"}, "/api/routes?nic=10.0.3.4"},
		{[]string{"rules", "--nic", "vm-dns1"}, "/api/rules?nic=vm-dns1"},
		{[]string{"rules", "--nic", "vm-jump"}, "/api/rules?nic=vm-jump"},
		{[]string{"resolve", "--from", "vm-app1", "stdataprod001.blob.core.windows.net"}, "/api/resolve?" + q("from", "vm-app1", "name", "stdataprod001.blob.core.windows.net")},
		{[]string{"resolve", "--from", "vm-data1", "sql-data-prod.database.windows.net"}, "/api/resolve?" + q("from", "vm-data1", "name", "sql-data-prod.database.windows.net")},
		{[]string{"resolve", "--from", "vm-dns1", "stdataprod001.blob.core.windows.net"}, "/api/resolve?" + q("from", "vm-dns1", "name", "stdataprod001.blob.core.windows.net")},
	}
	// Every trace examples/hub-spoke/README.md lists (the seed cases first).
	for _, tr := range [][]string{
		{"afw-hub", "vm-dns1", "udp", "53", ""},
		{"vm-app1", "pe-sql-data", "tcp", "1433", ""},
		{"vm-merger1", "vm-dns1", "udp", "53", ""},
		{"internet:198.51.100.7", "pip-lb-web", "tcp", "443", ""},
		{"vm-app1", "172.16.10.5", "tcp", "443", ""},
		{"vm-sandbox1", "vm-dns1", "udp", "53", ""},
		{"internet:198.51.100.7", "pip-vm-jump", "tcp", "22", ""},
		{"internet:198.51.100.7", "pip-vm-jump", "tcp", "3389", ""},
		{"vm-batch1", "internet:1.1.1.1", "tcp", "443", ""},
		{"internet:198.51.100.7", "pip-afw-hub", "tcp", "443", ""},
		{"vm-app1", "vm-data1", "tcp", "443", ""},
		{"vm-app1", "internet:20.60.26.10", "tcp", "443", "stdataprod001.blob.core.windows.net"},
		{"192.168.10.5", "vm-app1", "tcp", "443", ""},
		{"vm-data1", "pe-starchive-blob", "tcp", "443", ""},
		{"vm-webpub1", "internet:1.1.1.1", "tcp", "443", ""},
		{"vm-data1", "stdataprod001.blob.core.windows.net", "tcp", "443", ""},
	} {
		cli := []string{"trace", "--from", tr[0], "--to", tr[1], "--proto", tr[2], "--dport", tr[3]}
		kv := []string{"from", tr[0], "to", tr[1], "proto", tr[2], "dport", tr[3]}
		if tr[4] != "" {
			cli = append(cli, "--fqdn", tr[4])
			kv = append(kv, "fqdn", tr[4])
		}
		cases = append(cases, struct {
			cli []string
			api string
		}{cli, "/api/trace?" + q(kv...)})
	}
	cases = append(cases, struct {
		cli []string
		api string
	}{[]string{"trace", "--from", "vm-app1", "--to", "vm-data1", "--sport", "40000", "--dport", "5432"}, "/api/trace?from=vm-app1&to=vm-data1&sport=40000&dport=5432"})
	// --assume NAME=VALUE is assume=NAME=VALUE, repeatable.
	cases = append(cases, []struct {
		cli []string
		api string
	}{
		{[]string{"trace", "--assume", "pe-reply-udr=follow", "--from", "vm-app1", "--to", "pe-sql-data", "--dport", "1433"},
			"/api/trace?from=vm-app1&to=pe-sql-data&dport=1433&assume=pe-reply-udr%3Dfollow"},
		{[]string{"trace", "--assume", "forwarded-reply=dropped", "--assume", "gw-subnet-no-propagation=broken", "--from", "192.168.10.5", "--to", "vm-app1", "--dport", "443"},
			"/api/trace?from=192.168.10.5&to=vm-app1&dport=443&assume=forwarded-reply%3Ddropped&assume=gw-subnet-no-propagation%3Dbroken"},
		{[]string{"check", "--assume", "gw-subnet-no-propagation=broken"}, "/api/check?assume=gw-subnet-no-propagation%3Dbroken"},
		// reach: the CLI's document, its defaults (tcp,udp, every port) and --all.
		{[]string{"reach", "--to", "vm-app1", "--dport", "443"}, "/api/reach?to=vm-app1&dport=443"},
		{[]string{"reach", "--to", "vm-data1"}, "/api/reach?to=vm-data1"},
		{[]string{"reach", "--to", "vm-jump", "--proto", "tcp", "--dport", "22,3389"}, "/api/reach?to=vm-jump&proto=tcp&dport=22%2C3389"},
		{[]string{"reach", "--from", "vm-sandbox1", "--proto", "udp", "--dport", "53", "--all"}, "/api/reach?from=vm-sandbox1&proto=udp&dport=53&all=true"},
		{[]string{"reach", "--to", "vnet-spoke-data/snet-data", "--proto", "tcp", "--dport", "1433"}, "/api/reach?to=vnet-spoke-data%2Fsnet-data&proto=tcp&dport=1433"},
	}...)
	for _, c := range cases {
		t.Run(strings.Join(c.cli, " "), func(t *testing.T) { sameAsCLI(t, base, example, c.cli, c.api) })
	}
}

// TestServeSubnetAnswersAsTheCLI: routes and rules of a subnet, as --subnet answers them.
func TestServeSubnetAnswersAsTheCLI(t *testing.T) {
	if code, _, stderr := vnetdoctor(t, "", "routes", "-s", example, "--subnet", "vnet-hub/snet-dns"); code != 0 {
		t.Skipf("vnetdoctor routes --subnet is not available: %s", stderr)
	}
	base := startServe(t)
	for _, c := range []struct {
		cli []string
		api string
	}{
		{[]string{"routes", "--subnet", "vnet-hub/GatewaySubnet"}, "/api/routes?subnet=vnet-hub%2FGatewaySubnet"},
		{[]string{"routes", "--subnet", "vnet-spoke-app/snet-app"}, "/api/routes?subnet=vnet-spoke-app%2Fsnet-app"},
		{[]string{"rules", "--subnet", "vnet-hub/snet-dns"}, "/api/rules?subnet=vnet-hub%2Fsnet-dns"},
		{[]string{"rules", "--subnet", "vnet-hub/AzureFirewallSubnet"}, "/api/rules?subnet=vnet-hub%2FAzureFirewallSubnet"},
	} {
		sameAsCLI(t, base, example, c.cli, c.api)
	}
}

// sameAsCLI compares GET api with vnetdoctor cli -s snapshot -o json, byte for byte.
func sameAsCLI(t *testing.T, base, snapshot string, cli []string, api string) []byte {
	t.Helper()
	args := append([]string{cli[0], "-s", snapshot, "-o", "json"}, cli[1:]...)
	code, want, stderr := vnetdoctor(t, "", args...)
	if code != 0 {
		t.Fatalf("CLI exit %d: %s", code, stderr)
	}
	status, got := get(t, base+api)
	if status != http.StatusOK {
		t.Fatalf("GET %s = %d %s", api, status, got)
	}
	if !bytes.Equal(got, []byte(want)) {
		t.Errorf("GET %s differs from vnetdoctor %s -o json:\n got %.300s\nwant %.300s", api, strings.Join(cli, " "), got, want)
	}
	return got
}

// TestServeAssumeDefault: serve --assume sets the default of every request.
func TestServeAssumeDefault(t *testing.T) {
	base := startServe(t, "--assume", "pe-reply-udr=follow")
	sameAsCLI(t, base, example, []string{"trace", "--assume", "pe-reply-udr=follow", "--from", "vm-app1", "--to", "pe-sql-data", "--dport", "1433"},
		"/api/trace?from=vm-app1&to=pe-sql-data&dport=1433")
	if status, body := get(t, base+"/api/trace?from=vm-app1&to=pe-sql-data&assume=pe-reply-udr%3Dsometimes"); status != 400 {
		t.Errorf("an unknown assume value: %d %s, want 400", status, body)
	}
}

// TestServeWarnings: on a snapshot with dangling references (the example without its route
// tables) the answers carry the same "warnings" as the CLI's JSON (cli.md "Every command").
func TestServeWarnings(t *testing.T) {
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(example, "*.json"))
	for _, f := range files {
		if filepath.Base(f) == "routes.json" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644)
	}
	base := startServeOn(t, dir)
	for _, c := range []struct {
		cli []string
		api string
	}{
		{[]string{"summary"}, "/api/summary"},
		{[]string{"trace", "--from", "vm-app1", "--to", "vm-data1", "--dport", "443"}, "/api/trace?from=vm-app1&to=vm-data1&dport=443"},
		{[]string{"routes", "--nic", "vm-app1"}, "/api/routes?nic=vm-app1"},
		{[]string{"rules", "--nic", "vm-app1"}, "/api/rules?nic=vm-app1"},
		{[]string{"resolve", "--from", "vm-data1", "sql-data-prod.database.windows.net"}, "/api/resolve?from=vm-data1&name=sql-data-prod.database.windows.net"},
	} {
		_, want, _ := vnetdoctor(t, "", append([]string{c.cli[0], "-s", dir, "-o", "json"}, c.cli[1:]...)...)
		if !strings.Contains(want, `"DanglingReference"`) {
			t.Skipf("vnetdoctor %s -o json does not report warnings yet", c.cli[0])
		}
		got := sameAsCLI(t, base, dir, c.cli, c.api)
		if bytes.Count(got, []byte(`"warnings"`)) != 1 {
			t.Errorf("GET %s: want one warnings list", c.api)
		}
	}
}

// TestServeErrorsWhereTheCLIExitsTwo: what the CLI rejects with exit 2, the API rejects with
// 400 or 404 and {"error": ...}.
func TestServeErrorsWhereTheCLIExitsTwo(t *testing.T) {
	base := startServe(t)
	for _, c := range []struct {
		cli    []string
		api    string
		status int
	}{
		{[]string{"routes", "--nic", "nope-vm"}, "/api/routes?nic=nope-vm", 404},
		{[]string{"routes"}, "/api/routes", 400},
		{[]string{"trace", "--from", "vm-app1", "--to", "vm-data1", "--proto", "gre"}, "/api/trace?from=vm-app1&to=vm-data1&proto=gre", 400},
		{[]string{"trace", "--from", "vm-app1", "--to", "vm-data1", "--dport", "70000"}, "/api/trace?from=vm-app1&to=vm-data1&dport=70000", 400},
		{[]string{"trace", "--from", "vm-app1"}, "/api/trace?from=vm-app1", 400},
		{[]string{"trace", "--from", "vm-app1", "--to", "stdataprod001.blob.core.windows.net"}, "/api/trace?from=vm-app1&to=stdataprod001.blob.core.windows.net", 400},
		{[]string{"resolve", "--from", "vm-app1", "not a name"}, "/api/resolve?from=vm-app1&name=not+a+name", 400},
	} {
		code, _, _ := vnetdoctor(t, "", append([]string{c.cli[0], "-s", example, "-o", "json"}, c.cli[1:]...)...)
		if code != 2 {
			t.Errorf("vnetdoctor %v exit %d, want 2", c.cli, code)
		}
		status, body := get(t, base+c.api)
		if status != c.status || !bytes.HasPrefix(body, []byte("{\n  \"error\": ")) {
			t.Errorf("GET %s = %d %s, want %d with {\"error\": ...}", c.api, status, body, c.status)
		}
	}
}

func TestServeFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "-s", example, "--addr", "0.0.0.0:0"}, "--token"},
		{[]string{"serve", "-s", example, "--addr", ":0"}, "--token"},
		{[]string{"serve", "-s", example, "--db", "x.db"}, "--db"},
		{[]string{"serve"}, "-s SNAPSHOT"},
	} {
		t.Setenv("VNETDOCTOR_TOKEN", "")
		code, _, stderr := vnetdoctor(t, "", c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("vnetdoctor %v = exit %d %q, want 2 naming %s", c.args, code, stderr, c.want)
		}
	}
}

// TestServeTokenOnAnyAddress: with --token, the API wants the bearer token; the UI's files do not.
func TestServeToken(t *testing.T) {
	base := startServe(t, "--token", "s3cret")
	if status, _ := get(t, base+"/api/summary"); status != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", status)
	}
	if status, _ := get(t, base+"/"); status != http.StatusOK {
		t.Errorf("UI without token: %d, want 200", status)
	}
	req, _ := http.NewRequest("GET", base+"/api/summary", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with token: %d, want 200", resp.StatusCode)
	}
}
