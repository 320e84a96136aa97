// Package dns resolves a name the way a VM in the model would (spec §8): through its DNS
// servers, firewall DNS proxies, resolver endpoints, private zones and forwarding rulesets.
package dns

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Status is what the chain of servers answers for the name.
type Status string

const (
	// Resolved: a private zone (or a chain ending in one) gave addresses.
	Resolved Status = "Resolved"
	// NXDOMAIN: an authoritative private zone has no such record (spec §8).
	NXDOMAIN Status = "NXDOMAIN"
	// Public: the name leaves the snapshot for public DNS; its public answer is not modelled.
	Public Status = "Public"
	// Unknown: the answer depends on a server the snapshot does not describe (a custom DNS VM,
	// an on-premises server).
	Unknown Status = "Unknown"
	// Timeout: no query reached a server that could answer (every leg was blocked); the
	// result's BlockedBy names the rules that block them.
	Timeout Status = "Timeout"
)

// Verdict is the outcome for the client: the answer's status, unless the network stops a query
// on the way (Timeout) or stops it from some firewall instances only (Intermittent).
type Verdict string

const (
	VerdictResolved     Verdict = "Resolved"
	VerdictNXDOMAIN     Verdict = "NXDOMAIN"
	VerdictPublic       Verdict = "Public"
	VerdictUnknown      Verdict = "Unknown"
	VerdictTimeout      Verdict = "Timeout"
	VerdictIntermittent Verdict = "Intermittent"
)

// ServerKind says what a DNS server address is.
type ServerKind string

const (
	KindAzureDNS        ServerKind = "AzureDNS"         // 168.63.129.16, with the querying VNet's links
	KindFirewallProxy   ServerKind = "FirewallDnsProxy" // an Azure Firewall frontend with DNS proxy on
	KindFirewallNoProxy ServerKind = "Firewall"         // an Azure Firewall frontend, DNS proxy off
	KindResolverInbound ServerKind = "ResolverInbound"  // a DNS private resolver inbound endpoint
	KindCustom          ServerKind = "Custom"           // a VM (or other resource) in the snapshot
	KindExternal        ServerKind = "External"         // an address outside the snapshot (on-premises, internet)
)

// Answer is the resolution of one name from one VM: the servers consulted in order, what the
// last of them answered, and the network legs the queries need.
type Answer struct {
	Query   Query    `json:"query"`
	Verdict Verdict  `json:"verdict"`
	Servers []Server `json:"servers"`
	Answer  Result   `json:"answer"`
	Legs    []Leg    `json:"legs"`
	// Assumptions lists what the answer takes for granted (spec: unmodelled behaviour is said).
	Assumptions []string `json:"assumptions"`
}

// Query is what was asked.
type Query struct {
	From    string     `json:"from"`    // the VM (or NIC) as the user named it
	NIC     string     `json:"nic"`     // the NIC's resource ID
	Address netip.Addr `json:"address"` // the NIC's primary private IP
	Name    string     `json:"name"`    // the name, lower-case, without the trailing dot
}

// Server is one DNS server in the chain.
type Server struct {
	Address    netip.Addr `json:"address"`
	Kind       ServerKind `json:"kind"`
	Name       string     `json:"name"`       // the resource behind the address, when known
	ResourceID string     `json:"resourceId"` // its ID
	// Via says why this server was asked: "nic dnsSettings", "vnet dhcpOptions", "default",
	// "firewall dnsSettings", "forwarding rule <ruleset>/<rule>", ...
	Via string `json:"via"`
	// VNet is the VNet whose private zone and ruleset links apply (Azure DNS and inbound endpoints).
	VNet   string `json:"vnet"`
	Detail string `json:"detail"`
}

// Result is the final answer for the name.
type Result struct {
	Status    Status       `json:"status"`
	Addresses []netip.Addr `json:"addresses"`
	// CNAMEs is the alias chain followed, in order (each target name).
	CNAMEs []string `json:"cnames"`
	// AnsweredBy is the server that gave the answer (its address), or "" when none did.
	AnsweredBy string `json:"answeredBy"`
	// Source is the record, zone or rule that decided ("private DNS zone z, record r (A)").
	Source     string `json:"source"`
	ResourceID string `json:"resourceId"` // the zone, ruleset or resource that decided
	Detail     string `json:"detail"`
	// BlockedBy names, for a Timeout, the rule that blocks each server's leg, in order.
	BlockedBy []trace.Deciding `json:"blockedBy,omitempty"`
	// LinksFrom is the VNet whose private zone links decided a Resolved, NXDOMAIN or Public
	// answer at Azure DNS (the client's, a firewall proxy's or a resolver endpoint's VNet).
	LinksFrom *model.VNet `json:"-"`
}

// Leg is one network leg a query needs: source to server, UDP/53, traced both ways.
type Leg struct {
	From      string          `json:"from"`
	To        string          `json:"to"`
	Protocol  string          `json:"protocol"`
	Port      uint16          `json:"port"`
	Verdict   trace.Verdict   `json:"verdict"`
	DropCause trace.DropCause `json:"dropCause"`
	Deciding  *trace.Deciding `json:"deciding"`
	Detail    string          `json:"detail"`
	// assumed are the leg's trace's assumptions; the answer lists them, naming the leg.
	assumed []string
}
