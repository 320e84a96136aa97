package flowdbtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
)

// ingestExamples stores ExampleLogs enriched with the bundled estate.
func ingestExamples(t *testing.T, st flowdb.Store) {
	en := flowdb.NewEnricher(HubSpoke(t))
	var n uint64
	for _, p := range ExampleLogs() {
		n += ingest(t, st, p, en).Records
	}
	if n != 15 {
		t.Fatalf("example logs: %d records, want 15", n)
	}
}

func testEnrichment(t *testing.T, st flowdb.Store) {
	ingestExamples(t, st)
	ctx := context.Background()
	eps, err := flowdb.Endpoints(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range eps {
		got = append(got, fmt.Sprintf("%s %s nic=%s vm=%s subnet=%s vnet=%s", e.IP, e.OwnerKind, lastSeg(e.NIC), lastSeg(e.VM),
			lastSeg(e.Subnet), lastSeg(e.VNet)))
	}
	slices.Sort(got)
	want := []string{
		"10.0.1.5  nic= vm= subnet=AzureFirewallSubnet vnet=vnet-hub", // a firewall instance: no resource owns it
		"10.0.1.6  nic= vm= subnet=AzureFirewallSubnet vnet=vnet-hub",
		"10.0.3.4 Nic nic=vm-dns1-nic vm=vm-dns1 subnet=snet-dns vnet=vnet-hub",
		"10.1.2.4 Nic nic=vm-app1-nic vm=vm-app1 subnet=snet-app vnet=vnet-spoke-app",
		"10.2.1.4 Nic nic=vm-data1-nic vm=vm-data1 subnet=snet-data vnet=vnet-spoke-data",
		"10.2.2.5 PrivateEndpoint nic= vm= subnet=snet-pe vnet=vnet-spoke-data",
		"20.103.50.10 PublicIp nic= vm= subnet= vnet=vnet-hub", // the firewall's public IP: the hub's side
	}
	if !slices.Equal(got, want) {
		t.Errorf("endpoints =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	ctxs, err := flowdb.Contexts(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, c := range ctxs {
		if c.Kind == flowlog.Firewall && c.RuleID == "" {
			continue // default action lines name no rule
		}
		got = append(got, fmt.Sprintf("%s %s %s -> %s %s", c.Kind, c.Rule, c.By, lastSeg(c.ByID), tail(c.RuleID)))
	}
	slices.Sort(got)
	want = []string{
		"firewall allow-blob afw-hub -> afw-hub rcg-application/ruleCollections/app-azure-storage/rules/allow-blob",
		"firewall app-to-sql-pe afw-hub -> afw-hub rcg-network/ruleCollections/net-private-endpoints/rules/app-to-sql-pe",
		"firewall deny-telnet afw-hub -> afw-hub rcg-network/ruleCollections/net-deny-legacy/rules/deny-telnet",
		"firewall icmp-between-spokes afw-hub -> afw-hub rcg-network/ruleCollections/net-spoke-to-spoke/rules/icmp-between-spokes",
		"firewall web-https afw-hub -> afw-hub rcg-dnat/ruleCollections/dnat-inbound-web/rules/web-https",
		"vnetFlowLog DefaultRule_AllowVnetOutBound nsg-app-app -> nsg-app-app nsg-app-app/defaultSecurityRules/AllowVnetOutBound",
		// The snapshot has no rule deny-app-https (the planted disagreement): the aclID stays.
		"vnetFlowLog UserRule_deny-app-https 1d9a0b7c-0000-4000-8000-00000000b001 ->  ",
		"vnetFlowLog UserRule_deny-dns-from-anywhere-else nsg-hub-dns -> nsg-hub-dns nsg-hub-dns/securityRules/deny-dns-from-anywhere-else",
	}
	if !slices.Equal(got, want) {
		t.Errorf("contexts =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// tail is a resource ID from its parent's name on ("nsg-app-app/defaultSecurityRules/X").
func tail(id string) string {
	parts := strings.Split(id, "/")
	for i := len(parts) - 1; i > 0; i-- {
		switch strings.ToLower(parts[i]) {
		case "networksecuritygroups", "rulecollectiongroups", "azurefirewalls":
			return strings.Join(parts[i+1:], "/")
		}
	}
	return id
}

// lines renders a report's rows as CSV-like lines.
func lines(r *flowdb.Report) []string {
	var out []string
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(cells, ","))
	}
	return out
}

func report(t *testing.T, st flowdb.Store, q flowdb.ReportQuery) *flowdb.Report {
	t.Helper()
	r, err := flowdb.Run(context.Background(), st, q, HubSpoke(t))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Every view on the example logs, pinned: worked out by hand from the logs (examples/flowlogs
// README) and the estate.
func testReports(t *testing.T, st flowdb.Store) {
	ingestExamples(t, st)
	for _, c := range []struct {
		view string
		want []string
	}{
		{"top", []string{
			// 443 (B+E at vm-app1's NIC: 22 packets, 50,100 bytes; the D at vm-data1 is the same
			// conversation), ICMP and telnet through the firewall.
			"10.1.2.4,vm-app1,10.2.1.4,vm-data1,InterVNet,3,22,50100",
			"10.1.2.4,vm-app1,10.2.2.5,pe-sql-data,InterVNet,1,3,180",
			"10.0.1.5,,10.0.3.4,vm-dns1,IntraVNet,2,0,0",
			"10.0.1.6,,10.0.3.4,vm-dns1,IntraVNet,1,0,0",
			"10.1.2.4,vm-app1,stdataprod001.blob.core.windows.net,,Unknown,1,0,0",
			"10.1.2.4,vm-app1,192.0.2.9,,ExternalPublic,1,0,0",
			"10.2.1.4,vm-data1,10.1.2.4,vm-app1,InterVNet,1,0,0",
			"198.51.100.7,,20.103.50.10,pip-afw-hub,ExternalPublic,1,0,0",
		}},
		{"denied", []string{
			"10.0.1.5,10.0.3.4,Udp,53,nsg-hub-dns,UserRule_deny-dns-from-anywhere-else,2",
			"10.0.1.6,10.0.3.4,Udp,53,nsg-hub-dns,UserRule_deny-dns-from-anywhere-else,1",
			"10.1.2.4,10.2.1.4,Tcp,23,afw-hub,rcg-network/net-deny-legacy/deny-telnet,1",
			"10.1.2.4,10.2.1.4,Tcp,443,1d9a0b7c-0000-4000-8000-00000000b001,UserRule_deny-app-https,1",
			"10.1.2.4,192.0.2.9,Tcp,8080,afw-hub,DefaultAction,1",
			"10.2.1.4,10.1.2.4,Tcp,50001,afw-hub,DefaultAction,1",
		}},
		{"flowtypes", []string{
			"InterVNet,5,5,25,50280",
			"IntraVNet,2,3,0,0",
			"ExternalPublic,2,2,0,0",
			"Unknown,1,1,0,0",
		}},
		{"asymmetric", []string{
			"10.1.2.4,10.2.1.4,Tcp,443,afw-hub,reply only,1,1,2025-03-04T10:16:01.5Z,2025-03-04T10:16:01.5Z",
		}},
		{"firewall", []string{
			"afw-hub,,,DefaultAction,Denied,2,2025-03-04T10:15:06Z,2025-03-04T10:16:01.5Z",
			"afw-hub,rcg-application,app-azure-storage,allow-blob,Allowed,1,2025-03-04T10:15:04Z,2025-03-04T10:15:04Z",
			"afw-hub,rcg-dnat,dnat-inbound-web,web-https,Allowed,1,2025-03-04T10:15:05Z,2025-03-04T10:15:05Z",
			"afw-hub,rcg-network,net-deny-legacy,deny-telnet,Denied,1,2025-03-04T10:15:03.5Z,2025-03-04T10:15:03.5Z",
			"afw-hub,rcg-network,net-private-endpoints,app-to-sql-pe,Allowed,1,2025-03-04T10:15:01.123Z,2025-03-04T10:15:01.123Z",
			"afw-hub,rcg-network,net-spoke-to-spoke,icmp-between-spokes,Allowed,1,2025-03-04T10:15:02Z,2025-03-04T10:15:02Z",
			"afw-hub,rcg-application,app-os-updates,ubuntu-archive,Allowed,0,,",
			"afw-hub,rcg-application,app-os-updates,windows-update,Allowed,0,,",
			"afw-hub,rcg-network,net-onprem,onprem-to-spokes,Allowed,0,,",
			"afw-hub,rcg-network,net-onprem,spokes-to-onprem,Allowed,0,,",
			"afw-hub,rcg-network,net-spoke-to-spoke,app-to-data,Allowed,0,,",
			"afw-hub,rcg-network,net-spoke-to-spoke,data-to-app,Allowed,0,,",
		}},
	} {
		got := lines(report(t, st, flowdb.ReportQuery{View: c.view}))
		if !slices.Equal(got, c.want) {
			t.Errorf("view %s =\n%s\nwant\n%s", c.view, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
	conv := report(t, st, flowdb.ReportQuery{View: "conversations", Limit: 3})
	if got := lines(conv); len(got) != 3 || got[0] != "10.0.1.5,,10.0.3.4,vm-dns1,Udp,53,IntraVNet,2,0,0,2025-03-04T10:15:01Z,2025-03-04T10:15:03Z" {
		t.Errorf("conversations --limit 3 =\n%s", strings.Join(got, "\n"))
	}
	// A time range keeps the records inside it: 10:15:00 to 10:15:02 holds the first DNS
	// deny, the firewall's SQL and ICMP lines.
	since := time.Date(2025, 3, 4, 10, 15, 0, 0, time.UTC).UnixMilli()
	until := time.Date(2025, 3, 4, 10, 15, 2, 500_000_000, time.UTC).UnixMilli()
	got := lines(report(t, st, flowdb.ReportQuery{View: "flowtypes", SinceMs: since, UntilMs: until}))
	if want := []string{"IntraVNet,2,2,0,0", "InterVNet,2,2,0,0"}; !slices.Equal(got, want) {
		t.Errorf("flowtypes in range = %v, want %v", got, want)
	}
	empty := report(t, st, flowdb.ReportQuery{View: "denied", SinceMs: 1, UntilMs: 2})
	if len(empty.Rows) != 0 || empty.Note == "" {
		t.Errorf("an empty view says why: %+v", empty)
	}
}
