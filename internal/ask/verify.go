package ask

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
	"github.com/vnetdoctor/vnetdoctor/internal/verify"
)

// VerifyAnswer is the answer of `vnetdoctor verify` (cli.md "verify").
type VerifyAnswer struct {
	Intents  []IntentResult `json:"intents"`
	Holds    int            `json:"holds"`    // intents that hold
	Violated int            `json:"violated"` // intents a class breaks
	Unknown  int            `json:"unknown"`  // intents neither proved nor broken
}

// IntentResult is one intent's outcome.
type IntentResult struct {
	Name    string         `json:"name"`
	Holds   bool           `json:"holds"`
	Result  verify.Outcome `json:"result"`
	Expect  string         `json:"expect"`
	Classes int            `json:"classes"` // equivalence classes judged (each proved by one trace)
	// Counterexample is a packet that breaks the intent (or, for Unknown, one left open): a
	// trace query and the verdict trace gives it.
	Counterexample *Counterexample `json:"counterexample"`
	Skipped        []string        `json:"skipped,omitempty"` // addresses reach could not evaluate
}

// Counterexample is a trace query with its verdict (cli.md "verify").
type Counterexample struct {
	trace.Query
	Verdict  trace.Verdict   `json:"verdict"`
	Deciding *trace.Deciding `json:"deciding,omitempty"`
}

// MarshalJSON writes the query's fields and the verdict side by side, one object.
func (c *Counterexample) MarshalJSON() ([]byte, error) {
	q, err := json.Marshal(c.Query)
	if err != nil {
		return nil, err
	}
	v, err := json.Marshal(struct {
		Verdict  trace.Verdict   `json:"verdict"`
		Deciding *trace.Deciding `json:"deciding,omitempty"`
	}{c.Verdict, c.Deciding})
	if err != nil {
		return nil, err
	}
	return append(append(q[:len(q)-1], ','), v[1:]...), nil
}

// Verify judges every intent on s, over every address and port it names, with one reach model.
// An endpoint that does not resolve is a *model.NotFoundError (or *QueryError), naming the intent.
func Verify(ctx context.Context, s *Snapshot, intents []verify.Intent, opts Options) (*VerifyAnswer, error) {
	m := s.ReachModel()
	out := &VerifyAnswer{Intents: []IntentResult{}}
	for _, in := range intents {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, err := verifyOne(ctx, s, m, in, opts)
		if err != nil {
			return nil, &QueryError{Message: fmt.Sprintf("intent %q (line %d): %v", in.Name, in.Line, err), Err: err}
		}
		switch r.Result {
		case verify.Holds:
			out.Holds++
		case verify.Violated:
			out.Violated++
		default:
			out.Unknown++
		}
		out.Intents = append(out.Intents, *r)
	}
	return out, nil
}

// side is one end of an intent: fixed endpoints, or the addresses a varying side covers and
// the place label its classes must carry ("" = any).
type side struct {
	eps   []reach.Endpoint
	space []netip.Prefix
	label string
}

func verifyOne(ctx context.Context, s *Snapshot, m *reach.Model, in verify.Intent, opts Options) (*IntentResult, error) {
	q := reach.Query{Protocols: in.Protocols, Ports: in.Ports, Assume: opts.Assume, Via: in.Expect == verify.Through}
	// The destination is fixed unless it is Internet or OnPremises; then the source is, and the
	// destination varies over the place's addresses.
	if place(in.To) == "" {
		to, err := resolveSide(ctx, s, in.To, true)
		if err != nil {
			return nil, err
		}
		from, err := resolveSide(ctx, s, in.From, false)
		if err != nil {
			return nil, err
		}
		q.To, q.Space = to.eps, from.space
		return runIntent(ctx, m, q, in, from.label, s)
	}
	if place(in.From) != "" {
		return nil, fmt.Errorf("from and to cannot both be Internet or OnPremises")
	}
	from, err := resolveSide(ctx, s, in.From, false)
	if err != nil {
		return nil, err
	}
	to, err := resolveSide(ctx, s, in.To, true)
	if err != nil {
		return nil, err
	}
	q.From, q.Space = from.eps, to.space
	return runIntent(ctx, m, q, in, to.label, s)
}

