//go:build cgo

package main

import (
	"context"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/duckdb"
)

// The DuckDB flow store links through cgo; without cgo, flows says so (flows.go).
func init() {
	openFlowDB = func(ctx context.Context, path string) (flowdb.Store, error) { return duckdb.Open(ctx, path) }
}
