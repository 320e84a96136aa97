package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/check"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/dns"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Bounds of one exercise, so a fuzz input or a random estate costs milliseconds, not seconds.
const (
	maxNICs       = 8   // NICs whose routes, rules and DNS are listed
	maxEndpoints  = 8   // trace sources and destinations, each
	maxLegHops    = 128 // trace walks stop after 32 forwarding points; a few hops each at most
	exerciseLimit = 60 * time.Second
)

// The cli.md vocabularies a trace answer may use.
var (
	verdicts     = set(trace.Reachable, trace.Unreachable, trace.Intermittent, trace.UnknownV)
	dispositions = set(trace.Delivered, trace.ExitedToInternet, trace.ExitedToOnPremises, trace.ExitedToAzureService,
		trace.Dropped, trace.Loop, trace.UnknownD)
	dropCauses = set(trace.NsgDenied, trace.AdminRuleDenied, trace.FirewallDenied, trace.NextHopNone,
		trace.NextHopUnreachable, trace.NoListener, trace.IPForwardingDisabled, trace.ForwardedTrafficBlocked,
		trace.PrivateEndpointNotApproved, trace.NoSession, trace.PlatformBlocked, trace.NoOutboundAccess,
		trace.NoInboundPath, trace.InsufficientInformation)
	hopKinds = set(trace.HopNIC, trace.HopFirewall, trace.HopAppliance, trace.HopPrivateEndpoint, trace.HopLoadBalancer,
		trace.HopGatewayLB, trace.HopNATGateway, trace.HopVNetGateway, trace.HopInternet, trace.HopOnPremises,
		trace.HopAzureService)
	results = set(trace.Allowed, trace.Denied, trace.Matched, trace.Translated, trace.NoMatch)
)

