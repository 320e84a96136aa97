package plan

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
)

// FuzzPlan feeds arbitrary bytes to Read as a plan file over the example, then applies what it
// read and builds the planned estate: a plan Read or Apply rejects must be an *InputError (the
// CLI's exit 2 naming the file), and one they accept must convert and build without a panic.
func FuzzPlan(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		// Each change alone, not the whole file: mutations reach the mappings rather than the
		// envelope, and the fuzzer minimizes a new input in seconds, not minutes.
		var doc map[string]any
		if json.Unmarshal(b, &doc) != nil {
			continue
		}
		for _, list := range []string{"resource_changes", "changes"} {
			items, _ := doc[list].([]any)
			for _, it := range items {
				one := map[string]any{list: []any{it}}
				if list == "resource_changes" {
					one["format_version"] = "1.2"
				}
				if b, err := json.Marshal(one); err == nil {
					f.Add(b)
				}
			}
		}
	}
	f.Add([]byte(`{"format_version":"1.2","resource_changes":[{"address":"azurerm_lb_rule.x","type":"azurerm_lb_rule","name":"x",` +
		`"change":{"actions":["create"],"after":{"name":"x","loadbalancer_id":null},"after_unknown":{"loadbalancer_id":true}}}]}`))
	f.Add([]byte(`{"changes":[{"resourceId":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworkGateways/g/natRules/n",` +
		`"changeType":"Create","after":{"type":"Microsoft.Network/virtualNetworkGateways/natRules","properties":{"mode":"IngressSnat"}}}]}`))
	// Private DNS zone groups, each of the ways a plan creates one (zoneGroupWarning).
	f.Add([]byte(`{"format_version":"1.2","resource_changes":[{"address":"azurerm_private_endpoint.p","type":"azurerm_private_endpoint","name":"p",` +
		`"change":{"actions":["create"],"after":{"name":"p","resource_group_name":"rg-data","private_dns_zone_group":[{"name":"g","private_dns_zone_ids":["/x/privateDnsZones/z"]}]},"after_unknown":{}}}]}`))
	f.Add([]byte(`{"changes":[{"resourceId":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/privateEndpoints/p/privateDnsZoneGroups/g",` +
		`"changeType":"Create","after":{"type":"Microsoft.Network/privateEndpoints/privateDnsZoneGroups","properties":{"privateDnsZoneConfigs":[{"properties":{"privateDnsZoneId":"/z"}}]}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := azure.Load([]string{example}, azure.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var ie *InputError
		ov, err := Read("plan.json", data, s)
		if err == nil {
			err = Apply(s, ov)
		}
		if err != nil {
			if !errors.As(err, &ie) || ie.File == "" {
				t.Fatalf("plan error %T %v, want an *InputError naming the file", err, err)
			}
			return
		}
		n, err := convert.Convert(s)
		if err != nil {
			if !errors.As(err, &ie) {
				t.Fatalf("planned estate: %T %v, want an *InputError", err, err)
			}
			return
		}
		dataplane.Build(n)
	})
}
