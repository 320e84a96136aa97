package check

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// dnsEstate: hub 10.0.0.0/16 (firewall 10.0.1.4 with DNS proxy to Azure DNS, vm-hub, pe-st1 10.0.4.5 for
// st1.blob.core.windows.net), spoke-a (Azure DNS, vm-a), spoke-p (DNS = the firewall, vm-p), both peered
// with the hub; island 10.9.0.0/16 (Azure DNS, vm-i) is peered with nothing. Zone
// privatelink.blob.core.windows.net holds st1 → 10.0.4.5 and is linked to the hub.
type dnsEstate struct {
	*estate
	hub, spokeA, spokeP, island *model.VNet
	zone                        *model.PrivateDNSZone
	pe                          *model.PrivateEndpoint
}

func newDNSEstate() *dnsEstate {
	e := &dnsEstate{estate: newEstate()}
	e.hub = e.vnet("hub", "westeurope", "10.0.0.0/16")
	fw := e.firewall(e.subnet(e.hub, "AzureFirewallSubnet", "10.0.1.0/26"), "fw", "10.0.1.4", 1)
	fw.DNSProxy = true
	e.nic(e.subnet(e.hub, "snet-vm", "10.0.5.0/24"), "vm-hub", "10.0.5.4")
	e.pe = e.privateEndpoint(e.subnet(e.hub, "snet-pe", "10.0.4.0/24"), "pe-st1", "10.0.4.5", "/storageAccounts/st1")
	e.pe.DNS = []model.EndpointDNS{{FQDN: "st1.blob.core.windows.net", IPs: []netip.Addr{ip("10.0.4.5")}}}
	e.spokeA = e.vnet("spoke-a", "westeurope", "10.1.0.0/16")
	e.nic(e.subnet(e.spokeA, "snet-app", "10.1.0.0/24"), "vm-a", "10.1.0.4")
	e.spokeP = e.vnet("spoke-p", "westeurope", "10.2.0.0/16")
	e.spokeP.DNSServers = []netip.Addr{ip("10.0.1.4")}
	e.nic(e.subnet(e.spokeP, "snet-app", "10.2.0.0/24"), "vm-p", "10.2.0.4")
	e.peer(e.hub, e.spokeA)
	e.peer(e.hub, e.spokeP)
	e.island = e.vnet("island", "westeurope", "10.9.0.0/16")
	e.nic(e.subnet(e.island, "snet-app", "10.9.0.0/24"), "vm-i", "10.9.0.4")
	e.zone = e.dnsZone("privatelink.blob.core.windows.net", e.hub)
	e.zone.Records = []*model.DNSRecord{{Name: "st1", Type: "A", Addrs: []netip.Addr{ip("10.0.4.5")}}}
	return e
}

func (e *dnsEstate) dnsZone(name string, linked ...*model.VNet) *model.PrivateDNSZone {
	z := &model.PrivateDNSZone{ID: model.ID(sub + "Microsoft.Network/privateDnsZones/" + name), Name: name}
	for _, v := range linked {
		z.Links = append(z.Links, &model.DNSZoneLink{ID: z.ID + "/virtualNetworkLinks/link-" + model.ID(v.Name),
			Name: "link-" + v.Name, Zone: z, VNet: v, VNetID: v.ID})
	}
	e.n.PrivateDNSZones = append(e.n.PrivateDNSZones, z)
	e.n.Index(z.ID, z)
	return z
}

func (e *dnsEstate) build() *dataplane.Plane {
	e.n.Freeze()
	return dataplane.Build(e.n)
}

// evidence lists each finding's evidence for the given keys, one line per finding.
func evidence(fs []Finding, keys ...string) []string {
	out := []string{}
	for _, f := range fs {
		s := string(f.Code)
		for _, k := range keys {
			s += fmt.Sprintf(" %s=%v", k, f.Evidence[k])
		}
		out = append(out, s)
	}
	return out
}

