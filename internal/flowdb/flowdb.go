// Package flowdb stores observed flows (flowlog.Records) and answers the queries the flows
// commands ask of them, behind Store: the embedded DuckDB store (package flowdb/duckdb) and,
// later, ClickHouse implement it with one logical schema (shared/spec/logs.md §6).
//
// Ingest is idempotent: a record is identified by its file's key and its position (Seq) in the
// file; a file whose first N positions are stored adds only what follows, so re-ingesting adds
// nothing and a blob that grew adds its new records. A file is committed whole: a killed ingest
// leaves it unfinished, and the next Begin of that file removes its uncommitted rows.
package flowdb

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
)

// SchemaVersion is the version of the schema this build writes. A database with a higher one
// is refused (ErrNewerSchema); a lower one is migrated.
const SchemaVersion = 1

// NewerSchemaError says the database was written by a newer vnetdoctor.
type NewerSchemaError struct {
	Path      string
	Found     int
	Supported int
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("%s: flow database schema version %d is newer than this vnetdoctor supports (%d): use a newer vnetdoctor or another --db",
		e.Path, e.Found, e.Supported)
}

// Store keeps observed flows. Implementations are safe for use by one goroutine at a time.
type Store interface {
	// Begin starts storing the file known as key (path is informational). It returns the
	// batch to add records to and how many record positions of the file are stored already:
	// the caller reads the file from there (flowlog.NewReader's from).
	Begin(ctx context.Context, key, path string) (Batch, uint64, error)
	// Flows returns the observed flows grouped as explain shows them, most frequent first.
	Flows(ctx context.Context, f Filter) ([]Observed, error)
	// Count is the number of stored records.
	Count(ctx context.Context) (uint64, error)
	Close() error
}

// Batch is the records of one file being stored.
type Batch interface {
	Add(r *flowlog.Record) error
	// Commit stores the added records and marks the file's first seq positions stored.
	Commit(seq uint64) error
	// Abort discards what was added; the file stays as it was before Begin.
	Abort() error
}

// Filter selects observed flows; zero fields select everything.
type Filter struct {
	Src, Dst   netip.Addr
	DstPort    uint16
	HasDPort   bool // DstPort applies
	DeniedOnly bool
	Limit      int // 0 = no limit
}

// Observed is one group of observed flows: the same source, destination, protocol and
// destination port, seen by the same observer with the same decision and rule.
type Observed struct {
	Src, Dst netip.Addr // Dst is invalid for application-rule lines that name only an FQDN
	FQDN     string
	Proto    uint8
	DstPort  uint16
	Decision flowlog.Decision
	Kind     flowlog.Kind
	// By is the observer that decided: the flow log's aclID (VNet flow logs), the NSG's
	// resource ID (NSG flow logs) or the firewall's resource ID.
	By string
	// Rule is the flow log's rule, or the firewall's RCG/collection/rule ("" when nothing
	// matched and the default action decided).
	Rule string
	// Direction is 'I' or 'O' for flow logs (the logging NIC's view), 0 for the firewall.
	Direction byte
	// Count is the number of flows: begin and denied tuples (v4, v2), every v1 tuple and
	// firewall line, or the end tuples when no begin was logged.
	Count           uint64
	FirstMs, LastMs int64 // epoch ms
	// ActionDefault: the firewall's default action decided (no rule matched).
	ActionDefault bool
}
