package clickhouse

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
)

// chunk is how many flow_raw rows one INSERT carries: large enough that each insert makes few
// parts (ClickHouse wants inserts of many thousand rows), small enough that the block held here
// stays near 30 MB.
const chunk = 1 << 18

var errBusy = errors.New("flowdb/clickhouse: Begin while a batch is open")

// colBuf holds one flow_raw column of the rows not sent yet, typed: no value is boxed per row,
// and the column reaches the block in one Append.
type colBuf interface {
	add(r *flowdb.Row)
	appendTo(c column.Interface) error
	reset()
}

type buf[T any] struct {
	get  func(*flowdb.Row) T
	vals []T
}

func (b *buf[T]) add(r *flowdb.Row) { b.vals = append(b.vals, b.get(r)) }
func (b *buf[T]) reset()            { b.vals = b.vals[:0] }
func (b *buf[T]) appendTo(c column.Interface) error {
	_, err := c.Append(b.vals)
	return err
}

func col[T any](get func(*flowdb.Row) T) func() colBuf {
	return func() colBuf { return &buf[T]{get: get, vals: make([]T, 0, chunk)} }
}

// rawCols are flow_raw's columns by logical column name, in the Go type of the column's
// ClickHouse type.
var rawCols = map[string]func() colBuf{
	"file_id":    col(func(r *flowdb.Row) uint32 { return r.FileID }),
	"seq":        col(func(r *flowdb.Row) uint64 { return r.Seq }),
	"kind":       col(func(r *flowdb.Row) uint8 { return uint8(r.Kind) }),
	"ts_ms":      col(func(r *flowdb.Row) int64 { return r.TimeMs }),
	"src":        col(func(r *flowdb.Row) uint32 { return flowdb.IP4(r.Src) }),
	"dst":        col(func(r *flowdb.Row) uint32 { return flowdb.IP4(r.Dst) }),
	"sport":      col(func(r *flowdb.Row) uint16 { return r.SrcPort }),
	"dport":      col(func(r *flowdb.Row) uint16 { return r.DstPort }),
	"proto":      col(func(r *flowdb.Row) uint8 { return r.Proto }),
	"dir":        col(func(r *flowdb.Row) uint8 { return r.Direction }),
	"state":      col(func(r *flowdb.Row) uint8 { return r.State }),
	"decision":   col(func(r *flowdb.Row) uint8 { return uint8(r.Decision) }),
	"enc":        col(func(r *flowdb.Row) uint8 { return flowdb.EncryptionCode(r.Encryption) }),
	"pkts_sd":    col(func(r *flowdb.Row) uint64 { return r.PktsSD }),
	"bytes_sd":   col(func(r *flowdb.Row) uint64 { return r.BytesSD }),
	"pkts_ds":    col(func(r *flowdb.Row) uint64 { return r.PktsDS }),
	"bytes_ds":   col(func(r *flowdb.Row) uint64 { return r.BytesDS }),
	"ctx_id":     col(func(r *flowdb.Row) uint64 { return r.Ctx }),
	"src_ep":     col(func(r *flowdb.Row) uint64 { return r.SrcEP }),
	"dst_ep":     col(func(r *flowdb.Row) uint64 { return r.DstEP }),
	"flow_type":  col(func(r *flowdb.Row) uint8 { return uint8(r.FlowType) }),
	"xlate_ip":   col(func(r *flowdb.Row) uint32 { return flowdb.IP4(r.TranslatedIP) }),
	"xlate_port": col(func(r *flowdb.Row) uint16 { return r.TranslatedPort }),
}

// rows is the rows of one physical table not sent yet, as an external table of the next
// INSERT.
type rows struct {
	table, names string
	tbl          *ext.Table
}

// newRows holds rows for table t (physical name t.Name+suffix), plus batch when withBatch.
func newRows(t flowdb.Table, suffix string, withBatch bool) (*rows, error) {
	var cols []func(*ext.Table) error
	_, names := columns(t)
	for _, c := range t.Columns {
		cols = append(cols, ext.Column(c.Name, column.Type(c.Type)))
	}
	if withBatch {
		cols, names = append(cols, ext.Column("batch", "UInt64")), append(names, "batch")
	}
	tbl, err := ext.NewTable("rows", cols...)
	if err != nil {
		return nil, err
	}
	return &rows{table: t.Name + suffix, names: strings.Join(names, ", "), tbl: tbl}, nil
}

func (r *rows) len() int { return r.tbl.Block().Rows() }

// send inserts the rows held: INSERT ... SELECT from them sent alongside as an external table.
// (clickhouse-go's PrepareBatch sends INSERT ... FORMAT Native, which 18.16 answers with an
// empty header, so its batches fail there; external tables work on every version and are still
// native, columnar and compressed.)
func (r *rows) send(ctx context.Context, conn interface {
	Exec(context.Context, string, ...any) error
}) error {
	if r.len() == 0 {
		return nil
	}
	err := conn.Exec(ch.Context(ctx, ch.WithExternalTable(r.tbl)), `INSERT INTO `+r.table+` (`+r.names+`) SELECT `+r.names+` FROM rows`)
	r.tbl.Block().Reset()
	return err
}

