//go:build cgo

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const exampleLogs = "../../examples/flowlogs"

type ingestJSON struct {
	Files, Records, Flows, Duplicates int
	ByKind                            map[string]int
	Skipped                           []struct{ File, Path, Reason string }
}

func flowsIngest(t *testing.T, db string, paths ...string) ingestJSON {
	t.Helper()
	code, out, stderr := vnetdoctor(t, "", append([]string{"flows", "ingest", "-s", example, "--db", db, "-o", "json"}, paths...)...)
	if code != 0 {
		t.Fatalf("ingest: exit %d, %s", code, stderr)
	}
	var a ingestJSON
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return a
}

type explainJSON struct {
	Flows []struct {
		Source, Destination, Protocol string
		DestinationPort               int
		Observed                      struct {
			Action, By, Rule string
			Count            int
		}
		Model struct {
			Verdict  string
			Deciding *struct{ Step, ResourceID, Rule string }
			Findings []string
		}
		Agrees bool
		Why    string
	}
}

func flowsExplain(t *testing.T, db string, args ...string) explainJSON {
	t.Helper()
	code, out, stderr := vnetdoctor(t, "", append([]string{"flows", "explain", "-s", example, "--db", db, "-o", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("explain: exit %d, %s", code, stderr)
	}
	var a explainJSON
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return a
}

func TestFlowsIngestTwice(t *testing.T) {
	db := filepath.Join(t.TempDir(), "flows.duckdb")
	a := flowsIngest(t, db, exampleLogs)
	// README.md sits beside the logs: counted and reported as not JSON, never a silent zero.
	if a.Files != 3 || a.Records != 14 || a.Flows != 12 || a.Duplicates != 0 || a.ByKind["vnetFlowLog"] != 8 || a.ByKind["firewall"] != 6 ||
		a.ByKind["nsgFlowLog"] != 0 || len(a.Skipped) != 1 || !strings.HasSuffix(a.Skipped[0].File, "README.md") ||
		a.Skipped[0].Reason != "not JSON (starts with '#')" {
		t.Fatalf("first ingest: %+v", a)
	}
	b := flowsIngest(t, db, exampleLogs+"/PT1H.json", exampleLogs+"/azfw-hub.jsonl")
	if b.Records != 0 || b.Duplicates != 14 {
		t.Fatalf("second ingest: %+v, want 0 records and 14 duplicates", b)
	}
}

func TestFlowsExplainHubSpoke(t *testing.T) {
	db := filepath.Join(t.TempDir(), "flows.duckdb")
	flowsIngest(t, db, exampleLogs)
	all := flowsExplain(t, db)
	if len(all.Flows) != 11 {
		t.Fatalf("%d rows, want 11", len(all.Flows))
	}
	// Seed case 1 from the log: the DNS proxy's instance addresses are denied by nsg-hub-dns.
	dns := flowsExplain(t, db, "--src", "10.0.1.5", "--dport", "53")
	if len(dns.Flows) != 1 {
		t.Fatalf("dns rows: %+v", dns)
	}
	d := dns.Flows[0]
	if !d.Agrees || d.Observed.Action != "Denied" || d.Observed.Count != 2 || d.Model.Verdict != "Unreachable" || d.Model.Deciding == nil ||
		d.Model.Deciding.Rule != "securityRules/deny-dns-from-anywhere-else" || !strings.HasSuffix(d.Model.Deciding.ResourceID, "/nsg-hub-dns") ||
		d.Why != "denied by nsg-hub-dns securityRules/deny-dns-from-anywhere-else (NsgDenied)" {
		t.Errorf("dns row: %+v", d)
	}
	// The planted disagreement: vm-data1's log denies HTTPS from vm-app1, the snapshot allows it.
	dis := flowsExplain(t, db, "--disagree")
	if len(dis.Flows) != 1 {
		t.Fatalf("disagreements: %+v", dis)
	}
	x := dis.Flows[0]
	if x.Source != "10.1.2.4" || x.Destination != "10.2.1.4" || x.DestinationPort != 443 || x.Observed.Action != "Denied" ||
		x.Model.Verdict != "Reachable" || !strings.Contains(x.Why, "the snapshot is stale or the model is wrong") {
		t.Errorf("disagreement: %+v", x)
	}
	// Seed case 2 from the logs: the SQL private endpoint's reply is lost (AsymmetricReturn); the
	// firewall and vm-app1's NIC allowed the request, which the model agrees with.
	pe := flowsExplain(t, db, "--dst", "10.2.2.5")
	if len(pe.Flows) != 2 {
		t.Fatalf("pe rows: %+v", pe)
	}
	for _, r := range pe.Flows {
		if !r.Agrees || r.Model.Verdict != "Unreachable" || len(r.Model.Findings) == 0 || r.Model.Findings[0] != "AsymmetricReturn" {
			t.Errorf("pe row: %+v", r)
		}
	}
	// Firewall rows are judged at the firewall: deny-telnet agrees.
	den := flowsExplain(t, db, "--denied", "--dport", "23")
	if len(den.Flows) != 1 || !den.Flows[0].Agrees || den.Flows[0].Observed.Rule != "rcg-network/net-deny-legacy/deny-telnet" ||
		den.Flows[0].Model.Deciding.Rule != "rcg-network/net-deny-legacy/deny-telnet" || den.Flows[0].Observed.By != "afw-hub" {
		t.Errorf("telnet: %+v", den)
	}
	if lim := flowsExplain(t, db, "--limit", "3"); len(lim.Flows) != 3 {
		t.Errorf("--limit 3: %d rows", len(lim.Flows))
	}
	code, out, _ := vnetdoctor(t, "", "flows", "explain", "-s", example, "--db", db, "--disagree")
	if code != 0 || !strings.HasPrefix(out, "DISAGREES 10.1.2.4 -> 10.2.1.4 Tcp/443") {
		t.Errorf("text: exit %d\n%s", code, out)
	}
}

func TestFlowsBadInput(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "not.duckdb")
	os.WriteFile(notDB, []byte("plain text, not a database\n"), 0o644)
	garbage := filepath.Join(dir, "garbage.json")
	os.WriteFile(garbage, []byte(`{"records":[{"flowLogVersion":9,"flowRecords":{"flows":[]}}]}`), 0o644)
	db := filepath.Join(dir, "flows.duckdb")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"flows"}, "want a subcommand"},
		{[]string{"flows", "bogus"}, `unknown subcommand "bogus"`},
		{[]string{"flows", "ingest", "--db", db}, "name at least one log file"},
		{[]string{"flows", "ingest", "--db", db, filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"flows", "ingest", "--db", notDB, exampleLogs}, notDB},
		{[]string{"flows", "ingest", "--db", db, garbage}, garbage + ": $.records[0].flowLogVersion: unknown flowLogVersion 9"},
		{[]string{"flows", "ingest", "--db", "clickhouse://localhost:9000", garbage}, "want a name of letters, digits and _"},
		{[]string{"flows", "explain", "-s", example, "--db", filepath.Join(dir, "absent.duckdb")}, "no flow database there"},
		{[]string{"flows", "explain", "--db", db}, "-s SNAPSHOT is required"},
		{[]string{"flows", "explain", "-s", example, "--db", db, "--src", "nope"}, "--src must be an IPv4 address"},
		{[]string{"flows", "explain", "-s", example, "--db", db, "--dport", "70000"}, "--dport must be 0-65535"},
	} {
		code, out, stderr := vnetdoctor(t, "", tc.args...)
		if code != 2 || out != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", tc.args, code, out, stderr, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "absent.duckdb")); err == nil {
		t.Error("explain created a database")
	}
	code, out, _ := vnetdoctor(t, "", "flows", "--help")
	if code != 0 || !strings.Contains(out, "usage: vnetdoctor flows ingest") || !strings.Contains(out, "example:") {
		t.Errorf("flows --help: exit %d\n%s", code, out)
	}
}

