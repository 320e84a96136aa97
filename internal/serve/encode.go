package serve

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

// An encoder renders answers exactly as render.JSON does (two-space indent, HTML not escaped,
// a final newline) into a buffer it keeps. Under load, a fresh json.Encoder per answer grew its
// indent buffer from nothing every time: that growing was a third of a trace request's CPU on the
// 10,000-NIC estate (pprof under TestTraceUnderLoad). Pooled encoders keep both buffers warm.
// TestEncoderMatchesRender pins the bytes to render.JSON's.
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

// maxPooledBytes keeps one huge answer (a check of the whole estate) from pinning its buffer.
const maxPooledBytes = 1 << 20

var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetIndent("", "  ")
	e.enc.SetEscapeHTML(false)
	return e
}}

// encodeAnswer renders v as the CLI's JSON with the warnings ws (render.JSONWithWarnings) and
// calls write with the bytes, which are valid only during the call.
func encodeAnswer(v any, ws []render.Warning, write func([]byte)) error {
	e := encoders.Get().(*encoder)
	defer func() {
		if e.buf.Cap() <= maxPooledBytes {
			e.buf.Reset()
			encoders.Put(e)
		}
	}()
	var err error
	if len(ws) == 0 {
		err = e.enc.Encode(v)
	} else {
		err = render.JSONWithWarnings(&e.buf, v, ws) // rare: snapshots with skipped input
	}
	if err != nil {
		return err
	}
	write(e.buf.Bytes())
	return nil
}
