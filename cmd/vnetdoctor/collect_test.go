package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vnetdoctor/vnetdoctor/internal/collect"
	"github.com/vnetdoctor/vnetdoctor/internal/collect/fakeazure"
	"github.com/vnetdoctor/vnetdoctor/internal/synth"
)

// collected serves files from a fake Azure, runs `vnetdoctor collect` against it through
// --arm-endpoint and --token-file, and returns the estate directory, the collected one,
// collect's exit code and its stderr.
func collected(t *testing.T, files map[string][]byte, s fakeazure.Script, extra ...string) (orig, dir string, code int, stderr string, f *fakeazure.Server) {
	t.Helper()
	tmp := t.TempDir()
	orig = filepath.Join(tmp, "estate")
	if err := synth.WriteFiles(orig, files); err != nil {
		t.Fatal(err)
	}
	f, err := fakeazure.New(files, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	tf := filepath.Join(tmp, "token.json")
	os.WriteFile(tf, fakeazure.TokenFile(time.Now().Add(time.Hour)), 0o600)
	dir = filepath.Join(tmp, "collected")
	args := []string{"collect", "--arm-endpoint", f.URL, "--token-file", tf, "--out", dir}
	if !containsFlag(extra, "--management-group") {
		for _, sub := range f.Subscriptions() {
			args = append(args, "--subscription", sub)
		}
	}
	code, _, stderr = vnetdoctor(t, "", append(args, extra...)...)
	return orig, dir, code, stderr, f
}

func containsFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag {
			return true
		}
	}
	return false
}

