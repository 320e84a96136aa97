package azure

import (
	"crypto/sha256"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

// Parsed lets Loads that run together (diff's two snapshots) parse a file's bytes once: the
// first Load to read a content parses it and the next one with the same bytes takes that tree.
// A tree holds no file name (only a failed parse does, in its error), and decoding only reads
// it, so both sides decode their own objects, naming their own files. A failed parse is not
// shared: each Load reports its own file. It also reads each file once for Load and another
// reader of the same paths (Read). Safe for concurrent use; the zero value is not ready
// (NewParsed).
type Parsed struct {
	mu    sync.Mutex
	m     map[[sha256.Size]byte]*parsedTree
	files map[string]*sharedFile
}

type parsedTree struct {
	done chan struct{} // closed when v is set (nil after a failed parse)
	v    *jsondoc.Value
}

type sharedFile struct {
	done chan struct{} // closed when data or err is set
	data []byte
	err  error
}

// NewParsed returns an empty cache for Options.Parsed.
func NewParsed() *Parsed {
	return &Parsed{m: map[[sha256.Size]byte]*parsedTree{}, files: map[string]*sharedFile{}}
}

// Read is the bytes of file path (at most max), read once for Load (given c as Options.Parsed)
// and one other reader of the same paths at the same time (diff.ReadChanged in `vnetdoctor
// diff`): the first to ask reads, the second takes the bytes (or the error) and c forgets them.
// The bytes are shared: neither may write to them.
func (c *Parsed) Read(path string, max int64) ([]byte, error) {
	c.mu.Lock()
	f, ok := c.files[path]
	if ok {
		delete(c.files, path)
	} else {
		f = &sharedFile{done: make(chan struct{})}
		c.files[path] = f
	}
	c.mu.Unlock()
	if ok {
		<-f.done
		return f.data, f.err
	}
	// A panic too must not leave the other reader waiting, nor hand it empty bytes as if read.
	defer close(f.done)
	f.err = &InputError{File: path, Msg: "reading failed"}
	f.data, f.err = readFile(path, max)
	return f.data, f.err
}

// parse is jsondoc.ParseOwned of data (Load reads each file into a buffer of its own and never
// writes to it again), whose SHA-256 is sum, through c (nil: no sharing). A tree is
// handed on once and then forgotten: two snapshots share it, and the cache holds no tree longer
// than both need it.
func (c *Parsed) parse(sum [sha256.Size]byte) func(string, []byte) (*jsondoc.Value, error) {
	if c == nil {
		return jsondoc.ParseOwned
	}
	return func(name string, data []byte) (*jsondoc.Value, error) {
		c.mu.Lock()
		t, ok := c.m[sum]
		if ok {
			delete(c.m, sum)
		} else {
			t = &parsedTree{done: make(chan struct{})}
			c.m[sum] = t
		}
		c.mu.Unlock()
		if ok {
			if <-t.done; t.v != nil {
				return t.v, nil
			}
			return jsondoc.ParseOwned(name, data)
		}
		defer close(t.done) // a panic too must not leave the other Load waiting
		v, err := jsondoc.ParseOwned(name, data)
		if err == nil {
			t.v = v
		}
		return v, err
	}
}
