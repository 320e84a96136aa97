package render

import (
	"fmt"
	"io"
	"slices"
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

// Check writes findings for people, about one screen per dozen findings: grouped by severity
// (errors first), then by code; one line per finding (title and the code's cli.md evidence
// keys), and each distinct fix once per code. Messages, resources and the full evidence are in
// -o json; a count line ends the report.
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
		for _, byCode := range groupByCode(group) {
			writeCodeGroup(ew, byCode)
		}
		ew.printf("\n")
	}
	ew.printf("%s (details: -o json)\n", countLine(fs))
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

// groupByCode splits findings by code, keeping the order in which codes first appear.
func groupByCode(fs []check.Finding) [][]check.Finding {
	var out [][]check.Finding
	at := map[check.Code]int{}
	for _, f := range fs {
		i, ok := at[f.Code]
		if !ok {
			i = len(out)
			at[f.Code] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], f)
	}
	return out
}

func writeCodeGroup(ew *errWriter, fs []check.Finding) {
	ew.printf("  %s (%d)\n", fs[0].Code, len(fs))
	var fixes []string
	for _, f := range fs {
		line := "    - " + f.Title
		if ev := evidenceLine(keyEvidence(f)); ev != "" {
			line += "  [" + ev + "]"
		}
		ew.printf("%s\n", line)
		if f.Fix != "" && !slices.Contains(fixes, f.Fix) {
			fixes = append(fixes, f.Fix)
		}
	}
	for _, fix := range fixes {
		ew.printf("    fix: %s\n", fix)
	}
}

// keyEvidence is the finding's contract evidence (the keys its check declares, cli.md), without
// empty values and without names or addresses the title already shows (numbers always show: "1"
// in a title may count anything).
func keyEvidence(f check.Finding) map[string]any {
	out := map[string]any{}
	c, _ := check.Lookup(f.Code)
	for _, k := range c.Evidence {
		v, ok := f.Evidence[k]
		if str, isStr := v.(string); !ok || isStr && (str == "" || hasWord(f.Title, str)) {
			continue
		}
		out[k] = v
	}
	return out
}

// hasWord reports whether w occurs in s delimited by spaces, punctuation or the ends.
func hasWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(w)
		if (j == 0 || !wordByte(s[j-1])) && (end == len(s) || !wordByte(s[end])) {
			return true
		}
		i = j + 1
	}
}

func wordByte(b byte) bool {
	return b == '.' || b == '/' || b == '_' || b == '-' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
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
