// Package clickhouse is the flowdb.Store on a ClickHouse server, for estates whose logs
// outgrow one machine: the DuckDB store's schema as a raw MergeTree table partitioned by day
// plus SummingMergeTree rollups at one minute and one hour fed by materialized views
// (logs.md §6). It speaks the native protocol (clickhouse-go) and keeps to SQL that Debian's
// clickhouse-server 18.16 runs.
//
// ClickHouse has no transactions, so a file's ingest is a batch: its rows carry a batch id
// and count only once a row in batches says the batch committed. A killed ingest leaves rows
// of a batch that never committed; they are invisible at once, and the next Begin of the same
// file deletes them (ALTER TABLE ... DELETE, an asynchronous mutation: correctness never
// waits for it).
package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
)

// Store is a flowdb.Store in one ClickHouse database.
type Store struct {
	url  string // as given, without a password
	db   string
	conn driver.Conn
	busy bool // a Batch is open
	// known are the IDs of the dimension rows stored (read at the first Begin).
	known map[uint64]bool
}

var _ flowdb.Store = (*Store)(nil)

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ParseURL reads clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE (cli.md "flows"): the
// native protocol's address (port 9000 by default) and the database to keep flows in.
func ParseURL(raw string) (ch.Options, string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "clickhouse" {
		return ch.Options{}, "", fmt.Errorf("%s: want clickhouse://HOST:PORT/DATABASE", redact(raw))
	}
	host := u.Host
	if host == "" {
		return ch.Options{}, "", fmt.Errorf("%s: no host: want clickhouse://HOST:PORT/DATABASE", redact(raw))
	}
	if u.Port() == "" {
		host += ":9000"
	}
	db := strings.Trim(u.Path, "/")
	if !identifier.MatchString(db) {
		return ch.Options{}, "", fmt.Errorf("%s: database %q: want a name of letters, digits and _ (clickhouse://HOST:PORT/DATABASE)", redact(raw), db)
	}
	if len(u.Query()) > 0 {
		return ch.Options{}, "", fmt.Errorf("%s: no query parameters are read; give clickhouse://HOST:PORT/DATABASE", redact(raw))
	}
	pass, _ := u.User.Password()
	return ch.Options{
		Addr:         []string{host},
		Auth:         ch.Auth{Username: u.User.Username(), Password: pass},
		Compression:  &ch.Compression{Method: ch.CompressionLZ4},
		DialTimeout:  10 * time.Second,
		MaxOpenConns: 2,
	}, db, nil
}

// redact drops a password from a URL for messages.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return raw
}

// Open connects to the ClickHouse server of rawURL and opens (creating when absent) its
// database as a flow database. A database of a newer schema version is a
// *flowdb.NewerSchemaError; a database that holds other tables and no vnetdoctor schema is
// refused.
func Open(ctx context.Context, rawURL string) (*Store, error) { return openDB(ctx, rawURL, true) }

// OpenExisting is Open of a flow database that must exist already (the questions: a database
// never ingested into would only answer nothing); ErrNoDatabase when it does not.
func OpenExisting(ctx context.Context, rawURL string) (*Store, error) {
	return openDB(ctx, rawURL, false)
}

// ErrNoDatabase says the server has no flow database of the name given.
var ErrNoDatabase = errors.New("no flow database there (run vnetdoctor flows ingest first)")

