package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/check"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

// checkFlags are check's own flags (cli.md "check").
type checkFlags struct {
	failOn, severity, baseline string
	codes, exclude             listFlag
}

func runCheck(args []string, stdin io.Reader, stdout io.Writer) error {
	var c common
	var f checkFlags
	fs := newFlagSet("check", &c)
	fs.StringVar(&f.failOn, "fail-on", "", "exit 3 when a finding shown is at least this severe: error|warning")
	fs.StringVar(&f.severity, "severity", "info", "the least severe finding shown: error|warning|info")
	fs.Var(&f.codes, "code", "run only this check code and list each of its findings (repeatable)")
	fs.Var(&f.exclude, "exclude", "leave out findings with this code (repeatable)")
	fs.StringVar(&f.baseline, "baseline", "", "a previous check -o json: findings with its fingerprints are not reported")
	fs.Lookup("o").Usage = "output format: text|json|sarif"
	if err := parse(fs, &c, args, "text", "json", "sarif"); err != nil {
		return err
	}
	minSev, known, err := f.validate()
	if err != nil {
		return err
	}
	ctx := context.Background()
	snap, err := c.snapshot(ctx, stdin)
	if err != nil {
		return err
	}
	findings, err := ask.Check(ctx, snap, ask.CheckQuery{Codes: f.codeList()}, c.options())
	if err != nil {
		return err
	}
	findings = filterFindings(findings, minSev, f.exclude, known)
	switch c.output {
	case "json":
		if findings == nil {
			findings = []check.Finding{}
		}
		err = c.writeJSON(stdout, render.CheckReport{Findings: findings})
	case "sarif":
		opts := sarifOptions(c.net.Snapshot.Sources, findings)
		opts.Warnings = c.warnings
		err = render.SARIFWith(stdout, findings, check.Registry(), version, opts)
	default:
		err = render.CheckStyled(stdout, findings, render.CheckOptions{Style: c.style, Expand: f.codeList()})
	}
	if err != nil {
		return err
	}
	if f.failOn != "" && check.FailOn(findings, f.failOn) {
		return &exitError{code: 3}
	}
	return nil
}

// validate checks the flag values before the snapshot is read: the severities, the codes (an
// unknown one is exit 2 with the nearest codes) and the baseline, whose fingerprints it returns.
func (f *checkFlags) validate() (check.Severity, map[string]bool, error) {
	if f.failOn != "" && f.failOn != "error" && f.failOn != "warning" {
		return 0, nil, usagef("check: --fail-on must be error or warning, not %q", f.failOn)
	}
	minSev, ok := check.ParseSeverity(f.severity)
	if !ok {
		return 0, nil, usagef("check: --severity must be error, warning or info, not %q", f.severity)
	}
	var codes []string
	for _, c := range check.Registry() {
		codes = append(codes, string(c.Code))
	}
	for _, list := range []struct {
		flag  string
		codes []string
	}{{"--code", f.codes}, {"--exclude", f.exclude}} {
		for _, code := range list.codes {
			if !slices.Contains(codes, code) && (list.flag == "--code" || code != string(check.CodeCheckFailed)) {
				return 0, nil, usagef("check: %s %s: no check has this code%s", list.flag, code, didYouMean(code, codes))
			}
		}
	}
	if f.baseline == "" {
		return minSev, nil, nil
	}
	known, err := readBaseline(f.baseline)
	return minSev, known, err
}

func (f *checkFlags) codeList() []check.Code {
	var out []check.Code
	for _, c := range f.codes {
		if !slices.Contains(out, check.Code(c)) {
			out = append(out, check.Code(c))
		}
	}
	return out
}

// readBaseline reads the fingerprints of a previous `check -o json`. A finding written before
// fingerprints existed gets the one its code, resources and evidence give (check.Fingerprint).
func readBaseline(path string) (map[string]bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("check: --baseline: %v", err)
	}
	var prev struct {
		Findings *[]check.Finding `json:"findings"`
	}
	if err := json.Unmarshal(data, &prev); err != nil || prev.Findings == nil {
		msg := "want the JSON that vnetdoctor check -o json writes ({\"findings\": [...]})"
		if err != nil {
			msg = fmt.Sprintf("%v; %s", err, msg)
		}
		return nil, usagef("check: --baseline %s: %s", path, msg)
	}
	known := map[string]bool{}
	for _, f := range *prev.Findings {
		if f.Fingerprint == "" {
			f.Fingerprint = check.Fingerprint(f)
		}
		known[f.Fingerprint] = true
	}
	return known, nil
}

// filterFindings keeps the findings at least minSev severe, not excluded by code and not in the
// baseline, in their order.
func filterFindings(fs []check.Finding, minSev check.Severity, exclude []string, baseline map[string]bool) []check.Finding {
	out := fs[:0:0]
	for _, f := range fs {
		if f.Severity < minSev || slices.Contains(exclude, string(f.Code)) || baseline[f.Fingerprint] {
			continue
		}
		out = append(out, f)
	}
	return out
}
