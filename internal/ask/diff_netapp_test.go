package ask

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/snapshottest"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

const (
	delegatedHub    = "/subscriptions/00000000-0000-0000-0000-00000000aaaa/resourceGroups/rg-hub/providers/"
	delegatedSubnet = delegatedHub + "Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-delegated"
)

// delegatedNSG is nsg-delegated with one rule: TCP port from spoke1 (10.1.0.0/16), access.
func delegatedNSG(access, port string) string {
	return `{"id": "` + delegatedHub + `Microsoft.Network/networkSecurityGroups/nsg-delegated", "name": "nsg-delegated",
		"type": "Microsoft.Network/networkSecurityGroups", "location": "westeurope", "properties": {"securityRules": [{"name": "spoke1",
		"properties": {"priority": 100, "direction": "Inbound", "access": "` + access + `", "protocol": "Tcp", "sourceAddressPrefix": "10.1.0.0/16",
		"sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "` + port + `"}}]}},`
}

// delegatedEdit adds to the hub of dns/testdata/hubspoke-resolver snet-delegated (10.0.8.0/26,
// delegated to svc, with nsg-delegated when attached) and the resources given.
func delegatedEdit(svc string, attached bool, resources ...string) func(string, []byte) []byte {
	attach := ""
	if attached {
		attach = `"networkSecurityGroup": {"id": "` + delegatedHub + `Microsoft.Network/networkSecurityGroups/nsg-delegated"},`
	}
	return func(name string, b []byte) []byte {
		switch name {
		case "network.json":
			return bytes.Replace(b, []byte(`"subnets": [`), []byte(`"subnets": [{"id": "`+delegatedSubnet+`", "name": "snet-delegated",
				"type": "Microsoft.Network/virtualNetworks/subnets", "properties": {"addressPrefix": "10.0.8.0/26", `+attach+`
				"delegations": [{"name": "d", "properties": {"serviceName": "`+svc+`"}}]}},`), 1)
		case "resolver.json":
			return bytes.Replace(b, []byte(`"value": [`), []byte(`"value": [`+strings.Join(resources, "")), 1)
		}
		return b
	}
}

// rowsTo lists a's rows whose example goes to an address in prefix to, as "ports protocol
// before→after".
func rowsTo(a *DiffAnswer, to string) []string {
	var got []string
	for _, r := range a.Reachability {
		if d, err := netip.ParseAddr(r.Example.To); err == nil && netip.MustParsePrefix(to).Contains(d) {
			got = append(got, fmt.Sprintf("%s %s %s→%s", r.Ports, r.Protocol, r.Before, r.After))
		}
	}
	return got
}

