package clickhouse

import (
	"context"
	"fmt"

	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
)

// batch is one ingest of one file.
type batch struct {
	s         *Store
	ctx       context.Context
	id        uint64
	fileID    uint32
	key, path string
	from      uint64 // record positions stored before this batch
	raw       *rows
	cols      []colBuf // flow_raw's columns then batch, typed, until flush
	held      int      // rows in cols
	ctxs, eps *rows
	// pendingIDs are the dimension rows held, known once sent.
	pendingIDs []uint64
	sent       bool // rows went to the server, so the batch is marked begun
	done       bool
}

func (b *batch) init() error {
	raw, _ := flowdb.TableByName("flow_raw")
	for _, c := range raw.Columns {
		newBuf := rawCols[c.Name]
		if newBuf == nil {
			return fmt.Errorf("flowdb/clickhouse: flow_raw column %s has no value here", c.Name)
		}
		b.cols = append(b.cols, newBuf())
	}
	b.cols = append(b.cols, col(func(*flowdb.Row) uint64 { return b.id })())
	var err error
	if b.raw, err = newRows(raw, "_all", true); err != nil {
		return err
	}
	t, _ := flowdb.TableByName("flow_ctx")
	if b.ctxs, err = newRows(t, "_all", false); err != nil {
		return err
	}
	t, _ = flowdb.TableByName("endpoint")
	b.eps, err = newRows(t, "_all", false)
	return err
}

// AddContext implements flowdb.Batch: a context not stored yet is sent with the next rows.
func (b *batch) AddContext(c *flowdb.Context) error {
	if b.s.known[c.ID] {
		return nil
	}
	b.pendingIDs = append(b.pendingIDs, c.ID)
	return b.ctxs.tbl.Append(flowdb.ContextValues(c)...)
}

// AddEndpoint implements flowdb.Batch.
func (b *batch) AddEndpoint(e *flowdb.Endpoint) error {
	if b.s.known[e.ID] {
		return nil
	}
	b.pendingIDs = append(b.pendingIDs, e.ID)
	return b.eps.tbl.Append(flowdb.EndpointValues(e)...)
}

// Add implements flowdb.Batch.
func (b *batch) Add(r *flowdb.Row) error {
	r.FileID = b.fileID
	for _, c := range b.cols {
		c.add(r)
	}
	if b.held++; b.held >= chunk {
		return b.flush()
	}
	return nil
}

// toBlock moves the rows held into the external table's block, column by column.
func (b *batch) toBlock() error {
	if b.held == 0 {
		return nil
	}
	for i, c := range b.cols {
		if err := c.appendTo(b.raw.tbl.Block().Columns[i]); err != nil {
			return err
		}
		c.reset()
	}
	b.held = 0
	return nil
}

// flush sends what is held: the batch's begun mark before its first rows (so a kill after
// them is found by the next Begin), dimension rows before the rows that refer to them.
func (b *batch) flush() error {
	if err := b.toBlock(); err != nil {
		return err
	}
	if b.raw.len()+b.ctxs.len()+b.eps.len() == 0 {
		return nil
	}
	if !b.sent {
		if err := b.s.mark(b.ctx, b.id, b.fileID, b.key, b.path, b.from, 0, begun); err != nil {
			return err
		}
		b.sent = true
	}
	for _, r := range []*rows{b.ctxs, b.eps, b.raw} {
		if err := r.send(b.ctx, b.s.conn); err != nil {
			return b.s.errorf("insert the records of %s into %s: %v", b.path, r.table, err)
		}
	}
	// Dimension rows count as stored once sent: they are keyed by content, and one left by a
	// batch that does not commit is only a row nothing refers to.
	for _, id := range b.pendingIDs {
		b.s.known[id] = true
	}
	b.pendingIDs = b.pendingIDs[:0]
	return nil
}

// Commit implements flowdb.Batch: the rows become visible with the committed row in batches.
// A batch that adds nothing and moves no position writes nothing.
func (b *batch) Commit(seq uint64) error {
	if b.done {
		return fmt.Errorf("flowdb/clickhouse: batch of %s already ended", b.path)
	}
	b.done, b.s.busy = true, false
	if err := b.flush(); err != nil {
		b.abort()
		return err
	}
	if !b.sent && seq <= b.from {
		return nil
	}
	return b.s.mark(b.ctx, b.id, b.fileID, b.key, b.path, b.from, max(seq, b.from), committed)
}

// Abort implements flowdb.Batch: rows already sent are deleted; the file stays as it was.
func (b *batch) Abort() error {
	if b.done {
		return nil
	}
	b.done, b.s.busy = true, false
	return b.abort()
}

func (b *batch) abort() error {
	if !b.sent {
		return nil
	}
	return b.s.clean(context.WithoutCancel(b.ctx), b.fileID, b.key, b.path, []uint64{b.id})
}
