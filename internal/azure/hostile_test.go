package azure

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// loadWithin runs Load and fails the test if it takes longer than a few seconds: a FIFO or a
// device must never make the loader wait.
func loadWithin(t *testing.T, paths []string, opt Options) (*Snapshot, error) {
	t.Helper()
	type result struct {
		s   *Snapshot
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := Load(paths, opt)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("Load(%v) still running after 10s", paths)
		return nil, nil
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlinks not supported here: %v", err)
	}
}

// TestLoadReadsRegularFilesOnly: a FIFO, a device and a socket named *.json are bad input
// (one line naming the file), skipped with --skip-invalid, and never block the loader.
func TestLoadReadsRegularFilesOnly(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	for _, c := range []struct {
		name, want string
		make       func(t *testing.T, path string)
	}{
		{"fifo.json", "a named pipe (FIFO), not a regular file", func(t *testing.T, p string) { mkfifo(t, p) }},
		{"zero.json", "a device, not a regular file", func(t *testing.T, p string) { symlink(t, "/dev/zero", p) }},
		{"sock.json", "a socket, not a regular file", func(t *testing.T, p string) {
			l, err := net.Listen("unix", p)
			if err != nil {
				t.Skipf("unix sockets not supported here: %v", err)
			}
			t.Cleanup(func() { l.Close() })
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"good.json": vnetARM})
			bad := filepath.Join(dir, c.name)
			c.make(t, bad)
			for _, arg := range []string{dir, bad} {
				_, err := loadWithin(t, []string{arg}, Options{})
				if want := bad + ": " + c.want; err == nil || !strings.HasPrefix(err.Error(), want) {
					t.Errorf("Load(%s) error = %v, want %s", arg, err, want)
				}
			}
			s, err := loadWithin(t, []string{dir}, Options{SkipInvalid: true})
			if err != nil || len(s.VNets) != 1 || len(s.Notes) != 1 || s.Notes[0].Code != "Skipped" || s.Notes[0].File != bad {
				t.Errorf("--skip-invalid: err %v; want the VNet and one Skipped note for %s, got %+v", err, bad, s)
			}
		})
	}
}

func TestLoadSizeCap(t *testing.T) {
	dir := writeFiles(t, map[string]string{"v.json": vnetARM})
	_, err := Load([]string{filepath.Join(dir, "v.json")}, Options{MaxFileSize: 100})
	if err == nil || !strings.Contains(err.Error(), "v.json: larger than the 100 limit of one file (--max-file-size)") {
		t.Errorf("capped file: error %v", err)
	}
	// A sparse file far larger than the cap fails before a byte is read.
	big := filepath.Join(dir, "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(8 << 30); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	f.Close()
	start := time.Now()
	_, err = loadWithin(t, []string{big}, Options{})
	if err == nil || !strings.Contains(err.Error(), "larger than the 1GiB limit") || time.Since(start) > 2*time.Second {
		t.Errorf("8 GiB file: error %v after %v", err, time.Since(start))
	}
	// Standard input has the same cap, enforced while reading, and binary data stops it early.
	_, err = Load([]string{"-"}, Options{Stdin: strings.NewReader(vnetARM), MaxFileSize: 100})
	if err == nil || !strings.Contains(err.Error(), "-: larger than the 100 limit") {
		t.Errorf("capped stdin: error %v", err)
	}
	_, err = Load([]string{"-"}, Options{Stdin: zeros{}})
	if err == nil || err.Error() != "-: binary data, not JSON text (starts with byte 0x00)" {
		t.Errorf("stdin of zeros: error %v", err)
	}
}

// zeros is an endless stream of NUL bytes (what `-s - < /dev/zero` reads).
type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

func TestLoadFollowsSymlinksOnce(t *testing.T) {
	root := writeFiles(t, map[string]string{"estate/net/v.json": vnetARM})
	estate := filepath.Join(root, "estate")
	symlink(t, "..", filepath.Join(estate, "net", "up"))        // a loop back to estate
	symlink(t, "net", filepath.Join(estate, "again"))           // a second way to net
	symlink(t, estate, filepath.Join(root, "link-to-estate"))   // -s on a symlink to a directory
	symlink(t, "missing.json", filepath.Join(estate, "x.json")) // dangling
	for _, arg := range []string{estate, filepath.Join(root, "link-to-estate")} {
		s, err := loadWithin(t, []string{arg}, Options{SkipInvalid: true})
		if err != nil {
			t.Fatalf("Load(%s): %v", arg, err)
		}
		if len(s.VNets) != 1 || len(s.Info.Sources) != 1 {
			t.Errorf("Load(%s): %d VNets from %v, want the one file once", arg, len(s.VNets), s.Info.Sources)
		}
		if len(s.Notes) != 1 || !strings.HasSuffix(s.Notes[0].File, "x.json") {
			t.Errorf("Load(%s): notes %+v, want the dangling x.json skipped", arg, s.Notes)
		}
	}
}

func TestLoadSkipsHiddenAndUnreadableDirectories(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"v.json":                      vnetARM,
		".git/config.json":            `not json`,
		".terraform/providers/x.json": `{"format_version": "1.0"}`,
		"sub/.hidden.json":            `{`,
		"locked/v.json":               vnetARM,
		"sub/visible.json":            `[]`,
	})
	s, err := Load([]string{dir}, Options{})
	if err != nil {
		t.Fatalf("hidden entries were read: %v", err)
	}
	if len(s.VNets) != 2 || len(s.Info.Sources) != 3 {
		t.Errorf("%d VNets from %v, want 2 from v.json, locked/v.json and sub/visible.json", len(s.VNets), s.Info.Sources)
	}
	locked := filepath.Join(dir, "locked")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	if _, err := os.ReadDir(locked); err == nil {
		t.Skip("running as a user that reads any directory (root?)")
	}
	if _, err := Load([]string{dir}, Options{}); err == nil || !strings.Contains(err.Error(), "locked: open: permission denied") {
		t.Errorf("unreadable directory: error %v", err)
	}
	s, err = Load([]string{dir}, Options{SkipInvalid: true})
	if err != nil || len(s.VNets) != 1 || len(s.Notes) != 1 || s.Notes[0].File != locked {
		t.Errorf("--skip-invalid: err %v, notes %+v; want the locked directory skipped", err, s)
	}
}