// TestPrivateDNSViews pins the three checks on the semantics they model (spec §8): a spoke on Azure
// DNS needs its own link (peering does not share links); a spoke behind the firewall's DNS proxy
// resolves with the firewall VNet's links; a VNet with no route to the endpoint needs nothing.
func TestPrivateDNSViews(t *testing.T) {
	resolves := []string{"fqdn", "vnet", "answer", "endpointIp"}
	tests := []struct {
		name    string
		edit    func(e *dnsEstate)
		public  []string
		links   []string
		records []string
	}{
		{"hub linked only: spoke-a public", func(e *dnsEstate) {},
			[]string{"PrivateEndpointResolvesPublic fqdn=st1.blob.core.windows.net vnet=spoke-a answer=Public endpointIp=10.0.4.5"},
			[]string{"PrivateDnsZoneNotLinked zone=privatelink.blob.core.windows.net vnet=spoke-a"}, []string{}},
		{"spoke-a linked too: clean", func(e *dnsEstate) { e.relink(e.hub, e.spokeA) },
			[]string{}, []string{}, []string{}},
		{"zone not linked to the hub: the proxy's VNet is named", func(e *dnsEstate) { e.relink(e.spokeA) },
			[]string{"PrivateEndpointResolvesPublic fqdn=st1.blob.core.windows.net vnet=hub answer=Public endpointIp=10.0.4.5",
				"PrivateEndpointResolvesPublic fqdn=st1.blob.core.windows.net vnet=spoke-p answer=Public endpointIp=10.0.4.5"},
			[]string{"PrivateDnsZoneNotLinked zone=privatelink.blob.core.windows.net vnet=hub"}, []string{}},
		{"stale record: wrong address everywhere the zone answers", func(e *dnsEstate) {
			e.relink(e.hub, e.spokeA)
			e.zone.Records[0].Addrs = []netip.Addr{ip("10.0.4.9")}
		},
			[]string{"PrivateEndpointResolvesPublic fqdn=st1.blob.core.windows.net vnet=hub answer=10.0.4.9 endpointIp=10.0.4.5",
				"PrivateEndpointResolvesPublic fqdn=st1.blob.core.windows.net vnet=spoke-a answer=10.0.4.9 endpointIp=10.0.4.5",
				"PrivateEndpointResolvesPublic fqdn=st1.blob.core.windows.net vnet=spoke-p answer=10.0.4.9 endpointIp=10.0.4.5"},
			[]string{}, []string{"PrivateDnsRecordMismatch fqdn=st1.blob.core.windows.net recordIp=10.0.4.9 endpointIp=10.0.4.5"}},
		{"record missing: the linked zone answers NXDOMAIN, linking is not the fix", func(e *dnsEstate) {
			e.relink(e.hub, e.spokeA)
			e.zone.Records = nil
		},
			[]string{"PrivateEndpointResolvesPublic fqdn=st1.blob.core.windows.net vnet=hub answer=NXDOMAIN endpointIp=10.0.4.5",
				"PrivateEndpointResolvesPublic fqdn=st1.blob.core.windows.net vnet=spoke-a answer=NXDOMAIN endpointIp=10.0.4.5",
				"PrivateEndpointResolvesPublic fqdn=st1.blob.core.windows.net vnet=spoke-p answer=NXDOMAIN endpointIp=10.0.4.5"},
			[]string{}, []string{}},
		{"pending endpoint: its name is not checked", func(e *dnsEstate) { e.pe.Connections[0].Status = "Pending" },
			[]string{}, []string{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDNSEstate()
			tt.edit(e)
			p := e.build()
			got := [][]string{evidence(runCheck(t, p, CodePrivateEndpointResolvesPublic), resolves...),
				evidence(runCheck(t, p, CodePrivateDNSZoneNotLinked), "zone", "vnet"),
				evidence(runCheck(t, p, CodePrivateDNSRecordMismatch), "fqdn", "recordIp", "endpointIp")}
			want := [][]string{tt.public, tt.links, tt.records}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}

// relink replaces the zone's links with links to vs.
func (e *dnsEstate) relink(vs ...*model.VNet) {
	e.zone.Links = nil
	for _, v := range vs {
		e.zone.Links = append(e.zone.Links, &model.DNSZoneLink{ID: e.zone.ID + "/virtualNetworkLinks/link-" + model.ID(v.Name),
			Name: "link-" + v.Name, Zone: e.zone, VNet: v, VNetID: v.ID})
	}
}

// TestPrivateDNSRollUp: one wrong answer shared by more than maxVNetsPerFinding VNets (one DNS view)
// is one finding that counts them, so findings grow with views × names, not VNets × names.
func TestPrivateDNSRollUp(t *testing.T) {
	e := newDNSEstate()
	for i := 0; i < maxVNetsPerFinding+5; i++ {
		v := e.vnet(fmt.Sprintf("spoke-%02d", i), "westeurope", fmt.Sprintf("10.%d.0.0/16", 100+i))
		e.nic(e.subnet(v, "snet-app", fmt.Sprintf("10.%d.0.0/24", 100+i)), fmt.Sprintf("vm-%02d", i), fmt.Sprintf("10.%d.0.4", 100+i))
		e.peer(e.hub, v)
	}
	fs := runCheck(t, e.build(), CodePrivateEndpointResolvesPublic)
	if len(fs) != 1 || fs[0].Evidence["vnetCount"] != maxVNetsPerFinding+6 || fs[0].Evidence["vnet"] != "spoke-00" {
		t.Fatalf("got %d findings %v, want one counting %d VNets from spoke-00", len(fs), evidence(fs, "vnet", "vnetCount"), maxVNetsPerFinding+6)
	}
}