// answer runs one command with -o json and returns its JSON with what names the files
// (the snapshot digest and sources) and the notes about collect's own files removed.
func answer(t *testing.T, args ...string) any {
	t.Helper()
	code, out, stderr := vnetdoctor(t, "", append(args, "-o", "json")...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	if m, ok := v.(map[string]any); ok {
		delete(m, "snapshot")
		if u, ok := m["unknownTypes"].(map[string]any); ok {
			// the loader counts collect's own files (manifest.json, live/ answers) as "not a resource"
			if n, _ := u["(not a resource)"].(float64); n > 0 && strings.Contains(strings.Join(args, " "), "collected") {
				if n -= float64(collectOwnFiles(args)); n > 0 {
					u["(not a resource)"] = n
				} else {
					delete(u, "(not a resource)")
				}
			}
		}
		if ws, ok := m["warnings"].([]any); ok {
			if m["warnings"] = withoutCollectNotes(ws); len(m["warnings"].([]any)) == 0 && len(ws) > 0 {
				delete(m, "warnings") // only collect's own files were noted
			}
		}
	}
	return v
}

// collectFiles are the loader's Ignored notes about manifest.json and live/ answers: files
// collect writes that hold no resource (the loader reads every *.json of a directory).
var collectFiles = regexp.MustCompile(`(manifest\.json|live/effective-(routes|nsg)/[^:]*): holds no Azure resource`)

// collectOwnFiles counts manifest.json and live/ answers in the snapshot args name.
func collectOwnFiles(args []string) int {
	n := 0
	for i, a := range args {
		if a == "-s" && i+1 < len(args) {
			filepath.Walk(args[i+1], func(p string, info os.FileInfo, err error) error {
				if err == nil && !info.IsDir() && (info.Name() == "manifest.json" || strings.Contains(filepath.ToSlash(p), "/live/")) {
					n++
				}
				return nil
			})
		}
	}
	return n
}

func withoutCollectNotes(ws []any) []any {
	out := []any{}
	for _, w := range ws {
		if m, ok := w.(map[string]any); ok && m["code"] == "Ignored" && collectFiles.MatchString(m["message"].(string)) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// TestCollectRoundTrip: collect of an estate served by the fake, then summary, check, and
// routes and rules of every NIC, equal the same commands on the estate's own files; the
// collected snapshot has no dangling reference; the connection's sharedKey is not written.
func TestCollectRoundTrip(t *testing.T) {
	for name, files := range map[string]map[string][]byte{
		"hub-spoke": withResolver(synth.HubSpoke()),
		"generated": synth.Generate(synth.Config{VNets: 12, NICs: 60, NSGs: 12, RouteTables: 6, PrivateEndpoints: 8}),
	} {
		t.Run(name, func(t *testing.T) {
			orig, dir, code, stderr, _ := collected(t, files, fakeazure.Script{Quota: 6, QuotaWindow: 300 * time.Millisecond})
			if code != 0 {
				t.Fatalf("collect: exit %d: %s", code, stderr)
			}
			for _, args := range [][]string{{"summary"}, {"check"}} {
				want, got := answer(t, append(args, "-s", orig)...), answer(t, append(args, "-s", dir)...)
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("%v differs on the collected snapshot (-estate +collected):\n%s", args, d)
				}
			}
			sum := answer(t, "summary", "-s", dir).(map[string]any)
			if n := sum["danglingReferences"].(float64); n != 0 {
				t.Errorf("collected snapshot: %v dangling references", n)
			}
			for _, nic := range nicIDs(t, files) {
				for _, cmdName := range []string{"routes", "rules"} {
					want, got := answer(t, cmdName, "-s", orig, "--nic", nic), answer(t, cmdName, "-s", dir, "--nic", nic)
					if d := cmp.Diff(want, got); d != "" {
						t.Errorf("%s --nic %s differs (-estate +collected):\n%s", cmdName, nic, d)
					}
				}
			}
			assertNoSecret(t, dir)
		})
	}
}

// nicIDs are the IDs of every NIC attached to a VM in files.
func nicIDs(t *testing.T, files map[string][]byte) []string {
	var out []string
	for _, b := range files {
		var f struct {
			Value []struct {
				ID, Type   string
				Properties struct {
					VirtualMachine *struct{ ID string } `json:"virtualMachine"`
				}
			}
		}
		json.Unmarshal(b, &f)
		for _, r := range f.Value {
			if strings.EqualFold(r.Type, "Microsoft.Network/networkInterfaces") && r.Properties.VirtualMachine != nil {
				out = append(out, r.ID)
			}
		}
	}
	sort.Strings(out)
	return out
}

// secrets are values that must never reach a collected snapshot: the example connection's
// sharedKey and the fake's token.
var secrets = []string{"ExampleOnly-NeverStore-7c1e9a42", fakeazure.Token, "sharedKey", "sig=AbC"}

func assertNoSecret(t *testing.T, dir string) {
	t.Helper()
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		for _, s := range secrets {
			if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(s))) {
				t.Errorf("%s holds %q", p, s)
			}
		}
		return nil
	})
}

