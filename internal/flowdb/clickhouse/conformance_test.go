package clickhouse

import (
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/clickhouse/chtest"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb/flowdbtest"
)

// The ClickHouse store passes the Store conformance suite, each subtest in a database of its own.
func TestConformance(t *testing.T) {
	srv := chtest.Require(t)
	flowdbtest.Run(t, func(t *testing.T) flowdb.Store { return open(t, srv.URL(t)) })
}