// TestDiffNetAppVolume: a NetApp volume's mount target takes NFS and SMB (trace's atNetApp), so a
// diff sees the flows to it change with its subnet's NSG (Standard network features), a rule of it
// or the NSG itself, when the volume comes, and when its network features decide whether that
// NSG applies.
func TestDiffNetAppVolume(t *testing.T) {
	base := filepath.Join("..", "dns", "testdata", "hubspoke-resolver")
	const anf = "Microsoft.Netapp/volumes"
	volume := func(features string) string {
		return `{"id": "` + delegatedHub + `Microsoft.NetApp/netAppAccounts/anf/capacityPools/pool1/volumes/vol1", "name": "anf/pool1/vol1",
		"type": "Microsoft.NetApp/netAppAccounts/capacityPools/volumes", "location": "westeurope", "properties": {"subnetId": "` + delegatedSubnet + `",
		"networkFeatures": "` + features + `", "mountTargets": [{"mountTargetId": "m1", "fileSystemId": "f1", "ipAddress": "10.0.8.4"}]}},`
	}
	allow, deny := delegatedNSG("Allow", "2049"), delegatedNSG("Deny", "2049")
	for _, tt := range []struct {
		name          string
		before, after func(string, []byte) []byte
		want          []string // rows to 10.0.8.4, "ports protocol before→after", that must be there
	}{
		{"its subnet's NSG rule", delegatedEdit(anf, true, allow, volume("Standard")), delegatedEdit(anf, true, deny, volume("Standard")),
			[]string{"2049 Tcp Reachable→Unreachable"}},
		{"an NSG comes to its subnet", delegatedEdit(anf, false, deny, volume("Standard")), delegatedEdit(anf, true, deny, volume("Standard")),
			[]string{"2049 Tcp Reachable→Unreachable"}},
		{"it comes", delegatedEdit(anf, true, allow), delegatedEdit(anf, true, allow, volume("Standard")),
			[]string{"111,445,635,2049,4045-4046,4049 Tcp Unknown→Reachable", "0-110,112-444,446-634,636-2048,2050-4044,4047-4048,4050-65535 Tcp Unknown→Unreachable"}},
		{"its network features", delegatedEdit(anf, true, deny, volume("Basic")), delegatedEdit(anf, true, deny, volume("Standard")),
			[]string{"2049 Tcp Reachable→Unreachable"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := diffCopiesOf(t, base, tt.before, tt.after)
			// A NetApp subnet's rules do not decide for its unlisted addresses (atDelegated):
			// nothing here asks every endpoint about the subnet.
			if a.ReachStats.Scope == "transit" {
				t.Errorf("scope %+v; want the volume's subnet's endpoints, not its addresses as transit", a.ReachStats)
			}
			got := rowsTo(a, "10.0.8.4/32")
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("no row %q among %q (scope %+v)", w, got, a.ReachStats)
				}
			}
		})
	}
}

// TestDiffDelegatedSubnet: an address nothing listed holds in a subnet delegated to SQL managed
// instances is Unknown where the subnet's NSG lets a packet in and Unreachable where it denies it
// (trace's atDelegated); no endpoint stands for it, yet a diff of the NSG's rule, of the NSG's
// coming, or of the delegation lists the flows to it.
func TestDiffDelegatedSubnet(t *testing.T) {
	base := filepath.Join("..", "dns", "testdata", "hubspoke-resolver")
	const sqlmi = "Microsoft.Sql/managedInstances"
	allow, deny := delegatedNSG("Allow", "1433"), delegatedNSG("Deny", "1433")
	for _, tt := range []struct {
		name          string
		before, after func(string, []byte) []byte
		want          string // a row to the subnet, "ports protocol before→after", that must be there
	}{
		{"its NSG's rule", delegatedEdit(sqlmi, true, allow), delegatedEdit(sqlmi, true, deny), "1433 Tcp Unknown→Unreachable"},
		{"an NSG comes", delegatedEdit(sqlmi, false, deny), delegatedEdit(sqlmi, true, deny), "1433 Tcp Unknown→Unreachable"},
		{"the delegation", delegatedEdit("Microsoft.Web/serverFarms", true, allow), delegatedEdit(sqlmi, true, allow), "0-65535 Tcp Unreachable→Unknown"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := diffCopiesOf(t, base, tt.before, tt.after)
			if got := rowsTo(a, "10.0.8.0/26"); !slices.Contains(got, tt.want) {
				t.Errorf("no row %q among %q (scope %+v)", tt.want, got, a.ReachStats)
			}
		})
	}
}

