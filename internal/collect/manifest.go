package collect

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Manifest is manifest.json (cli.md "collect"). Fields after Errors are additions.
type Manifest struct {
	Tool       string    `json:"tool"`
	Version    string    `json:"version"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
	Scope      []string  `json:"scope"`
	Files      []File    `json:"files"`
	Requests   int64     `json:"requests"`
	Throttled  int64     `json:"throttled"`
	Errors     []Error   `json:"errors"`

	Subscriptions int      `json:"subscriptions"` // subscriptions read
	Rows          int64    `json:"rows"`
	Bytes         int64    `json:"bytes"`         // answer bytes received
	QuotaWaits    int64    `json:"quotaWaits"`    // waits for Resource Graph's quota window
	WaitedSeconds float64  `json:"waitedSeconds"` // Retry-After and quota waits
	Retried       int64    `json:"retried"`       // pages asked again (cut answers)
	Halved        int64    `json:"halved"`        // pages asked again with half the rows (16 MiB cap)
	Redacted      int64    `json:"redacted"`      // secret values dropped
	Warnings      []string `json:"warnings"`
}

// File is one written file: its path under DIR, where it came from, rows, digest and when
// its answer arrived (Resource Graph lags Resource Manager; docs/collect.md "Freshness").
type File struct {
	Path      string    `json:"path"`
	Source    string    `json:"source"`
	Rows      int       `json:"rows"`
	SHA256    string    `json:"sha256"`
	FetchedAt time.Time `json:"fetchedAt"`
}

// Error is one failed scope or call.
type Error struct {
	Scope   string `json:"scope"`
	Status  int    `json:"status"`
	Message string `json:"message"`
}

// Complete is true when nothing failed.
func (m *Manifest) Complete() bool { return len(m.Errors) == 0 }

func (m *Manifest) sort() {
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	sort.SliceStable(m.Errors, func(i, j int) bool { return m.Errors[i].Scope < m.Errors[j].Scope })
}

// writeFile writes parts to dir/rel and returns its File entry. The directory is the
// temporary one renamed at the end, so a half-written file never reaches DIR.
func writeFile(dir, rel, source string, rows int, parts ...[]byte) (File, error) {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return File{}, err
	}
	f, err := os.Create(p)
	if err != nil {
		return File{}, err
	}
	h := sha256.New()
	w := io.MultiWriter(f, h)
	for _, b := range parts {
		if _, err := w.Write(b); err != nil {
			f.Close()
			return File{}, err
		}
	}
	if err := f.Close(); err != nil {
		return File{}, err
	}
	return File{Path: rel, Source: source, Rows: rows, SHA256: hex.EncodeToString(h.Sum(nil)), FetchedAt: time.Now().UTC()}, nil
}

// dataFile is a Resource Graph answer as the loader reads it: {"data": [rows]}.
func dataFile(dir, rel, source string, rows []json.RawMessage) (File, error) {
	parts := make([][]byte, 0, 2*len(rows)+2)
	parts = append(parts, []byte("{\"data\": [\n"))
	for i, r := range rows {
		if i > 0 {
			parts = append(parts, []byte(",\n"))
		}
		parts = append(parts, r)
	}
	parts = append(parts, []byte("\n]}\n"))
	return writeFile(dir, rel, source, len(rows), parts...)
}

func writeManifest(dir string, m *Manifest) error {
	m.sort()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("manifest: %v", err)
	}
	_, err = writeFile(dir, "manifest.json", "", 0, b, []byte("\n"))
	return err
}
