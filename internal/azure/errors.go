package azure

import (
	"fmt"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

// InputError is bad input: a file that cannot be read, is not JSON, or holds a value that
// is not what Azure would write there. It is the parser's error type, so a syntax error needs
// no conversion. It never carries a stack trace; the CLI prints it on one line and exits 2
// (cli.md).
type InputError = jsondoc.Error

// Src is where a wire object came from: the converter names it in its errors and warnings.
type Src struct {
	File string
	Path *jsondoc.Path
}

func (s Src) String() string { return s.File + ": " + s.Path.String() }

// Err returns an InputError for the member key of the object at s.
func (s Src) Err(key, msg string) *InputError {
	p := s.Path
	if key != "" {
		p = p.Key(key)
	}
	return &InputError{File: s.File, Path: p.String(), Msg: msg}
}

// PanicError is a panic while loading: a bug in vnetdoctor, not bad input. The CLI reports it
// as an internal error (exit 1), never as bad input (exit 2).
type PanicError struct {
	File  string // the file being decoded
	Value any    // what panicked
	Stack []byte // the goroutine's stack
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("panic while loading %s: %v", e.File, e.Value)
}
