package check

import (
	"net/netip"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// TestEvalMemoAgreesWithEvaluate asks every NIC's rules and every firewall about flows between
// every address of the bundled example (and a public and a platform address), twice, and
// compares the memo's verdicts with Evaluate's.
func TestEvalMemoAgreesWithEvaluate(t *testing.T) {
	p := loadPlane(t, filepath.Join("..", "..", "examples", "hub-spoke"))
	addrs := []netip.Addr{netip.MustParseAddr("8.8.8.8"), model.AzurePlatformIP}
	for _, nic := range p.Net.NICs {
		for _, c := range nic.IPConfigs {
			addrs = append(addrs, c.PrivateIP)
		}
	}
	for _, pe := range p.Net.PrivateEndpoints {
		addrs = append(addrs, pe.IPs...)
	}
	addrs = addrs[:min(len(addrs), 24)]
	nics := p.Net.NICs
	nics = nics[:min(len(nics), 12)]
	m := newEvalMemo()
	n := 0
	for round := 0; round < 2; round++ {
		for _, src := range addrs {
			for _, dst := range addrs {
				for _, port := range []uint16{22, 443, 1433} {
					f := acl.Flow{Src: src, Dst: dst, Proto: model.ProtoTCP, SrcPort: confirmSourcePort, DstPort: port}
					for _, nic := range nics {
						eff := p.ACL.ForIPConfig(nic.Primary())
						for _, dir := range []model.Direction{model.Inbound, model.Outbound} {
							if got, want := m.acl(eff, dir, f), eff.Evaluate(dir, f); !reflect.DeepEqual(got, want) {
								t.Fatalf("%s %v %v: memo %+v, Evaluate %+v", nic.Name, dir, f, got, want)
							}
							n++
						}
					}
					for _, eng := range p.Firewalls {
						pk := firewall.Packet{Src: src, Dst: dst, Proto: model.ProtoTCP, SrcPort: confirmSourcePort, DstPort: port}
						if got, want := m.firewall(eng, pk), eng.Evaluate(pk); !reflect.DeepEqual(got, want) {
							t.Fatalf("firewall %v: memo %+v, Evaluate %+v", pk, got, want)
						}
					}
				}
			}
		}
	}
	t.Logf("%d addresses, %d NICs: %d rule questions, %d kept", len(addrs), len(nics), n, len(m.acls))
	if len(m.acls) == 0 || len(m.acls) >= n/2 {
		t.Errorf("the memo kept %d verdicts for %d questions: it should keep some and answer the second round from them", len(m.acls), n)
	}
}