func TestLoadStdin(t *testing.T) {
	if _, err := Load([]string{"-", "-"}, Options{Stdin: strings.NewReader(vnetARM)}); err == nil ||
		err.Error() != "-: standard input named twice (-s - may appear once)" {
		t.Errorf("-s - twice: error %v", err)
	}
	// What `az network vnet list; az network nic list` piped together write, and JSON lines.
	for _, in := range []string{
		"[" + vnetARM + "]\n[" + strings.Replace(vnetARM, "v1", "v2", -1) + "]\n",
		strings.ReplaceAll(vnetARM, "\n", "") + "\n" + strings.ReplaceAll(strings.Replace(vnetARM, "v1", "v2", -1), "\n", "") + "\n",
		`{"value":[` + vnetARM + `]}{"value":[` + strings.Replace(vnetARM, "v1", "v2", -1) + `]}`,
	} {
		s, err := Load([]string{"-"}, Options{Stdin: strings.NewReader(in)})
		if err != nil || len(s.VNets) != 2 {
			t.Errorf("stdin %.60q...: err %v, want 2 VNets", in, err)
		}
	}
	_, err := Load([]string{"-"}, Options{Stdin: strings.NewReader(vnetARM + "\n" + `{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v3", "type": "Microsoft.Network/virtualNetworks", "properties": {"addressSpace": {"addressPrefixes": ["nope"]}}}`)})
	if err == nil || !strings.HasPrefix(err.Error(), `-: $[1].properties.addressSpace.addressPrefixes[0]: invalid prefix "nope"`) {
		t.Errorf("bad second value: error %v", err)
	}
}

