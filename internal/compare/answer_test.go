package compare

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

const routeRow = `{"source":"Default","state":"Active","addressPrefix":["10.0.0.0/16"],"nextHopType":"VnetLocal","nextHopIpAddress":[]}`

func TestParseAnswerShapes(t *testing.T) {
	for _, tc := range []struct{ name, text string }{
		{"az", `{"nextLink": null, "value": [` + routeRow + `]}`},
		{"rest", `{"value": [` + routeRow + `]}`},
		{"bare array", `[` + routeRow + `]`},
		{"rest example", `{"parameters": {}, "responses": {"202": {}, "200": {"body": {"value": [` + routeRow + `]}}}}`},
	} {
		a, err := ParseAnswer(tc.name, []byte(tc.text), KindUnknown)
		if err != nil || a.Kind != KindRoutes || len(a.Routes) != 1 || a.Routes[0].AddressPrefix[0] != "10.0.0.0/16" {
			t.Errorf("%s: %+v, %v", tc.name, a, err)
		}
	}
	nsg := `{"value": [{"networkSecurityGroup": {"id": "N", "resourceGroup": "rg"}, "association": {"networkInterface": null, "subnet": {"id": "S"}},
		"tagMap": {"VirtualNetwork": ["10.0.0.0/16"]}, "effectiveSecurityRules": [{"name": "securityRules/a", "protocol": "Tcp",
		"sourcePortRange": "0-65535", "destinationPortRanges": ["80", "443-443"], "sourceAddressPrefix": "*", "destinationAddressPrefix": "VirtualNetwork",
		"expandedDestinationAddressPrefix": ["10.0.0.0/16"], "expandedSourceAddressPrefix": null, "access": "Allow", "priority": 100, "direction": "Inbound"}]}]}`
	a, err := ParseAnswer("nsg", []byte(nsg), KindUnknown)
	if err != nil || a.Kind != KindNSGs || len(a.NSGs) != 1 {
		t.Fatalf("%+v, %v", a, err)
	}
	n := a.NSGs[0]
	r := n.Rules[0]
	if n.NSGID != "N" || n.Subnet != "S" || n.NIC != "" || r.Priority != 100 || len(r.DestPorts) != 2 || r.SourcePrefixes[0] != "*" ||
		len(r.ExpandedSource) != 0 || r.ExpandedDest[0] != "10.0.0.0/16" {
		t.Errorf("nsg = %+v", n)
	}
	if a, err := ParseAnswer("empty", []byte(`{"value": []}`), KindUnknown); err != nil || a.Kind != KindNSGs {
		t.Errorf("an empty list is an empty NSG list: %+v, %v", a, err)
	}
}

// Bad input names the file, the JSON path and what is wrong.
func TestParseAnswerErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{`{"value": [{"source":"Default","state":"Active","addressPrefix":["10.0.0.300/16"],"nextHopType":"VnetLocal"}]}`,
			`f.json: $.value[0].addressPrefix[0]: not an address prefix: "10.0.0.300/16"`},
		{`{"value": [{"source":"Default","state":"Gone","addressPrefix":["10.0.0.0/16"],"nextHopType":"VnetLocal"}]}`,
			`f.json: $.value[0].state: want one of Active, Invalid, got "Gone"`},
		{`{"value": [{"source":"Default","state":"Active","addressPrefix":["10.0.0.0/16"],"nextHopType":"VirtualAppliance","nextHopIpAddress":["x"]}]}`,
			`f.json: $.value[0].nextHopIpAddress[0]: not an IP address: "x"`},
		{`{"value": [{"networkSecurityGroup": {"id": "N"}, "effectiveSecurityRules": [{"name":"securityRules/a","protocol":"Tcp","access":"Allow","direction":"Inbound","priority":"100"}]}]}`,
			`f.json: $.value[0].effectiveSecurityRules[0].priority: want a number`},
		{`{"value": [{"networkSecurityGroup": {"id": "N"}, "effectiveSecurityRules": [{"name":"securityRules/a","protocol":"Tcp","access":"Allow","direction":"Inbound","priority":100,"destinationPortRange":"99999"}]}]}`,
			`f.json: $.value[0].effectiveSecurityRules[0].destinationPortRange: not a port or port range: "99999"`},
		{`{"value": [{"effectiveSecurityRules": [{"name":"a","access":"Allow","direction":"Inbound","priority":1,"sourcePortRanges":["1","2-1"]}]}]}`,
			`f.json: $.value[0].effectiveSecurityRules[0].sourcePortRanges[1]: not a port or port range: "2-1"`},
		{`{"value": {}}`, `f.json: $.value: want an array of rows, got object`},
		{`{"name": "vnet1"}`, `f.json: $: want Azure's effective routes or effective NSGs ({"value": [...]}), got an object with "name"`},
		{`{"value": [`, `f.json: `},
	} {
		_, err := ParseAnswer("f.json", []byte(tc.text), KindUnknown)
		var je *jsondoc.Error
		if !errors.As(err, &je) || len(err.Error()) < len(tc.want) || err.Error()[:len(tc.want)] != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.text, err, tc.want)
		}
	}
}

// FuzzParseAnswer: any bytes give an answer or a *jsondoc.Error, never a panic; what parses
// compares against itself without a difference.
func FuzzParseAnswer(f *testing.F) {
	for _, p := range []string{
		filepath.Join("testdata", "corpus-nic1", "live", "effective-routes", "nic1.json"),
		filepath.Join("testdata", "corpus-nic1", "live", "effective-nsg", "nic1.json"),
		filepath.Join("testdata", "hub-spoke", "vm-merger1-routes.az.json"),
		filepath.Join("testdata", "hub-spoke", "vm-merger1-nsg.az.json"),
	} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`[` + routeRow + `]`))
	f.Add([]byte(`{"value":[{"effectiveSecurityRules":[{"name":"a","priority":1,"access":"Deny","direction":"Outbound","sourcePortRanges":["1-2","*"]}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAnswer("fuzz.json", b, KindUnknown)
		if err != nil {
			var je *jsondoc.Error
			if !errors.As(err, &je) {
				t.Fatalf("error %T %v is not a *jsondoc.Error", err, err)
			}
			return
		}
		if r := CompareRoutes(a.Routes, a.Routes); !r.Match || r.Matched != r.Azure {
			t.Fatalf("routes differ from themselves: %+v", r)
		}
		if r := CompareRules(a.NSGs, a.NSGs); !r.Match && len(r.Missing) != len(r.Extra) {
			t.Fatalf("rules differ from themselves unevenly: %+v", r)
		}
	})
}
