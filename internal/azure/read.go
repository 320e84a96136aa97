package azure

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// read returns the bytes of file ("-": opt.Stdin), at most opt.MaxFileSize of them. Only a
// regular file is read (readFile): expand looked at the file before, and readFile looks again
// at what it opened, since the file may have changed in between. The size is checked before
// reading and enforced while reading, since a size can lie.
func read(file string, opt Options) ([]byte, error) {
	switch {
	case file != "-" && opt.Parsed != nil:
		return opt.Parsed.Read(file, opt.MaxFileSize)
	case file != "-":
		return readFile(file, opt.MaxFileSize)
	}
	if opt.Stdin == nil {
		return nil, &InputError{File: "-", Msg: "no standard input"}
	}
	return readAll("-", opt.Stdin, 0, opt.MaxFileSize, false)
}

// readAll reads r to its end into one buffer sized by the hint, failing once it has read more
// than max bytes, or as soon as the first bytes show binary data (a pipe fed from /dev/zero).
// For a regular file, a read that returns less than asked for is the end of the file.
func readAll(name string, r io.Reader, hint, max int64, regular bool) ([]byte, error) {
	buf := make([]byte, 0, min(hint, max)+1)
	checked := false
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		end := cap(buf)
		if int64(end) > max+1 {
			end = int(max + 1)
		}
		want := buf[len(buf):end]
		n, err := r.Read(want)
		buf = buf[:len(buf)+n]
		if !checked && (len(buf) >= 64 || err != nil || regular) {
			checked = true
			if msg := binary(buf); msg != "" {
				return nil, &InputError{File: name, Msg: msg}
			}
		}
		if int64(len(buf)) > max {
			return nil, tooBig(name, max)
		}
		if err == io.EOF || regular && err == nil && n > 0 && n < len(want) {
			return buf, nil
		}
		if err != nil {
			return nil, &InputError{File: name, Msg: ioMsg(err)}
		}
	}
}

// binary reports why text that starts with b cannot be JSON, or "": JSON text starts with
// (after a byte order mark and white space) a printable character, holds no NUL and is UTF-8.
// The first bytes of /dev/zero, /dev/urandom or an archive fail that, and reading on would
// only waste memory. A few bytes that are not UTF-8 are left to the parser, which names
// their line and JSON path (a Latin-1 name in an otherwise fine export).
func binary(b []byte) string {
	if len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF) {
		return "" // UTF-16, decoded by the parser
	}
	b = bytes.TrimPrefix(b[:min(len(b), 512)], []byte("\xEF\xBB\xBF"))
	head := bytes.TrimLeft(b, " \t\r\n")
	if len(head) == 0 {
		return ""
	}
	if c := head[0]; c < 0x20 || c == 0x7F {
		return fmt.Sprintf("binary data, not JSON text (starts with byte 0x%02X)", c)
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return "binary data, not JSON text (a NUL byte near the start)"
	}
	bad := 0
	for len(head) > 0 && utf8.FullRune(head) {
		r, size := utf8.DecodeRune(head)
		if r == utf8.RuneError && size == 1 {
			bad++
		}
		head = head[size:]
	}
	if bad > 8 {
		return "binary data, not JSON text (not UTF-8)"
	}
	return ""
}

func tooBig(name string, max int64) error {
	return &InputError{File: name, Msg: fmt.Sprintf("larger than the %s limit of one file (--max-file-size)", FormatSize(max))}
}

// FormatSize writes a byte count the way --max-file-size reads it (1GiB, 512MiB, 100KiB, 7).
func FormatSize(n int64) string {
	for _, u := range []struct {
		name  string
		shift uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d%s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprint(n)
}