// manifestOf reads DIR/manifest.json.
func manifestOf(t *testing.T, dir string) collect.Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m collect.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// withResolver adds a DNS Private Resolver with an outbound endpoint, a forwarding ruleset,
// one forwarding rule and one ruleset VNet link to the example: Resource Graph has the
// resolver, endpoints and ruleset; the rule and the link come from REST.
func withResolver(files map[string][]byte) map[string][]byte {
	const rg = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.Network/"
	hub := rg + "virtualNetworks/vnet-hub"
	data := "/subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/rg-data/providers/Microsoft.Network/virtualNetworks/vnet-spoke-data"
	ref := func(id string) map[string]any { return map[string]any{"id": id} }
	res := []map[string]any{
		{"id": rg + "dnsResolvers/dnspr-hub", "name": "dnspr-hub", "type": "Microsoft.Network/dnsResolvers", "location": "westeurope",
			"properties": map[string]any{"virtualNetwork": ref(hub), "provisioningState": "Succeeded"}},
		{"id": rg + "dnsResolvers/dnspr-hub/outboundEndpoints/out1", "name": "out1", "type": "Microsoft.Network/dnsResolvers/outboundEndpoints",
			"location": "westeurope", "properties": map[string]any{"subnet": ref(hub + "/subnets/snet-shared")}},
		{"id": rg + "dnsForwardingRulesets/rs-corp", "name": "rs-corp", "type": "Microsoft.Network/dnsForwardingRulesets", "location": "westeurope",
			"properties": map[string]any{"dnsResolverOutboundEndpoints": []any{ref(rg + "dnsResolvers/dnspr-hub/outboundEndpoints/out1")}}},
		{"id": rg + "dnsForwardingRulesets/rs-corp/forwardingRules/corp", "name": "corp", "type": "Microsoft.Network/dnsForwardingRulesets/forwardingRules",
			"properties": map[string]any{"domainName": "corp.contoso.com.", "forwardingRuleState": "Enabled",
				"targetDnsServers": []any{map[string]any{"ipAddress": "192.168.0.4", "port": 53}}}},
		{"id": rg + "dnsForwardingRulesets/rs-corp/virtualNetworkLinks/link-data", "name": "link-data",
			"type": "Microsoft.Network/dnsForwardingRulesets/virtualNetworkLinks", "properties": map[string]any{"virtualNetwork": ref(data)}},
	}
	out := map[string][]byte{}
	for k, v := range files {
		out[k] = v
	}
	b, _ := json.Marshal(map[string]any{"value": res})
	out["resolver.json"] = b
	return out
}

// TestCollectExitCodes: 4 when written but incomplete (the gap on stderr and in the
// manifest), 2 when nothing is written; the token never appears, and stderr holds no
// progress line when it is not a terminal.
func TestCollectExitCodes(t *testing.T) {
	const bad = "00000000-0000-0000-0000-000000000003"
	_, dir, code, stderr, _ := collected(t, synth.HubSpoke(), fakeazure.Script{Forbidden: map[string]bool{bad: true}},
		"--subscription", bad, "--effective-sample", "2")
	if code != 4 || !strings.Contains(stderr, "incomplete: /subscriptions/"+bad+": 403") || strings.Contains(stderr, "\r") {
		t.Errorf("forbidden subscription: exit %d, stderr %q; want 4 and the gap, no progress line", code, stderr)
	}
	m := manifestOf(t, dir)
	if len(m.Errors) != 1 || m.Errors[0].Scope != "/subscriptions/"+bad || m.Requests == 0 || m.Tool != "vnetdoctor" {
		t.Errorf("manifest = %+v", m)
	}
	live := 0
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, "live/") {
			live++
		}
	}
	if live != 4 {
		t.Errorf("%d live answers, want 2 NICs × routes and NSG", live)
	}
	if code, _, stderr := vnetdoctor(t, "", "summary", "-s", dir); code != 0 {
		t.Errorf("summary of an incomplete snapshot: exit %d %s", code, stderr)
	}

	_, dir, code, stderr, _ = collected(t, synth.HubSpoke(), fakeazure.Script{ExpireAfter: 1})
	if _, err := os.Stat(dir); code != 2 || err == nil || !strings.Contains(stderr, "401") || strings.Contains(stderr, fakeazure.Token) {
		t.Errorf("expired token: exit %d, stderr %q, DIR stat err %v; want 2, nothing written, the token unsaid", code, stderr, err)
	}
	for _, args := range [][]string{
		{"collect", "--out", "x"},
		{"collect", "--subscription", "s", "--management-group", "m", "--out", "x", "--token-file", "/nonexistent"},
		{"collect", "--subscription", "s", "--out", "x", "--token-file", "/nonexistent"},
		{"collect", "--subscription", "s", "--out", "x", "--arm-endpoint", "http://example.com"},
	} {
		if code, _, stderr := vnetdoctor(t, "", args...); code != 2 || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, %q; want one line and exit 2", args, code, stderr)
		}
	}
}
