package check_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/check"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// fieldExpect is testdata/{field,landingzone}/<name>/expect.json: flows and findings whose
// expected values were written by hand from the spec and Microsoft docs (the "spec" field cites
// them), never regenerated from the code. Everything is compared through the cli.md JSON.
type fieldExpect struct {
	Spec   string       `json:"spec"`
	Traces []fieldTrace `json:"traces"`
	Check  fieldCheck   `json:"check"`
}

type fieldTrace struct {
	Name  string `json:"name"`
	Query struct {
		From, To, Protocol, FQDN    string
		DestinationPort, SourcePort uint16
	} `json:"query"`
	Verdict      string         `json:"verdict"`
	Forward      string         `json:"forward"` // disposition[/dropCause]
	Step         string         `json:"step"`    // deciding.step
	Rule         string         `json:"rule"`    // deciding.rule
	RuleResource string         `json:"ruleResource"`
	Hops         string         `json:"hops"` // forward hop kinds joined by " > "
	Flow         map[string]any `json:"flow"` // forward flowAtDestination; addresses may be "lo-hi"
	Ret          string         `json:"ret"`
	ReturnHops   string         `json:"returnHops"`
	ReturnFlow   map[string]any `json:"returnFlow"`
	Findings     []string       `json:"findings"`
	Tunnels      []string       `json:"tunnels"` // strings every Tunnel step detail must mention, together
}

type fieldCheck struct {
	Want []struct {
		Code, Severity, Resource string
		Evidence                 map[string]any
		IPCountAtLeast           float64 `json:"ipCountAtLeast"`
	} `json:"want"`
	Absent         []string            `json:"absent"`
	AbsentFor      map[string][]string `json:"absentFor"`      // code → names that no finding of it may mention
	AbsentSeverity map[string][]string `json:"absentSeverity"` // code → severities it must not have
	NoErrors       bool                `json:"noErrors"`
	ErrorsOnly     []string            `json:"errorsOnly"` // the only codes allowed at Error
}

func TestFieldScenarios(t *testing.T) {
	for _, root := range []string{"field", "landingzone"} {
		dirs, _ := filepath.Glob(filepath.Join("testdata", root, "*", "expect.json"))
		if len(dirs) == 0 {
			t.Fatalf("no scenarios under testdata/%s", root)
		}
		for _, f := range dirs {
			dir := filepath.Dir(f)
			t.Run(root+"/"+filepath.Base(dir), func(t *testing.T) { runField(t, dir) })
		}
	}
}

func runField(t *testing.T, dir string) {
	var e fieldExpect
	b, err := os.ReadFile(filepath.Join(dir, "expect.json"))
	if err == nil {
		err = json.Unmarshal(b, &e)
	}
	if err != nil {
		t.Fatalf("expect.json: %v", err)
	}
	n, err := convert.Load([]string{filepath.Join(dir, "snapshot")}, convert.Options{})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	p := dataplane.Build(n)
	for _, tc := range e.Traces {
		t.Run(tc.Name, func(t *testing.T) { checkFieldTrace(t, p, tc) })
	}
	checkFieldFindings(t, p, e.Check)
}

