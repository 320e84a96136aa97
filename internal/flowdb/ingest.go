package flowdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
)

// FileResult is what ingesting one file did.
type FileResult struct {
	File string
	// Records are the records read and stored now; Duplicates the record positions that were
	// stored by an earlier ingest and so skipped.
	Records, Duplicates uint64
	// Flows are the records that start a flow: begin and denied tuples, v1 tuples and
	// firewall lines (continuing and end tuples add counters to a flow already counted).
	Flows  uint64
	ByKind map[flowlog.Kind]uint64
	Skips  []flowlog.Skip
}

// FileKey is the identity of a log file for idempotence: for a diagnostic-settings blob, its
// path from the insights-logs-* container on (so a copy of the same container elsewhere is the
// same file); otherwise its absolute path.
func FileKey(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	abs = filepath.ToSlash(abs)
	if i := strings.Index(strings.ToLower(abs), "/insights-logs-"); i >= 0 {
		return abs[i+1:]
	}
	return abs
}

// IngestFile stores the records of the file at path that st does not hold yet, enriched by en
// (nil: no snapshot, so no enrichment). A read error of the file is returned (nothing of the
// file is stored); malformed input is in Skips.
func IngestFile(ctx context.Context, st Store, path string, en *Enricher) (FileResult, error) {
	res := FileResult{File: path, ByKind: map[flowlog.Kind]uint64{}}
	f, err := os.Open(path)
	if err != nil {
		return res, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return res, fmt.Errorf("%s is a directory", path)
	}
	b, from, err := st.Begin(ctx, FileKey(path), path)
	if err != nil {
		return res, err
	}
	r := flowlog.NewReader(f, from)
	w := newRowWriter(b, en)
	var rec flowlog.Record
	for r.Next(&rec) {
		if err := w.add(&rec); err != nil {
			b.Abort()
			return res, err
		}
		res.Records++
		if rec.State == 0 || rec.State == 'B' || rec.State == 'D' {
			res.Flows++
		}
		res.ByKind[rec.Kind]++
		if res.Records%65536 == 0 && ctx.Err() != nil {
			b.Abort()
			return res, ctx.Err()
		}
	}
	if err := r.Err(); err != nil {
		b.Abort()
		return res, fmt.Errorf("%s: %v", path, err)
	}
	res.Duplicates = min(from, r.Seq())
	res.Skips = r.Skips()
	return res, b.Commit(max(from, r.Seq()))
}

// ctxKey is the part of a record its Context is made of.
type ctxKey struct {
	kind                                                  flowlog.Kind
	logID, targetID, mac, aclID, rule                     string
	category, policy, rcg, rc, actionReason, fqdn, target string
}

func keyOf(r *flowlog.Record) ctxKey {
	return ctxKey{r.Kind, r.LogID, r.TargetID, r.MAC, r.ACLID, r.Rule, r.Category, r.Policy, r.RuleCollectionGroup,
		r.RuleCollection, r.ActionReason, r.FQDN, r.TargetURL}
}

// rowWriter turns records into rows of one batch: it adds each context and endpoint the
// file refers to once, before the first row that needs it.
type rowWriter struct {
	b       Batch
	en      *Enricher
	last    ctxKey
	lastID  uint64
	ctxs    map[ctxKey]uint64
	written map[uint64]bool // context and endpoint IDs added to this batch
	row     Row
}

func newRowWriter(b Batch, en *Enricher) *rowWriter {
	return &rowWriter{b: b, en: en, ctxs: map[ctxKey]uint64{}, written: map[uint64]bool{}}
}

func (w *rowWriter) add(r *flowlog.Record) error {
	k := keyOf(r)
	if w.lastID == 0 || k != w.last {
		id, ok := w.ctxs[k]
		if !ok {
			c := w.en.context(r)
			id = c.ID
			w.ctxs[k] = id
			if !w.written[id] {
				if err := w.b.AddContext(&c); err != nil {
					return err
				}
				w.written[id] = true
			}
		}
		w.last, w.lastID = k, id
	}
	w.row = Row{Record: r, Ctx: w.lastID}
	if w.en != nil {
		s, d := w.en.endpoint(r.Src), w.en.endpoint(r.Dst)
		for _, e := range []*enriched{s, d} {
			if e.ep != nil && !w.written[e.ep.ID] {
				if err := w.b.AddEndpoint(e.ep); err != nil {
					return err
				}
				w.written[e.ep.ID] = true
			}
		}
		w.row.SrcEP, w.row.DstEP = s.id(), d.id()
		w.row.FlowType = w.en.flowType(s, d)
	}
	return w.b.Add(&w.row)
}
