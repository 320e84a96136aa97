// Package flowdb stores observed flows (flowlog.Records, enriched with the snapshot) and answers
// the questions the flows commands ask of them. The logic lives here, once, for every store:
// the logical schema (schema.go), ingest and enrichment (ingest.go, enrich.go) and every query
// (query.go, report.go) are written in a portable SQL subset (sql.go) that each Store — the
// embedded DuckDB store (flowdb/duckdb) and the ClickHouse store — only executes.
//
// Ingest is idempotent: a record is identified by its file's key and its position (Seq) in the
// file; a file whose first N positions are stored adds only what follows, so re-ingesting adds
// nothing and a blob that grew adds its new records. A file is committed whole: a killed ingest
// leaves it unfinished, and the next Begin of that file removes its uncommitted rows.
//
// flow_raw holds numbers only (addresses, ports, counters, codes and the IDs of dimension rows):
// the strings a record shares with its neighbours — the flow log, rule and firewall context, and
// the enrichment of each address — are dimension rows (Context, Endpoint) keyed by a hash of
// their content, so a store appends rows without a string per value and dimension rows are
// written once however often they are met (logs.md §6).
package flowdb

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
)

// SchemaVersion is the version of the schema this build writes. A database with a higher one
// is refused (NewerSchemaError); a lower one is migrated or, where no migration exists, refused
// with OlderSchemaError.
//
// Version 2: numeric flow_raw with the flow_ctx and endpoint dimension tables (version 1 kept
// the strings in flow_raw).
const SchemaVersion = 2

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

// OlderSchemaError says the database has a schema version this build cannot migrate.
type OlderSchemaError struct {
	Path  string
	Found int
}

func (e *OlderSchemaError) Error() string {
	return fmt.Sprintf("%s: flow database schema version %d predates enrichment and cannot be migrated: ingest the logs again into a new --db",
		e.Path, e.Found)
}

// Store keeps observed flows. Implementations are safe for use by one goroutine at a time.
//
// A Store only stores and executes: what to store (rows, dimension rows) and what to ask (SQL
// text over the tables of schema.go) come from this package, so every store gives the same
// answers. The conformance suite flowdbtest.Run checks a Store against them.
type Store interface {
	// Begin starts storing the file known as key (path is informational). It returns the
	// batch to add rows to and how many record positions of the file are stored already:
	// the caller reads the file from there (flowlog.NewReader's from).
	Begin(ctx context.Context, key, path string) (Batch, uint64, error)
	// Query runs one SELECT written in this package's portable SQL (sql.go) over the tables
	// of schema.go and calls row once per result row, in order; row reads the columns with
	// scan. Result columns are integers or strings (NULL never appears: queries coalesce);
	// scan accepts *int64, *uint64 and *string destinations. An error of row stops the query
	// and is returned.
	Query(ctx context.Context, q string, row func(scan func(dest ...any) error) error) error
	// Dialect names the SQL dialect for the few constructs the portable subset cannot share.
	Dialect() Dialect
	// Count is the number of stored records (rows of flow_raw).
	Count(ctx context.Context) (uint64, error)
	Close() error
}

// Batch is the rows of one file being stored, in one transaction (or its equivalent).
type Batch interface {
	// AddContext stores a context row unless one with its ID is stored; AddEndpoint the same
	// for an endpoint. The ingest adds each one before the first row that refers to it, once
	// per file.
	AddContext(c *Context) error
	AddEndpoint(e *Endpoint) error
	// Add stores one row of flow_raw. The row and its record may be reused after Add returns.
	Add(r *Row) error
	// Commit stores the added rows and marks the file's first seq positions stored.
	Commit(seq uint64) error
	// Abort discards what was added; the file stays as it was before Begin.
	Abort() error
}

// Dialect is the SQL dialect of a Store.
type Dialect uint8

const (
	DuckDB Dialect = iota
	ClickHouse
)

// Row is one row of flow_raw: a record with the IDs of its dimension rows and its enrichment.
type Row struct {
	*flowlog.Record
	FileID uint32 // set by the Batch (the ingest leaves it 0)
	// Ctx is the Context.ID of the record's context.
	Ctx uint64
	// SrcEP and DstEP are the Endpoint.IDs of the addresses; 0 when the snapshot has nothing
	// to say about an address (or no snapshot was given).
	SrcEP, DstEP uint64
	// FlowType is Traffic Analytics' flow type of the (source, destination) pair.
	FlowType FlowType
}

// Context is what records of one flow group or firewall rule share: the log that wrote them,
// its rule, and what the snapshot says about the observer and rule. Stored in flow_ctx.
type Context struct {
	ID   uint64 // ContextID of the rest
	Kind flowlog.Kind
	// LogID, TargetID, MAC, ACLID, Rule, Category, Policy, RuleCollectionGroup,
	// RuleCollection, ActionReason, FQDN and TargetURL are the record's (flowlog.Record).
	LogID, TargetID, MAC, ACLID, Rule                     string
	Category, Policy, RuleCollectionGroup, RuleCollection string
	ActionReason, FQDN, TargetURL                         string
	// By is the observer that decided, by name: the NSG or admin configuration whose
	// resourceGuid is the aclID (VNet flow logs), the NSG (NSG flow logs) or the firewall;
	// the aclID or the resource ID's last segment when the snapshot does not know it.
	By string
	// ByID is the resource ID of that NSG, admin configuration or firewall ("" unknown).
	ByID string
	// RuleID is the resource ID of the deciding rule when the snapshot has it: the NSG's
	// security rule, the admin rule, or the firewall policy's rule collection group (the
	// collection and rule are named in RuleCollection and Rule).
	RuleID string
}

// Endpoint is what the snapshot says about one address: its NIC, VM, subnet and VNet, and the
// resource that owns it (a NIC, private endpoint, firewall, load balancer frontend, gateway or
// public IP). Stored in endpoint.
type Endpoint struct {
	ID        uint64 // EndpointID of the rest
	IP        netip.Addr
	NIC, VM   string // resource IDs ("" when the owner is not a NIC)
	Subnet    string // resource ID of the subnet holding the address
	VNet      string // resource ID of the VNet whose address space holds it
	OwnerKind string // model.OwnerKind's name: Nic, PrivateEndpoint, Firewall, LoadBalancer, VirtualNetworkGateway, PublicIp
	Owner     string // resource ID of the owner
}

// Filter selects observed flows; zero fields select everything.
type Filter struct {
	Src, Dst   netip.Addr
	DstPort    uint16
	HasDPort   bool // DstPort applies
	DeniedOnly bool
	// SinceMs and UntilMs bound the record time (epoch ms): SinceMs <= ts < UntilMs; 0 = open.
	SinceMs, UntilMs int64
	Limit            int // 0 = no limit
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
	// ByName is the observer by name as the snapshot at ingest knew it (Context.By).
	ByName string
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
