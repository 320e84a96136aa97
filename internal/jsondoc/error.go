package jsondoc

// Error is bad input in a file, at a JSON path when there is one: text Parse cannot read (not
// JSON, UTF-16 of odd length) or, from a decoder built on this package, a value that is not
// what it expects there. Its message is one line: "file: path: msg".
type Error struct {
	File string // as the caller named it ("-" for stdin)
	Path string // JSON path, e.g. $.properties.subnets[0].properties.addressPrefix; "" when none
	Msg  string // for a syntax error, with the line and column
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.File + ": " + e.Msg
	}
	return e.File + ": " + shortPath(e.Path) + ": " + e.Msg
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