func TestFlowsReport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "flows.duckdb")
	flowsIngest(t, db, exampleLogs)
	code, out, stderr := vnetdoctor(t, "", "flows", "report", "-s", example, "--db", db, "--view", "denied", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		View string
		Rows []struct {
			Source, Destination, Protocol, By, Rule string
			DestinationPort, Flows                  int
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.View != "denied" || len(rep.Rows) != 5 || rep.Rows[0].Source != "10.0.1.5" || rep.Rows[0].By != "nsg-hub-dns" ||
		rep.Rows[0].Rule != "UserRule_deny-dns-from-anywhere-else" || rep.Rows[0].Flows != 2 || rep.Rows[0].DestinationPort != 53 {
		t.Errorf("denied: %s", out)
	}
	code, out, _ = vnetdoctor(t, "", "flows", "report", "--db", db, "--view", "flowtypes", "-o", "csv", "--since", "2025-03-04T10:15:00Z",
		"--until", "2025-03-04T10:15:02.5Z")
	if want := "flowType,conversations,flows,packets,bytes\nIntraVNet,2,2,0,0\nInterVNet,2,2,0,0\n"; code != 0 || out != want {
		t.Errorf("flowtypes csv: exit %d\n%s\nwant\n%s", code, out, want)
	}
	code, out, _ = vnetdoctor(t, "", "flows", "report", "--db", db, "--view", "top", "--limit", "1")
	if code != 0 || !strings.Contains(out, "10.1.2.4  vm-app1     10.2.1.4     vm-data1         InterVNet  3      22       50100") {
		t.Errorf("top text: exit %d\n%s", code, out)
	}
	for _, bad := range [][]string{{"--view", "nope"}, {"--since", "yesterday"}, {"-o", "xml"}, {"--since", "2025-03-05", "--until", "2025-03-04"}} {
		if code, _, stderr := vnetdoctor(t, "", append([]string{"flows", "report", "--db", db}, bad...)...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, %q", bad, code, stderr)
		}
	}
}

// flows replay against a snapshot where nsg-hub-dns allows DNS from anywhere: the DNS proxy's
// denied queries would now pass, and the planted disagreement still disagrees.
func TestFlowsReplay(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "flows.duckdb")
	flowsIngest(t, db, exampleLogs)
	newSnap := filepath.Join(dir, "new")
	os.MkdirAll(newSnap, 0o755)
	entries, _ := os.ReadDir(example)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(example, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "nsgs.json" {
			i := strings.Index(string(b), `"name": "deny-dns-from-anywhere-else"`)
			j := i + strings.Index(string(b[i:]), `"access": "Deny"`)
			b = []byte(string(b[:j]) + `"access": "Allow"` + string(b[j+len(`"access": "Deny"`):]))
		}
		os.WriteFile(filepath.Join(newSnap, e.Name()), b, 0o644)
	}
	code, out, stderr := vnetdoctor(t, "", "flows", "replay", "-s", newSnap, "--db", db, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var a struct {
		Flows []struct {
			Source, Destination string
			DestinationPort     int
			Observed            struct{ Action string }
			Model               struct{ Verdict string }
		}
		Summary struct{ Groups, Flows, Explored int }
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range a.Flows {
		got = append(got, f.Source+">"+f.Destination+" "+f.Observed.Action+"->"+f.Model.Verdict)
	}
	want := []string{"10.0.1.5>10.0.3.4 Denied->Reachable", "10.0.1.6>10.0.3.4 Denied->Reachable", "10.1.2.4>10.2.1.4 Denied->Reachable"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || a.Summary.Groups != 3 || a.Summary.Flows != 4 || a.Summary.Explored != 11 {
		t.Errorf("replay: %v %+v\n%s", got, a.Summary, out)
	}
}
