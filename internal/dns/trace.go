package dns

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// ResolveError says a trace destination was a DNS name that did not resolve to an address.
type ResolveError struct {
	Name   string
	Answer *Answer
}

func (e *ResolveError) Error() string {
	return fmt.Sprintf("--to %s: the name resolves to no address from %s (%s: %s)%s", e.Name, e.Answer.Query.From,
		e.Answer.Verdict, e.Answer.Answer.Detail, e.hint())
}

// hint says what to pass instead (cli.md: a client on the internet is internet:<ip>): the
// snapshot cannot give a public answer's address, nor one from a server outside the snapshot.
func (e *ResolveError) hint() string {
	see := fmt.Sprintf("; see `vnetdoctor resolve --from %s %s`", e.Answer.Query.From, e.Answer.Query.Name)
	switch {
	case e.Answer.Verdict == VerdictPublic:
		return "; the name resolves through public DNS, whose answer the snapshot does not hold: " +
			"trace to the public address with --to internet:<ip>" + see
	case e.Answer.Verdict == VerdictUnknown && e.Answer.Answer.Status == Unknown:
		return "; the answer comes from a DNS server the snapshot does not describe: " +
			"trace to the address it gives with --to <ip>" + see
	}
	return see
}

// Trace runs trace.Run, but a destination that the snapshot does not name and that looks like a
// DNS name is first resolved the way the source VM would resolve it (issue 5: `trace --to NAME`
// resolves NAME first). The client then sends the name as TLS SNI / Host, so it becomes the
// flow's FQDN unless --fqdn says otherwise.
func Trace(p *dataplane.Plane, q trace.Query) (*trace.Answer, *Answer, error) {
	a, err := trace.Run(p, q)
	var nf *model.NotFoundError
	if err == nil || !errors.As(err, &nf) || nf.Ref != q.To || !looksLikeName(q.To) {
		return a, nil, err
	}
	nic, nicErr := p.Net.FindNIC(q.From)
	if nicErr != nil {
		return nil, nil, err // only a VM's resolution is modelled; keep the original error
	}
	r, rerr := Resolve(p, nic, q.To)
	if rerr != nil {
		return nil, nil, err // the VM cannot resolve (no subnet): the name stays not found, bad input
	}
	if len(r.Answer.Addresses) == 0 || (r.Verdict != VerdictResolved && r.Verdict != VerdictIntermittent) {
		return nil, r, &ResolveError{Name: q.To, Answer: r}
	}
	addr := r.Answer.Addresses[0]
	resolved := q
	resolved.To = addr.String()
	if resolved.FQDN == "" {
		resolved.FQDN = r.Query.Name
	}
	a, err = trace.Run(p, resolved)
	if err != nil {
		return nil, r, err
	}
	a.Query.To = q.To // echo what the user asked; the assumption names the address
	a.Assumptions = append(a.Assumptions, fmt.Sprintf("%s resolved to %s from %s (%s); see `vnetdoctor resolve`",
		r.Query.Name, addr, q.From, r.Answer.Source))
	return a, r, nil
}

// looksLikeName reports whether s could be a DNS name rather than a resource name or address.
func looksLikeName(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil || strings.Contains(s, "/") || strings.Contains(s, ":") {
		return false
	}
	return strings.Contains(strings.Trim(s, "."), ".")
}
