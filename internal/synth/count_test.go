package synth

import (
	"encoding/json"
	"strings"
	"testing"
)

// countTypes counts resources and child resources (objects with id, name and type) per
// lower-case type, parsing with encoding/json so it also validates the files.
func countTypes(t *testing.T, files map[string][]byte) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for name, b := range files {
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		walkJSON(doc, func(o map[string]any) {
			typ, _ := o["type"].(string)
			_, hasID := o["id"].(string)
			if typ != "" && hasID {
				counts[strings.ToLower(typ)]++
			}
		})
	}
	return counts
}

// ipsPerVNet counts private addresses of NIC ip configurations per VNet (private endpoint
// NICs included, firewall and load balancer frontends not).
func ipsPerVNet(t *testing.T, files map[string][]byte) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, b := range files {
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		walkJSON(doc, func(o map[string]any) {
			if typ, _ := o["type"].(string); !strings.EqualFold(typ, "Microsoft.Network/networkInterfaces/ipConfigurations") {
				return
			}
			p, _ := o["properties"].(map[string]any)
			s, _ := p["subnet"].(map[string]any)
			id, _ := s["id"].(string)
			if i := strings.Index(id, "/subnets/"); i > 0 {
				out[id[:i]]++
			}
		})
	}
	return out
}

func walkJSON(x any, f func(map[string]any)) {
	switch v := x.(type) {
	case []any:
		for _, e := range v {
			walkJSON(e, f)
		}
	case map[string]any:
		f(v)
		for _, e := range v {
			walkJSON(e, f)
		}
	}
}
