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

// maxDepth bounds CNAME chains and forwarding hops: a loop (a ruleset forwarding to an inbound
// endpoint whose VNet is linked to the same ruleset) ends as Unknown instead of recursing forever.
const maxDepth = 16

// resolver is the state of one Resolve call.
type resolver struct {
	p *dataplane.Plane
	x *Resolver
	a *Answer
	// worst is the worst verdict of the legs the answer actually travelled (not fallbacks).
	worst trace.Verdict
	// noAnswer is set when a server on the path never answers (a firewall without DNS proxy).
	noAnswer bool
	noted    map[string]bool
}

// origin is who sends a query: the client VM, a firewall proxy, a resolver's outbound endpoint.
type origin struct {
	label string      // Leg.From
	ref   string      // trace.Query.From; "" when the sender cannot be traced
	vnet  *model.VNet // the VNet whose links Azure DNS applies to its queries
	fw    *model.Firewall
	src   netip.Addr // the sender's address, when it has one (a client VM)
	// untraced says why the leg is not traced when ref is "".
	untraced string
}

// Resolve resolves name as the VM behind NIC from would (spec §8): its DNS servers in order
// (NIC dnsSettings, else VNet dhcpOptions, else Azure DNS), following firewall DNS proxies,
// resolver inbound endpoints and forwarding rulesets to the server that answers, and tracing
// each query's network leg (UDP/53). Bad input is an error; every network outcome is an Answer.
func Resolve(p *dataplane.Plane, from *model.NIC, name string) (*Answer, error) {
	if p == nil || p.Net == nil {
		return nil, errors.New("dns: no data plane")
	}
	return NewResolver(p).Resolve(from, name)
}

// Resolve resolves name as the VM behind NIC from would (see the function Resolve).
func (x *Resolver) Resolve(from *model.NIC, name string) (*Answer, error) {
	p := x.p
	if p == nil || p.Net == nil || from == nil {
		return nil, errors.New("dns: no data plane or no NIC")
	}
	q, err := normalize(name)
	if err != nil {
		return nil, err
	}
	c := from.Primary()
	if c == nil || c.Subnet == nil || c.Subnet.VNet == nil {
		return nil, fmt.Errorf("dns: NIC %s has no ip configuration in a known subnet", from.Name)
	}
	a := &Answer{Query: Query{From: clientName(from), NIC: string(from.ID), Address: c.PrivateIP, Name: q},
		Servers: []Server{}, Legs: []Leg{}, Assumptions: []string{}}
	r := &resolver{p: p, x: x, a: a, worst: trace.Reachable, noted: map[string]bool{}}
	servers, via := clientServers(from, c.Subnet.VNet)
	o := origin{label: clientLabel(from, c), ref: string(from.ID), vnet: c.Subnet.VNet, src: c.PrivateIP}
	a.Answer = r.askList(servers, via, o, q, 0)
	if a.Answer.CNAMEs == nil {
		a.Answer.CNAMEs = []string{}
	}
	if a.Answer.Addresses == nil {
		a.Answer.Addresses = []netip.Addr{}
	}
	a.Verdict = r.verdict()
	return a, nil
}

// normalize lower-cases a name and strips the trailing dot; it rejects what cannot be a name.
func normalize(name string) (string, error) {
	q := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	if q == "" || len(q) > 253 || strings.ContainsAny(q, " \t/\\@") || strings.Contains(q, "..") {
		return "", fmt.Errorf("dns: %q is not a DNS name", name)
	}
	return q, nil
}

// clientServers returns the VM's DNS servers and where they come from (spec §8).
func clientServers(nic *model.NIC, v *model.VNet) ([]netip.Addr, string) {
	if len(nic.DNSServers) > 0 {
		return nic.DNSServers, "NIC " + nic.Name + " dnsSettings.dnsServers"
	}
	if len(v.DNSServers) > 0 {
		return v.DNSServers, "VNet " + v.Name + " dhcpOptions.dnsServers"
	}
	return []netip.Addr{model.AzurePlatformIP}, "default: no DNS servers on the NIC or VNet " + v.Name
}

func clientName(nic *model.NIC) string {
	if nic.VMName != "" {
		return nic.VMName
	}
	return nic.Name
}

func clientLabel(nic *model.NIC, c *model.IPConfig) string {
	return fmt.Sprintf("%s (%s)", clientName(nic), c.PrivateIP)
}

// askList asks servers in order; a client (or proxy) moves to the next server when a query
// to one times out, so a server whose leg is Unreachable is skipped while another remains.
// When every server's leg is Unreachable nobody answers: the result is a Timeout naming the
// rules that block each leg (what the last server would have said is only an assumption).
func (r *resolver) askList(servers []netip.Addr, via string, o origin, name string, depth int) Result {
	var blocked []Leg
	for i, s := range servers {
		l := r.leg(o, s)
		if l.Verdict == trace.Unreachable && i < len(servers)-1 {
			r.assume(fmt.Sprintf("%s cannot reach DNS server %s; it falls back to %s after a timeout", o.label, s, servers[i+1]))
			blocked = append(blocked, l)
			continue
		}
		r.worsen(l.Verdict)
		if i > 0 {
			via += fmt.Sprintf(" (server %d of %d)", i+1, len(servers))
		}
		res := r.ask(s, via, o, name, depth)
		if l.Verdict != trace.Unreachable {
			return res
		}
		return r.timedOut(o, append(blocked, l), res)
	}
	return Result{Status: Unknown, Detail: "no DNS server to ask"}
}

