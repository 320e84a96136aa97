package dns

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

func loadEstate(t *testing.T) *dataplane.Plane {
	t.Helper()
	n, err := convert.Load([]string{"testdata/estate.json"}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return dataplane.Build(n)
}

// TestEstate resolves names from the JSON snapshot end to end: loader, data plane, trace legs.
func TestEstate(t *testing.T) {
	p := loadEstate(t)
	tests := []struct {
		vm, name string
		verdict  Verdict
		addrs    []string
		cnames   []string
		servers  []ServerKind
		legs     []trace.Verdict
	}{
		// spoke1's VNet DNS is the firewall; its proxy asks Azure DNS from the hub, where the zone is linked.
		{"vm-a", "stdata.blob.core.windows.net", VerdictResolved, []string{"10.0.4.5"},
			[]string{"stdata.privatelink.blob.core.windows.net"}, []ServerKind{KindFirewallProxy, KindAzureDNS},
			[]trace.Verdict{trace.Reachable, trace.Reachable}},
		// Azure DNS from spoke2: the ruleset forwards the privatelink zone to the hub's inbound endpoint.
		{"vm-c", "stdata.blob.core.windows.net", VerdictResolved, []string{"10.0.4.5"},
			[]string{"stdata.privatelink.blob.core.windows.net"}, []ServerKind{KindAzureDNS, KindResolverInbound},
			[]trace.Verdict{trace.Reachable, NotTraced}},
		// contoso.internal is linked to spoke2 (Resource Graph shape, inline records): CNAME then A.
		{"vm-c", "www.contoso.internal", VerdictResolved, []string{"10.0.5.10"}, []string{"app.contoso.internal"},
			[]ServerKind{KindAzureDNS}, []trace.Verdict{trace.Reachable}},
		{"vm-c", "nope.contoso.internal", VerdictNXDOMAIN, []string{}, []string{}, []ServerKind{KindAzureDNS}, []trace.Verdict{trace.Reachable}},
		// corp.contoso.com goes on-premises; the disabled lab rule does not apply.
		{"vm-c", "x.lab.corp.contoso.com", VerdictUnknown, []string{}, []string{}, []ServerKind{KindAzureDNS, KindExternal},
			[]trace.Verdict{trace.Reachable, NotTraced}},
		// vm-b's NIC points at the custom DNS VM, reachable through nsg-dns's allow rule.
		{"vm-b", "stdata.blob.core.windows.net", VerdictUnknown, []string{}, []string{}, []ServerKind{KindCustom},
			[]trace.Verdict{trace.Reachable}},
		// vm-hub asks Azure DNS in the hub directly; a name without private records is public.
		{"vm-hub", "www.microsoft.com", VerdictPublic, []string{}, []string{}, []ServerKind{KindAzureDNS}, []trace.Verdict{trace.Reachable}},
	}
	for _, tt := range tests {
		t.Run(tt.vm+" "+tt.name, func(t *testing.T) {
			a := checkResolution(t, p, scenarioRow{vm: tt.vm, name: tt.name, verdict: tt.verdict,
				addrs: tt.addrs, cnames: tt.cnames, servers: tt.servers})
			var legs []trace.Verdict
			for _, l := range a.Legs {
				legs = append(legs, l.Verdict)
			}
			if diff := cmp.Diff(tt.legs, legs); diff != "" {
				t.Errorf("leg verdicts (-want +got):\n%s\nlegs: %+v", diff, a.Legs)
			}
		})
	}
}

// TestEstateLoaded pins what the loader read from the DNS resources.
func TestEstateLoaded(t *testing.T) {
	n := loadEstate(t).Net
	if len(n.PrivateDNSZones) != 2 || len(n.ForwardingRulesets) != 1 || len(n.ResolverInbounds) != 1 {
		t.Fatalf("zones %d rulesets %d inbounds %d, want 2 1 1", len(n.PrivateDNSZones), len(n.ForwardingRulesets), len(n.ResolverInbounds))
	}
	rs := n.ForwardingRulesets[0]
	var got []string
	for _, r := range rs.Rules {
		got = append(got, r.Name+" "+r.Domain+" "+fmtTargets(r.Targets)+" "+map[bool]string{true: "on", false: "off"}[r.Enabled])
	}
	want := []string{"corp corp.contoso.com. 192.168.1.10:53,192.168.1.11:53 on",
		"blob-to-hub privatelink.blob.core.windows.net. 10.0.3.4:53 on", "lab-off lab.corp.contoso.com. 10.0.2.4:53 off"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	if len(rs.VNets) != 1 || rs.VNets[0].Name != "vnet-spoke2" {
		t.Errorf("ruleset VNets = %v", rs.VNets)
	}
	for _, typ := range []string{"Microsoft.Network/privateDnsZones", "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
		"Microsoft.Network/dnsResolvers", "Microsoft.Network/dnsResolvers/inboundEndpoints", "Microsoft.Network/dnsResolvers/outboundEndpoints"} {
		if n.Counts[typ] == 0 {
			t.Errorf("Counts[%s] = 0", typ)
		}
	}
	if len(n.Unknown) != 0 {
		t.Errorf("unknown types %v", n.Unknown)
	}
}

func fmtTargets(ts []netip.AddrPort) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.String())
	}
	return strings.Join(out, ",")
}