func traceJSON(t *testing.T, p *dataplane.Plane, tc fieldTrace) map[string]any {
	t.Helper()
	proto, ok := model.ParseProtocol(tc.Query.Protocol)
	if !ok {
		t.Fatalf("protocol %q", tc.Query.Protocol)
	}
	a, err := trace.Run(p, trace.Query{From: tc.Query.From, To: tc.Query.To, Protocol: proto,
		SourcePort: tc.Query.SourcePort, DestinationPort: tc.Query.DestinationPort, FQDN: tc.Query.FQDN})
	if err != nil {
		t.Fatalf("trace: %v", err)
	}
	var buf bytes.Buffer
	if err := render.JSON(&buf, a); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func checkFieldTrace(t *testing.T, p *dataplane.Plane, tc fieldTrace) {
	a := traceJSON(t, p, tc)
	fwd, _ := a["forward"].(map[string]any)
	ret, _ := a["return"].(map[string]any)
	eq(t, "verdict", a["verdict"], tc.Verdict)
	if tc.Forward != "" {
		eq(t, "forward", legDisposition(fwd), tc.Forward)
	}
	dec, _ := fwd["deciding"].(map[string]any)
	if tc.Step != "" {
		eq(t, "deciding.step", dec["step"], tc.Step)
	}
	if tc.Rule != "" {
		eq(t, "deciding.rule", dec["rule"], tc.Rule)
	}
	if tc.RuleResource != "" && !strings.HasSuffix(fmt.Sprint(dec["resourceId"]), "/"+tc.RuleResource) {
		t.Errorf("deciding.resourceId = %v, want …/%s", dec["resourceId"], tc.RuleResource)
	}
	if tc.Hops != "" {
		eq(t, "forward hops", hopKinds(fwd), tc.Hops)
	}
	checkFlow(t, "forward", fwd, tc.Flow)
	if tc.Ret != "" {
		eq(t, "return", legDisposition(ret), tc.Ret)
	}
	if tc.ReturnHops != "" {
		eq(t, "return hops", hopKinds(ret), tc.ReturnHops)
	}
	checkFlow(t, "return", ret, tc.ReturnFlow)
	if tc.Findings != nil {
		var codes []string
		fs, _ := a["findings"].([]any)
		for _, f := range fs {
			codes = append(codes, fmt.Sprint(f.(map[string]any)["code"]))
		}
		eq(t, "findings", strings.Join(codes, ","), strings.Join(tc.Findings, ","))
	}
	checkTunnels(t, fwd, tc.Tunnels)
}

func eq(t *testing.T, what string, got any, want string) {
	t.Helper()
	if fmt.Sprint(got) != want {
		t.Errorf("%s = %v, want %s", what, got, want)
	}
}

func legDisposition(l map[string]any) string {
	if l == nil {
		return "<nil>"
	}
	s := fmt.Sprint(l["disposition"])
	if c := fmt.Sprint(l["dropCause"]); c != "" {
		s += "/" + c
	}
	return s
}

func hopKinds(l map[string]any) string {
	hops, _ := l["hops"].([]any)
	var k []string
	for _, h := range hops {
		k = append(k, fmt.Sprint(h.(map[string]any)["kind"]))
	}
	return strings.Join(k, " > ")
}

// checkFlow compares flowAtDestination; an address "lo-hi" accepts any address in the range.
func checkFlow(t *testing.T, leg string, l map[string]any, want map[string]any) {
	t.Helper()
	if want == nil {
		return
	}
	got, _ := l["flowAtDestination"].(map[string]any)
	if got == nil {
		t.Errorf("%s flowAtDestination is null, want %v", leg, want)
		return
	}
	for k, w := range want {
		g := fmt.Sprint(got[k])
		ws := fmt.Sprint(w)
		if lo, hi, ok := strings.Cut(ws, "-"); ok {
			a, err := netip.ParseAddr(g)
			if err != nil || a.Less(netip.MustParseAddr(lo)) || netip.MustParseAddr(hi).Less(a) {
				t.Errorf("%s flowAtDestination.%s = %s, want in %s", leg, k, g, ws)
			}
			continue
		}
		if g != ws {
			t.Errorf("%s flowAtDestination.%s = %s, want %s", leg, k, g, ws)
		}
	}
}

func checkTunnels(t *testing.T, l map[string]any, want []string) {
	t.Helper()
	if len(want) == 0 {
		return
	}
	var text strings.Builder
	hops, _ := l["hops"].([]any)
	for _, h := range hops {
		steps, _ := h.(map[string]any)["steps"].([]any)
		for _, s := range steps {
			if st := s.(map[string]any); st["step"] == "Tunnel" {
				text.WriteString(fmt.Sprint(st["detail"], " "))
			}
		}
	}
	for _, w := range want {
		if !strings.Contains(text.String(), w) {
			t.Errorf("tunnel steps %q do not mention %s", text.String(), w)
		}
	}
}

func checkFieldFindings(t *testing.T, p *dataplane.Plane, c fieldCheck) {
	fs, err := check.Run(context.Background(), p, check.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := render.CheckJSON(&buf, fs); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Findings []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, w := range c.Want {
		if !anyFinding(doc.Findings, w.Code, w.Severity, w.Resource, w.Evidence, w.IPCountAtLeast) {
			t.Errorf("no %s finding with severity %q, resource %q, evidence %v (ipCount ≥ %v); got:\n%s", w.Code, w.Severity, w.Resource, w.Evidence, w.IPCountAtLeast, buf.String())
		}
	}
	for _, f := range doc.Findings {
		code, sev := fmt.Sprint(f["code"]), fmt.Sprint(f["severity"])
		text := fmt.Sprint(f["title"], f["message"], f["resources"], f["evidence"])
		for _, a := range c.Absent {
			if code == a {
				t.Errorf("unexpected %s: %s", code, f["title"])
			}
		}
		for _, name := range c.AbsentFor[code] {
			if strings.Contains(text, name+" ") || strings.Contains(text, name+"]") || strings.Contains(text, name+":") {
				t.Errorf("unexpected %s about %s: %s", code, name, f["title"])
			}
		}
		for _, s := range c.AbsentSeverity[code] {
			if s == sev {
				t.Errorf("%s at %s: %s", code, sev, f["title"])
			}
		}
		if sev == "Error" && (c.NoErrors || (len(c.ErrorsOnly) > 0 && !contains(c.ErrorsOnly, code))) {
			t.Errorf("false positive Error %s: %s", code, f["title"])
		}
	}
}

func anyFinding(fs []map[string]any, code, sev, res string, ev map[string]any, minIPs float64) bool {
next:
	for _, f := range fs {
		if f["code"] != code || (sev != "" && f["severity"] != sev) {
			continue
		}
		if res != "" && !strings.Contains(fmt.Sprint(f["resources"]), "/"+res) {
			continue
		}
		got, _ := f["evidence"].(map[string]any)
		for k, v := range ev {
			if fmt.Sprint(got[k]) != fmt.Sprint(v) {
				continue next
			}
		}
		if n, _ := got["ipCount"].(float64); n < minIPs {
			continue
		}
		return true
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
