package ask

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
)

// ReachQuery asks who can reach To, or what From can reach (cli.md "reach"), over every address
// and the given protocols and destination ports. Exactly one of To and From is set; each takes
// the forms of trace plus subnets (VNET/SUBNET or a subnet ID) and prefixes, which stand for
// every address a resource owns in them. A VM with public IPs is also reached through them.
type ReachQuery struct {
	To, From  string
	Protocols []model.Protocol  // default TCP and UDP
	Ports     []model.PortRange // default all
	// All keeps the Unreachable rows, which are left out by default.
	All bool
}

// ReachAnswer is the answer in rows (cli.md "reach"), with the class count and work done.
type ReachAnswer struct {
	Query     ReachQuery
	Endpoints []reach.Endpoint // the fixed side as resolved
	Complete  bool             // every class was evaluated (not sampled)
	Rows      []reach.Row
	Classes   int      // equivalence classes evaluated
	Traces    int      // packets walked
	Skipped   []string // addresses that could not be evaluated; Complete is false when any
}

// Reach answers `vnetdoctor reach`. An endpoint that does not resolve is a *model.NotFoundError
// or *model.AmbiguousError; a query naming both or neither side is a *QueryError.
func Reach(ctx context.Context, s *Snapshot, q ReachQuery, opts Options) (*ReachAnswer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if (q.To == "") == (q.From == "") {
		return nil, &QueryError{Message: "reach takes exactly one of --to and --from"}
	}
	ref, to := q.To, true
	if ref == "" {
		ref, to = q.From, false
	}
	eps, err := reachEndpoints(ctx, s, ref, to)
	if err != nil {
		return nil, err
	}
	rq := reach.Query{Protocols: q.Protocols, Ports: q.Ports, Assume: opts.Assume}
	if to {
		rq.To = eps
	} else {
		rq.From = eps
	}
	res, err := reach.Run(ctx, s.ReachModel(), rq)
	if err != nil {
		return nil, err
	}
	return &ReachAnswer{Query: q, Endpoints: eps, Complete: res.Complete(), Rows: reach.Rows(res, eps, to, q.All),
		Classes: len(res.Classes), Traces: res.Traces, Skipped: res.Skipped}, nil
}

// reachEndpoints resolves the fixed side: one endpoint, or every owned address of a subnet or prefix.
func reachEndpoints(ctx context.Context, s *Snapshot, ref string, to bool) ([]reach.Endpoint, error) {
	n := s.Plane.Net
	if a, ok := strings.CutPrefix(strings.ToLower(ref), "internet:"); ok {
		addr, err := netip.ParseAddr(strings.TrimSpace(a))
		if err != nil {
			return nil, &model.NotFoundError{Kind: "internet address", Ref: ref}
		}
		return []reach.Endpoint{{Ref: ref, Addr: addr, Label: ref}}, nil
	}
	if a, err := netip.ParseAddr(ref); err == nil {
		return []reach.Endpoint{{Ref: ref, Addr: a, Label: ref}}, nil
	}
	if p, err := netip.ParsePrefix(ref); err == nil {
		return ownedIn(n, []netip.Prefix{p.Masked()}, nil, to, ref)
	}
	if strings.Contains(ref, "/") {
		if sub, err := findSubnet(ctx, s, ref); err == nil {
			return ownedIn(n, sub.Prefixes, sub, to, ref)
		} else if !isNotFound(err) {
			return nil, err
		}
	}
	nic, err := n.FindNIC(ref)
	if err == nil {
		c := nic.Primary()
		if c == nil {
			return nil, &QueryError{Message: fmt.Sprintf("NIC %s has no ip configuration", nic.ID)}
		}
		eps := []reach.Endpoint{{Ref: ref, Trace: string(nic.ID), Addr: c.PrivateIP, Label: ref}}
		for _, ipc := range nic.IPConfigs {
			if to && ipc.PublicIP != nil && ipc.PublicIP.Address.IsValid() {
				a := ipc.PublicIP.Address
				eps = append(eps, reach.Endpoint{Ref: a.String(), Addr: a, Label: ref + " (" + ipc.PublicIP.Name + " " + a.String() + ")"})
			}
		}
		return eps, nil
	}
	if !isNotFound(err) {
		return nil, err
	}
	if eps, err := namedEndpoints(n, ref, to); len(eps) > 0 || err != nil {
		return eps, err
	}
	return nil, &model.NotFoundError{Kind: "endpoint (VM, NIC, private endpoint, firewall, load balancer, public IP, DNS resolver inbound endpoint, NetApp volume, subnet, prefix or address)", Ref: ref}
}

func isNotFound(err error) bool {
	var nf *model.NotFoundError
	return errors.As(err, &nf)
}

