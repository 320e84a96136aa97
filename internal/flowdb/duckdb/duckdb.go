// Package duckdb is the embedded DuckDB flowdb.Store: one file, written in columnar batches
// through a DuckDB table function that fills data chunks from Go (chunk.go). It is the only
// package that links DuckDB (cgo).
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
)

// Store is a flowdb.Store in a DuckDB file.
type Store struct {
	path string
	conn *duck.Connector
	db   *sql.DB   // queries
	ing  *sql.Conn // ingest: the batch's transaction and the rows table function
	src  *rowSource
	busy bool // a Batch is open
}

var _ flowdb.Store = (*Store)(nil)

// duckType maps the logical schema's types (flowdb.Tables) to DuckDB's.
var duckType = map[string]string{"UInt8": "UTINYINT", "UInt16": "USMALLINT", "UInt32": "UINTEGER", "UInt64": "UBIGINT",
	"Int64": "BIGINT", "String": "VARCHAR"}

// schema is the DDL of flowdb.Tables: dimension tables keyed by their ID (so a dimension row
// added twice is stored once), flow_raw without keys (its identity is file_id + seq, kept by
// the ingest).
func schema() []string {
	out := []string{`CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)`}
	for _, t := range flowdb.Tables {
		var cols []string
		for _, c := range t.Columns {
			d := c.Name + " " + duckType[c.Type] + " NOT NULL"
			if c.Name == t.Key {
				d += " PRIMARY KEY"
			}
			if t.Name == "ingested" && c.Name == "key" {
				d += " UNIQUE"
			}
			cols = append(cols, d)
		}
		out = append(out, "CREATE TABLE IF NOT EXISTS "+t.Name+" ("+strings.Join(cols, ", ")+")")
	}
	return out
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
	s := &Store{path: path, conn: c, db: sql.OpenDB(c), src: &rowSource{}}
	if err := s.init(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.ing, err = s.db.Conn(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %v", path, oneLine(err))
	}
	if err := s.src.register(s.ing); err != nil {
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
		if v < flowdb.SchemaVersion {
			// Version 1 kept strings in flow_raw and nothing of the snapshot: its rows cannot
			// become enriched rows without the logs.
			return &flowdb.OlderSchemaError{Path: s.path, Found: v}
		}
	case errors.Is(err, sql.ErrNoRows) || strings.Contains(err.Error(), "meta does not exist"):
	default:
		return fmt.Errorf("%s: not a flow database: %v", s.path, oneLine(err))
	}
	for _, q := range schema() {
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
	if s.ing != nil {
		errs = append(errs, s.ing.Close())
	}
	errs = append(errs, s.db.Close(), s.conn.Close())
	return errors.Join(errs...)
}

// Dialect implements flowdb.Store.
func (s *Store) Dialect() flowdb.Dialect { return flowdb.DuckDB }

// Count implements flowdb.Store.
func (s *Store) Count(ctx context.Context) (uint64, error) {
	var n uint64
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM flow_raw`).Scan(&n)
	return n, err
}

// Query implements flowdb.Store. DuckDB returns sums as HUGEINT (*big.Int): scan converts.
func (s *Store) Query(ctx context.Context, q string, row func(scan func(dest ...any) error) error) error {
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("%s: %v", s.path, oneLine(err))
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	scan := func(dest ...any) error {
		if len(dest) != len(vals) {
			return fmt.Errorf("flowdb/duckdb: scan of %d columns into %d values", len(vals), len(dest))
		}
		for i, d := range dest {
			if err := assign(d, vals[i]); err != nil {
				return fmt.Errorf("column %s: %v", cols[i], err)
			}
		}
		return nil
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := row(scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// assign stores the driver value v in d (*int64, *uint64 or *string); NULL is the zero value.
func assign(d, v any) error {
	var i int64
	var u uint64
	var str string
	switch x := v.(type) {
	case nil:
	case string:
		str = x
	case bool:
		if x {
			i, u = 1, 1
		}
	case *big.Int:
		i, u = x.Int64(), x.Uint64()
	case int8, int16, int32, int64, int:
		i = toInt64(x)
		u = uint64(i)
	case uint8, uint16, uint32, uint64, uint:
		u = toUint64(x)
		i = int64(u)
	case float64:
		i, u = int64(x), uint64(x)
	default:
		return fmt.Errorf("unexpected %T", v)
	}
	switch p := d.(type) {
	case *int64:
		*p = i
	case *uint64:
		*p = u
	case *string:
		if str == "" && v != nil {
			if _, isStr := v.(string); !isStr {
				str = fmt.Sprint(v)
			}
		}
		*p = str
	default:
		return fmt.Errorf("cannot scan into %T", d)
	}
	return nil
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	}
	return v.(int64)
}

func toUint64(v any) uint64 {
	switch x := v.(type) {
	case uint8:
		return uint64(x)
	case uint16:
		return uint64(x)
	case uint32:
		return uint64(x)
	case uint:
		return uint64(x)
	}
	return v.(uint64)
}
