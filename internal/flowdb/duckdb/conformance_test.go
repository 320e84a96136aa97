package duckdb

import (
	"path/filepath"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/flowdbtest"
)

// The DuckDB store passes the Store conformance suite.
func TestConformance(t *testing.T) {
	flowdbtest.Run(t, func(t *testing.T) flowdb.Store { return open(t, filepath.Join(t.TempDir(), "flows.duckdb")) })
}
