package dns

import (
	"fmt"
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// target is the resource behind a DNS server address.
type target struct {
	fw      *model.Firewall
	inbound *model.DNSResolverInbound
	owner   *model.Owner
}

// classify says what server address s is, as seen from VNet v (private addresses may repeat
// in VNets that are not connected: the owner in v, or in a VNet peered with v, is preferred).
// Server kinds: Azure DNS (spec §8), firewall proxy (§3.5 [FWDNS]), resolver inbound endpoint (§8 [DNSPR]).
func (r *resolver) classify(s netip.Addr, v *model.VNet) (Server, target) {
	srv := Server{Address: s, Kind: KindExternal}
	if s == model.AzurePlatformIP {
		srv.Kind, srv.Name = KindAzureDNS, "Azure DNS"
		return srv, target{}
	}
	if in := r.inboundAt(s, v); in != nil {
		srv.Kind, srv.Name, srv.ResourceID = KindResolverInbound, in.Name, string(in.ID)
		return srv, target{inbound: in}
	}
	o, ok := r.ownerFor(s, v)
	if !ok {
		return srv, target{}
	}
	srv.ResourceID = string(o.ResourceID())
	if o.Kind == model.OwnerFirewall {
		srv.Name, srv.Kind = o.Firewall.Name, KindFirewallNoProxy
		if o.Firewall.DNSProxyEnabled() {
			srv.Kind = KindFirewallProxy
		}
		return srv, target{fw: o.Firewall, owner: &o}
	}
	srv.Kind, srv.Name = KindCustom, ownerName(o)
	return srv, target{owner: &o}
}

// inboundAt returns the resolver inbound endpoint with address s, preferring v's VNet.
func (r *resolver) inboundAt(s netip.Addr, v *model.VNet) *model.DNSResolverInbound {
	var found *model.DNSResolverInbound
	for _, in := range r.p.Net.ResolverInbounds {
		if in.Addr != s || in.Subnet == nil || in.Subnet.VNet == nil {
			continue
		}
		if found == nil || near(v, in.Subnet.VNet) {
			found = in
		}
	}
	return found
}

func (r *resolver) ownerFor(s netip.Addr, v *model.VNet) (model.Owner, bool) {
	owners := r.p.Net.Owners(s)
	for _, o := range owners {
		if near(v, o.VNet) {
			return o, true
		}
	}
	if len(owners) > 0 {
		return owners[0], true
	}
	return model.Owner{}, false
}

// near reports whether w is v or directly peered with it.
func near(v, w *model.VNet) bool {
	if v == nil || w == nil {
		return false
	}
	if v == w {
		return true
	}
	for _, p := range v.Peerings {
		if p.Remote == w {
			return true
		}
	}
	return false
}

func ownerName(o model.Owner) string {
	switch o.Kind {
	case model.OwnerNIC:
		if n := o.IPConfig.NIC; n.VMName != "" {
			return n.VMName
		}
		return o.IPConfig.NIC.Name
	case model.OwnerPrivateEndpoint:
		return o.PrivateEndpoint.Name
	case model.OwnerLBFrontend:
		return o.Frontend.LB.Name
	case model.OwnerGateway:
		return o.Gateway.Name
	}
	return o.ResourceID().Name()
}

// upstreams are the servers a firewall DNS proxy forwards to (model.Firewall.DNSProxyUpstreams,
// spec §3.5 [FWDNS]) and where they are set.
func upstreams(fw *model.Firewall) ([]netip.Addr, string) {
	where := "firewall " + fw.Name + " dnsSettings.servers"
	switch {
	case len(fw.DNSProxyServers()) == 0:
		where = "firewall " + fw.Name + " DNS proxy default (no custom servers: Azure DNS)"
	case fw.Policy != nil:
		where = "firewall policy " + fw.Policy.Name + " dnsSettings.servers"
	}
	return fw.DNSProxyUpstreams(), where
}

// atFirewallProxy forwards the query from the firewall's instance addresses to its upstream
// servers (spec §3.5, §3.1); Azure DNS there sees the zones linked to the firewall's VNet.
func (r *resolver) atFirewallProxy(srv Server, fw *model.Firewall, name string, depth int) Result {
	servers, via := upstreams(fw)
	srv.Detail = fmt.Sprintf("DNS proxy on: %s answers on %s port 53 and forwards to %v from its instance addresses (spec §3.5)",
		fw.Name, fw.PrivateIP, servers)
	r.add(srv)
	if fw.Subnet == nil || fw.Subnet.VNet == nil {
		r.assume("firewall " + fw.Name + " has no AzureFirewallSubnet in the snapshot (a Virtual WAN hub?): its upstream queries are not traced")
	}
	o := origin{label: r.instanceLabel(fw), ref: string(fw.ID), fw: fw,
		untraced: "firewall " + fw.Name + " has no subnet in the snapshot"}
	if fw.Subnet != nil {
		o.vnet = fw.Subnet.VNet
	} else {
		o.ref = ""
	}
	return r.askList(servers, via, o, name, depth+1)
}

func (r *resolver) instanceLabel(fw *model.Firewall) string {
	inst := r.p.Index.Instances[fw]
	if len(inst) == 0 {
		return fw.Name + " (instance addresses)"
	}
	return fmt.Sprintf("%s instance addresses (%s–%s)", fw.Name, inst[0], inst[len(inst)-1])
}

// atCustom is a DNS server the snapshot holds but whose software it does not describe (a VM):
// the answer depends on its configuration (spec §8). As a hint, the answer it would give if
// it forwarded to Azure DNS from its own VNet is stated as an assumption.
func (r *resolver) atCustom(srv Server, t target, name string, depth int) Result {
	r.add(srv)
	res := Result{Status: Unknown, AnsweredBy: srv.Address.String(), Source: "custom DNS server " + srv.Name,
		ResourceID: srv.ResourceID,
		Detail: fmt.Sprintf("%s (%s) is a custom DNS server: its answer depends on its own configuration, "+
			"which the snapshot does not hold; custom servers bypass private DNS zones unless they forward to Azure DNS (spec §8)",
			srv.Name, srv.Address)}
	if t.owner != nil && t.owner.VNet != nil {
		h := r.hint(t.owner.VNet, name, depth)
		r.assume(fmt.Sprintf("if %s forwards %s to Azure DNS (%s), the answer is %s (zones and rulesets linked to %s)",
			srv.Name, name, model.AzurePlatformIP, h, t.owner.VNet.Name))
	}
	return res
}

// hint resolves name at Azure DNS from VNet v without recording servers or legs.
func (r *resolver) hint(v *model.VNet, name string, depth int) string {
	sub := &resolver{p: r.p, x: r.x, a: &Answer{}, worst: r.worst, noted: map[string]bool{}}
	res := sub.atAzureDNS(Server{Address: model.AzurePlatformIP, Kind: KindAzureDNS}, v, name, depth+1)
	switch res.Status {
	case Resolved:
		return fmt.Sprintf("%v", res.Addresses)
	case NXDOMAIN:
		return "NXDOMAIN"
	}
	return string(res.Status)
}
