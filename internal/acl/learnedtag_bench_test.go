package acl_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/synth"
)

// BenchmarkLearnedTag builds the effective rules of every NIC of the synthetic 1,000-VNet,
// 10,000-NIC estate without route tables (so no 0/0 UDR collapses a VirtualNetwork tag to
// 0.0.0.0/0), with and without the hub gateway's 10,000 learned on-premises rows, which reach
// every spoke by gateway transit and so join every subnet's VirtualNetwork tag (acl.learnedTag).
// Compare the two in the same run.
func BenchmarkLearnedTag(b *testing.B) {
	cfg := synth.Estate()
	cfg.RouteTables = 0
	dir := b.TempDir()
	if err := synth.WriteDir(cfg, dir); err != nil {
		b.Fatal(err)
	}
	withLearned := b.TempDir()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(withLearned, filepath.Base(f)), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	// az network vnet-gateway list-learned-routes of the hub gateway (BGP peering address 10.0.2.30).
	var rows []map[string]any
	for i := range 10000 {
		p := fmt.Sprintf("100.%d.%d.0/24", 64+i/256%64, i%256)
		if i%2 == 1 {
			p = fmt.Sprintf("172.%d.%d.0/24", 16+i/256%16, i%256)
		}
		rows = append(rows, map[string]any{"network": p, "localAddress": "10.0.2.30", "nextHop": "192.168.0.1",
			"sourcePeer": "192.168.0.1", "origin": "EBgp", "asPath": "65050", "weight": 32768})
	}
	data, _ := json.Marshal(map[string]any{"value": rows})
	if err := os.WriteFile(filepath.Join(withLearned, "vgw-hub.learned-routes.json"), data, 0o644); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, dir string }{{"none", dir}, {"learned10k", withLearned}} {
		n, err := convert.Load([]string{c.dir}, convert.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				f, _ := fib.Build(n)
				a, _ := acl.Build(n, f)
				for _, nic := range n.NICs {
					if ipc := nic.Primary(); ipc != nil {
						a.ForIPConfig(ipc)
					}
				}
			}
		})
	}
}