// namedEndpoints resolves a private endpoint, firewall, load balancer, public IP, DNS resolver
// inbound endpoint or NetApp volume (every mount target) by ID or name.
func namedEndpoints(n *model.Network, ref string, to bool) ([]reach.Endpoint, error) {
	named := func(id model.ID, name string) bool { return id.Equal(model.ID(ref)) || strings.EqualFold(name, ref) }
	one := func(a netip.Addr) []reach.Endpoint {
		if !a.IsValid() {
			return nil
		}
		return []reach.Endpoint{{Ref: a.String(), Addr: a, Label: ref}}
	}
	for _, fw := range n.Firewalls {
		if named(fw.ID, fw.Name) {
			return one(fw.PrivateIP), nil
		}
	}
	if !to {
		return nil, nil // endpoints and load balancers do not originate traffic; trace says so for one address
	}
	for _, pe := range n.PrivateEndpoints {
		if named(pe.ID, pe.Name) && len(pe.IPs) > 0 {
			return one(pe.IPs[0]), nil
		}
	}
	for _, pip := range n.PublicIPs {
		if named(pip.ID, pip.Name) {
			return one(pip.Address), nil
		}
	}
	for _, in := range n.ResolverInbounds {
		if named(in.ID, in.Name) {
			return one(in.Addr), nil
		}
	}
	for _, g := range n.AppGateways {
		if named(g.ID, g.Name) { // its frontends, private and public (trace answers both Unknown)
			var out []reach.Endpoint
			for _, a := range g.Frontends() {
				out = append(out, reach.Endpoint{Ref: a.String(), Addr: a, Label: ref + " (" + a.String() + ")"})
			}
			return out, nil
		}
	}
	var vols []*model.NetAppVolume
	for _, vol := range n.NetAppVolumes {
		if vol.Named(ref) && len(vol.MountTargets) > 0 {
			vols = append(vols, vol)
		}
	}
	switch len(vols) {
	case 0:
	case 1:
		var out []reach.Endpoint
		for _, a := range vols[0].MountTargets {
			out = append(out, reach.Endpoint{Ref: a.String(), Addr: a, Label: ref + " (" + a.String() + ")"})
		}
		return out, nil
	default:
		amb := &model.AmbiguousError{Ref: ref}
		for _, v := range vols {
			amb.Candidates = append(amb.Candidates, v.ID)
		}
		slices.Sort(amb.Candidates)
		return nil, amb
	}
	for _, lb := range n.LoadBalancers {
		if named(lb.ID, lb.Name) {
			var out []reach.Endpoint
			for _, fe := range lb.Frontends {
				a := fe.PrivateIP
				if fe.PublicIP != nil {
					a = fe.PublicIP.Address
				}
				if a.IsValid() {
					out = append(out, reach.Endpoint{Ref: a.String(), Addr: a, Label: ref + " (" + fe.Name + ")"})
				}
			}
			return out, nil
		}
	}
	return nil, nil
}

// ownedIn lists the addresses resources own in prefixes (and in subnet sub, when set): NIC ip
// configurations and firewalls, plus private endpoints and internal load balancer frontends as
// destinations.
func ownedIn(n *model.Network, ps []netip.Prefix, sub *model.Subnet, to bool, ref string) ([]reach.Endpoint, error) {
	var out []reach.Endpoint
	add := func(a netip.Addr, s *model.Subnet, name string) {
		if !a.IsValid() || (sub != nil && s != sub) {
			return
		}
		for _, p := range ps {
			if p.Contains(a) {
				out = append(out, reach.Endpoint{Ref: a.String(), Addr: a, Label: name + " (" + a.String() + ")"})
				return
			}
		}
	}
	for _, nic := range n.NICs {
		for _, c := range nic.IPConfigs {
			name := nic.VMName
			if name == "" {
				name = nic.Name
			}
			add(c.PrivateIP, c.Subnet, name)
		}
	}
	for _, fw := range n.Firewalls {
		add(fw.PrivateIP, fw.Subnet, fw.Name)
	}
	if to {
		for _, pe := range n.PrivateEndpoints {
			for _, a := range pe.IPs {
				add(a, pe.Subnet, pe.Name)
			}
		}
		for _, lb := range n.LoadBalancers {
			for _, fe := range lb.Frontends {
				add(fe.PrivateIP, fe.Subnet, lb.Name)
			}
		}
		for _, in := range n.ResolverInbounds { // what only answers (trace's atResolver, atNetApp)
			add(in.Addr, in.Subnet, in.Name)
		}
		for _, vol := range n.NetAppVolumes {
			for _, a := range vol.MountTargets {
				add(a, vol.Subnet, vol.Name)
			}
		}
	}
	if len(out) == 0 {
		return nil, &QueryError{Message: fmt.Sprintf("%s holds no address a VM, firewall, private endpoint, load balancer, DNS resolver inbound endpoint or NetApp volume owns", ref)}
	}
	return out, nil
}
