package flowlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxLine is the longest JSON line (and so the largest record in JSON lines) read; longer
// lines are skipped.
const MaxLine = 16 << 20

// maxReasons caps the distinct skip reasons kept per file; the rest are counted under one.
const maxReasons = 32

type mode uint8

const (
	modeBlob  mode = iota // {"records": [...]} as diagnostic settings write PT1H.json
	modeArray             // a JSON array (Log Analytics export)
	modeLines             // JSON lines (Log Analytics export, one object a line)
	modeCSV               // CSV (Log Analytics export, csv.go)
)

// Reader streams the Records of one log file. Use Next until it returns false, then Err for a
// read error of the underlying reader (a malformed input is never an error: it is a Skip).
type Reader struct {
	from uint64 // records numbered below it are counted, not parsed (already stored)

	src  *countingReader
	br   *bufio.Reader
	dec  *json.Decoder
	csv  *csvRows
	mode mode
	elem int    // index of the element being read
	line int    // line number (modeLines)
	seq  uint64 // next Seq to number
	done bool
	err  error

	// the element being emitted
	pend []pending
	pi   int
	ctx  []groupCtx
	base Record // fields shared by the element's tuples
	ver  int    // NSG flow log version

	skips   []Skip
	byWhy   map[string]int
	records uint64 // Records returned
	started bool
	read    bool // an element was read (the next one has the next index)
}

// pending is one tuple of the current element, with where it sits for error paths.
type pending struct {
	tuple   string
	ctx     int
	i, j, k int
}

// groupCtx is what a flow group's tuples share.
type groupCtx struct{ acl, rule, mac string }

// NewReader reads r. Records whose Seq is below from are skipped unparsed: a caller that stored
// a file's first records passes how many, and gets only what the file gained since.
func NewReader(r io.Reader, from uint64) *Reader {
	src := &countingReader{r: r}
	return &Reader{src: src, br: bufio.NewReaderSize(src, 256<<10), from: from, byWhy: map[string]int{}}
}

// countingReader counts the bytes read and remembers reaching the end.
type countingReader struct {
	r   io.Reader
	n   int64
	eof bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err == io.EOF {
		c.eof = true
	}
	return n, err
}

// Skips are the inputs left out so far, in the order first met.
func (r *Reader) Skips() []Skip { return r.skips }

// Seq is the number of record positions consumed so far by complete JSON elements: after the
// last Next, what a later NewReader's from should be to read only what the file gains.
func (r *Reader) Seq() uint64 { return r.seq }

// Err is the underlying reader's error, if reading stopped because of one.
func (r *Reader) Err() error { return r.err }

func (r *Reader) skip(path, reason string) {
	if i, ok := r.byWhy[reason]; ok {
		r.skips[i].Count++
		return
	}
	if len(r.skips) >= maxReasons {
		reason = "other problems (too many kinds to list)"
		if i, ok := r.byWhy[reason]; ok {
			r.skips[i].Count++
			return
		}
	}
	r.byWhy[reason] = len(r.skips)
	r.skips = append(r.skips, Skip{Path: path, Reason: reason, Count: 1})
}

// Next fills rec with the next record and reports whether there was one.
func (r *Reader) Next(rec *Record) bool {
	if !r.started {
		r.started = true
		r.start()
	}
	for {
		for r.pi < len(r.pend) {
			p := r.pend[r.pi]
			r.pi++
			seq := r.seq
			r.seq++
			if seq < r.from {
				continue
			}
			*rec = r.base
			rec.Seq = seq
			if err := r.fill(p, rec); err != nil {
				r.skip(r.tuplePath(p), err.Error())
				continue
			}
			r.records++
			return true
		}
		if r.done || !r.nextElement() {
			r.done = true
			return false
		}
	}
}

func (r *Reader) fill(p pending, rec *Record) error {
	switch rec.Kind {
	case VNetFlowLog:
		c := r.ctx[p.ctx]
		rec.ACLID, rec.Rule, rec.MAC = c.acl, c.rule, c.mac
		return parseV4Tuple(p.tuple, rec)
	case NSGFlowLog:
		c := r.ctx[p.ctx]
		rec.Rule, rec.MAC = c.rule, c.mac
		return parseNSGTuple(p.tuple, r.ver, rec)
	}
	return nil // firewall records are filled whole by element
}

func (r *Reader) elemPath() string {
	switch r.mode {
	case modeBlob:
		return fmt.Sprintf("$.records[%d]", r.elem)
	case modeArray:
		return fmt.Sprintf("$[%d]", r.elem)
	}
	return "line " + strconv.Itoa(r.line)
}

func (r *Reader) tuplePath(p pending) string {
	switch r.base.Kind {
	case VNetFlowLog:
		return fmt.Sprintf("%s.flowRecords.flows[%d].flowGroups[%d].flowTuples[%d]", r.elemPath(), p.i, p.j, p.k)
	case NSGFlowLog:
		return fmt.Sprintf("%s.properties.flows[%d].flows[%d].flowTuples[%d]", r.elemPath(), p.i, p.j, p.k)
	}
	return r.elemPath()
}

