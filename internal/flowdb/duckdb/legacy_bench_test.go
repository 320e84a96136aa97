package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"os"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
)

// The baseline of BenchmarkIngestSideBySide: the store as it was before data chunks (commit
// d27a489), a row appender over schema version 1's flow_raw with its strings, one AppendRow per
// record. Kept only to measure against.

const legacyTable = `CREATE TABLE flow_raw (
		file_id INTEGER NOT NULL, seq UBIGINT NOT NULL, kind UTINYINT NOT NULL, ts_ms BIGINT NOT NULL,
		src UINTEGER NOT NULL, dst UINTEGER NOT NULL, sport USMALLINT NOT NULL, dport USMALLINT NOT NULL,
		proto UTINYINT NOT NULL, dir UTINYINT NOT NULL, state UTINYINT NOT NULL, decision UTINYINT NOT NULL,
		enc VARCHAR, pkts_sd UBIGINT, bytes_sd UBIGINT, pkts_ds UBIGINT, bytes_ds UBIGINT,
		log_id VARCHAR, target_id VARCHAR, mac VARCHAR, acl_id VARCHAR, rule VARCHAR,
		fw_category VARCHAR, fw_policy VARCHAR, fw_rcg VARCHAR, fw_rc VARCHAR, action_reason VARCHAR,
		fqdn VARCHAR, target_url VARCHAR, xlate_ip UINTEGER, xlate_port USMALLINT)`

func legacyStr(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

// legacyIngest stores the records of the files at paths in a new DuckDB file at db the old
// way (one transaction per file) and returns how many it stored.
func legacyIngest(ctx context.Context, db string, paths []string) (uint64, error) {
	c, err := duck.NewConnector(db, func(ex driver.ExecerContext) error {
		_, err := ex.ExecContext(ctx, "SET preserve_insertion_order = false", nil)
		return err
	})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	sdb := sql.OpenDB(c)
	defer sdb.Close()
	if _, err := sdb.ExecContext(ctx, legacyTable); err != nil {
		return 0, err
	}
	conn, err := c.Connect(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	ex := conn.(driver.ExecerContext)
	var n uint64
	var row [31]driver.Value
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return n, err
		}
		if _, err := ex.ExecContext(ctx, "BEGIN TRANSACTION", nil); err != nil {
			return n, err
		}
		app, err := duck.NewAppenderFromConn(conn, "", "flow_raw")
		if err != nil {
			return n, err
		}
		rd := flowlog.NewReader(f, 0)
		var r flowlog.Record
		for rd.Next(&r) {
			row[0], row[1], row[2], row[3] = int32(1), r.Seq, uint8(r.Kind), r.TimeMs
			row[4], row[5], row[6], row[7] = ip4(r.Src), ip4(r.Dst), r.SrcPort, r.DstPort
			row[8], row[9], row[10], row[11] = r.Proto, r.Direction, r.State, uint8(r.Decision)
			row[12], row[13], row[14], row[15], row[16] = legacyStr(r.Encryption), r.PktsSD, r.BytesSD, r.PktsDS, r.BytesDS
			row[17], row[18], row[19], row[20], row[21] = legacyStr(r.LogID), legacyStr(r.TargetID), legacyStr(r.MAC), legacyStr(r.ACLID), legacyStr(r.Rule)
			row[22], row[23], row[24], row[25], row[26] = legacyStr(r.Category), legacyStr(r.Policy), legacyStr(r.RuleCollectionGroup), legacyStr(r.RuleCollection), legacyStr(r.ActionReason)
			row[27], row[28], row[29], row[30] = legacyStr(r.FQDN), legacyStr(r.TargetURL), ip4(r.TranslatedIP), r.TranslatedPort
			if err := app.AppendRow(row[:]...); err != nil {
				return n, err
			}
			n++
		}
		f.Close()
		if err := app.Close(); err != nil {
			return n, err
		}
		if _, err := ex.ExecContext(ctx, "COMMIT", nil); err != nil {
			return n, err
		}
	}
	return n, nil
}

func ip4(a interface {
	Is4() bool
	As4() [4]byte
}) uint32 {
	if !a.Is4() {
		return 0
	}
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
