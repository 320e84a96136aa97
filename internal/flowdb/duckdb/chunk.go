package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
)

// Rows reach flow_raw in columnar batches: the batch buffers them in Go (typed, no interface
// values), and `INSERT INTO flow_raw SELECT * FROM vnetdoctor_rows()` has DuckDB pull them
// through a chunk table function that writes each 2,048-row data chunk column by column with
// duck.SetChunkValue. flow_raw holds numbers only, so no value needs a cgo call of its own:
// one call per chunk, not one per value as the row appender with strings made (72,900 records/s).

// flushRows is how many rows a batch buffers before it inserts them: DuckDB's row group size
// (122,880) twice over, so each insert fills whole row groups on 2 threads (logs.md §6),
// about 24 MB of buffer.
const flushRows = 2 * 122_880

// rawRow is one flow_raw row, fields in flowdb.Tables order.
type rawRow struct {
	seq                               uint64
	ts                                int64
	src, dst                          uint32
	sport, dport                      uint16
	kind, proto, dir, state, decision uint8
	enc                               uint8
	pktsSD, bytesSD, pktsDS, bytesDS  uint64
	ctx, srcEP, dstEP                 uint64
	flowType                          uint8
	xlateIP                           uint32
	xlatePort                         uint16
}

// rowSource is the table function's source: the rows buffered by the open batch.
type rowSource struct {
	fileID uint32
	rows   []rawRow
	next   int
}

