package flowlog

import (
	"strings"
	"testing"
)

const csvHead = "TimeGenerated [UTC],Type,ResourceId,SourceIp,SourcePort,DestinationIp,DestinationPort,Protocol,Action,Policy,RuleCollectionGroup,RuleCollection,Rule,ActionReason\n"

// A Log Analytics CSV export of AZFWNetworkRule: the portal's time format, ports as text, a
// row with a missing column skipped with its line, a half-written last row left for later.
func TestCSVExport(t *testing.T) {
	data := csvHead +
		`"3/4/2025, 10:15:01.123 AM",AZFWNetworkRule,/SUBSCRIPTIONS/X/AZUREFIREWALLS/AFW-HUB,10.1.2.4,50123,10.2.2.5,1433,TCP,Allow,afwp-hub,rcg-network,net-pe,app-to-sql-pe,` + "\n" +
		`2025-03-04T10:15:02Z,AZFWNetworkRule,/SUBSCRIPTIONS/X/AZUREFIREWALLS/AFW-HUB,10.1.2.4,50200,10.2.1.4,23,TCP` + "\n" +
		`2025-03-04T10:15:03.5Z,AZFWNetworkRule,/SUBSCRIPTIONS/X/AZUREFIREWALLS/AFW-HUB,10.1.2.4,50400,192.0.2.9,8080,TCP,Deny,,,,,Default Action` + "\n" +
		`2025-03-04T10:15:04Z,AZFWNetworkRule,/SUBSCRIPTIONS/X/AZUREFIREWALLS/AFW-HUB,10.1.2.4,50500,192.0.2`
	recs, r := readAll(t, []byte(data), 0)
	if len(recs) != 2 || r.Seq() != 3 {
		t.Fatalf("records %d, seq %d: %+v", len(recs), r.Seq(), recs)
	}
	a, b := recs[0], recs[1]
	if a.Kind != Firewall || a.TimeMs != 1741083301123 || a.Src != ip("10.1.2.4") || a.Dst != ip("10.2.2.5") || a.DstPort != 1433 ||
		a.Decision != Allowed || a.RuleCollection != "net-pe" || a.Rule != "app-to-sql-pe" || a.Seq != 0 {
		t.Errorf("first row: %+v", a)
	}
	if b.Decision != Denied || b.ActionReason != "Default Action" || b.Seq != 2 || b.DstPort != 8080 {
		t.Errorf("third row: %+v", b)
	}
	sk := r.Skips()
	if len(sk) != 2 || sk[0].Path != "line 3" || !strings.Contains(sk[0].Reason, "8 fields, the header 14") ||
		!strings.HasPrefix(sk[1].Reason, "half-written last row") {
		t.Errorf("skips: %+v", sk)
	}
	// The grown file: from Seq 3 on, only the completed last row is read.
	grown := data + ".9,8080,TCP,Deny,,,,,Default Action\n"
	recs, r = readAll(t, []byte(grown), 3)
	if len(recs) != 1 || recs[0].Seq != 3 || recs[0].DstPort != 8080 || len(r.Skips()) != 0 {
		t.Errorf("grown: %+v %+v", recs, r.Skips())
	}
}

// Legacy AzureDiagnostics rows exported as CSV carry the message in msg_s.
func TestCSVLegacyMsg(t *testing.T) {
	data := "TimeGenerated [UTC],Category,ResourceId,msg_s\n" +
		`"3/4/2025, 10:15:01 AM",AzureFirewallNetworkRule,/SUBSCRIPTIONS/X/AZUREFIREWALLS/AFW-HUB,"TCP request from 10.1.2.4:50123 to 10.2.2.5:1433. Action: Allow. Rule Collection: net-pe. Rule: app-to-sql-pe"` + "\n"
	recs, r := readAll(t, []byte(data), 0)
	if len(recs) != 1 || len(r.Skips()) != 0 || recs[0].DstPort != 1433 || recs[0].Rule != "app-to-sql-pe" || recs[0].TimeMs != 1741083301000 {
		t.Fatalf("%+v %+v", recs, r.Skips())
	}
}

// A CSV file of some other table is not read as a log.
func TestCSVNotALog(t *testing.T) {
	_, r := readAll(t, []byte("Name,Value\nx,1\n"), 0)
	if sk := r.Skips(); len(sk) != 1 || !strings.HasPrefix(sk[0].Reason, "not JSON") {
		t.Errorf("skips: %+v", sk)
	}
}

// AZFWFlowTrace and AZFWThreatIntel rows (Log Analytics JSON lines): the flag and the threat
// description are the reason; an intelligence alert lets the flow through.
func TestFlowTraceAndThreatIntel(t *testing.T) {
	data := `{"TimeGenerated":"2025-03-04T10:16:00Z","Type":"AZFWFlowTrace","ResourceId":"/X/AZUREFIREWALLS/AFW-HUB","SourceIp":"10.1.2.4","SourcePort":50002,"DestinationIp":"10.2.2.5","DestinationPort":1433,"Protocol":"TCP","Action":"Drop","ActionReason":"","Flag":"INVALID"}
{"TimeGenerated":"2025-03-04T10:16:01Z","Type":"AZFWThreatIntel","ResourceId":"/X/AZUREFIREWALLS/AFW-HUB","SourceIp":"10.1.2.4","SourcePort":50600,"DestinationIp":"192.0.2.66","DestinationPort":443,"Protocol":"TCP","Action":"Alert","ThreatDescription":"Known botnet"}
`
	recs, r := readAll(t, []byte(data), 0)
	if len(recs) != 2 || len(r.Skips()) != 0 {
		t.Fatalf("%+v %+v", recs, r.Skips())
	}
	if f := recs[0]; f.Category != CatFlowTrace || f.Decision != Denied || f.ActionReason != "INVALID" || f.DstPort != 1433 || IsRuleDecision(f.Category) {
		t.Errorf("flow trace: %+v", f)
	}
	if x := recs[1]; x.Category != CatThreatIntel || x.Decision != Allowed || x.ActionReason != "Known botnet" || x.Dst != ip("192.0.2.66") {
		t.Errorf("threat intel: %+v", x)
	}
}
