// Package flowexplain joins observed flows with the model's answer: each group of flows a log
// recorded is traced once (package trace decides; nothing here is network logic) and compared
// with what the log's observer did, so disagreements — a stale snapshot or a wrong model — stand out.
package flowexplain

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/flowlog"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Row is one explained group of observed flows, in the shape of cli.md "flows explain".
type Row struct {
	Source          string   `json:"source"`
	Destination     string   `json:"destination"`
	Protocol        string   `json:"protocol"`
	DestinationPort uint16   `json:"destinationPort"`
	Observed        Observed `json:"observed"`
	Model           Model    `json:"model"`
	Agrees          bool     `json:"agrees"`
	Why             string   `json:"why"`
}

// Observed is what the log says.
type Observed struct {
	Action string `json:"action"` // Allowed | Denied
	By     string `json:"by"`
	Rule   string `json:"rule"`
	Count  uint64 `json:"count"`
	First  string `json:"first"`
	Last   string `json:"last"`
	// Log is the kind of log (vnetFlowLog, nsgFlowLog, firewall) and Direction the logging
	// NIC's view (Inbound, Outbound; empty for the firewall).
	Log       string `json:"log"`
	Direction string `json:"direction,omitempty"`
}

// Model is the trace's answer for the flow.
type Model struct {
	Verdict   string          `json:"verdict"`
	DropCause string          `json:"dropCause,omitempty"`
	Deciding  *trace.Deciding `json:"deciding"`
	Findings  []string        `json:"findings,omitempty"`
}

// key is what a trace depends on: the observer and decision do not change the answer.
type key struct {
	src, dst netip.Addr
	fqdn     string
	proto    uint8
	dport    uint16
}

type answer struct {
	a   *trace.Answer
	err error
}

// Explainer explains observed flows against one snapshot, tracing each distinct (source,
// destination, protocol, destination port) once.
type Explainer struct {
	snap   *ask.Snapshot
	opts   ask.Options
	cache  map[key]answer
	Traces int // traces run so far
}

// New returns an Explainer for snap under opts (--assume choices apply).
func New(snap *ask.Snapshot, opts ask.Options) *Explainer {
	return &Explainer{snap: snap, opts: opts, cache: map[key]answer{}}
}

// Explain explains each observed group.
func (e *Explainer) Explain(ctx context.Context, obs []flowdb.Observed) ([]Row, error) {
	rows := make([]Row, 0, len(obs))
	for i := range obs {
		if i%256 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		rows = append(rows, e.row(ctx, &obs[i]))
	}
	return rows, nil
}

func protocol(p uint8) model.Protocol {
	switch p {
	case flowlog.ProtoTCP:
		return model.ProtoTCP
	case flowlog.ProtoUDP:
		return model.ProtoUDP
	case flowlog.ProtoICMP:
		return model.ProtoICMP
	case 50:
		return model.ProtoESP
	case 51:
		return model.ProtoAH
	}
	return model.ProtoOther
}

func (e *Explainer) trace(ctx context.Context, o *flowdb.Observed) answer {
	k := key{o.Src, o.Dst, o.FQDN, o.Proto, o.DstPort}
	if a, ok := e.cache[k]; ok {
		return a
	}
	q := trace.Query{From: o.Src.String(), Protocol: protocol(o.Proto), DestinationPort: o.DstPort, Assume: e.opts.Assume}
	var a answer
	e.Traces++
	if o.Dst.IsValid() {
		q.To = o.Dst.String()
		a.a, a.err = trace.RunBrief(e.snap.Plane, q)
	} else {
		// An application rule names only the FQDN: resolve it as the source would.
		q.To, q.FQDN = o.FQDN, o.FQDN
		a.a, a.err = ask.Trace(ctx, e.snap, q, e.opts)
	}
	e.cache[k] = a
	return a
}

func (e *Explainer) row(ctx context.Context, o *flowdb.Observed) Row {
	r := Row{Source: o.Src.String(), Protocol: protocol(o.Proto).String(), DestinationPort: o.DstPort,
		Observed: Observed{Action: o.Decision.String(), By: e.observer(o), Rule: o.Rule, Count: o.Count,
			First: stamp(o.FirstMs), Last: stamp(o.LastMs), Log: o.Kind.String(), Direction: direction(o.Direction)}}
	r.Destination = o.FQDN
	if o.Dst.IsValid() {
		r.Destination = o.Dst.String()
	}
	if o.ActionDefault && r.Observed.Rule == "" {
		r.Observed.Rule = "DefaultAction"
	}
	a := e.trace(ctx, o)
	if a.err != nil {
		r.Model = Model{Verdict: string(trace.UnknownV)}
		r.Agrees = true
		r.Why = "the model cannot trace this flow: " + oneLine(a.err.Error())
		return r
	}
	r.Model = modelOf(a.a)
	r.Agrees, r.Why = judge(o, &r, a.a)
	return r
}

func modelOf(a *trace.Answer) Model {
	m := Model{Verdict: string(a.Verdict)}
	leg := decidingLeg(a)
	if leg != nil {
		m.Deciding, m.DropCause = leg.Deciding, string(leg.DropCause)
	}
	for _, f := range a.Findings {
		m.Findings = append(m.Findings, string(f.Code))
	}
	return m
}

