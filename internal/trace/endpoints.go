package trace

import (
	"net/netip"
	"sort"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// epKind is what an endpoint reference resolved to.
type epKind uint8

const (
	epNIC epKind = iota
	epPrivateEndpoint
	epFirewall
	epLoadBalancer
	epGateway
	epInternet // a client or server on the internet
	epOnPrem   // a host behind a local network gateway
	epAddress  // a private address nothing owns (destinations only)
)

// endpoint is a resolved --from / --to reference.
type endpoint struct {
	kind epKind
	addr netip.Addr // the address the flow uses
	ipc  *model.IPConfig
	pe   *model.PrivateEndpoint
	fw   *model.Firewall
	fe   *model.Frontend
	gw   *model.VNetGateway
	// onPrem is the local network gateway prefix holding an on-premises address.
	onPrem dataplane.OnPremPrefix
	// branch is the Virtual WAN VPN site connection whose prefixes hold it, instead (vwan.go).
	branch *model.HubBranch
	// answers names what a name found (resolveName) when it only answers at the address, a DNS
	// resolver inbound endpoint or a NetApp volume: resolve makes it a destination address.
	answers string
}

// resolve turns a user reference into an endpoint (cli.md "SRC / DST endpoint"). A source must
// be owned by one resource; a destination may be any address (the walk decides who answers).
func resolve(p *dataplane.Plane, ref string, isSource bool) (endpoint, error) {
	n := p.Net
	if len(ref) >= len("internet:") && strings.EqualFold(ref[:len("internet:")], "internet:") {
		a, err := netip.ParseAddr(strings.TrimSpace(ref[len("internet:"):]))
		if err != nil {
			return endpoint{}, &model.NotFoundError{Kind: "internet address", Ref: ref}
		}
		return endpoint{kind: epInternet, addr: a}, nil
	}
	if a, err := netip.ParseAddr(ref); err == nil {
		return resolveAddr(p, ref, a, isSource)
	}
	if r, ok := n.Lookup(model.ID(ref)); ok {
		if e, ok := answering(r); ok {
			return answersOnly(e, ref, isSource)
		}
		if vol, ok := r.(*model.NetAppVolume); ok {
			return endpoint{}, &model.NotFoundError{Kind: "mount target (NetApp volume " + vol.Name + " lists none)", Ref: ref}
		}
		if e, ok := fromResource(r); ok {
			return e, nil
		}
	}
	e, err := resolveName(n, ref)
	if err == nil && e.answers != "" {
		return answersOnly(e, ref, isSource)
	}
	return e, err
}

// answering is a resource that only answers, at an address no resource owns (trace delivers
// there: atResolver, atNetApp, atDelegated, atAppGatewayFrontend), as an endpoint: a DNS resolver
// inbound endpoint, a NetApp volume at its first mount target, or an application gateway at its
// private frontend (else its public one).
func answering(r any) (endpoint, bool) {
	switch x := r.(type) {
	case *model.DNSResolverInbound:
		return endpoint{kind: epAddress, addr: x.Addr, answers: "a DNS resolver inbound endpoint only answers"}, x.Addr.IsValid()
	case *model.NetAppVolume:
		if len(x.MountTargets) > 0 { // its own calls (SMB volumes' to AD DS) are not modelled
			return endpoint{kind: epAddress, addr: x.MountTargets[0], answers: "trace starts no flow at a NetApp volume"}, true
		}
	case *model.AppGateway:
		// Its first frontend; its calls to its backends are not modelled.
		if fe := x.Frontends(); len(fe) > 0 {
			return endpoint{kind: epAddress, addr: fe[0], answers: "trace starts no flow at an application gateway: its listeners, rules and backends are not modelled"}, true
		}
	}
	return endpoint{}, false
}

// answersOnly is e, which only answers (answering), as a destination: its address. As a source
// it is an error.
func answersOnly(e endpoint, ref string, isSource bool) (endpoint, error) {
	if isSource {
		return endpoint{}, &model.NotFoundError{Kind: "source (" + e.answers + ")", Ref: ref}
	}
	return endpoint{kind: epAddress, addr: e.addr}, nil
}

// resolveAddr resolves an IP address: owned private addresses, owned public IPs, on-premises
// prefixes, then the internet for any other public address.
func resolveAddr(p *dataplane.Plane, ref string, a netip.Addr, isSource bool) (endpoint, error) {
	n := p.Net
	owners := n.Owners(a)
	switch {
	case len(owners) == 1 || (len(owners) > 1 && !isSource):
		if e, ok := fromOwner(owners[0]); ok {
			if len(owners) > 1 {
				e = endpoint{kind: epAddress, addr: a} // the route decides which VNet's owner answers
			}
			return e, nil
		}
	case len(owners) > 1:
		amb := &model.AmbiguousError{Ref: ref}
		for _, o := range owners {
			amb.Candidates = append(amb.Candidates, o.ResourceID())
		}
		sort.Slice(amb.Candidates, func(i, j int) bool { return amb.Candidates[i] < amb.Candidates[j] })
		return endpoint{}, amb
	}
	if pip, ok := n.PublicIPByAddr(a); ok {
		if !isSource {
			return endpoint{kind: epInternet, addr: a}, nil // reached from the outside: the walk enters at it
		}
		if e, ok := publicHolder(p, pip); ok {
			return e, nil
		}
	}
	for _, fw := range n.Firewalls {
		if fw.Subnet != nil {
			if _, ok := p.Index.FirewallInstance(fw.Subnet, a); ok {
				return endpoint{kind: epFirewall, fw: fw, addr: a}, nil
			}
		}
	}
	if o, ok := p.Index.OnPremFor(a); ok {
		return endpoint{kind: epOnPrem, addr: a, onPrem: o}, nil
	}
	if e, ok := natOnPrem(p, a, isSource); ok { // a site's post-NAT address (vpnnat.go)
		return e, nil
	}
	if br := hubBranchFor(n, a); br != nil { // behind a Virtual WAN VPN site (vwan.go)
		return endpoint{kind: epOnPrem, addr: a, branch: br}, nil
	}
	if e, ok := learnedSource(p, a, isSource); ok { // advertised over BGP by an NVA or on-premises (routeserver.go)
		return e, nil
	}
	if isPublic(a) {
		return endpoint{kind: epInternet, addr: a}, nil
	}
	if isSource {
		return endpoint{}, &model.NotFoundError{Kind: "resource owning address", Ref: ref}
	}
	return endpoint{kind: epAddress, addr: a}, nil
}

// publicHolder is the resource a public IP is attached to, as a traffic source.
func publicHolder(p *dataplane.Plane, pip *model.PublicIP) (endpoint, bool) {
	x := p.Index
	if c, ok := x.IPConfigByPublicIP[pip.Address]; ok {
		return endpoint{kind: epNIC, ipc: c, addr: c.PrivateIP}, true
	}
	if fw, ok := x.FirewallByPublicIP[pip.Address]; ok {
		return endpoint{kind: epFirewall, fw: fw, addr: fw.PrivateIP}, true
	}
	if fe, ok := x.FrontendByPublicIP[pip.Address]; ok {
		return endpoint{kind: epLoadBalancer, fe: fe, addr: pip.Address}, true
	}
	if g, ok := x.GatewayByPublicIP[pip.Address]; ok { // passes traffic on but starts none (as reach holds)
		return endpoint{kind: epGateway, gw: g, addr: pip.Address}, true
	}
	return endpoint{}, false
}

func fromOwner(o model.Owner) (endpoint, bool) {
	switch o.Kind {
	case model.OwnerNIC:
		return endpoint{kind: epNIC, ipc: o.IPConfig, addr: o.Addr}, true
	case model.OwnerPrivateEndpoint:
		return endpoint{kind: epPrivateEndpoint, pe: o.PrivateEndpoint, addr: o.Addr}, true
	case model.OwnerFirewall:
		return endpoint{kind: epFirewall, fw: o.Firewall, addr: o.Addr}, true
	case model.OwnerLBFrontend:
		return endpoint{kind: epLoadBalancer, fe: o.Frontend, addr: o.Addr}, true
	case model.OwnerGateway:
		return endpoint{kind: epGateway, gw: o.Gateway, addr: o.Addr}, true
	}
	return endpoint{}, false
}

// fromResource turns a resource found by ID into an endpoint.
func fromResource(r any) (endpoint, bool) {
	switch v := r.(type) {
	case *model.NIC:
		if c := v.Primary(); c != nil {
			return endpoint{kind: epNIC, ipc: c, addr: c.PrivateIP}, true
		}
	case *model.VM:
		if len(v.NICs) > 0 {
			return fromResource(v.NICs[0])
		}
	case *model.PrivateEndpoint:
		if len(v.IPs) > 0 {
			return endpoint{kind: epPrivateEndpoint, pe: v, addr: v.IPs[0]}, true
		}
	case *model.Firewall:
		return endpoint{kind: epFirewall, fw: v, addr: v.PrivateIP}, true
	case *model.LoadBalancer:
		if len(v.Frontends) > 0 {
			return frontendEndpoint(v.Frontends[0]), true
		}
	case *model.PublicIP:
		if v.Address.IsValid() {
			return endpoint{kind: epInternet, addr: v.Address}, true
		}
	}
	return endpoint{}, false
}

func frontendEndpoint(fe *model.Frontend) endpoint {
	if fe.PublicIP != nil && !fe.PrivateIP.IsValid() {
		return endpoint{kind: epInternet, addr: fe.PublicIP.Address, fe: fe}
	}
	return endpoint{kind: epLoadBalancer, fe: fe, addr: fe.PrivateIP}
}

// resolveName matches names of NICs and VMs (model.FindNIC), private endpoints, firewalls,
// load balancers and public IPs; more than one match is an *AmbiguousError.
func resolveName(n *model.Network, ref string) (endpoint, error) {
	var found []endpoint
	var ids []model.ID
	add := func(e endpoint, id model.ID) { found, ids = append(found, e), append(ids, id) }
	nic, err := n.FindNIC(ref)
	if amb, ok := err.(*model.AmbiguousError); ok {
		ids = append(ids, amb.Candidates...)
		found = append(found, make([]endpoint, len(amb.Candidates))...)
	} else if err == nil {
		if e, ok := fromResource(nic); ok {
			add(e, nic.ID)
		}
	}
	for _, pe := range n.PrivateEndpointsNamed(ref) {
		if e, ok := fromResource(pe); ok {
			add(e, pe.ID)
		}
	}
	for _, fw := range n.Firewalls {
		if strings.EqualFold(fw.Name, ref) {
			add(endpoint{kind: epFirewall, fw: fw, addr: fw.PrivateIP}, fw.ID)
		}
	}
	for _, lb := range n.LoadBalancers {
		if strings.EqualFold(lb.Name, ref) && len(lb.Frontends) > 0 {
			add(frontendEndpoint(lb.Frontends[0]), lb.ID)
		}
	}
	for _, pip := range n.PublicIPs {
		if strings.EqualFold(pip.Name, ref) && pip.Address.IsValid() {
			add(endpoint{kind: epInternet, addr: pip.Address}, pip.ID)
		}
	}
	for _, in := range n.ResolverInbounds {
		if e, ok := answering(in); ok && strings.EqualFold(in.Name, ref) {
			add(e, in.ID) // resolve makes it a destination
		}
	}
	for _, vol := range n.NetAppVolumes {
		if e, ok := answering(vol); ok && vol.Named(ref) {
			add(e, vol.ID)
		}
	}
	for _, g := range n.AppGateways {
		if e, ok := answering(g); ok && strings.EqualFold(g.Name, ref) {
			add(e, g.ID)
		}
	}
	switch len(found) {
	case 0:
		return endpoint{}, &model.NotFoundError{Kind: "endpoint (VM, NIC, private endpoint, firewall, load balancer, public IP, DNS resolver inbound endpoint, NetApp volume, application gateway or address)", Ref: ref}
	case 1:
		return found[0], nil
	}
	amb := &model.AmbiguousError{Ref: ref, Candidates: ids}
	sort.Slice(amb.Candidates, func(i, j int) bool { return amb.Candidates[i] < amb.Candidates[j] })
	return endpoint{}, amb
}

// isPublic reports whether a is routable on the internet: not private, shared (100.64/10),
// loopback, link-local, multicast or unspecified.
func isPublic(a netip.Addr) bool {
	if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	return !cgnat.Contains(a) && !benchmarking.Contains(a)
}

var (
	cgnat        = netip.MustParsePrefix("100.64.0.0/10")
	benchmarking = netip.MustParsePrefix("198.18.0.0/15")
)