// TestReachVolumeAmbiguous: reach --to takes a NetApp volume by its own name as trace does, and
// two volumes of that name are ambiguous rather than the first taken silently.
func TestReachVolumeAmbiguous(t *testing.T) {
	n := &model.Network{}
	for _, acct := range []string{"a", "b"} {
		n.NetAppVolumes = append(n.NetAppVolumes, &model.NetAppVolume{ID: model.ID("/netAppAccounts/" + acct + "/capacityPools/p/volumes/data"),
			Name: acct + "/p/data", MountTargets: []netip.Addr{netip.MustParseAddr("10.0.8.4")}})
	}
	var amb *model.AmbiguousError
	if eps, err := namedEndpoints(n, "data", true); !errors.As(err, &amb) || len(amb.Candidates) != 2 {
		t.Errorf("--to data: %v, %v; want an AmbiguousError naming both volumes", eps, err)
	}
	if eps, err := namedEndpoints(n, "b/p/data", true); err != nil || len(eps) != 1 || eps[0].Addr != netip.MustParseAddr("10.0.8.4") {
		t.Errorf("--to b/p/data: %v, %v; want its mount target", eps, err)
	}
}

// TestDiffDelegatedAsTransit: when only a delegated subnet's filtering changes, diff asks about
// one address of each class of its unlisted ones as a destination (unlistedRuns) instead of every
// endpoint about the subnet (transit): the rows are those of the transit way and more (sources no
// endpoint stands for, such as on-premises ranges and the internet), and each row's example
// traces to the verdicts it states. A rule for half the subnet makes two classes there. A subnet
// running an application gateway is alike (its instances are not listed either).
func TestDiffDelegatedAsTransit(t *testing.T) {
	base := filepath.Join("..", "dns", "testdata", "hubspoke-resolver")
	const sqlmi = "Microsoft.Sql/managedInstances"
	upperHalf := strings.Replace(delegatedNSG("Deny", "1433"), `"destinationAddressPrefix": "*"`, `"destinationAddressPrefix": "10.0.8.32/27"`, 1)
	for _, tt := range []struct {
		name          string
		before, after func(string, []byte) []byte
		want          string // a row to the subnet, "ports protocol before→after", that must be there
		scope         string // "" for rules
	}{
		{"its NSG's rule", delegatedEdit(sqlmi, true, delegatedNSG("Allow", "1433")), delegatedEdit(sqlmi, true, delegatedNSG("Deny", "1433")), "1433 Tcp Unknown→Unreachable", ""},
		{"an NSG comes", delegatedEdit(sqlmi, false, delegatedNSG("Deny", "1433")), delegatedEdit(sqlmi, true, delegatedNSG("Deny", "1433")), "1433 Tcp Unknown→Unreachable", ""},
		{"a rule for half the subnet", delegatedEdit(sqlmi, true, delegatedNSG("Allow", "1433")), delegatedEdit(sqlmi, true, upperHalf), "1433 Tcp Unknown→Unreachable", ""},
		{"an application gateway's subnet", delegatedEdit("", true, delegatedNSG("Allow", "1433"), appGateway), delegatedEdit("", true, delegatedNSG("Deny", "1433"), appGateway),
			"1433 Tcp Unknown→Unreachable", ""},
		// Not filtering alone: the subnet is recomputed whole (a reviewer's gap of the transit way too).
		{"an NSG and a route table come", delegatedEdit(sqlmi, false, delegatedNSG("Deny", "1433")), withRouteTable(delegatedEdit(sqlmi, true, delegatedNSG("Deny", "1433"))),
			"1433 Tcp Unknown→Unreachable", "endpoints"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, after, a := diffSnapshots(t, base, tt.before, tt.after)
			if want := cmp.Or(tt.scope, "rules"); a.ReachStats.Scope != want {
				t.Errorf("scope %+v; want %s (the subnet's unlisted addresses asked as destinations)", a.ReachStats, want)
			}
			if got := rowsTo(a, "10.0.8.0/26"); !slices.Contains(got, tt.want) {
				t.Errorf("no row %q among %q", tt.want, got)
			}
			for _, r := range a.Reachability {
				for _, side := range []struct {
					s    *Snapshot
					want trace.Verdict
				}{{before, r.Before}, {after, r.After}} {
					if got, err := trace.Run(side.s.Plane, r.Example); err != nil || got.Verdict != side.want {
						t.Errorf("row %s -> %s %s/%s: its example %+v traces to %v (%v); the row says %s", r.From, r.To, r.Protocol, r.Ports, r.Example, got.Verdict, err, side.want)
					}
				}
			}
			unlistedAsTransit = true
			defer func() { unlistedAsTransit = false }()
			_, _, slow := diffSnapshots(t, base, tt.before, tt.after)
			if slow.ReachStats.Scope != "transit" {
				t.Fatalf("the transit way: scope %+v", slow.ReachStats)
			}
			key := func(r ReachChange) string {
				return fmt.Sprintf("%s -> %s %s/%s %s→%s", r.From, r.To, r.Protocol, r.Ports, r.Before, r.After)
			}
			fast := map[string]bool{}
			for _, r := range a.Reachability {
				fast[key(r)] = true
			}
			for _, r := range slow.Reachability {
				if !fast[key(r)] {
					t.Errorf("the transit way's row %q is missing", key(r))
				}
			}
		})
	}
}

