// Package duckdb is the embedded DuckDB flowdb.Store: one file, written with DuckDB's appender.
// It is the only package that links DuckDB (cgo).
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
)

// Store is a flowdb.Store in a DuckDB file.
type Store struct {
	path string
	conn *duck.Connector
	db   *sql.DB     // queries
	raw  driver.Conn // ingest: appender and its transaction
	busy bool        // a Batch is open
}

var _ flowdb.Store = (*Store)(nil)

// The schema (logs.md §6): flow_raw holds every record; ingested one row per file with how
// many of its record positions are stored (records) and whether its last ingest finished.
// dir and state are ASCII codes ('I', 'O'; 'B', 'C', 'E', 'D'), 0 when the log has none;
// addresses are IPv4 as UINTEGER, 0 when absent.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)`,
	`CREATE TABLE IF NOT EXISTS ingested (file_id INTEGER PRIMARY KEY, key VARCHAR UNIQUE, path VARCHAR,
		records UBIGINT NOT NULL, done BOOLEAN NOT NULL, updated TIMESTAMP DEFAULT current_timestamp)`,
	`CREATE TABLE IF NOT EXISTS flow_raw (
		file_id INTEGER NOT NULL, seq UBIGINT NOT NULL, kind UTINYINT NOT NULL, ts_ms BIGINT NOT NULL,
		src UINTEGER NOT NULL, dst UINTEGER NOT NULL, sport USMALLINT NOT NULL, dport USMALLINT NOT NULL,
		proto UTINYINT NOT NULL, dir UTINYINT NOT NULL, state UTINYINT NOT NULL, decision UTINYINT NOT NULL,
		enc VARCHAR, pkts_sd UBIGINT, bytes_sd UBIGINT, pkts_ds UBIGINT, bytes_ds UBIGINT,
		log_id VARCHAR, target_id VARCHAR, mac VARCHAR, acl_id VARCHAR, rule VARCHAR,
		fw_category VARCHAR, fw_policy VARCHAR, fw_rcg VARCHAR, fw_rc VARCHAR, action_reason VARCHAR,
		fqdn VARCHAR, target_url VARCHAR, xlate_ip UINTEGER, xlate_port USMALLINT)`,
}

