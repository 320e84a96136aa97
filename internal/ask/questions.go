package ask

import (
	"context"
	"fmt"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/check"
	"github.com/vnetdoctor/vnetdoctor/internal/dns"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// SummaryQuery asks what a snapshot holds. It has no parameters yet.
type SummaryQuery struct{}

// SummaryAnswer is what a snapshot holds: the network (resource counts, types not modelled,
// the model's warnings, snapshot identity) and the warnings computing its data plane added.
type SummaryAnswer struct {
	Network       *model.Network
	PlaneWarnings []model.Warning
}

// Summary answers `vnetdoctor summary`.
func Summary(ctx context.Context, s *Snapshot, _ SummaryQuery, _ Options) (*SummaryAnswer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &SummaryAnswer{Network: s.Plane.Net, PlaneWarnings: s.Plane.Warnings}, nil
}

// RoutesQuery asks for a NIC's effective routes. NIC is a NIC ID or name, a VM name or a
// private IP (model.Network.FindNIC). Subnet, instead of NIC, asks for a subnet's: "VNET/SUBNET"
// or a subnet ID (cli.md "routes / rules"), any subnet including GatewaySubnet and
// AzureFirewallSubnet. Exactly one of the two is set.
type RoutesQuery struct {
	NIC    string
	Subnet string
}

// RoutesAnswer is the effective route table of the NIC's subnet, in the order az prints it.
type RoutesAnswer struct {
	NIC    *model.NIC // nil when the query named a subnet
	Subnet *model.Subnet
	Routes []fib.Route
	// DisableBGPPropagation is the subnet route table's setting (false without a table).
	DisableBGPPropagation bool
}

// Routes answers `vnetdoctor routes`. A NIC without a subnet is a *QueryError.
func Routes(ctx context.Context, s *Snapshot, q RoutesQuery, _ Options) (*RoutesAnswer, error) {
	if q.Subnet != "" {
		sub, err := findSubnet(ctx, s, q.Subnet)
		if err != nil {
			return nil, err
		}
		return &RoutesAnswer{Subnet: sub, Routes: s.Plane.FIB.Subnet(sub).All(),
			DisableBGPPropagation: sub.RouteTable != nil && sub.RouteTable.DisableBGPPropagation}, nil
	}
	nic, err := findNIC(ctx, s, q.NIC)
	if err != nil {
		return nil, err
	}
	sub := nic.Subnet()
	if sub == nil {
		return nil, &QueryError{Message: fmt.Sprintf("NIC %s has no subnet in the snapshot; it has no effective routes", nic.ID)}
	}
	return &RoutesAnswer{NIC: nic, Subnet: sub, Routes: s.Plane.FIB.Subnet(sub).All(),
		DisableBGPPropagation: sub.RouteTable != nil && sub.RouteTable.DisableBGPPropagation}, nil
}

// RulesQuery asks for a NIC's effective security rules; NIC and Subnet as in RoutesQuery. A
// subnet's rules are those applying to an address in it that no NIC owns: admin rules and the
// subnet's NSG.
type RulesQuery struct {
	NIC    string
	Subnet string
}

// RulesAnswer is the effective security rules of the NIC's primary ip configuration (or of the
// subnet), in the shape of az network nic list-effective-nsg.
type RulesAnswer struct {
	NIC      *model.NIC         // nil when the query named a subnet
	IPConfig *model.IPConfig    // nil when the query named a subnet
	Subnet   *model.Subnet      // the subnet asked about, or the ip configuration's
	NSGs     []acl.EffectiveNSG // never nil
}

// Rules answers `vnetdoctor rules`. A NIC without an ip configuration in a subnet is a
// *QueryError.
func Rules(ctx context.Context, s *Snapshot, q RulesQuery, _ Options) (*RulesAnswer, error) {
	if q.Subnet != "" {
		sub, err := findSubnet(ctx, s, q.Subnet)
		if err != nil {
			return nil, err
		}
		return &RulesAnswer{Subnet: sub, NSGs: nonNil(s.Plane.ACL.ForSubnet(sub).Listing())}, nil
	}
	nic, err := findNIC(ctx, s, q.NIC)
	if err != nil {
		return nil, err
	}
	ipc := nic.Primary()
	if ipc == nil || ipc.Subnet == nil {
		return nil, &QueryError{Message: fmt.Sprintf("NIC %s has no ip configuration with a subnet in the snapshot", nic.ID)}
	}
	return &RulesAnswer{NIC: nic, IPConfig: ipc, Subnet: ipc.Subnet, NSGs: nonNil(s.Plane.ACL.ForIPConfig(ipc).Listing())}, nil
}

func nonNil(l []acl.EffectiveNSG) []acl.EffectiveNSG {
	if l == nil {
		return []acl.EffectiveNSG{}
	}
	return l
}

// Trace answers `vnetdoctor trace`: the flow's path both ways. A destination the snapshot does
// not name that looks like a DNS name is first resolved as the source VM would (dns.Trace); one
// that resolves to no address is a *dns.ResolveError.
func Trace(ctx context.Context, s *Snapshot, q trace.Query, opts Options) (*trace.Answer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q.Assume = opts.Assume
	a, _, err := dns.Trace(s.Plane, q)
	if err != nil {
		return nil, err
	}
	return a, ctx.Err()
}

// CheckQuery asks which checks to run: Codes, or every registered check when empty. An unknown
// code is a *QueryError.
type CheckQuery struct{ Codes []check.Code }

// Check answers `vnetdoctor check`: the findings of the checks, in check.Sort order, computed
// with opts.Check under opts.Assume. It stops between checks when ctx is done.
func Check(ctx context.Context, s *Snapshot, q CheckQuery, opts Options) ([]check.Finding, error) {
	copts := opts.checkOptions()
	if len(q.Codes) == 0 {
		return check.Run(ctx, s.Plane, copts)
	}
	cs := make([]check.Check, 0, len(q.Codes))
	for _, code := range q.Codes {
		c, ok := check.Lookup(code)
		if !ok {
			return nil, &QueryError{Message: fmt.Sprintf("no check has code %q", code)}
		}
		cs = append(cs, c)
	}
	return check.RunChecks(ctx, cs, s.Plane, copts)
}

// ResolveQuery asks how the VM behind From (as in RoutesQuery) resolves Name.
type ResolveQuery struct {
	From string
	Name string
}

// Resolve answers `vnetdoctor resolve`: the DNS servers consulted, the answer and the network
// legs (spec §8). A name that is not a DNS name, or a VM without a subnet, is a *QueryError
// wrapping dns.Resolve's error.
func Resolve(ctx context.Context, s *Snapshot, q ResolveQuery, _ Options) (*dns.Answer, error) {
	nic, err := findNIC(ctx, s, q.From)
	if err != nil {
		return nil, err
	}
	a, err := dns.Resolve(s.Plane, nic, q.Name)
	if err != nil {
		return nil, &QueryError{Message: err.Error(), Err: err}
	}
	return a, ctx.Err()
}

// findNIC resolves a NIC reference after checking ctx.
func findNIC(ctx context.Context, s *Snapshot, ref string) (*model.NIC, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.Plane.Net.FindNIC(ref)
}

// findSubnet resolves a subnet reference: a subnet ID, or "VNET/SUBNET" by name
// (case-insensitive). A name that matches subnets of several VNets of that name is an
// *model.AmbiguousError; no match is a *model.NotFoundError.
func findSubnet(ctx context.Context, s *Snapshot, ref string) (*model.Subnet, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := s.Plane.Net
	if r, ok := n.Lookup(model.ID(ref)); ok {
		if sub, ok := r.(*model.Subnet); ok {
			return sub, nil
		}
	}
	vnet, name, ok := strings.Cut(strings.Trim(ref, "/"), "/")
	var found []*model.Subnet
	if ok && !strings.Contains(name, "/") {
		for _, sub := range n.Subnets {
			if strings.EqualFold(sub.Name, name) && sub.VNet != nil && strings.EqualFold(sub.VNet.Name, vnet) {
				found = append(found, sub)
			}
		}
	}
	switch len(found) {
	case 0:
		return nil, &model.NotFoundError{Kind: "subnet (VNET/SUBNET or subnet ID)", Ref: ref}
	case 1:
		return found[0], nil
	}
	e := &model.AmbiguousError{Ref: ref}
	for _, f := range found {
		e.Candidates = append(e.Candidates, f.ID)
	}
	return nil, e
}
