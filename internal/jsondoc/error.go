package jsondoc

// Error is input Parse cannot read: text that is not JSON, or UTF-16 of odd length.
type Error struct {
	File string // as the caller named it
	Path string // JSON path where the parser stopped, e.g. $.properties.subnets[0]; "" when none
	Msg  string // with the line and column for a syntax error
}

func (e *Error) Error() string { return Message(e.File, e.Path, e.Msg) }

// Message is the one-line form of an error about the value at path (may be "") in file:
// "file: path: msg".
func Message(file, path, msg string) string {
	if path == "" {
		return file + ": " + msg
	}
	return file + ": " + shortPath(path) + ": " + msg
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
