package clickhouse

import (
	"fmt"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
)

// The physical schema. The logical tables of flowdb.Tables are what queries name; here they
// are views over tables that also carry the batch (one ingest of one file), so that rows
// count only once their batch has committed:
//
//   - batches: one row per state change of a batch (begun, committed, cleaned).
//   - flow_raw_all: flow_raw's columns plus batch; MergeTree partitioned by day, ordered by
//     five-minute bucket, then the addresses and port explain filters on (logs.md §6, after
//     Akvorado's flows table). View flow_raw: the rows of committed batches.
//   - flow_ctx_all, endpoint_all: dimension rows, ReplacingMergeTree by ID (a row added twice
//     is one after a merge); views flow_ctx and endpoint: one row per ID (LIMIT 1 BY).
//   - flow_1m_all, flow_1h_all: rollups without addresses or ports, SummingMergeTree fed by
//     materialized views on flow_raw_all at insert, summed only at merge (so read them with
//     sum() ... GROUP BY); views flow_1m and flow_1h: committed batches.
//   - ingested: a view of batches in the logical shape (file_id, key, path, records, done).
//
// Only SQL that Debian's clickhouse-server 18.16 runs: no TTL, codecs, skip indexes,
// LowCardinality, IPv4 or DateTime64 (logs.md §6).

// committedBatches restricts a table with a batch column to committed batches.
const committedBatches = `batch IN (SELECT batch FROM batches WHERE state = 1)`

// Batch states in batches.
const (
	begun     = 0
	committed = 1
	cleaned   = 2 // the rows of a batch that never committed are deleted (or being deleted)
)

// tsExpr is a row's time as DateTime.
const tsExpr = `toDateTime(intDiv(ts_ms, 1000))`

// startsExpr counts the rows that start a flow (flowdb's startExpr): state 0, 'B' = 66,
// 'D' = 68; endsExpr the end tuples ('E' = 69).
const (
	startsExpr = `countIf(state IN (0, 66, 68))`
	endsExpr   = `countIf(state = 69)`
)

// rollups are the rollup tables: name and the function that truncates a time to its bucket.
var rollups = []struct{ name, bucket string }{{"flow_1m", "toStartOfMinute"}, {"flow_1h", "toStartOfHour"}}

func columns(t flowdb.Table) (defs, names []string) {
	for _, c := range t.Columns {
		defs = append(defs, c.Name+" "+c.Type)
		names = append(names, c.Name)
	}
	return defs, names
}

// schema is the DDL run on Open, in order (IF NOT EXISTS: opening again changes nothing).
func schema() ([]string, error) {
	out := []string{
		`CREATE TABLE IF NOT EXISTS meta (key String, value String) ENGINE = TinyLog`,
		`CREATE TABLE IF NOT EXISTS batches (batch UInt64, file_id UInt32, key String, path String, from_seq UInt64,
			to_seq UInt64, state UInt8, at DateTime) ENGINE = MergeTree ORDER BY (key, batch, state)`,
	}
	for _, t := range flowdb.Tables {
		defs, names := columns(t)
		switch {
		case t.Name == "ingested":
			out = append(out, `CREATE VIEW IF NOT EXISTS ingested AS SELECT file_id, key, any(path) AS path, max(to_seq) AS records,
				toUInt8(1) AS done FROM batches WHERE state = 1 GROUP BY file_id, key`)
		case t.Name == "flow_raw":
			out = append(out, `CREATE TABLE IF NOT EXISTS flow_raw_all (`+strings.Join(defs, ", ")+`, batch UInt64)
				ENGINE = MergeTree PARTITION BY toYYYYMMDD(`+tsExpr+`)
				ORDER BY (toStartOfFiveMinute(`+tsExpr+`), src, dst, dport)`,
				`CREATE VIEW IF NOT EXISTS flow_raw AS SELECT `+strings.Join(names, ", ")+` FROM flow_raw_all WHERE `+committedBatches)
		case t.Key != "":
			out = append(out, `CREATE TABLE IF NOT EXISTS `+t.Name+`_all (`+strings.Join(defs, ", ")+`)
				ENGINE = ReplacingMergeTree ORDER BY `+t.Key,
				`CREATE VIEW IF NOT EXISTS `+t.Name+` AS SELECT `+strings.Join(names, ", ")+` FROM `+t.Name+`_all LIMIT 1 BY `+t.Key)
		default:
			return nil, fmt.Errorf("flowdb/clickhouse: no physical table for the logical table %s", t.Name)
		}
	}
	for _, r := range rollups {
		out = append(out, `CREATE TABLE IF NOT EXISTS `+r.name+`_all (bucket_ms Int64, ctx_id UInt64, flow_type UInt8, proto UInt8,
			dir UInt8, decision UInt8, batch UInt64, flows UInt64, ends UInt64, pkts UInt64, bytes UInt64)
			ENGINE = SummingMergeTree((flows, ends, pkts, bytes)) PARTITION BY toYYYYMM(toDateTime(intDiv(bucket_ms, 1000)))
			ORDER BY (bucket_ms, ctx_id, flow_type, proto, dir, decision, batch)`,
			`CREATE MATERIALIZED VIEW IF NOT EXISTS `+r.name+`_mv TO `+r.name+`_all AS
			SELECT toInt64(toUInt32(`+r.bucket+`(`+tsExpr+`))) * 1000 AS bucket_ms, ctx_id, flow_type, proto, dir, decision, batch,
			`+startsExpr+` AS flows, `+endsExpr+` AS ends, sum(pkts_sd + pkts_ds) AS pkts, sum(bytes_sd + bytes_ds) AS bytes
			FROM flow_raw_all GROUP BY bucket_ms, ctx_id, flow_type, proto, dir, decision, batch`,
			`CREATE VIEW IF NOT EXISTS `+r.name+` AS SELECT bucket_ms, ctx_id, flow_type, proto, dir, decision,
			flows, ends, pkts, bytes FROM `+r.name+`_all WHERE `+committedBatches)
	}
	return out, nil
}

// batchTables are the tables whose rows carry a batch: a batch that never committed is
// deleted from each.
var batchTables = []string{"flow_raw_all", "flow_1m_all", "flow_1h_all"}
