package render

import (
	"encoding/json"
	"io"
	"strings"
	"unicode/utf8"
)

// Width is the widest line human output aims for; longer text wraps at spaces onto indented
// continuation lines (a single word longer than that, such as a resource ID, stays whole).
const Width = 120

// Style says how human output looks. The zero value is plain text: no colour.
type Style struct {
	// Color uses ANSI colours; the CLI sets it only on a terminal without NO_COLOR.
	Color bool
}

const (
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

// paint wraps s in the colour code when colour is on.
func (st Style) paint(code, s string) string {
	if !st.Color || s == "" {
		return s
	}
	return code + s + reset
}

// wrap breaks text into lines of at most width columns at spaces: the first line starts with
// first (an indent or a marker), continuation lines with indent.
func wrap(text, first, indent string, width int) []string {
	var lines []string
	line := first
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width {
			lines = append(lines, line)
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	return append(lines, line)
}

// Wrap breaks text at spaces into lines of at most Width columns, the first starting with first
// and the others with indent, each ending with a newline.
func Wrap(text, first, indent string) string { return wrapped(text, first, indent) }

// wrapped is wrap joined with newlines, ending with one.
func wrapped(text, first, indent string) string {
	return strings.Join(wrap(text, first, indent, Width), "\n") + "\n"
}

// pluralize is "1 finding", "2 findings".
func pluralize(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// JSONWithWarnings writes v as JSON (as JSON does) with a "warnings" member added at the end
// of the object when there are warnings (cli.md "Every command": dangling references and
// skipped files, in every answer whose shape is an object). Without warnings, or when v is not
// an object or already has warnings, it writes exactly what JSON writes.
func JSONWithWarnings(w io.Writer, v any, ws []Warning) error {
	if len(ws) == 0 {
		return JSON(w, v)
	}
	var b strings.Builder
	if err := JSON(&b, v); err != nil {
		return err
	}
	out := strings.TrimRight(b.String(), "\n")
	var probe map[string]json.RawMessage
	if !strings.HasSuffix(out, "}") || json.Unmarshal([]byte(out), &probe) != nil || probe["warnings"] != nil {
		_, err := io.WriteString(w, out+"\n")
		return err
	}
	var lb strings.Builder
	enc := json.NewEncoder(&lb)
	enc.SetEscapeHTML(false)
	enc.SetIndent("  ", "  ")
	if err := enc.Encode(ws); err != nil {
		return err
	}
	list := strings.TrimRight(lb.String(), "\n")
	body := strings.TrimRight(strings.TrimSuffix(out, "}"), " \n")
	sep := ","
	if body == "{" {
		sep = ""
	}
	_, err := io.WriteString(w, body+sep+"\n  \"warnings\": "+list+"\n}\n")
	return err
}