// Open opens (creating when absent) the DuckDB file at path. A database of a newer schema
// version is a *flowdb.NewerSchemaError; a file that is not a DuckDB database is an error
// naming it.
func Open(ctx context.Context, path string) (*Store, error) {
	c, err := duck.NewConnector(path, func(ex driver.ExecerContext) error {
		for _, q := range []string{"SET preserve_insertion_order = false", "SET memory_limit = '768MB'"} {
			if _, err := ex.ExecContext(ctx, q, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: cannot open as a DuckDB flow database: %v", path, oneLine(err))
	}
	s := &Store{path: path, conn: c, db: sql.OpenDB(c)}
	if err := s.init(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.raw, err = c.Connect(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %v", path, oneLine(err))
	}
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	var found sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&found)
	switch {
	case err == nil:
		v, _ := strconv.Atoi(found.String)
		if v > flowdb.SchemaVersion {
			return &flowdb.NewerSchemaError{Path: s.path, Found: v, Supported: flowdb.SchemaVersion}
		}
		// v < SchemaVersion: migrations go here; version 1 is the first.
	case errors.Is(err, sql.ErrNoRows) || strings.Contains(err.Error(), "meta does not exist"):
	default:
		return fmt.Errorf("%s: not a flow database: %v", s.path, oneLine(err))
	}
	for _, q := range schema {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: create schema: %v", s.path, oneLine(err))
		}
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		strconv.Itoa(flowdb.SchemaVersion))
	return err
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// Close closes the database.
func (s *Store) Close() error {
	var errs []error
	if s.raw != nil {
		errs = append(errs, s.raw.Close())
	}
	errs = append(errs, s.db.Close(), s.conn.Close())
	return errors.Join(errs...)
}

func (s *Store) exec(ctx context.Context, q string, args ...driver.NamedValue) error {
	_, err := s.raw.(driver.ExecerContext).ExecContext(ctx, q, args)
	return err
}

func named(vs ...any) []driver.NamedValue {
	out := make([]driver.NamedValue, len(vs))
	for i, v := range vs {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// Begin implements flowdb.Store. The file's rows past its stored positions (left by an ingest
// that did not finish) are removed first, inside the batch's transaction.
func (s *Store) Begin(ctx context.Context, key, path string) (flowdb.Batch, uint64, error) {
	if s.busy {
		return nil, 0, errors.New("flowdb/duckdb: Begin while a batch is open")
	}
	var id int64
	var records uint64
	var done bool
	err := s.db.QueryRowContext(ctx, `SELECT file_id, records, done FROM ingested WHERE key = ?`, key).Scan(&id, &records, &done)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(file_id), 0) + 1 FROM ingested`).Scan(&id); err != nil {
			return nil, 0, err
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO ingested (file_id, key, path, records, done) VALUES (?, ?, ?, 0, false)`, id, key, path); err != nil {
			return nil, 0, err
		}
	case err != nil:
		return nil, 0, err
	}
	if err := s.exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, 0, err
	}
	b := &batch{s: s, ctx: ctx, id: int32(id)}
	if !done {
		if err := s.exec(ctx, `DELETE FROM flow_raw WHERE file_id = ? AND seq >= ?`, named(int32(id), records)...); err != nil {
			b.Abort()
			return nil, 0, err
		}
	}
	if b.app, err = duck.NewAppenderFromConn(s.raw, "", "flow_raw"); err != nil {
		b.Abort()
		return nil, 0, err
	}
	s.busy = true
	return b, records, nil
}

type batch struct {
	s   *Store
	ctx context.Context
	id  int32
	app *duck.Appender
	row [31]driver.Value
}

func ip4(a netip.Addr) uint32 {
	if !a.Is4() {
		return 0
	}
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func addr4(v uint32) netip.Addr {
	if v == 0 {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// str is s, or NULL when empty: a NULL costs the appender no string copy (a flow log row leaves
// the firewall columns empty). Queries read NULL and "" alike.
func str(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

// Add implements flowdb.Batch.
func (b *batch) Add(r *flowlog.Record) error {
	row := b.row[:]
	row[0], row[1], row[2], row[3] = b.id, r.Seq, uint8(r.Kind), r.TimeMs
	row[4], row[5], row[6], row[7] = ip4(r.Src), ip4(r.Dst), r.SrcPort, r.DstPort
	row[8], row[9], row[10], row[11] = r.Proto, r.Direction, r.State, uint8(r.Decision)
	row[12], row[13], row[14], row[15], row[16] = str(r.Encryption), r.PktsSD, r.BytesSD, r.PktsDS, r.BytesDS
	row[17], row[18], row[19], row[20], row[21] = str(r.LogID), str(r.TargetID), str(r.MAC), str(r.ACLID), str(r.Rule)
	row[22], row[23], row[24], row[25], row[26] = str(r.Category), str(r.Policy), str(r.RuleCollectionGroup), str(r.RuleCollection), str(r.ActionReason)
	row[27], row[28], row[29], row[30] = str(r.FQDN), str(r.TargetURL), ip4(r.TranslatedIP), r.TranslatedPort
	return b.app.AppendRow(row...)
}

// Commit implements flowdb.Batch.
func (b *batch) Commit(seq uint64) error {
	defer func() { b.s.busy = false }()
	if err := b.app.Close(); err != nil {
		b.rollback()
		return fmt.Errorf("%s: append: %v", b.s.path, oneLine(err))
	}
	b.app = nil
	if err := b.s.exec(b.ctx, `UPDATE ingested SET records = greatest(records, ?), done = true, updated = current_timestamp WHERE file_id = ?`,
		named(seq, b.id)...); err != nil {
		b.rollback()
		return err
	}
	return b.s.exec(b.ctx, "COMMIT")
}

// Abort implements flowdb.Batch.
func (b *batch) Abort() error {
	defer func() { b.s.busy = false }()
	if b.app != nil {
		b.app.Clear()
		b.app.Close()
		b.app = nil
	}
	return b.rollback()
}

func (b *batch) rollback() error { return b.s.exec(context.Background(), "ROLLBACK") }

// Count implements flowdb.Store.
func (s *Store) Count(ctx context.Context) (uint64, error) {
	var n uint64
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM flow_raw`).Scan(&n)
	return n, err
}

// Flows implements flowdb.Store: one row per (src, dst, proto, dport, decision, observer,
// rule, direction), most flows first.
func (s *Store) Flows(ctx context.Context, f flowdb.Filter) ([]flowdb.Observed, error) {
	var where []string
	var args []any
	if f.Src.IsValid() {
		where, args = append(where, "src = ?"), append(args, ip4(f.Src))
	}
	if f.Dst.IsValid() {
		where, args = append(where, "dst = ?"), append(args, ip4(f.Dst))
	}
	if f.HasDPort {
		where, args = append(where, "dport = ?"), append(args, f.DstPort)
	}
	if f.DeniedOnly {
		where = append(where, "decision = 1")
	}
	q := `SELECT src, dst, fqdn, proto, dport, decision, kind,
		CASE kind WHEN 1 THEN acl_id ELSE log_id END AS observer,
		CASE WHEN kind = 3 THEN concat_ws('/', nullif(fw_rcg, ''), nullif(fw_rc, ''), nullif(rule, '')) ELSE rule END AS rl,
		dir, coalesce(bool_or(kind = 3 AND action_reason = 'Default Action'), false) AS dflt,
		count(*) FILTER (WHERE state IN (0, 66, 68)) AS starts, count(*) FILTER (WHERE state = 69) AS ends,
		min(ts_ms), max(ts_ms)
		FROM flow_raw`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += ` GROUP BY ALL ORDER BY greatest(starts, ends) DESC, src, dst, dport, proto, observer, rl, dir`
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []flowdb.Observed
	for rows.Next() {
		var o flowdb.Observed
		var src, dst uint32
		var fqdn, by, rule sql.NullString
		var decision, kind uint8
		var starts, ends uint64
		if err := rows.Scan(&src, &dst, &fqdn, &o.Proto, &o.DstPort, &decision, &kind, &by, &rule, &o.Direction, &o.ActionDefault,
			&starts, &ends, &o.FirstMs, &o.LastMs); err != nil {
			return nil, err
		}
		o.Src, o.Dst, o.FQDN, o.By, o.Rule = addr4(src), addr4(dst), fqdn.String, by.String, rule.String
		o.Decision, o.Kind, o.Count = flowlog.Decision(decision), flowlog.Kind(kind), max(starts, ends)
		out = append(out, o)
	}
	return out, rows.Err()
}
