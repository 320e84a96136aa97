package azure

import (
	"bytes"
	"crypto/sha256"
	"hash/maphash"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

// Parsed lets Loads that run together (diff's two snapshots) parse a file's bytes once: the
// first Load to read a content parses it and the next one with the same bytes takes that tree.
// A tree holds no file name (only a failed parse does, in its error), and decoding only reads
// it, so both sides decode their own objects, naming their own files. A failed parse is not
// shared: each Load reports its own file. It also reads each file once for Load and another
// reader of the same paths (Read), and hashes a content once: the second Load with the same
// bytes takes the first one's SHA-256. Safe for concurrent use; the zero value is not ready
// (NewParsed).
type Parsed struct {
	trees handOff[[sha256.Size]byte, *jsondoc.Value] // nil after a failed parse
	files handOff[string, readResult]
	sums  handOff[contentKey, hashed]
	// quick is the cheap hash that finds a content already hashed; a test makes it collide.
	quick func([]byte) uint64
}

// contentKey finds bytes another Load may have hashed: their length and quick hash. Equal keys
// are not proof: sum compares the bytes.
type contentKey struct {
	n     int
	quick uint64
}

type hashed struct {
	data []byte
	sum  [sha256.Size]byte
	ok   bool // false: the first asker panicked
}

type readResult struct {
	data []byte
	err  error
}

// NewParsed returns an empty cache for Options.Parsed.
func NewParsed() *Parsed {
	seed := maphash.MakeSeed()
	return &Parsed{trees: handOff[[sha256.Size]byte, *jsondoc.Value]{m: map[[sha256.Size]byte]*handed[*jsondoc.Value]{}},
		files: handOff[string, readResult]{m: map[string]*handed[readResult]{}},
		sums:  handOff[contentKey, hashed]{m: map[contentKey]*handed[hashed]{}},
		quick: func(b []byte) uint64 { return maphash.Bytes(seed, b) }}
}

// sum is the SHA-256 of data (a file's bytes, which nobody writes to), through c (nil: no
// sharing): the second Load reading the same bytes takes the first one's sum instead of hashing
// them again. SHA-256 was a tenth of loading the 10,000-NIC estate (46 ms for its 64 MB); the
// quick hash and the comparison that confirms it cost 11 ms.
func (c *Parsed) sum(data []byte) [sha256.Size]byte {
	if c == nil {
		return sha256.Sum256(data)
	}
	h := c.sums.take(contentKey{len(data), c.quick(data)}, hashed{}, func() hashed {
		return hashed{data: data, sum: sha256.Sum256(data), ok: true}
	})
	if !h.ok || !bytes.Equal(h.data, data) {
		return sha256.Sum256(data)
	}
	return h.sum
}

// Read is the bytes of file path (at most max), read once for Load (given c as Options.Parsed)
// and one other reader of the same paths at the same time (diff.ReadChanged in `vnetdoctor
// diff`): the first to ask reads, the second takes the bytes (or the error) and c forgets them.
// The bytes are shared: neither may write to them.
func (c *Parsed) Read(path string, max int64) ([]byte, error) {
	r := c.files.take(path, readResult{err: &InputError{File: path, Msg: "reading failed"}}, func() readResult {
		data, err := readFile(path, max)
		return readResult{data, err}
	})
	return r.data, r.err
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
		var err error
		v := c.trees.take(sum, nil, func() *jsondoc.Value {
			var v *jsondoc.Value
			v, err = jsondoc.ParseOwned(name, data)
			return v
		})
		if v == nil && err == nil { // the other Load's parse failed: this one reports its own file
			return jsondoc.ParseOwned(name, data)
		}
		return v, err
	}
}

// handOff gives each key's value to two askers at most: the first works it out, the second
// waits for it and takes it, and the key is forgotten. Safe for concurrent use.
type handOff[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*handed[V]
}

type handed[V any] struct {
	done chan struct{} // closed when v is set
	v    V
}

// take is k's value: work's for the first asker, who hands it on; failed is what the second
// takes should work panic (a panic must not leave it waiting, nor hand it a value as if made).
func (h *handOff[K, V]) take(k K, failed V, work func() V) V {
	h.mu.Lock()
	s, ok := h.m[k]
	if ok {
		delete(h.m, k)
	} else {
		s = &handed[V]{done: make(chan struct{}), v: failed}
		h.m[k] = s
	}
	h.mu.Unlock()
	if ok {
		<-s.done
		return s.v
	}
	defer close(s.done)
	s.v = work()
	return s.v
}