// timedOut is the answer when no query from o reaches a server: the client times out (spec
// §3.5 [FWDNS]: a proxy that cannot reach its upstreams answers nothing). would is what the last
// server would have answered had the query reached it; it is kept as an assumption only.
func (r *resolver) timedOut(o origin, legs []Leg, would Result) Result {
	res := Result{Status: Timeout, Addresses: []netip.Addr{}, CNAMEs: []string{}, BlockedBy: []trace.Deciding{}}
	parts := make([]string, 0, len(legs))
	for _, l := range legs {
		why := string(l.DropCause)
		if why == "" {
			why = string(l.Verdict)
		}
		if d := l.Deciding; d != nil {
			res.BlockedBy = append(res.BlockedBy, *d)
			if res.ResourceID == "" {
				res.ResourceID = d.ResourceID
			}
			why += fmt.Sprintf(" by %s %s", model.ID(d.ResourceID).Name(), d.Rule)
		}
		parts = append(parts, fmt.Sprintf("%s: %s", l.To, why))
	}
	res.Detail = fmt.Sprintf("no answer: %s reaches none of its DNS servers (%s); the query times out",
		o.label, strings.Join(parts, "; "))
	if would.Status != "" && would.Status != Unknown {
		r.assume(fmt.Sprintf("had the query reached %s, the answer would be %s", legs[len(legs)-1].To, describe(would)))
	}
	return res
}

// describe is a result in a few words: its addresses, or its status.
func describe(res Result) string {
	if res.Status == Resolved {
		return fmt.Sprintf("%v", res.Addresses)
	}
	return string(res.Status)
}

// ask sends the query for name to server s and returns its answer.
func (r *resolver) ask(s netip.Addr, via string, o origin, name string, depth int) Result {
	if depth > maxDepth {
		return Result{Status: Unknown, Detail: fmt.Sprintf("more than %d forwarding or CNAME steps: a resolution loop", maxDepth)}
	}
	srv, target := r.classify(s, o.vnet)
	srv.Via = via
	switch srv.Kind {
	case KindAzureDNS:
		return r.atAzureDNS(srv, o.vnet, name, depth)
	case KindResolverInbound:
		v := target.inbound.Subnet.VNet
		srv.Detail = "DNS private resolver inbound endpoint: resolves with Azure DNS and the private zones and rulesets linked to " +
			v.Name + " [DNSPR]"
		return r.atAzureDNS(srv, v, name, depth)
	case KindFirewallProxy:
		return r.atFirewallProxy(srv, target.fw, name, depth)
	case KindFirewallNoProxy:
		r.add(srv)
		r.noAnswer = true
		return Result{Status: Unknown, Source: "firewall " + target.fw.Name, ResourceID: string(target.fw.ID),
			Detail: "firewall " + target.fw.Name + " has DNS proxy off: it does not answer DNS on port 53, the query times out (spec §3.5)"}
	case KindCustom:
		return r.atCustom(srv, target, name, depth)
	}
	r.add(srv)
	return Result{Status: Unknown, AnsweredBy: s.String(), Source: "DNS server " + s.String(),
		Detail: s.String() + " is outside the snapshot (on-premises or internet): its answer is not modelled"}
}

func (r *resolver) add(s Server) { r.a.Servers = append(r.a.Servers, s) }

func (r *resolver) assume(msg string) {
	if !r.noted[msg] {
		r.noted[msg] = true
		r.a.Assumptions = append(r.a.Assumptions, msg)
	}
}

// verdict is the client's outcome: the answer's status unless a used leg fails.
func (r *resolver) verdict() Verdict {
	switch {
	case r.noAnswer || r.worst == trace.Unreachable:
		return VerdictTimeout
	case r.worst == trace.Intermittent:
		return VerdictIntermittent
	case r.worst == trace.UnknownV:
		return VerdictUnknown
	}
	switch r.a.Answer.Status {
	case Resolved:
		return VerdictResolved
	case NXDOMAIN:
		return VerdictNXDOMAIN
	case Public:
		return VerdictPublic
	}
	return VerdictUnknown
}

var severity = map[trace.Verdict]int{trace.Reachable: 0, NotTraced: 0, trace.UnknownV: 1, trace.Intermittent: 2, trace.Unreachable: 3}

func (r *resolver) worsen(v trace.Verdict) {
	if severity[v] > severity[r.worst] {
		r.worst = v
	}
}