// Begin implements flowdb.Store. Batches of the same file that began and neither committed nor
// were cleaned (a killed ingest) have their rows deleted first; they were never visible.
func (s *Store) Begin(ctx context.Context, key, path string) (flowdb.Batch, uint64, error) {
	if s.busy {
		return nil, 0, errBusy
	}
	st, err := s.fileState(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	if len(st.unfinished) > 0 {
		if err := s.clean(ctx, st.fileID, key, path, st.unfinished); err != nil {
			return nil, 0, err
		}
	}
	if s.known == nil {
		if s.known, err = s.knownIDs(ctx); err != nil {
			return nil, 0, err
		}
	}
	b := &batch{s: s, ctx: ctx, id: newBatchID(), fileID: st.fileID, key: key, path: path, from: st.stored}
	if err := b.init(); err != nil {
		return nil, 0, err
	}
	s.busy = true
	return b, st.stored, nil
}

func newBatchID() uint64 {
	var id [8]byte
	rand.Read(id[:])
	return binary.LittleEndian.Uint64(id[:]) | 1 // never 0
}

// fileState is what batches says of a file.
type fileState struct {
	fileID     uint32
	stored     uint64   // record positions stored (the highest committed to_seq)
	unfinished []uint64 // batches begun, not committed, not cleaned
}

func (s *Store) fileState(ctx context.Context, key string) (fileState, error) {
	var st fileState
	q := `SELECT batch, any(file_id), max(state = 1), max(state = 2), max(to_seq) FROM batches WHERE key = ? GROUP BY batch`
	rs, err := s.conn.Query(ctx, q, key)
	if err != nil {
		return st, s.errorf("read batches: %v", err)
	}
	defer rs.Close()
	for rs.Next() {
		var id, to uint64
		var fileID uint32
		var isCommitted, isCleaned uint8
		if err := rs.Scan(&id, &fileID, &isCommitted, &isCleaned, &to); err != nil {
			return st, s.errorf("read batches: %v", err)
		}
		st.fileID = fileID
		switch {
		case isCommitted == 1:
			st.stored = max(st.stored, to)
		case isCleaned == 0:
			st.unfinished = append(st.unfinished, id)
		}
	}
	if err := rs.Err(); err != nil {
		return st, s.errorf("read batches: %v", err)
	}
	if st.fileID == 0 {
		// A new file: the next number. Two ingests into one database at once could take the
		// same one; like the DuckDB file, a flow database has one writer at a time.
		if err := s.conn.QueryRow(ctx, `SELECT toUInt32(max(file_id) + 1) FROM batches`).Scan(&st.fileID); err != nil {
			return st, s.errorf("read batches: %v", err)
		}
	}
	return st, nil
}

// knownIDs are the IDs of the dimension rows stored, so a batch sends only new ones.
func (s *Store) knownIDs(ctx context.Context) (map[uint64]bool, error) {
	known := map[uint64]bool{}
	for _, q := range []string{`SELECT ctx_id FROM flow_ctx_all`, `SELECT ep_id FROM endpoint_all`} {
		rs, err := s.conn.Query(ctx, q)
		if err != nil {
			return nil, s.errorf("%v", err)
		}
		for rs.Next() {
			var id uint64
			if err := rs.Scan(&id); err != nil {
				rs.Close()
				return nil, s.errorf("%v", err)
			}
			known[id] = true
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, s.errorf("%v", err)
		}
	}
	return known, nil
}

// clean deletes the rows of batches that never committed, then records them cleaned. The
// deletes are mutations the server runs in the background; parts inserted later are not
// touched by them, so the file's next batch may insert at once, and the rows are invisible
// meanwhile (not committed).
func (s *Store) clean(ctx context.Context, fileID uint32, key, path string, ids []uint64) error {
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = fmt.Sprint(id)
	}
	for _, t := range batchTables {
		if err := s.conn.Exec(ctx, `ALTER TABLE `+t+` DELETE WHERE batch IN (`+strings.Join(list, ", ")+`)`); err != nil {
			return s.errorf("delete the rows of an unfinished ingest of %s: %v", path, err)
		}
	}
	for _, id := range ids {
		if err := s.mark(ctx, id, fileID, key, path, 0, 0, cleaned); err != nil {
			return err
		}
	}
	return nil
}

// mark adds a state row for a batch to batches.
func (s *Store) mark(ctx context.Context, id uint64, fileID uint32, key, path string, from, to uint64, state uint8) error {
	// INSERT ... SELECT, not VALUES: 18.16 waits for the data of an INSERT ... VALUES sent
	// as a query by clickhouse-go, which waits for the server.
	err := s.conn.Exec(ctx, `INSERT INTO batches (batch, file_id, key, path, from_seq, to_seq, state, at) SELECT ?, ?, ?, ?, ?, ?, ?, now()`,
		id, fileID, key, path, from, to, state)
	if err != nil {
		return s.errorf("record the ingest of %s: %v", path, err)
	}
	return nil
}
