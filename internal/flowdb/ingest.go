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

// IngestFile stores the records of the file at path that st does not hold yet. A read error
// of the file is returned (nothing of the file is stored); malformed input is in Skips.
func IngestFile(ctx context.Context, st Store, path string) (FileResult, error) {
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
	var rec flowlog.Record
	for r.Next(&rec) {
		if err := b.Add(&rec); err != nil {
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