// column fillers in flow_raw order.
var fillers = []func(c duck.DataChunk, i int, r *rawRow, id uint32) error{
	func(c duck.DataChunk, i int, r *rawRow, id uint32) error { return duck.SetChunkValue(c, 0, i, id) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error { return duck.SetChunkValue(c, 1, i, r.seq) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error { return duck.SetChunkValue(c, 2, i, r.kind) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error { return duck.SetChunkValue(c, 3, i, r.ts) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error { return duck.SetChunkValue(c, 4, i, r.src) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error { return duck.SetChunkValue(c, 5, i, r.dst) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error { return duck.SetChunkValue(c, 6, i, r.sport) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error { return duck.SetChunkValue(c, 7, i, r.dport) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error { return duck.SetChunkValue(c, 8, i, r.proto) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error { return duck.SetChunkValue(c, 9, i, r.dir) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error { return duck.SetChunkValue(c, 10, i, r.state) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error {
		return duck.SetChunkValue(c, 11, i, r.decision)
	},
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error { return duck.SetChunkValue(c, 12, i, r.enc) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error {
		return duck.SetChunkValue(c, 13, i, r.pktsSD)
	},
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error {
		return duck.SetChunkValue(c, 14, i, r.bytesSD)
	},
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error {
		return duck.SetChunkValue(c, 15, i, r.pktsDS)
	},
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error {
		return duck.SetChunkValue(c, 16, i, r.bytesDS)
	},
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error { return duck.SetChunkValue(c, 17, i, r.ctx) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error { return duck.SetChunkValue(c, 18, i, r.srcEP) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error { return duck.SetChunkValue(c, 19, i, r.dstEP) },
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error {
		return duck.SetChunkValue(c, 20, i, r.flowType)
	},
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error {
		return duck.SetChunkValue(c, 21, i, r.xlateIP)
	},
	func(c duck.DataChunk, i int, r *rawRow, _ uint32) error {
		return duck.SetChunkValue(c, 22, i, r.xlatePort)
	},
}

var duckTypeID = map[string]duck.Type{"UInt8": duck.TYPE_UTINYINT, "UInt16": duck.TYPE_USMALLINT, "UInt32": duck.TYPE_UINTEGER,
	"UInt64": duck.TYPE_UBIGINT, "Int64": duck.TYPE_BIGINT}

func (s *rowSource) register(conn *sql.Conn) error {
	raw, _ := flowdb.TableByName("flow_raw")
	if len(raw.Columns) != len(fillers) {
		return fmt.Errorf("flowdb/duckdb: flow_raw has %d columns, the chunk source fills %d", len(raw.Columns), len(fillers))
	}
	var infos []duck.ColumnInfo
	for _, c := range raw.Columns {
		ti, err := duck.NewTypeInfo(duckTypeID[c.Type])
		if err != nil {
			return err
		}
		infos = append(infos, duck.ColumnInfo{Name: c.Name, T: ti})
	}
	return duck.RegisterTableUDF(conn, "vnetdoctor_rows", duck.ChunkTableFunction{
		BindArguments: func(map[string]any, ...any) (duck.ChunkTableSource, error) {
			return &chunkSource{s: s, infos: infos}, nil
		},
	})
}

// chunkSource is one scan of the rows buffered.
type chunkSource struct {
	s     *rowSource
	infos []duck.ColumnInfo
}

func (c *chunkSource) ColumnInfos() []duck.ColumnInfo { return c.infos }
func (c *chunkSource) Cardinality() *duck.CardinalityInfo {
	return &duck.CardinalityInfo{Cardinality: uint(len(c.s.rows)), Exact: true}
}
func (c *chunkSource) Init() { c.s.next = 0 }

// FillChunk writes the next up to 2,048 rows column by column.
func (c *chunkSource) FillChunk(ch duck.DataChunk) error {
	s := c.s
	n := min(duck.GetDataChunkCapacity(), len(s.rows)-s.next)
	rows := s.rows[s.next : s.next+n]
	for _, fill := range fillers {
		for i := range rows {
			if err := fill(ch, i, &rows[i], s.fileID); err != nil {
				return err
			}
		}
	}
	s.next += n
	return ch.SetSize(n)
}

// batch is one file being stored, in one transaction of the ingest connection. Rows fill one
// buffer while the previous one is inserted by a goroutine, so parsing (the caller) and DuckDB
// inserting run at the same time on two cores.
type batch struct {
	s        *Store
	ctx      context.Context
	id       uint32
	fill     []rawRow   // being filled by Add
	inflight chan error // the insert running, nil when none
}

// wait waits for the insert running, if any, and returns its error.
func (b *batch) wait() error {
	if b.inflight == nil {
		return nil
	}
	err := <-b.inflight
	b.inflight = nil
	return err
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
	err := s.db.QueryRowContext(ctx, `SELECT file_id, records, done = 1 FROM ingested WHERE key = ?`, key).Scan(&id, &records, &done)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(file_id), 0) + 1 FROM ingested`).Scan(&id); err != nil {
			return nil, 0, err
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO ingested (file_id, key, path, records, done) VALUES (?, ?, ?, 0, 0)`, id, key, path); err != nil {
			return nil, 0, err
		}
	case err != nil:
		return nil, 0, err
	}
	if _, err := s.ing.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, 0, err
	}
	b := &batch{s: s, ctx: ctx, id: uint32(id)}
	if !done {
		if _, err := s.ing.ExecContext(ctx, `DELETE FROM flow_raw WHERE file_id = ? AND seq >= ?`, uint32(id), records); err != nil {
			b.Abort()
			return nil, 0, err
		}
	}
	s.busy = true
	s.src.fileID, s.src.rows = uint32(id), s.src.rows[:0]
	b.fill = make([]rawRow, 0, flushRows)
	return b, records, nil
}

// AddContext implements flowdb.Batch.
func (b *batch) AddContext(c *flowdb.Context) error {
	return b.insertDim("flow_ctx", flowdb.ContextValues(c))
}

// AddEndpoint implements flowdb.Batch.
func (b *batch) AddEndpoint(e *flowdb.Endpoint) error {
	return b.insertDim("endpoint", flowdb.EndpointValues(e))
}

func (b *batch) insertDim(table string, vals []any) error {
	if err := b.wait(); err != nil {
		return err
	}
	q := "INSERT INTO " + table + " VALUES (?" + strings.Repeat(", ?", len(vals)-1) + ") ON CONFLICT DO NOTHING"
	if _, err := b.s.ing.ExecContext(b.ctx, q, vals...); err != nil {
		return fmt.Errorf("%s: %s: %v", b.s.path, table, oneLine(err))
	}
	return nil
}

// Add implements flowdb.Batch.
func (b *batch) Add(r *flowdb.Row) error {
	b.fill = append(b.fill, rawRow{seq: r.Seq, ts: r.TimeMs, src: flowdb.IP4(r.Src), dst: flowdb.IP4(r.Dst),
		sport: r.SrcPort, dport: r.DstPort, kind: uint8(r.Kind), proto: r.Proto, dir: r.Direction, state: r.State,
		decision: uint8(r.Decision), enc: flowdb.EncryptionCode(r.Encryption), pktsSD: r.PktsSD, bytesSD: r.BytesSD,
		pktsDS: r.PktsDS, bytesDS: r.BytesDS, ctx: r.Ctx, srcEP: r.SrcEP, dstEP: r.DstEP, flowType: uint8(r.FlowType),
		xlateIP: flowdb.IP4(r.TranslatedIP), xlatePort: r.TranslatedPort})
	if len(b.fill) >= flushRows {
		return b.flush()
	}
	return nil
}

// flush starts inserting the rows filled so far (after the previous insert ended) and gives
// Add the other buffer.
func (b *batch) flush() error {
	if err := b.wait(); err != nil {
		return err
	}
	if len(b.fill) == 0 {
		return nil
	}
	src := b.s.src
	src.rows, b.fill = b.fill, src.rows[:0]
	b.inflight = make(chan error, 1)
	go func(done chan<- error) {
		_, err := b.s.ing.ExecContext(b.ctx, `INSERT INTO flow_raw SELECT * FROM vnetdoctor_rows()`)
		if err != nil {
			err = fmt.Errorf("%s: insert: %v", b.s.path, oneLine(err))
		}
		done <- err
	}(b.inflight)
	return nil
}

// Commit implements flowdb.Batch.
func (b *batch) Commit(seq uint64) error {
	defer b.release()
	err := b.flush()
	if err2 := b.wait(); err == nil {
		err = err2
	}
	if err != nil {
		b.rollback()
		return err
	}
	if _, err := b.s.ing.ExecContext(b.ctx, `UPDATE ingested SET records = greatest(records, ?), done = 1 WHERE file_id = ?`, seq, b.id); err != nil {
		b.rollback()
		return err
	}
	_, err = b.s.ing.ExecContext(b.ctx, "COMMIT")
	return err
}

// Abort implements flowdb.Batch.
func (b *batch) Abort() error {
	defer b.release()
	b.wait()
	return b.rollback()
}

func (b *batch) release() {
	b.s.busy = false
	b.s.src.rows, b.fill = b.s.src.rows[:0], nil
}

func (b *batch) rollback() error {
	_, err := b.s.ing.ExecContext(context.Background(), "ROLLBACK")
	return err
}
