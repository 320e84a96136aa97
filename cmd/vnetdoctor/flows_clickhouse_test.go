//go:build cgo

package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/clickhouse/chtest"
)

// The flows commands answer the same over ClickHouse as over DuckDB: the bundled example logs,
// ingested into both with the bundled estate, explained by both; a second ingest adds nothing.
func TestFlowsClickHouseSameAsDuckDB(t *testing.T) {
	srv := chtest.RequireOwn(t)
	ch := srv.URL(t)
	duck := filepath.Join(t.TempDir(), "flows.duckdb")
	dbField := regexp.MustCompile(`"db": *"[^"]*"`)
	answer := func(args ...string) string {
		t.Helper()
		code, out, stderr := vnetdoctor(t, "", args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		return dbField.ReplaceAllString(out, `"db": ""`)
	}
	for _, pass := range []string{"first", "again"} {
		a := answer("flows", "ingest", "-s", example, "--db", duck, "-o", "json", exampleLogs)
		b := answer("flows", "ingest", "-s", example, "--db", ch, "-o", "json", exampleLogs)
		if a != b {
			t.Errorf("%s ingest: duckdb %s, clickhouse %s", pass, a, b)
		}
		if pass == "again" && !strings.Contains(b, `"records": 0`) {
			t.Errorf("a second ingest stored records: %s", b)
		}
	}
	for _, args := range [][]string{{}, {"--denied"}, {"--dport", "53"}} {
		a := answer(append([]string{"flows", "explain", "-s", example, "--db", duck, "-o", "json"}, args...)...)
		b := answer(append([]string{"flows", "explain", "-s", example, "--db", ch, "-o", "json"}, args...)...)
		if a != b || !strings.Contains(a, `"agrees"`) {
			t.Errorf("explain %v differs:\nduckdb %s\nclickhouse %s", args, a, b)
		}
	}
	// The questions refuse a database never ingested into.
	code, _, stderr := vnetdoctor(t, "", "flows", "explain", "-s", example, "--db", srv.URL(t))
	if code != 2 || !strings.Contains(stderr, "no flow database there") {
		t.Errorf("explain of an absent database: exit %d, %s", code, stderr)
	}
}
