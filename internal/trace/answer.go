// Package trace follows one flow through a network's data plane, hop by hop, there and back.
package trace

import (
	"encoding/json"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Verdict is the answer to "can From reach To" (cli.md: Reachable only when the forward flow is
// delivered or exits where it was going and the reply gets back through the same stateful devices).
type Verdict string

const (
	Reachable    Verdict = "Reachable"
	Unreachable  Verdict = "Unreachable"
	Intermittent Verdict = "Intermittent" // some firewall instance addresses are denied downstream (spec §3.1)
	UnknownV     Verdict = "Unknown"      // the outcome depends on something the snapshot does not say
)

// Disposition is how one direction of the flow ended.
type Disposition string

const (
	Delivered            Disposition = "Delivered"
	ExitedToInternet     Disposition = "ExitedToInternet"
	ExitedToOnPremises   Disposition = "ExitedToOnPremises"
	ExitedToAzureService Disposition = "ExitedToAzureService"
	Dropped              Disposition = "Dropped"
	Loop                 Disposition = "Loop"
	UnknownD             Disposition = "Unknown"
)

// DropCause says why a Dropped (or Unknown) leg ended; the vocabulary is fixed by cli.md.
type DropCause string

const (
	NsgDenied                  DropCause = "NsgDenied"
	AdminRuleDenied            DropCause = "AdminRuleDenied"
	FirewallDenied             DropCause = "FirewallDenied"
	NextHopNone                DropCause = "NextHopNone"
	NextHopUnreachable         DropCause = "NextHopUnreachable"
	NoListener                 DropCause = "NoListener"
	IPForwardingDisabled       DropCause = "IpForwardingDisabled"
	ForwardedTrafficBlocked    DropCause = "ForwardedTrafficBlocked"
	PrivateEndpointNotApproved DropCause = "PrivateEndpointNotApproved"
	NoSession                  DropCause = "NoSession"
	PlatformBlocked            DropCause = "PlatformBlocked"
	NoOutboundAccess           DropCause = "NoOutboundAccess"
	NoInboundPath              DropCause = "NoInboundPath"
	InsufficientInformation    DropCause = "InsufficientInformation"
)

// HopKind is what a hop is.
type HopKind string

const (
	HopNIC             HopKind = "Nic"
	HopFirewall        HopKind = "Firewall"
	HopAppliance       HopKind = "Appliance"
	HopPrivateEndpoint HopKind = "PrivateEndpoint"
	HopLoadBalancer    HopKind = "LoadBalancer"
	HopGatewayLB       HopKind = "GatewayLoadBalancer"
	HopNATGateway      HopKind = "NatGateway"
	HopVNetGateway     HopKind = "VirtualNetworkGateway"
	HopInternet        HopKind = "Internet"
	HopOnPremises      HopKind = "OnPremises"
	HopAzureService    HopKind = "AzureService"
)

// StepKind is one decision taken at a hop.
type StepKind string

const (
	StepNsgOutbound  StepKind = "NsgOutbound"
	StepNsgInbound   StepKind = "NsgInbound"
	StepAdminRule    StepKind = "AdminRule"
	StepRoute        StepKind = "Route"
	StepFirewallDnat StepKind = "FirewallDnat"
	StepFirewallNet  StepKind = "FirewallNetworkRule"
	StepFirewallApp  StepKind = "FirewallApplicationRule"
	StepSnat         StepKind = "Snat"
	StepDnat         StepKind = "Dnat"
	StepLBRule       StepKind = "LoadBalancerRule"
	StepTunnel       StepKind = "Tunnel"
	StepPlatform     StepKind = "Platform"
	StepDeliver      StepKind = "Deliver"
)

// Result is what a step decided.
type Result string

const (
	Allowed    Result = "Allowed"
	Denied     Result = "Denied"
	Matched    Result = "Matched"
	Translated Result = "Translated"
	NoMatch    Result = "NoMatch"
)

// Answer is the trace of one flow, both ways, in the JSON shape of cli.md.
type Answer struct {
	Query    Query     `json:"query"`
	Verdict  Verdict   `json:"verdict"`
	Forward  *Leg      `json:"forward"`
	Return   *Leg      `json:"return"` // nil when the forward flow was not delivered
	Findings []Finding `json:"findings"`
	// Assumptions are what the answer took for granted, each once, sorted (so they do not follow
	// the order of the snapshot's rules and resources).
	Assumptions []string `json:"assumptions"`
	// Assumed lists the contested behaviours (--assume) the walk relied on, in name order.
	Assumed []Assumed `json:"assumed,omitempty"`

	brief    bool   // RunBrief: no step details, no assumptions
	arena    *arena // a Tracer's: the answer's storage is reused by its next Run
	consumed uint32 // the --assume names the walk consulted, one bit per assume.Name
	// member is the pool member an inbound NAT rule over a backend pool maps the flow to
	// (RunMapped); nil: the mapping is unknown.
	member *model.IPConfig
}

// Assumed is one contested behaviour an answer relied on (cli.md "--assume"): its value, and
// whether the other value changes the verdict.
type Assumed struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Decided bool   `json:"decided"`
}

// Leg is one direction of the flow.
type Leg struct {
	Disposition Disposition `json:"disposition"`
	DropCause   DropCause   `json:"dropCause"`
	// Deciding is the step that decided the disposition: the denying rule for a drop, the
	// allowing rule or route otherwise.
	Deciding          *Deciding `json:"deciding"`
	Hops              []*Hop    `json:"hops"`
	FlowAtDestination *Flow     `json:"flowAtDestination"`
}

// Deciding names the deciding step.
type Deciding struct {
	Step       StepKind `json:"step"`
	ResourceID string   `json:"resourceId"`
	Rule       string   `json:"rule"`
}

// Hop is one device or place the packet crosses.
type Hop struct {
	Kind       HopKind `json:"kind"`
	Name       string  `json:"name"`
	VM         string  `json:"vm"`
	ResourceID string  `json:"resourceId"`
	Address    string  `json:"address"`
	Steps      []Step  `json:"steps"`
}

// Step is one decision at a hop, with the rule, route or setting that took it.
type Step struct {
	Step       StepKind `json:"step"`
	Result     Result   `json:"result"`
	ResourceID string   `json:"resourceId"`
	Rule       string   `json:"rule"`
	Detail     string   `json:"detail"`
}

// Flow is a packet's 5-tuple as rendered in answers. The port fields are always present (cli.md
// contract) but mean nothing for ICMP, ESP and AH, which have no ports; text output omits them.
type Flow struct {
	Source          string `json:"source"`
	Destination     string `json:"destination"`
	SourcePort      uint16 `json:"sourcePort"`
	DestinationPort uint16 `json:"destinationPort"`
	Protocol        string `json:"protocol"`
}

// Code names a problem a trace notices on the way; the words are cli.md's.
type Code string

const (
	// CodeAsymmetricReturn: the reply meets a stateful device the request did not cross (or
	// the other way round), which drops it (spec §5).
	CodeAsymmetricReturn Code = "AsymmetricReturn"
	// CodePeeringNotConnected: a peering that is not Connected on both sides would carry the
	// flow (cli.md "trace").
	CodePeeringNotConnected Code = "PeeringNotConnected"
	// CodeIntermittentFirewallSource: the flow leaves a firewall from any of its instance
	// addresses and only some of them are allowed downstream (spec §3.1).
	CodeIntermittentFirewallSource Code = "IntermittentFirewallSource"
	// CodeBasicLoadBalancerGlobalPeering: a Basic internal load balancer's frontend is reached
	// from a globally peered VNet, which Azure does not support (azure-semantics.md §1.8 item 6).
	CodeBasicLoadBalancerGlobalPeering Code = "BasicLoadBalancerGlobalPeering"
)

// Finding is a problem the trace noticed on the way (e.g. AsymmetricReturn, PeeringNotConnected).
type Finding struct {
	Code      Code     `json:"code"`
	Severity  string   `json:"severity"`
	Message   string   `json:"message"`
	Resources []string `json:"resources"`
	// Device is the stateful device an AsymmetricReturn is about (the first of Resources),
	// typed for callers so that none reads the order of Resources.
	Device model.ID `json:"-"`
}

// Query is the flow to trace. From and To are endpoint references (cli.md). A zero Protocol
// means TCP and a zero SourcePort means 49152, the CLI defaults. Ports mean nothing for ICMP,
// ESP and AH: no NSG or firewall rule that restricts ports matches them.
type Query struct {
	From, To        string
	Protocol        model.Protocol
	SourcePort      uint16
	DestinationPort uint16
	FQDN            string // TLS SNI / HTTP Host the client sends
	// Assume holds the choices for contested behaviours (--assume); the zero value is the
	// spec's defaults. Not part of the query's JSON: the answer's "assumed" lists those used.
	Assume assume.Set
}

// MarshalJSON writes the query in the cli.md shape (protocol spelled "Tcp", "Udp", ...).
func (q Query) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		From            string `json:"from"`
		To              string `json:"to"`
		Protocol        string `json:"protocol"`
		SourcePort      uint16 `json:"sourcePort"`
		DestinationPort uint16 `json:"destinationPort"`
		FQDN            string `json:"fqdn"`
	}{q.From, q.To, q.Protocol.String(), q.SourcePort, q.DestinationPort, q.FQDN})
}