// decidingLeg is the leg whose decision explains the verdict: the forward leg unless it got
// through and the reply did not.
func decidingLeg(a *trace.Answer) *trace.Leg {
	if a.Return != nil && reached(a.Forward) && !reached(a.Return) {
		return a.Return
	}
	return a.Forward
}

func reached(l *trace.Leg) bool {
	if l == nil {
		return false
	}
	switch l.Disposition {
	case trace.Delivered, trace.ExitedToInternet, trace.ExitedToOnPremises, trace.ExitedToAzureService:
		return true
	}
	return false
}

// judge compares the log with the model where the log's observer sits (logs.md §2: a flow
// log's verdict is its NIC's; the firewall's is the firewall's).
func judge(o *flowdb.Observed, r *Row, a *trace.Answer) (bool, string) {
	fwd := a.Forward
	model := describe(a)
	if a.Verdict == trace.UnknownV {
		return true, "the model cannot decide: " + model
	}
	var agrees bool
	switch {
	case o.Decision == flowlog.Denied:
		agrees = !reached(fwd)
	case o.Kind == flowlog.Firewall:
		agrees = crossesFirewall(fwd) && !(fwd.Disposition == trace.Dropped && isFirewallStep(fwd.Deciding))
	case o.Direction == 'O':
		agrees = !(fwd.Disposition == trace.Dropped && droppedAtFirstHop(fwd))
	case o.Direction == 'I':
		agrees = fwd.Disposition == trace.Delivered
	default:
		agrees = a.Verdict == trace.Reachable
	}
	if agrees {
		return true, model
	}
	seen := strings.ToLower(r.Observed.Action)
	if r.Observed.By != "" {
		seen += " by " + r.Observed.By
	}
	if r.Observed.Rule != "" {
		seen += " " + r.Observed.Rule
	}
	return false, fmt.Sprintf("the log says %s, the model says %s: the snapshot is stale or the model is wrong", seen, model)
}

func crossesFirewall(l *trace.Leg) bool {
	for _, h := range l.Hops {
		if h.Kind == trace.HopFirewall {
			return true
		}
	}
	return false
}

func isFirewallStep(d *trace.Deciding) bool {
	if d == nil {
		return false
	}
	switch d.Step {
	case trace.StepFirewallNet, trace.StepFirewallApp, trace.StepFirewallDnat:
		return true
	}
	return false
}

func droppedAtFirstHop(l *trace.Leg) bool {
	if len(l.Hops) == 0 || l.Deciding == nil {
		return false
	}
	for _, s := range l.Hops[0].Steps {
		if s.Step == l.Deciding.Step && s.ResourceID == l.Deciding.ResourceID && s.Rule == l.Deciding.Rule && s.Result == trace.Denied {
			return true
		}
	}
	return false
}

// describe is the model's answer in one clause: "denied by nsg-hub-dns
// securityRules/deny-dns-from-anywhere-else (NsgDenied)", "reachable, allowed by ...".
func describe(a *trace.Answer) string {
	leg := decidingLeg(a)
	var b strings.Builder
	switch {
	case leg != nil && leg.Disposition == trace.Dropped:
		if leg == a.Return {
			b.WriteString("the reply is ")
		}
		switch leg.DropCause {
		case trace.NsgDenied, trace.AdminRuleDenied, trace.FirewallDenied:
			b.WriteString("denied by ")
		default:
			b.WriteString("dropped at ")
		}
		if d := leg.Deciding; d != nil {
			b.WriteString(deciding(d))
		} else {
			b.WriteString("an unnamed step")
		}
		if leg.DropCause != "" {
			b.WriteString(" (" + string(leg.DropCause) + ")")
		}
	default:
		b.WriteString(strings.ToLower(string(a.Verdict)))
		if leg != nil && leg.Deciding != nil {
			b.WriteString(", " + strings.ToLower(string(leg.Disposition)) + " by " + deciding(leg.Deciding))
		}
	}
	for i, f := range a.Findings {
		if i == 0 {
			b.WriteString("; ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(string(f.Code))
	}
	return b.String()
}

func deciding(d *trace.Deciding) string {
	name := d.ResourceID
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	s := strings.TrimSpace(name + " " + d.Rule)
	if s == "" {
		return string(d.Step)
	}
	return s
}

func (e *Explainer) observer(o *flowdb.Observed) string {
	if o.Kind == flowlog.VNetFlowLog {
		return o.By // the aclID: the NSG's or admin configuration's GUID
	}
	if i := strings.LastIndexByte(o.By, '/'); i >= 0 {
		// The NSG or firewall by name, as the snapshot spells it when it has it.
		name := o.By[i+1:]
		for _, n := range e.names(o.Kind) {
			if strings.EqualFold(n, name) {
				return n
			}
		}
		return name
	}
	return o.By
}

func (e *Explainer) names(k flowlog.Kind) []string {
	var out []string
	switch k {
	case flowlog.Firewall:
		for _, f := range e.snap.Plane.Net.Firewalls {
			out = append(out, f.Name)
		}
	case flowlog.NSGFlowLog:
		for _, n := range e.snap.Plane.Net.NSGs {
			out = append(out, n.Name)
		}
	}
	return out
}

func direction(d byte) string {
	switch d {
	case 'I':
		return "Inbound"
	case 'O':
		return "Outbound"
	}
	return ""
}

func stamp(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
