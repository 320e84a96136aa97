package flowlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// decodeFailed records why the element at r.elem could not be decoded; reading stops (a JSON
// stream cannot be resynchronised).
func (r *Reader) decodeFailed(err error) {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		r.skip(r.elemPath(), "half-written last record (the file ends mid-record)")
	case errors.As(err, &se) && r.cutShort():
		// A newline after the cut (a string or number left open): the file ends mid-record.
		r.skip(r.elemPath(), "half-written last record (the file ends mid-record)")
	case errors.As(err, &se):
		r.skip(r.elemPath(), fmt.Sprintf("invalid JSON at byte %d: %s; the rest of the file is not read", se.Offset, se.Error()))
	default:
		r.skip(r.elemPath(), jsonProblem(err)+"; the rest of the file is not read")
	}
}

// cutShort reports whether the value that failed to decode runs to the end of the file and is
// a prefix of valid JSON once trailing white space is removed.
func (r *Reader) cutShort() bool {
	if !r.src.eof || r.br.Buffered() > 0 {
		return false
	}
	rest, err := io.ReadAll(r.dec.Buffered())
	if err != nil {
		return false
	}
	var v any
	err = json.Unmarshal(bytes.TrimRight(rest, " \t\r\n"), &v)
	var se *json.SyntaxError
	return errors.As(err, &se) && se.Error() == "unexpected end of JSON input"
}

func fieldPath(f string) string {
	if f == "" {
		return "the record"
	}
	return f
}

func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s is %s, not %s", fieldPath(te.Field), te.Value, te.Type)
	}
	return err.Error()
}
