package flowlog

import (
	"bytes"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readAll(t testing.TB, data []byte, from uint64) ([]Record, *Reader) {
	t.Helper()
	r := NewReader(bytes.NewReader(data), from)
	var out []Record
	var rec Record
	for r.Next(&rec) {
		out = append(out, rec)
	}
	if r.Err() != nil {
		t.Fatalf("Err = %v", r.Err())
	}
	return out, r
}

func readFile(t *testing.T, name string) ([]Record, *Reader) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return readAll(t, b, 0)
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestVNetV4Sample(t *testing.T) {
	recs, r := readFile(t, "vnet-flowlog-v4-docs-sample.json")
	if len(recs) != 19 || len(r.Skips()) != 0 || r.Seq() != 19 {
		t.Fatalf("got %d records, skips %v, seq %d; want 19, none, 19", len(recs), r.Skips(), r.Seq())
	}
	want := Record{Kind: VNetFlowLog, Seq: 1, TimeMs: 1663146003606, Src: ip("10.0.0.6"), Dst: ip("52.239.184.180"),
		SrcPort: 23956, DstPort: 443, Proto: 6, Direction: 'O', State: 'E', Decision: Allowed, Encryption: "NX",
		PktsSD: 3, BytesSD: 767, PktsDS: 2, BytesDS: 1580,
		LogID:    "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_EASTUS2EUAP/FLOWLOGS/VNETFLOWLOG",
		TargetID: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/myVNet",
		MAC:      "00224871C205", ACLID: "00000000-1234-abcd-ef00-c1c2c3c4c5c6", Rule: "DefaultRule_AllowInternetOutBound"}
	if d := cmp.Diff(want, recs[1], cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); d != "" {
		t.Errorf("record 1 (-want +got):\n%s", d)
	}
	denied := recs[10]
	if denied.Decision != Denied || denied.State != 'D' || denied.Rule != "BlockHighRiskTCPPortsFromInternet" ||
		denied.ACLID != "01020304-abcd-ef00-1234-102030405060" || denied.Src != ip("101.33.218.153") || denied.DstPort != 22 || denied.Direction != 'I' {
		t.Errorf("record 10 = %+v, want the denied SSH from 101.33.218.153", denied)
	}
	if last := recs[18]; last.Rule != "Internet" || last.Seq != 18 || last.DstPort != 31244 {
		t.Errorf("last record = %+v", last)
	}
}

func TestNSGSamples(t *testing.T) {
	recs, r := readFile(t, "nsg-flowlog-v2-docs-sample.json")
	if len(recs) != 11 || len(r.Skips()) != 0 {
		t.Fatalf("v2: got %d records, skips %v; want 11, none", len(recs), r.Skips())
	}
	c := recs[5] // 1542110379,10.5.16.4,13.67.143.115,44931,443,T,O,A,C,30,16978,24,14008
	if c.Kind != NSGFlowLog || c.TimeMs != 1542110379000 || c.Src != ip("10.5.16.4") || c.Dst != ip("13.67.143.115") ||
		c.SrcPort != 44931 || c.DstPort != 443 || c.Proto != ProtoTCP || c.Direction != 'O' || c.Decision != Allowed ||
		c.State != 'C' || c.PktsSD != 30 || c.BytesSD != 16978 || c.PktsDS != 24 || c.BytesDS != 14008 ||
		c.Rule != "DefaultRule_AllowInternetOutBound" || c.MAC != "000D3AF87856" || !strings.HasSuffix(c.LogID, "/FABRIAKMVM1-NSG") {
		t.Errorf("v2 record 5 = %+v", c)
	}
	if u := recs[0]; u.Proto != ProtoUDP || u.Decision != Denied || u.State != 'B' || u.PktsSD != 0 {
		t.Errorf("v2 record 0 = %+v, want a denied UDP begin with zero counters", u)
	}
	recs, r = readFile(t, "nsg-flowlog-v1-docs-sample.json")
	if len(recs) != 12 || len(r.Skips()) != 0 {
		t.Fatalf("v1: got %d records, skips %v; want 12, none", len(recs), r.Skips())
	}
	if a := recs[1]; a.Decision != Allowed || a.DstPort != 3389 || a.Src != ip("163.28.66.17") || a.State != 0 || a.Rule != "UserRule_default-allow-rdp" {
		t.Errorf("v1 record 1 = %+v", a)
	}
}

func TestLegacyFirewallSample(t *testing.T) {
	recs, r := readFile(t, "azfw-legacy-azurediagnostics-docs-samples.json")
	// Two application rules (FQDN destinations), one network rule and the DNS proxy's two lines.
	if len(recs) != 5 {
		t.Fatalf("got %d records (%+v), want 5", len(recs), recs)
	}
	if a := recs[0]; a.Category != CatLegacyApplicationRule || a.FQDN != "mydestination.com" || a.DstPort != 443 ||
		a.Src != ip("10.1.0.5") || a.SrcPort != 55640 || a.RuleCollection != "collection1000" || a.Rule != "rule1002" || a.Decision != Allowed {
		t.Errorf("record 0 = %+v", a)
	}
	if n := recs[2]; n.Category != CatLegacyNetworkRule || n.Src != ip("111.35.136.173") || n.Dst != ip("13.78.143.217") ||
		n.DstPort != 2323 || n.Decision != Denied || n.Seq != 2 {
		t.Errorf("record 2 = %+v", n)
	}
	if q := recs[3]; q.Category != CatLegacyDnsProxy || q.Src != ip("11.5.0.7") || q.SrcPort != 48197 || q.FQDN != "md-l1l1pg5lcmkq.blob.core.windows.net" ||
		q.Proto != ProtoUDP || q.DstPort != 53 || q.ActionReason != "NOERROR" {
		t.Errorf("DNS request = %+v", q)
	}
	// The proxy's failed upstream query: from the instance address to the server it forwards to.
	if e := recs[4]; e.Src != ip("10.0.1.5") || e.Dst != ip("168.63.129.160") || e.DstPort != 53 || e.FQDN != "time.windows.com.reddog.microsoft.com" ||
		e.ActionReason != "Error: i/o timeout" {
		t.Errorf("DNS error = %+v", e)
	}
	if s := r.Skips(); len(s) != 0 {
		t.Errorf("skips = %+v", s)
	}
}

func TestFirewallResourceSpecificLines(t *testing.T) {
	recs, r := readFile(t, "azfw-resource-specific.jsonl")
	if len(recs) != 7 {
		t.Fatalf("got %d records, want 7", len(recs))
	}
	n := recs[0]
	if n.Kind != Firewall || n.Category != CatNetworkRule || n.Src != ip("10.1.2.4") || n.Dst != ip("10.2.2.5") || n.DstPort != 1433 ||
		n.Policy != "afwp-hub" || n.RuleCollectionGroup != "rcg-network" || n.RuleCollection != "net-private-endpoints" ||
		n.Rule != "app-to-sql-pe" || n.TimeMs != 1741083301123 || !strings.HasSuffix(n.LogID, "/AFW-HUB") {
		t.Errorf("record 0 = %+v", n)
	}
	if i := recs[1]; i.Proto != ProtoICMP || i.DstPort != 0 || i.TimeMs != 1741083302000 {
		t.Errorf("record 1 (ICMP Type=8, +00:00) = %+v", i)
	}
	if d := recs[2]; d.Decision != Denied || d.Rule != "deny-telnet" {
		t.Errorf("record 2 = %+v", d)
	}
	if a := recs[3]; a.Category != CatApplicationRule || a.FQDN != "stdataprod001.blob.core.windows.net" || a.Dst.IsValid() || a.Proto != ProtoTCP {
		t.Errorf("record 3 = %+v", a)
	}
	if x := recs[4]; x.Category != CatNatRule || x.TranslatedIP != ip("10.1.1.4") || x.TranslatedPort != 443 || x.Decision != Allowed || x.Dst != ip("20.103.50.10") {
		t.Errorf("record 4 = %+v", x)
	}
	if d := recs[5]; d.ActionReason != "Default Action" || d.Decision != Denied || d.Rule != "" {
		t.Errorf("record 5 = %+v", d)
	}
	if q := recs[6]; q.Category != CatDnsQuery || q.FQDN != "example.com" || q.Proto != ProtoUDP || q.DstPort != 53 || q.Dst.IsValid() {
		t.Errorf("record 6 (DNS query) = %+v", q)
	}
	want := []Skip{
		{Path: "line 9", Reason: "DestinationPort is not a port number", Count: 1},
		{Path: "line 10", Reason: "half-written last line (the file ends mid-record)", Count: 1},
	}
	if d := cmp.Diff(want, r.Skips()); d != "" {
		t.Errorf("skips (-want +got):\n%s", d)
	}
	if r.Seq() != 8 {
		t.Errorf("Seq = %d, want 8 (the half-written line is not numbered)", r.Seq())
	}
}

func TestFirewallBlobHalfWritten(t *testing.T) {
	recs, r := readFile(t, "azfw-resource-specific-blob.json")
	if len(recs) != 3 || r.Seq() != 3 {
		t.Fatalf("got %d records, seq %d; want 3, 3", len(recs), r.Seq())
	}
	if x := recs[1]; x.SrcPort != 61001 || x.TranslatedPort != 443 || x.DstPort != 443 {
		t.Errorf("record 1 (ports as strings) = %+v", x)
	}
	if a := recs[2]; a.FQDN != "www.example.com" || a.TargetURL != "https://www.example.com/" || a.Decision != Denied {
		t.Errorf("record 2 = %+v", a)
	}
	want := []Skip{{Path: "$.records[3]", Reason: "half-written last record (the file ends mid-record)", Count: 1}}
	if d := cmp.Diff(want, r.Skips()); d != "" {
		t.Errorf("skips (-want +got):\n%s", d)
	}
}

// A blob cut anywhere yields a prefix of the whole blob's records, numbered alike; reading the
// whole blob from the cut's Seq yields exactly the rest (the idempotence key holds under append).
func TestTruncatedBlobResumes(t *testing.T) {
	whole, err := os.ReadFile("testdata/vnet-flowlog-v4-docs-sample.json")
	if err != nil {
		t.Fatal(err)
	}
	// Two records: the sample's record twice.
	s := string(whole)
	open, close := strings.Index(s, "{\n            \"time\""), strings.LastIndex(s, "}\n    ]")
	rec := s[open : close+1]
	two := []byte(`{"records":[` + rec + "," + rec + "]}")
	all, _ := readAll(t, two, 0)
	if len(all) != 38 {
		t.Fatalf("two records: %d tuples, want 38", len(all))
	}
	for cut := 1; cut < len(two); cut += 97 {
		part, r := readAll(t, two[:cut], 0)
		if len(part) != int(r.Seq()) || (len(part) != 0 && len(part) != 19 && len(part) != 38) {
			t.Fatalf("cut %d: %d records, seq %d", cut, len(part), r.Seq())
		}
		rest, _ := readAll(t, two, r.Seq())
		if len(part)+len(rest) != 38 || (len(rest) > 0 && rest[0].Seq != r.Seq()) {
			t.Fatalf("cut %d: %d + %d records", cut, len(part), len(rest))
		}
	}
}

func TestBadInput(t *testing.T) {
	v4 := func(tuple string) string {
		return `{"records":[{"flowLogVersion":4,"macAddress":"00-22-48-71-c2-05","flowRecords":{"flows":[{"aclID":"a","flowGroups":[{"rule":"r","flowTuples":["` + tuple + `"]}]}]}}]}`
	}
	const good = "1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,B,NX,0,0,0,0"
	tests := []struct {
		name, in, reason string
	}{
		{"empty", "", "empty file"},
		{"not json", "time,src\n1,2\n", `not JSON (starts with 't')`},
		{"12 fields", v4("1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,B,NX,0,0,0"), "tuple has 12 fields, want 13 (flowLogVersion 4)"},
		{"14 fields", v4(good + ",1"), "tuple has more than 13 fields, want 13 (flowLogVersion 4)"},
		{"ipv6", v4("1663146003599,fe80::1,52.239.184.180,23956,443,6,O,B,NX,0,0,0,0"), "source fe80::1 is IPv6, which is not stored yet"},
		{"time", v4("99,10.0.0.6,52.239.184.180,23956,443,6,O,B,NX,0,0,0,0"), `time "99" is outside 2000-2100 in seconds or milliseconds`},
		{"state", v4("1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,Q,NX,0,0,0,0"), `flow state "Q" is not B, C, E or D`},
		{"port", v4("1663146003599,10.0.0.6,52.239.184.180,23956,65536,6,O,B,NX,0,0,0,0"), `destination port "65536" is not a port`},
		{"version", `{"records":[{"flowLogVersion":5,"flowRecords":{"flows":[]}}]}`, "unknown flowLogVersion 5 (version 4 is read)"},
		{"nsg version", `{"records":[{"category":"NetworkSecurityGroupFlowEvent","properties":{"Version":3,"flows":[]}}]}`, "unknown NSG flow log Version 3 (1 and 2 are read)"},
		{"records not array", `{"records":{}}`, "records is not an array"},
		{"wrong type", `{"records":[{"flowLogVersion":4,"flowRecords":{"flows":[{"flowGroups":[{"flowTuples":[1]}]}]}}]}`, "flowRecords.flows.flowGroups.flowTuples is number, not string; the rest of the file is not read"},
		{"bad json", `{"records":[{"flowLogVersion":4,}]}`, "invalid JSON at byte 30: invalid character '}' looking for beginning of object key string; the rest of the file is not read"},
	}
	for _, tc := range tests {
		recs, r := readAll(t, []byte(tc.in), 0)
		if len(recs) != 0 || len(r.Skips()) != 1 || r.Skips()[0].Reason != tc.reason {
			t.Errorf("%s: %d records, skips %+v; want 0 and %q", tc.name, len(recs), r.Skips(), tc.reason)
		}
	}
	recs, _ := readAll(t, []byte(v4(good)), 0)
	if len(recs) != 1 || recs[0].MAC != "00224871C205" {
		t.Errorf("good tuple: %+v", recs)
	}
}

// The reader holds one record at a time: reading many records allocates per record, not per file.
func TestStreamingMemory(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"records":[`)
	const n = 2000
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"flowLogVersion":4,"flowRecords":{"flows":[{"aclID":"a","flowGroups":[{"rule":"r","flowTuples":["1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,B,NX,0,0,0,0"]}]}]}}`)
	}
	b.WriteString(`]}`)
	data := b.Bytes()
	r := NewReader(bytes.NewReader(data), 0)
	var rec Record
	count := 0
	for r.Next(&rec) {
		count++
		if cap(r.pend) > 16 {
			t.Fatalf("pending grew to %d", cap(r.pend))
		}
	}
	if count != n {
		t.Fatalf("read %d, want %d", count, n)
	}
}