// TestDiffDelegatedBehindDNAT: the bundled example's firewall DNAT rule sends 20.103.50.10:443 to
// 10.0.8.20:1433, in snet-anf delegated to SQL managed instances here (no NIC holds the address).
// When an NSG denying 1433 comes to the subnet, the flows to the firewall's public IP change under
// another address and port: diff asks that DNAT address about every packet, as the transit way did
// (found by review: asking the subnet's addresses alone missed them).
func TestDiffDelegatedBehindDNAT(t *testing.T) {
	const rg = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-connectivity/providers/Microsoft.Network/"
	edit := func(attached bool) func(string, []byte) []byte {
		return func(name string, b []byte) []byte {
			switch name {
			case "network.json":
				b = bytes.Replace(b, []byte(`"serviceName": "Microsoft.Netapp/volumes"`), []byte(`"serviceName": "Microsoft.Sql/managedInstances"`), 1)
				if attached {
					b = bytes.Replace(b, []byte(`"addressPrefix": "10.0.8.0/26",`), []byte(`"addressPrefix": "10.0.8.0/26", "networkSecurityGroup": {"id": "`+rg+`networkSecurityGroups/nsg-sqlmi"},`), 1)
				}
			case "firewall.json":
				b = bytes.Replace(b, []byte(`"translatedAddress": "10.1.1.4",
                "translatedPort": "443"`), []byte(`"translatedAddress": "10.0.8.20",
                "translatedPort": "1433"`), 1)
			case "netapp.json":
				b = bytes.Replace(b, []byte(`"value": [`), []byte(`"value": [{"id": "`+rg+`networkSecurityGroups/nsg-sqlmi", "name": "nsg-sqlmi",
					"type": "Microsoft.Network/networkSecurityGroups", "location": "westeurope", "properties": {"securityRules": [{"name": "deny-sql",
					"properties": {"priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "Tcp", "sourceAddressPrefix": "*",
					"sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "1433"}}]}},`), 1)
			}
			return b
		}
	}
	base := filepath.Join("..", "..", "examples", "hub-spoke")
	before, after, a := diffSnapshots(t, base, edit(false), edit(true))
	q := trace.Query{From: "internet:198.51.100.7", To: "20.103.50.10", Protocol: model.ProtoTCP, DestinationPort: 443}
	vb, errB := trace.Run(before.Plane, q)
	va, errA := trace.Run(after.Plane, q)
	if errB != nil || errA != nil || vb.Verdict == va.Verdict {
		t.Fatalf("internet -> 20.103.50.10:443 traces %v (%v) before, %v (%v) after: the test needs a change there", vb.Verdict, errB, va.Verdict, errA)
	}
	var got []string
	for _, r := range a.Reachability {
		if r.Example.To == "20.103.50.10" {
			got = append(got, fmt.Sprintf("%s %s %s→%s", r.Ports, r.Protocol, r.Before, r.After))
		}
	}
	if want := fmt.Sprintf("443 Tcp %s→%s", vb.Verdict, va.Verdict); !slices.Contains(got, want) {
		t.Errorf("rows to the DNAT address %q; want %q (scope %+v)", got, want, a.ReachStats)
	}
}