func openDB(ctx context.Context, rawURL string, create bool) (*Store, error) {
	opt, db, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	s := &Store{url: redact(rawURL), db: db}
	conn, err := ch.Open(&opt) // the server's default database: ours may not exist yet
	if err != nil {
		return nil, s.errorf("%v", err)
	}
	var meta uint64
	if create {
		err = conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db)
	} else {
		err = conn.QueryRow(ctx, `SELECT count() FROM system.tables WHERE database = ? AND name = 'meta'`, db).Scan(&meta)
	}
	conn.Close()
	if err != nil {
		return nil, s.errorf("cannot reach the server: %v", err)
	}
	if !create && meta == 0 {
		return nil, fmt.Errorf("%s: %w", s.url, ErrNoDatabase)
	}
	opt.Auth.Database = db
	if s.conn, err = ch.Open(&opt); err != nil {
		return nil, s.errorf("%v", err)
	}
	if err := s.init(ctx); err != nil {
		s.conn.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: %s", s.url, oneLine(fmt.Sprintf(format, args...)))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// init checks the schema version and creates what is missing.
func (s *Store) init(ctx context.Context) error {
	tables, err := s.column(ctx, `SELECT name FROM system.tables WHERE database = ? ORDER BY name`, s.db)
	if err != nil {
		return s.errorf("list tables: %v", err)
	}
	switch {
	case contains(tables, "meta"):
		vs, err := s.column(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`)
		if err != nil {
			return s.errorf("read schema version: %v", err)
		}
		for _, v := range vs {
			switch n, _ := strconv.Atoi(v); {
			case n > flowdb.SchemaVersion:
				return &flowdb.NewerSchemaError{Path: s.url, Found: n, Supported: flowdb.SchemaVersion}
			case n < flowdb.SchemaVersion:
				// No ClickHouse database of an older version was ever written; migrations go here.
				return &flowdb.OlderSchemaError{Path: s.url, Found: n}
			}
		}
	case len(tables) > 0:
		return s.errorf("database %s holds tables (%s) but no vnetdoctor flow schema: not a flow database; give another DATABASE",
			s.db, strings.Join(tables[:min(3, len(tables))], ", "))
	}
	ddl, err := schema()
	if err != nil {
		return err
	}
	for _, q := range ddl {
		if err := s.conn.Exec(ctx, q); err != nil {
			return s.errorf("create schema: %v", err)
		}
	}
	if !contains(tables, "meta") {
		if err := s.conn.Exec(ctx, `INSERT INTO meta (key, value) SELECT ?, ?`, "schema_version", strconv.Itoa(flowdb.SchemaVersion)); err != nil {
			return s.errorf("write schema version: %v", err)
		}
	}
	return nil
}

// column is the first column of a query's rows, as strings.
func (s *Store) column(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Close closes the connection.
func (s *Store) Close() error { return s.conn.Close() }

// Dialect implements flowdb.Store.
func (s *Store) Dialect() flowdb.Dialect { return flowdb.ClickHouse }

// Count implements flowdb.Store.
func (s *Store) Count(ctx context.Context) (uint64, error) {
	var n uint64
	if err := s.conn.QueryRow(ctx, `SELECT count() FROM flow_raw`).Scan(&n); err != nil {
		return 0, s.errorf("%v", err)
	}
	return n, nil
}

// Query implements flowdb.Store. Each column is read as the type the server sends and
// converted to the *int64, *uint64 or *string the caller gives.
func (s *Store) Query(ctx context.Context, q string, row func(scan func(dest ...any) error) error) error {
	rows, err := s.conn.Query(ctx, q)
	if err != nil {
		return s.errorf("%v", err)
	}
	defer rows.Close()
	types := rows.ColumnTypes()
	vals := make([]any, len(types))
	for i, t := range types {
		vals[i] = reflect.New(t.ScanType()).Interface()
	}
	scan := func(dest ...any) error {
		if len(dest) != len(vals) {
			return fmt.Errorf("flowdb/clickhouse: scan of %d columns into %d values", len(vals), len(dest))
		}
		for i, d := range dest {
			if err := assign(d, reflect.ValueOf(vals[i]).Elem()); err != nil {
				return fmt.Errorf("column %s: %v", types[i].Name(), err)
			}
		}
		return nil
	}
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			return s.errorf("%v", err)
		}
		if err := row(scan); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return s.errorf("%v", err)
	}
	return nil
}

// assign stores v (an integer, float or string of ClickHouse's) in d.
func assign(d any, v reflect.Value) error {
	var i int64
	var u uint64
	var str string
	switch v.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int:
		i = v.Int()
		u = uint64(i)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint:
		u = v.Uint()
		i = int64(u)
	case reflect.Float32, reflect.Float64:
		i, u = int64(v.Float()), uint64(v.Float())
	case reflect.Bool:
		if v.Bool() {
			i, u = 1, 1
		}
	case reflect.String:
		str = v.String()
	default:
		return fmt.Errorf("unexpected %s", v.Type())
	}
	switch p := d.(type) {
	case *int64:
		*p = i
	case *uint64:
		*p = u
	case *string:
		if v.Kind() != reflect.String {
			str = fmt.Sprint(v.Interface())
		}
		*p = str
	default:
		return fmt.Errorf("cannot scan into %T", d)
	}
	return nil
}
