package convert

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
)

// FuzzLoad feeds arbitrary bytes to FromBytes: it must never panic, and every failure must
// be an *azure.InputError (cli.md: bad input is exit 2 with file and path, never a crash).
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/*.json")
	seeds = append(seeds, "testdata/estate.json")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	for _, b := range estateFiles(2, 1) {
		f.Add(b)
	}
	// Small seeds, one resource each, so mutations reach the decoders, not just the parser.
	if b, err := os.ReadFile("testdata/estate.json"); err == nil {
		var items []json.RawMessage
		if json.Unmarshal(b, &items) == nil {
			for _, it := range items {
				f.Add([]byte(it))
			}
		}
	}
	for _, b := range hostileSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return // minimising a huge input stalls the fuzzer; the parser is linear anyway
		}
		n, err := FromBytes("fuzz.json", data)
		var ie *azure.InputError
		switch {
		case err != nil && !errors.As(err, &ie):
			t.Fatalf("error %T %v, want *azure.InputError", err, err)
		case err == nil && n == nil:
			t.Fatal("nil network without an error")
		}
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "\n") || len(msg) > 1000 {
				t.Fatalf("error is not one short line: %q", msg)
			}
			for _, secret := range []string{"c2VjcmV0", "hunter2"} {
				if strings.Contains(msg, secret) {
					t.Fatalf("error quotes a secret: %s", msg)
				}
			}
		}
	})
}

// maxFuzzInput bounds what FuzzLoad decodes, so that each run (and so minimising) stays fast.
const maxFuzzInput = 256 << 10

// hostileSeeds are inputs that once hung, crashed or leaked: invalid UTF-8 in keys and values,
// secrets in fields that are read (and so quoted by errors), templates with comments, a
// Terraform plan, empty documents, concatenated values, binary data.
func hostileSeeds() [][]byte {
	const vnet = `{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v","name":"v",` +
		`"type":"Microsoft.Network/virtualNetworks","properties":{"addressSpace":{"addressPrefixes":[%s]}}}`
	return [][]byte{
		[]byte(fmt.Sprintf(vnet, "\"10.0.0.0/16\"")),
		[]byte(fmt.Sprintf(vnet, "\"10.0.0.0/16\xff\"")),
		[]byte("{\"n\xe9me\": 1}"),
		[]byte("[\"\xc3\"]"),
		[]byte(fmt.Sprintf(vnet, `"https://st.blob.core.windows.net/c?sp=r&sig=c2VjcmV0LXNpZw%3D%3D"`)),
		[]byte(fmt.Sprintf(vnet, `"DefaultEndpointsProtocol=https;AccountName=st;AccountKey=c2VjcmV0a2V5==;EndpointSuffix=core.windows.net"`)),
		[]byte(fmt.Sprintf(vnet, `{"sharedKey": "hunter2"}`)),
		[]byte(`{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/connections/c","type":"Microsoft.Network/connections",` +
			`"properties":{"connectionType":"IPsec","sharedKey":"hunter2","routingWeight":"hunter2"}}`),
		[]byte("{\n // comment\n \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n \"contentVersion\": \"1.0.0.0\", \"resources\": []}"),
		[]byte(`{"format_version":"1.2","terraform_version":"1.6.0","planned_values":{},"resource_changes":[]}`),
		[]byte(`{}`), []byte(`[]`), []byte(`null`), []byte(`{} {}`),
		{0, 0, 0, 0}, {0xEF, 0xBB, 0xBF, '{', '}'}, {0xFF, 0xFE, '{', 0},
	}
}