func runIntent(ctx context.Context, m *reach.Model, q reach.Query, in verify.Intent, label string, s *Snapshot) (*IntentResult, error) {
	through := func(string) bool { return false }
	if in.Expect == verify.Through {
		ids, err := throughIDs(s.Plane.Net, in.Through)
		if err != nil {
			return nil, err
		}
		through = func(id string) bool { return ids[strings.ToLower(id)] }
	}
	res, err := reach.Run(ctx, m, q)
	if err != nil {
		return nil, err
	}
	classes := res.Classes
	if label != "" {
		kept := classes[:0]
		for _, c := range classes {
			if strings.EqualFold(c.Label, label) {
				kept = append(kept, c)
			}
		}
		classes = kept
	}
	j := verify.Judge(in, classes, through)
	r := &IntentResult{Name: in.Name, Holds: j.Outcome == verify.Holds, Result: j.Outcome, Expect: in.ExpectText(),
		Classes: j.Classes, Skipped: res.Skipped}
	if c := j.Counter; c != nil {
		r.Counterexample = &Counterexample{Query: c.Example, Verdict: c.Verdict, Deciding: c.Deciding}
	}
	return r, nil
}

// place is the place an endpoint names, Internet or OnPremises, or "".
func place(ref string) string {
	switch {
	case strings.EqualFold(ref, reach.Internet):
		return reach.Internet
	case strings.EqualFold(ref, reach.OnPremises):
		return reach.OnPremises
	}
	return ""
}

// resolveSide resolves one end: fixed endpoints (when it can be fixed) and the addresses it
// covers when it varies. dst says whether it is the destination.
func resolveSide(ctx context.Context, s *Snapshot, ref string, dst bool) (side, error) {
	switch place(ref) {
	case reach.Internet:
		return side{space: reach.PublicSpace(), label: reach.Internet}, nil
	case reach.OnPremises:
		var ps []netip.Prefix
		for _, o := range s.Plane.Index.OnPrem {
			ps = append(ps, o.Prefix)
		}
		if len(ps) == 0 {
			return side{}, &QueryError{Message: "the snapshot has no on-premises prefix (no local network gateway with a connection)"}
		}
		return side{space: ps, label: reach.OnPremises}, nil
	}
	eps, err := reachEndpoints(ctx, s, ref, dst)
	if err != nil {
		return side{}, err
	}
	sd := side{eps: eps}
	if p, err := netip.ParsePrefix(ref); err == nil {
		sd.space = []netip.Prefix{p.Masked()}
		sd.eps = withPublicIPs(s.Plane.Net, eps, dst)
		return sd, nil
	}
	if strings.Contains(ref, "/") {
		if sub, err := findSubnet(ctx, s, ref); err == nil {
			sd.space, sd.label = sub.Prefixes, string(sub.ID)
			sd.eps = withPublicIPs(s.Plane.Net, eps, dst)
			return sd, nil
		}
	}
	for _, e := range eps {
		if e.Addr.IsValid() {
			sd.space = append(sd.space, netip.PrefixFrom(e.Addr.Unmap(), e.Addr.Unmap().BitLen()))
		}
	}
	return sd, nil
}

// withPublicIPs adds, for a destination subnet or prefix, the public IPs of the NICs whose
// private addresses it holds: a VM in the subnet is reached through them too (as reach --to VM).
func withPublicIPs(n *model.Network, eps []reach.Endpoint, dst bool) []reach.Endpoint {
	if !dst {
		return eps
	}
	out := eps
	for _, e := range eps {
		for _, o := range n.Owners(e.Addr) {
			if o.Kind != model.OwnerNIC {
				continue
			}
			for _, c := range o.IPConfig.NIC.IPConfigs {
				if c.PublicIP != nil && c.PublicIP.Address.IsValid() && (c == o.IPConfig || !c.PrivateIP.IsValid()) {
					a := c.PublicIP.Address
					out = append(out, reach.Endpoint{Ref: a.String(), Addr: a, Label: e.Label + " (" + c.PublicIP.Name + " " + a.String() + ")"})
				}
			}
		}
	}
	return out
}

// throughIDs resolves through:<resource> to the resource IDs a hop may carry: a firewall, a
// NIC, a VM's NICs (an appliance), a load balancer or a gateway, by name or ID.
func throughIDs(n *model.Network, ref string) (map[string]bool, error) {
	ids := map[string]bool{}
	named := func(id model.ID, name string) {
		if id.Equal(model.ID(ref)) || strings.EqualFold(name, ref) {
			ids[strings.ToLower(string(id))] = true
		}
	}
	for _, fw := range n.Firewalls {
		named(fw.ID, fw.Name)
	}
	for _, nic := range n.NICs {
		named(nic.ID, nic.Name)
		if strings.EqualFold(nic.VMName, ref) {
			ids[strings.ToLower(string(nic.ID))] = true
		}
	}
	for _, lb := range n.LoadBalancers {
		named(lb.ID, lb.Name)
	}
	for _, g := range n.VNetGateways {
		named(g.ID, g.Name)
	}
	if len(ids) == 0 {
		return nil, &model.NotFoundError{Kind: "through resource (firewall, appliance VM or NIC, load balancer, gateway)", Ref: ref}
	}
	return ids, nil
}
