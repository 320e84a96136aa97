package azure

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadDirectoryStdinAndOrder(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"b/vnet.json":  vnetARM,
		"a/graph.JSON": vnetGraph,
		"notes.txt":    "not json",
	})
	s, err := Load([]string{dir, "-"}, Options{Stdin: strings.NewReader(vnetCLI)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range s.VNets {
		got = append(got, filepath.Base(v.Src.File))
	}
	if want := "graph.JSON vnet.json -"; strings.Join(got, " ") != want {
		t.Errorf("VNets from %q, want %q (lexical order, then stdin)", strings.Join(got, " "), want)
	}
}

func TestLoadInvalid(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.json": vnetARM, "b.json": `{"id": `})
	_, err := Load([]string{dir}, Options{})
	want := filepath.Join(dir, "b.json") + ": $.id: invalid JSON at line 1 column 8: unexpected end of input"
	if err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %s", err, want)
	}
	s, err := Load([]string{dir}, Options{SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.VNets) != 1 || len(s.Notes) != 1 || s.Notes[0].Code != "Skipped" || s.Notes[0].File+": "+s.Notes[0].Msg != want {
		t.Errorf("SkipInvalid: %d VNets, notes %+v; want 1 VNet and one Skipped note", len(s.VNets), s.Notes)
	}
	_, err = Load([]string{filepath.Join(dir, "missing.json")}, Options{})
	if err == nil || !strings.HasSuffix(err.Error(), "missing.json: stat: no such file or directory") {
		t.Errorf("missing file error = %v", err)
	}
}

func TestSecretsAreNotKept(t *testing.T) {
	s, err := DecodeFile("c.json", []byte(`{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/connections/c",
	 "type":"Microsoft.Network/connections","properties":{"connectionType":"IPsec","sharedKey":"Abc123-secret"}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "Abc123-secret") || len(s.Connections) != 1 || s.Connections[0].Type != "IPsec" {
		t.Errorf("wire snapshot %s keeps the shared key or lost the connection", b)
	}
}
