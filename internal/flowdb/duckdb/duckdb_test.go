package duckdb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
)

const corpus = "../../flowlog/testdata/"

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func count(t *testing.T, s *Store) uint64 {
	t.Helper()
	n, err := s.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func ingest(t *testing.T, s *Store, path string) flowdb.FileResult {
	t.Helper()
	r, err := flowdb.IngestFile(context.Background(), s, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// An ingest killed before its commit leaves nothing of the file; the rerun ends with the exact
// count.
func TestKilledIngestRerun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.duckdb")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	b, from, err := s.Begin(context.Background(), flowdb.FileKey(corpus+"nsg-flowlog-v2-docs-sample.json"), "x")
	if err != nil || from != 0 {
		t.Fatal(err, from)
	}
	var rec flowlog.Record
	r := flowlog.NewReader(strings.NewReader(mustRead(t, corpus+"nsg-flowlog-v2-docs-sample.json")), 0)
	for i := 0; i < 5 && r.Next(&rec); i++ {
		if err := b.Add(&flowdb.Row{Record: &rec}); err != nil {
			t.Fatal(err)
		}
	}
	// Rows reach the transaction before the kill.
	if err := b.(*batch).flush(); err != nil {
		t.Fatal(err)
	}
	if err := b.(*batch).wait(); err != nil {
		t.Fatal(err)
	}
	// Killed: the process goes away without Commit or Abort.
	s.ing.Raw(func(c any) error { return c.(interface{ Close() error }).Close() })
	s.ing = nil
	s.Close()
	s = open(t, path)
	if n := count(t, s); n != 0 {
		t.Fatalf("after the kill %d rows, want 0", n)
	}
	if res := ingest(t, s, corpus+"nsg-flowlog-v2-docs-sample.json"); res.Records != 11 {
		t.Fatalf("rerun: %+v", res)
	}
	if n := count(t, s); n != 11 {
		t.Fatalf("stored %d, want 11", n)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.duckdb")
	s := open(t, path)
	if _, err := s.db.Exec(`UPDATE meta SET value = '99' WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(context.Background(), path)
	var ne *flowdb.NewerSchemaError
	if !errors.As(err, &ne) || ne.Found != 99 || !strings.Contains(err.Error(), "newer than this vnetdoctor supports") {
		t.Fatalf("err = %v", err)
	}
}

func TestNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.duckdb")
	os.WriteFile(path, []byte("hello, not a database\n"), 0o644)
	_, err := Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want one naming %s", err, path)
	}
}

func mustRead(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
