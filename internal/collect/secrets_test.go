package collect

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRedact: secret properties are dropped at any depth and SAS signatures masked; rows
// without a marker are returned byte for byte.
func TestRedact(t *testing.T) {
	row := `{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/connections/c","type":"microsoft.network/connections",` +
		`"properties":{"sharedKey":"s3cr3t","routingWeight":10,"authorizations":[{"properties":{"authorizationKey":"k3y"}}],` +
		`"explicitProxy":{"pacFile":"https://st.blob.core.windows.net/p/proxy.pac?sv=2022-11-02&sig=AbCdEf%3D&se=2030"}}}`
	got, n := redact(json.RawMessage(row))
	if n != 3 {
		t.Errorf("%d values redacted, want 3", n)
	}
	for _, s := range []string{"s3cr3t", "k3y", "AbCdEf", "sharedKey"} {
		if strings.Contains(string(got), s) {
			t.Errorf("redacted row still holds %q: %s", s, got)
		}
	}
	if !strings.Contains(string(got), `"routingWeight":10`) || !strings.Contains(string(got), "sig=REDACTED&se=2030") {
		t.Errorf("redacted row lost what is not secret: %s", got)
	}
	plain := `{"id":"x","properties":{"addressPrefix":"10.0.0.0/24"}}`
	if got, n := redact(json.RawMessage(plain)); n != 0 || string(got) != plain {
		t.Errorf("plain row changed: %s", got)
	}
}

// TestTokenFile: both expiry fields are read; an expired token is refused naming the file
// and the time, never the token.
func TestTokenFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	fresh := write("fresh.json", `{"accessToken":"tok-SECRET","expiresOn":"2026-12-03 13:00:00.000000","tokenType":"Bearer"}`)
	if _, err := LoadTokenFile(fresh, now.Add(-24*time.Hour)); err != nil {
		t.Errorf("fresh token: %v", err)
	}
	old := write("old.json", `{"accessToken":"tok-SECRET","expiresOn":"2020-01-01 00:00:00.000000","expires_on":1577836800}`)
	_, err := LoadTokenFile(old, now)
	if err == nil || !strings.Contains(err.Error(), "old.json") || !strings.Contains(err.Error(), "2020-01-01T00:00:00Z") ||
		strings.Contains(err.Error(), "tok-SECRET") {
		t.Errorf("expired token: err = %v", err)
	}
	for body, want := range map[string]string{`{"expiresOn":"x"}`: "$.accessToken", `not json`: "az account get-access-token",
		`{"accessToken":"t","expiresOn":"tomorrow"}`: "$.expiresOn"} {
		if _, err := LoadTokenFile(write("bad.json", body), now); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", body, err, want)
		}
	}
}

// TestEndpoint: plain http only for a loopback host.
func TestEndpoint(t *testing.T) {
	for s, ok := range map[string]bool{"https://management.azure.com": true, "http://127.0.0.1:8080": true,
		"http://localhost:1": true, "http://[::1]:9": true, "http://example.com": false, "ftp://x": false, "management.azure.com": false} {
		if _, _, err := ParseEndpoint(s); (err == nil) != ok {
			t.Errorf("%s: err = %v", s, err)
		}
	}
}

// TestTableFormat: an answer in Resource Graph's table format becomes the same rows as
// objectArray.
func TestTableFormat(t *testing.T) {
	body := `{"count":2,"data":{"columns":[{"name":"id","type":"string"},{"name":"properties","type":"object"}],` +
		`"rows":[["/a",{"x":1}],["/b",null]]},"$skipToken":"t"}`
	p, err := decodePage([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Data) != 2 || string(p.Data[0]) != `{"id":"/a","properties":{"x":1}}` || string(p.Data[1]) != `{"id":"/b","properties":null}` || p.SkipToken != "t" {
		t.Errorf("rows = %s", p.Data)
	}
}