// withRouteTable is edit with route table rt-delegated (a route to 192.168.0.0/16 dropped)
// attached to snet-delegated.
func withRouteTable(edit func(string, []byte) []byte) func(string, []byte) []byte {
	return func(name string, b []byte) []byte {
		b = edit(name, b)
		switch name {
		case "network.json":
			return bytes.Replace(b, []byte(`"addressPrefix": "10.0.8.0/26", `), []byte(`"addressPrefix": "10.0.8.0/26", "routeTable": {"id": "`+
				delegatedHub+`Microsoft.Network/routeTables/rt-delegated"}, `), 1)
		case "resolver.json":
			return bytes.Replace(b, []byte(`"value": [`), []byte(`"value": [{"id": "`+delegatedHub+`Microsoft.Network/routeTables/rt-delegated",
				"name": "rt-delegated", "type": "Microsoft.Network/routeTables", "location": "westeurope", "properties": {"routes": [{"name": "drop",
				"properties": {"addressPrefix": "192.168.0.0/16", "nextHopType": "None"}}]}},`), 1)
		}
		return b
	}
}

// appGateway is application gateway agw running in snet-delegated (delegatedEdit with no service).
const appGateway = `{"id": "` + delegatedHub + `Microsoft.Network/applicationGateways/agw", "name": "agw", "type": "Microsoft.Network/applicationGateways",
	"location": "westeurope", "properties": {"gatewayIPConfigurations": [{"name": "gwip", "properties": {"subnet": {"id": "` + delegatedSubnet + `"}}}],
	"frontendIPConfigurations": [{"name": "private", "properties": {"privateIPAddress": "10.0.8.10", "subnet": {"id": "` + delegatedSubnet + `"}}}]}},`

// TestReachAppGateway: reach --to an application gateway by name asks about its frontends, private
// and public, and what reaches them is Unknown (trace's atDelegated and atAppGatewayFrontend): its
// listeners decide, which are not modelled.
func TestReachAppGateway(t *testing.T) {
	const pip = `{"id": "` + delegatedHub + `Microsoft.Network/publicIPAddresses/pip-agw", "name": "pip-agw", "type": "Microsoft.Network/publicIPAddresses",
		"location": "westeurope", "sku": {"name": "Standard"}, "properties": {"ipAddress": "20.0.0.20"}},`
	withPublic := strings.Replace(appGateway, `"frontendIPConfigurations": [`, `"frontendIPConfigurations": [{"name": "public", "properties": {"publicIPAddress": {"id": "`+
		delegatedHub+`Microsoft.Network/publicIPAddresses/pip-agw"}}}, `, 1)
	dir := snapshottest.Rewrite(t, filepath.Join("..", "dns", "testdata", "hubspoke-resolver"), delegatedEdit("", false, pip, withPublic))
	s, err := Load(context.Background(), []string{dir}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Reach(context.Background(), s, ReachQuery{To: "agw", Ports: []model.PortRange{{Lo: 443, Hi: 443}}, Protocols: []model.Protocol{model.ProtoTCP}}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var ends []string
	for _, e := range a.Endpoints {
		ends = append(ends, e.Addr.String())
	}
	if !slices.Equal(ends, []string{"10.0.8.10", "20.0.0.20"}) {
		t.Errorf("reach --to agw asks about %v; want its private and public frontends", ends)
	}
	unknown := map[string]bool{}
	for _, r := range a.Rows {
		if r.Verdict == trace.UnknownV {
			unknown[r.Example.To] = true
		}
	}
	if !unknown["10.0.8.10"] || !unknown["20.0.0.20"] {
		t.Errorf("rows %+v; want Unknown rows to both frontends", a.Rows)
	}
}
