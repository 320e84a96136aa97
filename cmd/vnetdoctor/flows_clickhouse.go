package main

import (
	"context"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/clickhouse"
)

// openClickHouse opens --db when it is clickhouse://HOST:PORT/DATABASE (cli.md "flows");
// ok is false for any other --db. The ClickHouse store is pure Go: it needs no cgo.
// mustExist: the questions refuse a database that was never ingested into.
func openClickHouse(ctx context.Context, db string, mustExist bool) (st flowdb.Store, ok bool, err error) {
	if !strings.HasPrefix(db, "clickhouse://") {
		return nil, false, nil
	}
	var s *clickhouse.Store
	if mustExist {
		s, err = clickhouse.OpenExisting(ctx, db)
	} else {
		s, err = clickhouse.Open(ctx, db)
	}
	if err != nil {
		return nil, true, usagef("flows: --db %s", oneLineErr(err))
	}
	return s, true, nil
}