// start finds the shape of the file: a {"records": [...]} blob, a JSON array or JSON lines.
func (r *Reader) start() {
	r.done = true
	b, err := r.peekNonSpace()
	if err != nil {
		if err == io.EOF {
			r.skip("$", "empty file")
		} else {
			r.err = err
		}
		return
	}
	switch b {
	case '[':
		r.mode, r.dec = modeArray, json.NewDecoder(r.br)
		r.dec.Token() // the '[' peeked
	case '{':
		if !r.firstKeyIsRecords() {
			r.mode, r.done = modeLines, false
			return
		}
		r.mode, r.dec = modeBlob, json.NewDecoder(r.br)
		r.dec.Token() // {
		r.dec.Token() // "records"
		if t, err := r.dec.Token(); err != nil || t != json.Delim('[') {
			r.skip("$.records", "records is not an array")
			return
		}
	default:
		if first, _ := r.br.Peek(4096); csvHeader(string(first[:max(0, bytes.IndexByte(first, '\n'))])) {
			rows, err := newCSVRows(r.br)
			if err != nil {
				r.skip("line 1", "CSV header: "+err.Error())
				return
			}
			r.mode, r.csv, r.done, r.line = modeCSV, rows, false, 1
			return
		}
		r.skip("$", fmt.Sprintf("not JSON (starts with %q)", b))
		return
	}
	r.done = false
}

// peekNonSpace skips a UTF-8 byte order mark and white space and returns the next byte unread.
func (r *Reader) peekNonSpace() (byte, error) {
	if bom, err := r.br.Peek(3); err == nil && string(bom) == "\xef\xbb\xbf" {
		r.br.Discard(3)
	}
	for {
		b, err := r.br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			if b == '\n' {
				r.line++
			}
			continue
		}
		r.br.UnreadByte()
		return b, nil
	}
}

// firstKeyIsRecords reports whether the object at the reader starts with the key "records",
// as every diagnostic-settings blob does.
func (r *Reader) firstKeyIsRecords() bool {
	buf, _ := r.br.Peek(4096)
	buf = bytes.TrimLeft(buf[1:], " \t\r\n")
	return bytes.HasPrefix(buf, []byte(`"records"`))
}

// nextElement decodes the next element into pend; false at the end of the input.
func (r *Reader) nextElement() bool {
	var w wireRecord
	switch r.mode {
	case modeBlob, modeArray:
		if r.read {
			r.elem++
		}
		if !r.dec.More() {
			return false
		}
		if err := r.dec.Decode(&w); err != nil {
			r.decodeFailed(err)
			return false
		}
	case modeCSV:
		if !r.nextCSV(&w) {
			return false
		}
	case modeLines:
		if r.read {
			r.elem++
		}
		line, ok := r.readLine()
		if !ok {
			return false
		}
		if err := json.Unmarshal(line, &w); err != nil {
			if r.atEOF() {
				r.skip(r.elemPath(), "half-written last line (the file ends mid-record)")
				return false
			}
			r.read = true
			r.skipElem(r.elemPath(), "not a JSON object: "+jsonProblem(err))
			r.pend, r.pi = r.pend[:0], 0
			return true
		}
	}
	r.load(&w)
	return true
}

// skipElem records a skipped firewall record (one Seq) unless it was stored before.
func (r *Reader) skipElem(path, reason string) {
	r.seq++
	if r.seq > r.from {
		r.skip(path, reason)
	}
}

