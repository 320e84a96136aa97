package render

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/check"
)

// CheckReport is the JSON answer of `vnetdoctor check` (cli.md "check").
type CheckReport struct {
	Findings []check.Finding `json:"findings"`
}

// CheckJSON writes the findings as cli.md's check JSON.
func CheckJSON(w io.Writer, fs []check.Finding) error {
	if fs == nil {
		fs = []check.Finding{}
	}
	return JSON(w, CheckReport{Findings: fs})
}

// Check writes findings for people: grouped by severity (errors first), each finding in at most
// five short lines (title, message, resources, evidence, fix), and a count line at the end.
func Check(w io.Writer, fs []check.Finding) error {
	ew := &errWriter{w: w}
	if len(fs) == 0 {
		ew.printf("No findings.\n")
		return ew.err
	}
	for _, sev := range []check.Severity{check.Error, check.Warning, check.Info} {
		group := bySeverity(fs, sev)
		if len(group) == 0 {
			continue
		}
		ew.printf("%s (%d)\n", plural(sev), len(group))
		for _, f := range group {
			writeFinding(ew, f)
		}
		ew.printf("\n")
	}
	ew.printf("%s\n", countLine(fs))
	return ew.err
}

func bySeverity(fs []check.Finding, sev check.Severity) []check.Finding {
	var out []check.Finding
	for _, f := range fs {
		if f.Severity == sev {
			out = append(out, f)
		}
	}
	return out
}

func plural(s check.Severity) string {
	switch s {
	case check.Error:
		return "ERRORS"
	case check.Warning:
		return "WARNINGS"
	}
	return "INFO"
}

func writeFinding(ew *errWriter, f check.Finding) {
	ew.printf("  [%s] %s\n", f.Code, f.Title)
	if f.Message != "" {
		ew.printf("      %s\n", f.Message)
	}
	if len(f.Resources) > 0 {
		ew.printf("      on: %s\n", shortList(resourceNames(f.Resources), 6))
	}
	if ev := evidenceLine(f.Evidence); ev != "" {
		ew.printf("      evidence: %s\n", ev)
	}
	if f.Fix != "" {
		ew.printf("      fix: %s\n", f.Fix)
	}
}

// resourceNames shortens resource IDs to their last two segments' name (type/name is noise here).
func resourceNames(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id[strings.LastIndexByte(id, '/')+1:]
	}
	return out
}

// shortList joins at most max items and says how many were left out.
func shortList(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:max], ", "), len(items)-max)
}

// evidenceLine renders evidence as sorted key=value pairs; lists are shortened.
func evidenceLine(ev map[string]any) string {
	keys := make([]string, 0, len(ev))
	for k := range ev {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+evidenceValue(ev[k]))
	}
	return strings.Join(parts, " ")
}

func evidenceValue(v any) string {
	switch x := v.(type) {
	case []string:
		return "[" + shortList(x, 4) + "]"
	case string:
		if strings.ContainsRune(x, ' ') {
			return fmt.Sprintf("%q", x)
		}
		return x
	case float64:
		return fmt.Sprintf("%.2f", x)
	}
	return fmt.Sprint(v)
}

func countLine(fs []check.Finding) string {
	var e, w, i int
	for _, f := range fs {
		switch f.Severity {
		case check.Error:
			e++
		case check.Warning:
			w++
		default:
			i++
		}
	}
	return fmt.Sprintf("%d findings: %d errors, %d warnings, %d info", len(fs), e, w, i)
}

// errWriter remembers the first write error so rendering code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}
