package serve

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

// An encoder renders answers exactly as render.JSON does (two-space indent, HTML not escaped,
// a final newline) into buffers it keeps. Two measured costs shaped it (pprof under
// TestTraceUnderLoad on the 10,000-NIC estate):
//   - a fresh json.Encoder per answer grew its indent buffer from nothing every time, a third of
//     a trace request's CPU: pooled encoders keep their buffers warm;
//   - encoding/json indents by running its validating scanner over every byte of the compact
//     answer, four times the cost of encoding it (35 µs of a 43 µs trace answer): the encoder
//     writes compact JSON and render.AppendIndent, which trusts encoding/json's output to be
//     valid and compact, indents it.
//
// TestEncoderMatchesRender pins the bytes to render.JSON's.
type encoder struct {
	compact bytes.Buffer
	out     []byte
	enc     *json.Encoder
}

// maxPooledBytes keeps one huge answer (a check of the whole estate) from pinning its buffer.
const maxPooledBytes = 1 << 20

var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.compact)
	e.enc.SetEscapeHTML(false)
	return e
}}

// encodeAnswer renders v as the CLI's JSON with the warnings ws (render.JSONWithWarnings) and
// calls write with the bytes, which are valid only during the call.
func encodeAnswer(v any, ws []render.Warning, write func([]byte)) error {
	e := encoders.Get().(*encoder)
	defer e.release()
	if len(ws) > 0 { // rare: snapshots with skipped input
		if err := render.JSONWithWarnings(&e.compact, v, ws); err != nil {
			return err
		}
		write(e.compact.Bytes())
		return nil
	}
	if err := e.enc.Encode(v); err != nil {
		return err
	}
	e.out = render.AppendIndent(e.out[:0], e.compact.Bytes())
	write(e.out)
	return nil
}

// release returns e to the pool, unless an answer grew its buffers past maxPooledBytes.
func (e *encoder) release() {
	if e.compact.Cap() <= maxPooledBytes && cap(e.out) <= 2*maxPooledBytes {
		e.compact.Reset()
		e.out = e.out[:0]
		encoders.Put(e)
	}
}

// encoded is an answer already rendered (an answer that never changes is encoded once), with
// its gzip for clients that accept it: the bytes are the same once decoded.
type encoded struct {
	json, gzip []byte
}

func newEncoded(b []byte) (*encoded, error) {
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed) // the level is valid
	zw.Write(b)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return &encoded{json: bytes.Clone(b), gzip: gz.Bytes()}, nil
}

// write writes the answer, gzipped when the request accepts gzip.
func (e *encoded) write(w http.ResponseWriter, r *http.Request) {
	w.Header()["Vary"] = varyEncoding
	if !acceptsGzip(r.Header.Values("Accept-Encoding")) {
		writeJSON(w, e.json)
		return
	}
	w.Header()["Content-Encoding"] = gzipEncoding
	writeJSON(w, e.gzip)
}

var varyEncoding, gzipEncoding = []string{"Accept-Encoding"}, []string{"gzip"}

// acceptsGzip reads Accept-Encoding (RFC 9110 §12.5.3): gzip or *, without q=0.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for _, c := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(c, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "gzip" && name != "x-gzip" && name != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.ToLower(params), " ", "")
			return !(strings.HasPrefix(q, "q=0") && strings.Trim(strings.TrimPrefix(q, "q="), "0.") == "")
		}
	}
	return false
}