// readLine returns the next non-blank line (without its newline), or false at the end.
func (r *Reader) readLine() ([]byte, bool) {
	for {
		var line []byte
		tooLong := false
		for {
			part, err := r.br.ReadSlice('\n')
			if len(line)+len(part) <= MaxLine {
				line = append(line, part...)
			} else {
				tooLong = true
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil && err != io.EOF {
				r.err = err
				return nil, false
			}
			if err == io.EOF && len(line) == 0 && !tooLong {
				return nil, false
			}
			break
		}
		r.line++
		if tooLong {
			r.skip(r.elemPath(), fmt.Sprintf("line longer than %d bytes", MaxLine))
			r.elem++
			continue
		}
		if t := bytes.TrimSpace(line); len(t) > 0 {
			return t, true
		}
	}
}

func (r *Reader) atEOF() bool {
	_, err := r.br.Peek(1)
	return err == io.EOF
}

// load turns a decoded element into pending tuples (or one firewall record).
func (r *Reader) load(w *wireRecord) {
	r.read = true
	r.pend, r.pi, r.ctx = r.pend[:0], 0, r.ctx[:0]
	r.base = Record{}
	switch {
	case w.FlowRecords != nil || len(w.FlowLogVersion) > 0:
		r.loadVNet(w)
	case strings.EqualFold(w.Category, "NetworkSecurityGroupFlowEvent") || isNSGProperties(w.Properties):
		r.loadNSG(w)
	default:
		r.loadFirewall(w)
	}
}

func (r *Reader) loadVNet(w *wireRecord) {
	if v := strings.Trim(string(w.FlowLogVersion), `" `); v != "4" {
		if r.seq < r.from {
			r.countTuplesVNet(w)
			return
		}
		r.skip(r.elemPath()+".flowLogVersion", fmt.Sprintf("unknown flowLogVersion %s (version 4 is read)", clip(string(w.FlowLogVersion))))
		r.countTuplesVNet(w)
		return
	}
	r.base = Record{Kind: VNetFlowLog, LogID: w.FlowLogResourceID, TargetID: w.TargetResourceID, MAC: normalizeMAC(w.MacAddress)}
	if w.FlowRecords == nil {
		return
	}
	for i, f := range w.FlowRecords.Flows {
		for j, g := range f.FlowGroups {
			r.ctx = append(r.ctx, groupCtx{acl: f.ACLID, rule: g.Rule, mac: r.base.MAC})
			for k, t := range g.FlowTuples {
				r.pend = append(r.pend, pending{tuple: t, ctx: len(r.ctx) - 1, i: i, j: j, k: k})
			}
		}
	}
}

// countTuplesVNet consumes the Seq numbers of a record that is not read, so numbering stays
// stable whatever is read.
func (r *Reader) countTuplesVNet(w *wireRecord) {
	if w.FlowRecords == nil {
		return
	}
	for _, f := range w.FlowRecords.Flows {
		for _, g := range f.FlowGroups {
			r.seq += uint64(len(g.FlowTuples))
		}
	}
}

func isNSGProperties(p json.RawMessage) bool {
	return len(p) > 0 && bytes.Contains(p, []byte(`"flowTuples"`))
}

func (r *Reader) loadNSG(w *wireRecord) {
	var p nsgProperties
	if err := json.Unmarshal(w.Properties, &p); err != nil {
		r.skip(r.elemPath()+".properties", "NSG flow log properties: "+jsonProblem(err))
		return
	}
	n := 0
	for _, f := range p.Flows {
		for _, m := range f.Flows {
			n += len(m.FlowTuples)
		}
	}
	switch v := strings.Trim(string(p.Version), `" `); v {
	case "1", "2":
		r.ver = int(v[0] - '0')
	default:
		if r.seq < r.from {
			r.seq += uint64(n)
			return
		}
		r.skip(r.elemPath()+".properties.Version", fmt.Sprintf("unknown NSG flow log Version %s (1 and 2 are read)", clip(string(p.Version))))
		r.seq += uint64(n)
		return
	}
	r.base = Record{Kind: NSGFlowLog, LogID: w.ResourceID}
	for i, f := range p.Flows {
		for j, m := range f.Flows {
			r.ctx = append(r.ctx, groupCtx{rule: f.Rule, mac: normalizeMAC(m.MAC)})
			for k, t := range m.FlowTuples {
				r.pend = append(r.pend, pending{tuple: t, ctx: len(r.ctx) - 1, i: i, j: j, k: k})
			}
		}
	}
}

// loadFirewall reads one firewall record: one Seq, whether read or skipped.
func (r *Reader) loadFirewall(w *wireRecord) {
	cat, ok := firewallCategory(w)
	if !ok {
		if c, fw := isFirewall(w); fw {
			r.skipElem(r.elemPath(), fmt.Sprintf("firewall category %s is not read as flows", c))
		} else {
			r.skipElem(r.elemPath(), fmt.Sprintf("not a flow log or firewall record (category %q)", clip(w.Category+w.Type)))
		}
		return
	}
	cols := &w.fwColumns
	if len(w.Properties) > 0 && w.Properties[0] == '{' {
		cols = &fwColumns{}
		if err := json.Unmarshal(w.Properties, cols); err != nil {
			r.skipElem(r.elemPath()+".properties", jsonProblem(err))
			return
		}
	}
	var rec Record
	var err error
	switch msg := cols.Msg + cols.MsgS; cat {
	case CatLegacyNetworkRule, CatLegacyApplicationRule:
		err = fillLegacy(cat, w, msg, &rec)
	case CatLegacyDnsProxy:
		err = fillLegacyDNS(w, msg, &rec)
	case CatDnsQuery, CatFlowTrace, CatThreatIntel:
		err = fillMore(cat, w, cols, &rec)
	default:
		err = fillFirewall(cat, w, cols, &rec)
	}
	if err != nil {
		r.skipElem(r.elemPath(), err.Error())
		return
	}
	// One pending entry whose fill is a no-op: the record is base.
	r.base = rec
	r.pend = append(r.pend, pending{})
}
