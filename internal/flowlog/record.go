// Package flowlog reads observed flows from Azure logs — VNet flow logs v4, NSG flow logs v1/v2
// and Azure Firewall logs — as a stream of Records, one flow tuple or firewall log line each.
//
// Formats and quirks are those of shared/spec/logs.md. A Reader holds one JSON record (a PT1H.json
// element or one firewall line) at a time, so memory does not grow with the size of the input.
// Nothing here knows about the network model or storage.
package flowlog

import (
	"fmt"
	"net/netip"
)

// Kind is the log a record came from.
type Kind uint8

const (
	KindUnknown Kind = iota
	VNetFlowLog      // VNet flow logs, flowLogVersion 4 (category FlowLogFlowEvent)
	NSGFlowLog       // NSG flow logs, properties.Version 1 or 2 (category NetworkSecurityGroupFlowEvent)
	Firewall         // Azure Firewall: resource-specific AZFW* tables or legacy AzureDiagnostics msg
)

var kindNames = [...]string{"unknown", "vnetFlowLog", "nsgFlowLog", "firewall"}

// String is the name cli.md uses in ingest's "byKind".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Decision is what the observer did with the flow.
type Decision uint8

const (
	Allowed Decision = iota
	Denied
)

func (d Decision) String() string {
	if d == Denied {
		return "Denied"
	}
	return "Allowed"
}

// IANA protocol numbers as flow logs write them (VNet v4 tuple field 6).
const (
	ProtoICMP uint8 = 1
	ProtoTCP  uint8 = 6
	ProtoUDP  uint8 = 17
)

// Record is one observed flow: a flow tuple of a VNet or NSG flow log, or one firewall log line.
// Fields a log does not carry are zero (an application-rule line has FQDN but no Dst).
type Record struct {
	Kind Kind
	// Seq is the record's position in its file: tuples and firewall lines numbered from 0 in file
	// order, counting malformed ones, so a file that grows at the end keeps its numbers (the
	// idempotence key is file + Seq, logs.md §6).
	Seq      uint64
	TimeMs   int64 // epoch milliseconds (NSG tuples' seconds are converted)
	Src, Dst netip.Addr
	SrcPort  uint16
	DstPort  uint16
	Proto    uint8 // IANA number
	// Direction is 'I' or 'O' relative to the logging NIC (flow logs), 0 for firewall lines.
	Direction byte
	// State is the v4/v2 flow state: 'B' begin, 'C' continuing, 'E' end, 'D' denied (v4); 0 in
	// v1 and firewall lines.
	State    byte
	Decision Decision
	// Encryption is the v4 encryption field (X, NX, NX_...).
	Encryption string
	// Counters since the flow's previous tuple (B tuples and v1 have none).
	PktsSD, BytesSD, PktsDS, BytesDS uint64

	// LogID is the flow log (flowLogResourceID), NSG (resourceId of NSG flow logs) or firewall
	// (resourceId) that wrote the record, as written (case varies: compare case-insensitively).
	LogID string
	// TargetID is a VNet flow log's targetResourceID (VNet, subnet or NIC).
	TargetID string
	// MAC is the logging NIC's MAC address, 12 upper-case hex digits.
	MAC string
	// ACLID is the v4 aclID: the deciding NSG's or admin configuration's GUID, "unspecified"
	// for encryption drops.
	ACLID string
	// Rule is the flow log's rule (DefaultRule_*, UserRule_*, a bare or admin rule name) or the
	// firewall rule.
	Rule string

	// Category is the firewall record's table or category (AZFWNetworkRule, ...).
	Category string
	// Firewall policy context; empty for classic rules or when nothing matched.
	Policy, RuleCollectionGroup, RuleCollection string
	// ActionReason is e.g. "Default Action" when no rule matched.
	ActionReason string
	// FQDN and TargetURL of application rules.
	FQDN, TargetURL string
	// TranslatedIP and TranslatedPort of NAT rules.
	TranslatedIP   netip.Addr
	TranslatedPort uint16
}

// Skip is input the Reader left out: a malformed tuple or line, an unknown version, a
// half-written last record, a file that is not a log. Path is a JSON path ($.records[3]...) or
// "line N"; Count is how many records the same reason left out in the file (the first one's
// path is kept).
type Skip struct {
	Path   string
	Reason string
	Count  int
}