func set[T comparable](vs ...T) map[T]bool {
	m := make(map[T]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// exercise builds the data plane of n and asks every question of it: summary, routes and rules
// of each NIC, traces between owned addresses and outside endpoints, checks and DNS. It fails
// t on a broken invariant, on a check that panicked, and on a walk that does not end.
// It returns how many trace legs ended with each disposition and drop cause.
func exercise(t testing.TB, n *model.Network) map[string]int {
	t.Helper()
	done := make(chan *exerciser, 1)
	go func() { done <- exerciseAll(n) }()
	select {
	case e := <-done:
		for _, p := range e.problems {
			t.Error(p)
		}
		return e.tally
	case <-time.After(exerciseLimit):
		t.Fatalf("questions did not finish within %s: a walk hangs", exerciseLimit)
	}
	return nil
}

// exerciseAll returns the broken invariants; a panic propagates (the test binary reports it).
func exerciseAll(n *model.Network) *exerciser {
	e := &exerciser{tally: map[string]int{}}
	p := dataplane.Build(n)
	e.summary(p)
	for _, nic := range first(n.NICs, maxNICs) {
		e.nic(p, nic)
	}
	srcs, dsts := endpoints(p)
	for _, s := range srcs {
		for _, d := range dsts {
			e.trace(p, trace.Query{From: s, To: d, DestinationPort: 443})
		}
	}
	if len(srcs) > 0 && len(dsts) > 0 {
		e.trace(p, trace.Query{From: srcs[0], To: dsts[len(dsts)-1], Protocol: model.ProtoUDP, DestinationPort: 53})
		e.trace(p, trace.Query{From: srcs[len(srcs)-1], To: dsts[0], Protocol: model.ProtoICMP})
		e.trace(p, trace.Query{From: srcs[0], To: "www.example.com", DestinationPort: 443})
	}
	findings, _ := check.Run(context.Background(), p, check.DefaultOptions())
	for _, f := range findings {
		if f.Code == "CheckFailed" {
			e.failf("check: %s", f.Message)
		}
	}
	if err := render.Check(io.Discard, findings); err != nil {
		e.failf("render check: %v", err)
	}
	return e
}

type exerciser struct {
	problems []string
	tally    map[string]int
}

func (e *exerciser) failf(format string, a ...any) {
	e.problems = append(e.problems, fmt.Sprintf(format, a...))
}

func (e *exerciser) summary(p *dataplane.Plane) {
	s := render.NewSummary(p.Net, p.Warnings)
	if err := render.SummaryText(io.Discard, s); err != nil {
		e.failf("summary text: %v", err)
	}
	if err := render.JSON(io.Discard, s); err != nil {
		e.failf("summary json: %v", err)
	}
}

// nic lists the NIC's effective routes and rules and resolves a couple of names from it.
func (e *exerciser) nic(p *dataplane.Plane, nic *model.NIC) {
	if s := nic.Subnet(); s != nil {
		routes := p.FIB.Subnet(s).All()
		if err := render.JSON(io.Discard, render.Routes(routes, false)); err != nil {
			e.failf("routes of %s: %v", nic.ID, err)
		}
		_ = render.RoutesText(io.Discard, "routes", routes)
	}
	if c := nic.Primary(); c != nil && c.Subnet != nil {
		list := p.ACL.ForIPConfig(c).Listing()
		if err := render.JSON(io.Discard, acl.EffectiveNSGList{Value: list}); err != nil {
			e.failf("rules of %s: %v", nic.ID, err)
		}
		_ = render.RulesText(io.Discard, "rules", list)
	}
	names := []string{"www.example.com", "x.blob.core.windows.net"}
	for _, z := range first(p.Net.PrivateDNSZones, 2) {
		names = append(names, "vm1."+z.Name)
	}
	for _, name := range names {
		a, err := dns.Resolve(p, nic, name)
		if err == nil {
			_ = render.Resolve(io.Discard, a)
		}
	}
}

// endpoints picks trace sources and destinations: owned private addresses, names, owned
// public IPs, an internet client and an on-premises host.
func endpoints(p *dataplane.Plane) (srcs, dsts []string) {
	var owned []string
	for _, nic := range first(p.Net.NICs, maxEndpoints/2) {
		owned = append(owned, nic.Name)
		if c := nic.Primary(); c != nil && c.PrivateIP.IsValid() {
			owned = append(owned, c.PrivateIP.String())
		}
	}
	for _, pe := range first(p.Net.PrivateEndpoints, 1) {
		owned = append(owned, string(pe.ID))
	}
	for _, fw := range first(p.Net.Firewalls, 1) {
		owned = append(owned, fw.Name)
	}
	for _, lb := range first(p.Net.LoadBalancers, 1) {
		for _, fe := range first(lb.Frontends, 1) {
			if fe.PrivateIP.IsValid() {
				owned = append(owned, fe.PrivateIP.String())
			}
		}
	}
	for _, pip := range first(p.Net.PublicIPs, 2) {
		if pip.Address.IsValid() {
			owned = append(owned, pip.Address.String())
		}
	}
	outside := []string{"internet:203.0.113.7"}
	for _, o := range first(p.Index.OnPrem, 1) {
		outside = append(outside, o.Prefix.Masked().Addr().Next().String())
	}
	srcs = append(first(owned, maxEndpoints-len(outside)), outside...)
	dsts = append(first(owned, maxEndpoints-len(outside)), outside...)
	return srcs, dsts
}

// trace runs one query (through dns.Trace, as the CLI does) and checks the answer.
func (e *exerciser) trace(p *dataplane.Plane, q trace.Query) {
	a, _, err := dns.Trace(p, q)
	if err != nil {
		var nf *model.NotFoundError
		var amb *model.AmbiguousError
		var re *dns.ResolveError
		if !errors.As(err, &nf) && !errors.As(err, &amb) && !errors.As(err, &re) {
			e.failf("trace %s → %s: error %T %v, want a not-found or ambiguous reference", q.From, q.To, err, err)
		}
		return
	}
	for _, l := range []*trace.Leg{a.Forward, a.Return} {
		if l != nil {
			e.tally[string(l.Disposition)]++
			e.tally[string(l.DropCause)]++
		}
	}
	e.tally[string(a.Verdict)]++
	for _, msg := range answerProblems(a) {
		e.failf("trace %s → %s: %s", q.From, q.To, msg)
	}
	if err := render.JSON(io.Discard, a); err != nil {
		e.failf("trace %s → %s: json: %v", q.From, q.To, err)
	}
	if err := render.Trace(io.Discard, a); err != nil {
		e.failf("trace %s → %s: text: %v", q.From, q.To, err)
	}
}

// answerProblems lists the cli.md invariants a trace answer breaks.
func answerProblems(a *trace.Answer) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if !verdicts[a.Verdict] {
		bad("verdict %q is not in the cli.md vocabulary", a.Verdict)
	}
	if a.Forward == nil {
		return append(out, "no forward leg")
	}
	reached := map[trace.Disposition]bool{trace.Delivered: true, trace.ExitedToInternet: true,
		trace.ExitedToOnPremises: true, trace.ExitedToAzureService: true}
	if !reached[a.Forward.Disposition] && a.Return != nil {
		bad("forward %s has a return leg", a.Forward.Disposition)
	}
	if a.Verdict == trace.Reachable && (!reached[a.Forward.Disposition] || a.Return == nil || !reached[a.Return.Disposition]) {
		bad("Reachable, but forward %v return %v", a.Forward.Disposition, legDisposition(a.Return))
	}
	for i, l := range []*trace.Leg{a.Forward, a.Return} {
		if l != nil {
			out = append(out, legProblems([]string{"forward", "return"}[i], l, a.Verdict == trace.Reachable)...)
		}
	}
	return out
}

func legDisposition(l *trace.Leg) string {
	if l == nil {
		return "none"
	}
	return string(l.Disposition)
}

// legProblems checks one leg's vocabularies, hop bound and (for a Reachable flow) its steps.
func legProblems(name string, l *trace.Leg, reachable bool) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, name+": "+fmt.Sprintf(format, args...)) }
	if !dispositions[l.Disposition] {
		bad("disposition %q is not in the cli.md vocabulary", l.Disposition)
	}
	if l.DropCause != "" && !dropCauses[l.DropCause] {
		bad("drop cause %q is not in the cli.md vocabulary", l.DropCause)
	}
	if l.Disposition == trace.Dropped && l.DropCause == "" {
		bad("Dropped without a drop cause")
	}
	if len(l.Hops) == 0 || len(l.Hops) > maxLegHops {
		bad("%d hops, want 1..%d", len(l.Hops), maxLegHops)
	}
	for _, h := range l.Hops {
		if !hopKinds[h.Kind] {
			bad("hop kind %q is not in the cli.md vocabulary", h.Kind)
		}
		for _, s := range h.Steps {
			if !results[s.Result] {
				bad("step %s result %q is not in the cli.md vocabulary", s.Step, s.Result)
			}
			if reachable && s.Result != trace.Allowed && s.Result != trace.Matched && s.Result != trace.Translated {
				bad("Reachable, but step %s at %s is %s: %s", s.Step, h.Name, s.Result, strings.TrimSpace(s.Detail))
			}
		}
	}
	return out
}

func first[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}