// TestNoNetworkResources: a snapshot with nothing to read says what its file looks like and
// what to export instead (cli.md Contract 0.2, "holds no network resources").
func TestNoNetworkResources(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"empty.json", `{}`, "holds no network resources: it looks like an empty object ({})"},
		{"list.json", `[]`, "holds no network resources: it looks like an empty list ([])"},
		{"plan.json", `{"format_version":"1.2","terraform_version":"1.6.0","planned_values":{},"resource_changes":[]}`,
			"holds no network resources: it looks like a Terraform plan (terraform show -json)"},
		{"state.json", `{"version":4,"terraform_version":"1.6.0","resources":[]}`, "it looks like a Terraform state"},
		{"nexthop.json", `{"nextHopType":"Internet","nextHopIpAddress":"","routeTableId":"System Route"}`, "a Network Watcher next-hop answer"},
		{"routes.json", `{"value":[{"source":"Default","state":"Active","addressPrefix":["10.0.0.0/16"],"nextHopType":"VnetLocal"}]}`, "effective routes"},
		{"storage.json", `[{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/st","type":"Microsoft.Storage/storageAccounts","name":"st"}]`,
			"only resources of types vnetdoctor does not read (Microsoft.Storage/storageAccounts)"},
		{"template.json", "{\n  // a comment\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n  \"contentVersion\": \"1.0.0.0\",\n  \"resources\": []\n}",
			"an ARM deployment template, not a snapshot"},
		{"multiline.json", "{\"contentVersion\": \"1.0.0.0\", \"resources\": [{\"name\": \"a\nb\"}]}", "an ARM deployment template, not a snapshot"},
		{"main.bicep", "param location string = resourceGroup().location\nresource v 'Microsoft.Network/virtualNetworks@2023-04-01' = {}\n", "a Bicep file, not a snapshot"},
		{"bicep.json", "// exported by mistake\nresource v 'Microsoft.Network/virtualNetworks@2023-04-01' = {\n  name: 'v'\n}\n", "a Bicep file, not a snapshot"},
		{"main.tf", "resource \"azurerm_virtual_network\" \"v\" {}\n", "Terraform configuration (HCL), not a snapshot"},
	} {
		dir := writeFiles(t, map[string]string{c.name: c.body})
		path := filepath.Join(dir, c.name)
		_, err := Load([]string{path}, Options{})
		var ie *InputError
		if err == nil || !errors.As(err, &ie) || ie.File != path || !strings.Contains(err.Error(), c.want) ||
			!strings.Contains(err.Error(), "export") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v\nwant an InputError for the file containing %q and what to export", c.name, err, c.want)
		}
	}
	// Beside a real export, a file with no resources is a note, not an error.
	dir := writeFiles(t, map[string]string{"v.json": vnetARM, "nexthop.json": `{"nextHopType":"Internet","routeTableId":"System Route"}`})
	s, err := Load([]string{dir}, Options{})
	if err != nil || len(s.Notes) != 1 || s.Notes[0].Code != "Ignored" || !strings.Contains(s.Notes[0].Msg, "next-hop answer") {
		t.Errorf("mixed directory: err %v notes %+v", err, s)
	}
	// Every file skipped: the first reason is the error.
	dir = writeFiles(t, map[string]string{"a.json": `{`, "b.json": `[`})
	if _, err := Load([]string{dir}, Options{SkipInvalid: true}); err == nil || !strings.Contains(err.Error(), "a.json: $: invalid JSON") {
		t.Errorf("all skipped: error %v", err)
	}
}

func TestErrorsQuoteAClipAndNoSecret(t *testing.T) {
	for _, c := range []struct{ value, secret string }{
		{"https://st.blob.core.windows.net/c?sv=2022-11-02&sig=Zm9vYmFyYmF6cXV4%3D&se=2030", "Zm9vYmFy"},
		{"DefaultEndpointsProtocol=https;AccountName=st;AccountKey=c2VjcmV0a2V5MTIzNDU2Nzg5==;EndpointSuffix=core.windows.net", "c2VjcmV0"},
		{"SharedAccessSignature sr=x&sig=QUJDREVG&se=1&skn=k", "QUJDREVG"},
		{strings.Repeat("10.0.0.0/16 ", 1000), ""},
	} {
		body := `{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v","type":"Microsoft.Network/virtualNetworks",
			"properties":{"addressSpace":{"addressPrefixes":[` + quote(c.value) + `]}}}`
		_, err := DecodeFile("v.json", []byte(body))
		if err == nil {
			t.Fatalf("%.40s: no error", c.value)
		}
		msg := err.Error()
		if c.secret != "" && (strings.Contains(msg, c.secret) || !strings.Contains(msg, "<redacted>")) {
			t.Errorf("error quotes a secret: %s", msg)
		}
		if len(msg) > 200 || !strings.HasPrefix(msg, "v.json: $.properties.addressSpace.addressPrefixes[0]: invalid prefix") {
			t.Errorf("error is %d bytes: %.300s", len(msg), msg)
		}
	}
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func TestInvalidUTF8NamesTheFileAndPath(t *testing.T) {
	_, err := DecodeFile("v.json", []byte("[{\"name\": \"v\xff\"}]"))
	if err == nil || err.Error() != "v.json: $[0].name: invalid JSON at line 1 column 13: invalid UTF-8 (byte 0xFF) in string" {
		t.Errorf("error %v", err)
	}
}

func TestPanicInTheParallelLoaderIsNotBadInput(t *testing.T) {
	err := parallel(4, func(i int) {
		if i == 2 {
			panic("boom")
		}
	}, func(i int) string { return "f" + string(rune('0'+i)) + ".json" })
	var pe *PanicError
	var ie *InputError
	if !errors.As(err, &pe) || errors.As(err, &ie) || err.Error() != "panic while loading f2.json: boom" {
		t.Errorf("parallel: error %v, want a *PanicError naming f2.json", err)
	}
}

func TestDirectoryOfBicepSaysSo(t *testing.T) {
	dir := writeFiles(t, map[string]string{"infra/main.bicep": "param location string\n", "infra/README.md": "x"})
	_, err := Load([]string{dir}, Options{})
	if err == nil || !strings.Contains(err.Error(), "directory holds no *.json file; infra/main.bicep is a Bicep file, not a snapshot") {
		t.Errorf("error %v", err)
	}
}
