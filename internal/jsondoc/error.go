package jsondoc

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Error is bad input in a file, at a JSON path when there is one: text Parse cannot read (not
// JSON, not UTF-8, UTF-16 of odd length) or, from a decoder built on this package, a value that
// is not what it expects there. Its message is one line: "file: path: msg", in which anything
// that looks like a secret is redacted and a long quoted value is clipped (see Clip).
type Error struct {
	File string // as the caller named it ("-" for stdin)
	Path string // JSON path, e.g. $.properties.subnets[0].properties.addressPrefix; "" when none
	Msg  string // for a syntax error, with the line and column
}

func (e *Error) Error() string {
	msg := clipQuoted(Redact(e.Msg))
	if e.Path == "" {
		return e.File + ": " + msg
	}
	return e.File + ": " + Redact(shortPath(e.Path)) + ": " + msg
}

// maxPathLen keeps the one-line message readable for absurdly deep input (a path 512
// levels deep); the head and the tail are the parts that locate the value.
const maxPathLen = 160

func shortPath(p string) string {
	if len(p) <= maxPathLen {
		return p
	}
	return p[:maxPathLen/2] + "…" + p[len(p)-maxPathLen/2:]
}

// MaxQuote is the most bytes of a value an error message quotes.
const MaxQuote = 80

// Clip is what an error message may quote of value s: s with secrets redacted, cut to
// MaxQuote bytes (at a character boundary, "..." added). Decoders pass every value they quote
// through it; Error clips and redacts again, for messages built elsewhere.
func Clip(s string) string {
	s = Redact(s)
	if len(s) <= MaxQuote {
		return s
	}
	cut := MaxQuote - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// secret matches what looks like a credential, to its value: a SAS signature (sig=), a
// storage connection string's AccountKey=, SharedAccessKey=, SharedAccessSignature, a VPN
// connection's sharedKey, passwords, client secrets and tokens, as key=value, key: value or
// "key": "value" (also inside a quoted, escaped message); and bare JWTs.
var secret = regexp.MustCompile(`(?i)((?:\bsig|accountkey|sharedaccesskey|sharedaccesssignature|sharedkey|` +
	`password|passwd|pwd|client_?secret|secret|api_?key|access_?token|refresh_?token|\btoken|authorization)` +
	`(?:\\?["'])?\s*[=:]\s*(?:\\?["'])?\s*(?:bearer\s+)?|\bbearer\s+|\bsharedaccesssignature\s+)([^\s&;,"'\\}{)\]]+)` +
	`|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)

// Redact replaces the values of anything in s that looks like a secret with <redacted>.
func Redact(s string) string {
	if !mayHoldSecret(s) {
		return s
	}
	return secret.ReplaceAllStringFunc(s, func(m string) string {
		sub := secret.FindStringSubmatch(m)
		if sub[1] == "" { // a JWT
			return "<redacted>"
		}
		if strings.EqualFold(sub[2], "redacted") || sub[2] == "<redacted>" {
			return m
		}
		return sub[1] + "<redacted>"
	})
}

// mayHoldSecret is a cheap filter before the regular expression.
func mayHoldSecret(s string) bool {
	l := strings.ToLower(s)
	for _, w := range []string{"sig", "key", "sharedaccess", "pass", "pwd", "secret", "token", "authorization", "eyj"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// clipQuoted clips every double-quoted (Go-escaped) value in msg longer than MaxQuote.
func clipQuoted(msg string) string {
	if len(msg) <= MaxQuote {
		return msg
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '"')
		if i < 0 {
			break
		}
		j := i + 1
		for j < len(msg) && msg[j] != '"' {
			if msg[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(msg) {
			break
		}
		b.WriteString(msg[:i+1])
		inner := msg[i+1 : j]
		if len(inner) > MaxQuote {
			cut := MaxQuote - 3
			for cut > 0 && (!utf8.RuneStart(inner[cut]) || backslashes(inner[:cut])%2 == 1) {
				cut--
			}
			inner = inner[:cut] + "..."
		}
		b.WriteString(inner + `"`)
		msg = msg[j+1:]
	}
	b.WriteString(msg)
	return b.String()
}

// backslashes counts the backslashes that end s (an odd count would cut an escape in two).
func backslashes(s string) int {
	n := 0
	for n < len(s) && s[len(s)-1-n] == '\\' {
		n++
	}
	return n
}
