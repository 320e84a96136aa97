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

// Check writes findings for people in plain text (CheckStyled with zero options).
func Check(w io.Writer, fs []check.Finding) error { return CheckStyled(w, fs, CheckOptions{}) }

// CheckOptions shape the human check report.
type CheckOptions struct {
	Style
	// Expand lists codes whose findings are listed one by one however many there are (the
	// CLI's --code); other codes with more than RollupAt findings are rolled up.
	Expand []check.Code
}

// RollupAt is the number of findings of one code above which the text report rolls them up per
// resource (ShadowedRule per NSG) unless the code is expanded.
const RollupAt = 10

// CheckStyled writes findings for people: grouped by severity (errors first), then by code; one
// line per finding (title and the code's cli.md evidence keys) followed by its message (the
// impact; once per code when every finding of the code says the same), then each distinct fix
// once per code. A code with more than RollupAt findings is rolled up to one line per resource
// unless opts.Expand names it. Lines wrap at Width; a count line ends the report.
func CheckStyled(w io.Writer, fs []check.Finding, opts CheckOptions) error {
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
		ew.printf("%s\n", opts.paint(bold+sevColor(sev), fmt.Sprintf("%s (%d)", plural(sev), len(group))))
		for _, byCode := range groupByCode(group) {
			if len(byCode) > RollupAt && !slices.Contains(opts.Expand, byCode[0].Code) {
				writeRollup(ew, byCode, opts.Style)
			} else {
				writeCodeGroup(ew, byCode, opts.Style)
			}
		}
		ew.printf("\n")
	}
	ew.printf("%s (details: -o json)\n", countLine(fs))
	return ew.err
}

func sevColor(s check.Severity) string {
	switch s {
	case check.Error:
		return red
	case check.Warning:
		return yellow
	}
	return ""
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

func writeCodeGroup(ew *errWriter, fs []check.Finding, st Style) {
	ew.printf("  %s (%d)\n", st.paint(bold, string(fs[0].Code)), len(fs))
	shared := len(fs) > 1
	for _, f := range fs[1:] {
		shared = shared && f.Message == fs[0].Message
	}
	var fixes []string
	for _, f := range fs {
		line := f.Title
		if ev := evidenceLine(keyEvidence(f)); ev != "" {
			line += "  [" + ev + "]"
		}
		ew.printf("%s", wrapped(line, "    - ", "        "))
		if f.Message != "" && !shared {
			ew.printf("%s", wrapped(f.Message, "      ", "      "))
		}
		if f.Fix != "" && !slices.Contains(fixes, f.Fix) {
			fixes = append(fixes, f.Fix)
		}
	}
	if shared && fs[0].Message != "" {
		ew.printf("%s", wrapped(fs[0].Message, "    impact: ", "        "))
	}
	for _, fix := range fixes {
		ew.printf("%s", wrapped(fix, "    fix: ", "        "))
	}
}

// writeRollup writes a mass of findings of one code as one line per resource (the first
// resource each names: the NSG of a ShadowedRule), at most rollupLines of them, the first fix,
// and how to list them all.
func writeRollup(ew *errWriter, fs []check.Finding, st Style) {
	const rollupLines = 15
	ew.printf("  %s (%d, rolled up)\n", st.paint(bold, string(fs[0].Code)), len(fs))
	var keys []string
	by := map[string][]check.Finding{}
	for _, f := range fs {
		k := "(no resource)"
		if len(f.Resources) > 0 {
			k = lastSegment(f.Resources[0])
		}
		if by[k] == nil {
			keys = append(keys, k)
		}
		by[k] = append(by[k], f)
	}
	for i, k := range keys {
		if i == rollupLines {
			ew.printf("    - and %s more\n", pluralize(len(keys)-rollupLines, "resource", "resources"))
			break
		}
		g := by[k]
		text := k + ": " + g[0].Title
		if hasWord(g[0].Title, k) {
			text = g[0].Title
		}
		if len(g) > 1 {
			text = fmt.Sprintf("%s: %s, e.g. %s", k, pluralize(len(g), "finding", "findings"), g[0].Title)
		}
		ew.printf("%s", wrapped(text, "    - ", "        "))
	}
	if fs[0].Message != "" {
		ew.printf("%s", wrapped(fs[0].Message, "    impact (first): ", "        "))
	}
	if fs[0].Fix != "" {
		ew.printf("%s", wrapped(fs[0].Fix, "    fix (first): ", "        "))
	}
	ew.printf("    list each: vnetdoctor check --code %s\n", fs[0].Code)
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
	return fmt.Sprintf("%s: %s, %s, %d info", pluralize(len(fs), "finding", "findings"),
		pluralize(e, "error", "errors"), pluralize(w, "warning", "warnings"), i)
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