// UnmarshalJSON reads the cli.md shape back (scenario files use it).
func (q *Query) UnmarshalJSON(b []byte) error {
	var w struct {
		From            string `json:"from"`
		To              string `json:"to"`
		Protocol        string `json:"protocol"`
		SourcePort      uint16 `json:"sourcePort"`
		DestinationPort uint16 `json:"destinationPort"`
		FQDN            string `json:"fqdn"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	p, ok := model.ParseProtocol(w.Protocol)
	if !ok && w.Protocol != "" {
		p = model.ProtoOther
	}
	*q = Query{From: w.From, To: w.To, Protocol: p, SourcePort: w.SourcePort,
		DestinationPort: w.DestinationPort, FQDN: w.FQDN}
	return nil
}

// normalized applies the CLI defaults.
func (q Query) normalized() Query {
	if q.Protocol == model.ProtoAny {
		q.Protocol = model.ProtoTCP
	}
	if q.SourcePort == 0 && (q.Protocol == model.ProtoTCP || q.Protocol == model.ProtoUDP) {
		q.SourcePort = DefaultSourcePort
	}
	return q
}

// DefaultSourcePort is the client port of a TCP or UDP query that names none (cli.md: --sport
// defaults to 49152, the first of the dynamic ports); batch callers probing as trace would use it.
const DefaultSourcePort = 49152
