package flowdb

import (
	"encoding/binary"
	"hash/fnv"
	"net/netip"
	"strings"
)

// Column is one column of the logical schema. Type is a ClickHouse type name (UInt8 ... UInt64,
// Int64, String): each store maps it to its own (DuckDB: UTINYINT ... UBIGINT, BIGINT, VARCHAR).
type Column struct{ Name, Type string }

// Table is one table of the logical schema: the same names and columns in every store.
type Table struct {
	Name    string
	Columns []Column
	// Key is the column that identifies a row (dimension tables), "" for flow_raw.
	Key string
}

// Tables is the logical schema (logs.md §6). dir and state are ASCII codes ('I', 'O'; 'B', 'C',
// 'E', 'D'), 0 when the log has none; decision is flowlog.Decision; enc an Encryption code;
// flow_type a FlowType; addresses are IPv4 as UInt32, 0 when absent. Strings are never NULL.
var Tables = []Table{
	{Name: "ingested", Key: "file_id", Columns: []Column{
		{"file_id", "UInt32"}, {"key", "String"}, {"path", "String"}, {"records", "UInt64"}, {"done", "UInt8"},
	}},
	{Name: "flow_raw", Columns: []Column{
		{"file_id", "UInt32"}, {"seq", "UInt64"}, {"kind", "UInt8"}, {"ts_ms", "Int64"},
		{"src", "UInt32"}, {"dst", "UInt32"}, {"sport", "UInt16"}, {"dport", "UInt16"},
		{"proto", "UInt8"}, {"dir", "UInt8"}, {"state", "UInt8"}, {"decision", "UInt8"}, {"enc", "UInt8"},
		{"pkts_sd", "UInt64"}, {"bytes_sd", "UInt64"}, {"pkts_ds", "UInt64"}, {"bytes_ds", "UInt64"},
		{"ctx_id", "UInt64"}, {"src_ep", "UInt64"}, {"dst_ep", "UInt64"}, {"flow_type", "UInt8"},
		{"xlate_ip", "UInt32"}, {"xlate_port", "UInt16"},
	}},
	{Name: "flow_ctx", Key: "ctx_id", Columns: []Column{
		{"ctx_id", "UInt64"}, {"kind", "UInt8"}, {"log_id", "String"}, {"target_id", "String"}, {"mac", "String"},
		{"acl_id", "String"}, {"rule", "String"}, {"fw_category", "String"}, {"fw_policy", "String"},
		{"fw_rcg", "String"}, {"fw_rc", "String"}, {"action_reason", "String"}, {"fqdn", "String"},
		{"target_url", "String"}, {"by_name", "String"}, {"by_id", "String"}, {"rule_id", "String"},
	}},
	{Name: "endpoint", Key: "ep_id", Columns: []Column{
		{"ep_id", "UInt64"}, {"ip", "UInt32"}, {"nic", "String"}, {"vm", "String"}, {"subnet", "String"},
		{"vnet", "String"}, {"owner_kind", "String"}, {"owner", "String"},
	}},
}

// TableByName returns the logical table called name.
func TableByName(name string) (Table, bool) {
	for _, t := range Tables {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// ContextValues are c's column values in flow_ctx order.
func ContextValues(c *Context) []any {
	return []any{c.ID, uint8(c.Kind), c.LogID, c.TargetID, c.MAC, c.ACLID, c.Rule, c.Category, c.Policy,
		c.RuleCollectionGroup, c.RuleCollection, c.ActionReason, c.FQDN, c.TargetURL, c.By, c.ByID, c.RuleID}
}

// EndpointValues are e's column values in endpoint order.
func EndpointValues(e *Endpoint) []any {
	return []any{e.ID, IP4(e.IP), e.NIC, e.VM, e.Subnet, e.VNet, e.OwnerKind, e.Owner}
}

// ContextID is the ID of a context: a hash of every field but ID, so the same context gets
// the same ID in every ingest and every store (63 bits: a collision among the thousands of
// contexts of an estate is a chance of about 1 in 10^12).
func ContextID(c *Context) uint64 {
	h := fnv.New64a()
	h.Write([]byte{byte(c.Kind)})
	for _, s := range []string{c.LogID, c.TargetID, c.MAC, c.ACLID, c.Rule, c.Category, c.Policy, c.RuleCollectionGroup,
		c.RuleCollection, c.ActionReason, c.FQDN, c.TargetURL, c.By, c.ByID, c.RuleID} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return nonZero(h.Sum64())
}

// EndpointID is the ID of an endpoint, a hash like ContextID's.
func EndpointID(e *Endpoint) uint64 {
	h := fnv.New64a()
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], IP4(e.IP))
	h.Write(b[:])
	for _, s := range []string{e.NIC, e.VM, e.Subnet, e.VNet, e.OwnerKind, e.Owner} {
		h.Write([]byte(strings.ToLower(s)))
		h.Write([]byte{0})
	}
	return nonZero(h.Sum64())
}

// nonZero keeps 63 bits of a hash (database/sql and JSON readers take IDs as signed 64-bit
// integers) and never returns 0, which means "none".
func nonZero(v uint64) uint64 {
	v &= 1<<63 - 1
	if v == 0 {
		return 1
	}
	return v
}

// IP4 is a as the UInt32 the schema stores, 0 for an invalid or IPv6 address.
func IP4(a netip.Addr) uint32 {
	if !a.Is4() {
		return 0
	}
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

// Addr4 is the address of a stored UInt32, invalid for 0.
func Addr4(v uint32) netip.Addr {
	if v == 0 {
		return netip.Addr{}
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// Encryption codes of the enc column: the v4 tuple's encryption field.
var encryptions = []string{"", "X", "NX", "NX_HW_NOT_SUPPORTED", "NX_SW_NOT_READY", "NX_NOT_ACCEPTED",
	"NX_NOT_SUPPORTED", "NX_LOCAL_DST", "NX_FALLBACK"}

// EncryptionCode is the enc code of s; an NX_* value not listed when the schema was written is
// stored as NX (255 would lose less, but every reader would need to know it).
func EncryptionCode(s string) uint8 {
	for i, e := range encryptions {
		if e == s {
			return uint8(i)
		}
	}
	if strings.HasPrefix(s, "NX") {
		return 2
	}
	return 0
}

// EncryptionName is the field value of code.
func EncryptionName(code uint8) string {
	if int(code) < len(encryptions) {
		return encryptions[code]
	}
	return ""
}
