package check

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/dns"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Private endpoint DNS (spec §8 [DNSZ, PEOV]): a client reaches a private endpoint only if its
// DNS answers the service's public name with the endpoint's address. "The network interface
// associated with the private endpoint contains the information to configure your DNS"
// (learn.microsoft.com/azure/private-link/private-endpoint-dns); each VNet whose clients use
// Azure DNS (168.63.129.16, learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16)
// must be linked to the privatelink zone, "link the same private DNS zone to all spoke and hub
// virtual networks that contain clients that need DNS resolution from the zone"
// (learn.microsoft.com/azure/private-link/private-endpoint-dns-integration). Clients behind a
// firewall DNS proxy resolve with the links of the firewall's VNet
// (learn.microsoft.com/azure/firewall/dns-settings).
var privateEndpointResolvesPublic = Check{
	Name:     "private-endpoint-resolves-public",
	Code:     CodePrivateEndpointResolvesPublic,
	Evidence: []string{"fqdn", "vnet", "answer", "endpointIp"},
	Doc: "VNets with workloads that can route to an approved private endpoint but resolve its name to something " +
		"other than its IP (public DNS, NXDOMAIN or another address), proven with resolve.",
	Run: runPrivateEndpointResolvesPublic,
}

// maxVNetsPerFinding: a wrong answer shared by more VNets (one DNS view, e.g. every spoke behind
// a firewall DNS proxy) is one finding listing the first ones and counting all, so that the
// findings grow with views × names, not with VNets × names.
const maxVNetsPerFinding = 20

// endpointName is one DNS name of a private endpoint and the addresses it must resolve to.
type endpointName struct {
	pe   *model.PrivateEndpoint
	fqdn string
	ips  []netip.Addr
}

// endpointNames lists the private endpoints' DNS names (model.PrivateEndpoint.DNS) in model
// order; approvedOnly drops endpoints without an Approved connection (they carry no traffic,
// spec §5, so their name resolving publicly breaks nothing more).
func endpointNames(n *model.Network, approvedOnly bool) []endpointName {
	var out []endpointName
	for _, pe := range n.PrivateEndpoints {
		if approvedOnly && !pe.Approved() {
			continue
		}
		for _, d := range pe.DNS {
			if ips := d.IPs; len(ips) > 0 || len(pe.IPs) > 0 {
				if len(ips) == 0 {
					ips = pe.IPs
				}
				out = append(out, endpointName{pe: pe, fqdn: d.FQDN, ips: ips})
			}
		}
	}
	return out
}

// viewMember is one VNet of a DNS view: the subnet and NIC of its first workload, and that
// subnet's route table (looked up once per member, not once per name).
type viewMember struct {
	vnet   *model.VNet
	subnet *model.Subnet
	nic    *model.NIC
	routes *fib.Table
}

// dnsView is a set of VNets whose workloads get the same DNS answers: the same DNS servers in
// the same order (NIC dnsSettings, else VNet dhcpOptions, else Azure DNS: spec §8), the same
// linked private zones and the same linked forwarding rulesets.
type dnsView struct {
	servers string
	members []viewMember
}

// dnsViews groups the workload NICs of n (every NIC with a primary ip configuration in a known
// subnet) by view; each VNet appears once per view, with its first NIC in model order.
func dnsViews(n *model.Network, x *dns.Resolver) []*dnsView {
	rulesets := map[*model.VNet][]string{}
	for _, rs := range n.ForwardingRulesets {
		for _, v := range rs.VNets {
			rulesets[v] = append(rulesets[v], string(rs.ID))
		}
	}
	byKey := map[string]*dnsView{}
	var views []*dnsView
	seen := map[string]bool{}
	for _, nic := range n.NICs {
		c := nic.Primary()
		if c == nil || c.Subnet == nil || c.Subnet.VNet == nil {
			continue
		}
		v := c.Subnet.VNet
		servers := nic.DNSServers
		if len(servers) == 0 {
			servers = v.DNSServers
		}
		srv := addrList(servers)
		if srv == "" {
			srv = model.AzurePlatformIP.String()
		}
		zones := x.LinkedZones(v)
		sort.Strings(zones)
		rs := rulesets[v]
		sort.Strings(rs)
		key := srv + "|" + strings.Join(zones, ",") + "|" + strings.Join(rs, ",")
		view := byKey[key]
		if view == nil {
			view = &dnsView{servers: srv}
			byKey[key] = view
			views = append(views, view)
		}
		if mk := key + "|" + string(v.ID); !seen[mk] {
			seen[mk] = true
			view.members = append(view.members, viewMember{vnet: v, subnet: c.Subnet, nic: nic, routes: x.Plane().FIB.Subnet(c.Subnet)})
		}
	}
	return views
}

func addrList(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// routable reports whether a route gives a member's workloads a private path: it is not
// Internet or None (spec §1.5). A VNet that cannot reach the endpoint (unpeered, a disconnected
// peering) does not need its name.
func routable(r *fib.Route) bool {
	return r != nil && r.NextHop != model.HopNone && r.NextHop != model.HopInternet
}

// wrongAnswer is a view's answer for an endpoint name that is not the endpoint's address.
type wrongAnswer struct {
	name     endpointName
	answer   *dns.Answer
	affected []viewMember // the view's first VNets that route to the endpoint (at most maxVNetsPerFinding+1)
	count    int          // all the view's VNets that route to the endpoint
}

// wrongAnswers resolves every approved endpoint name once per DNS view (answers only: whether
// the DNS servers are reachable is DnsProxyUpstreamBlocked's question) and returns those a
// view's VNets need and get wrong. Answers that are not definite (a custom or external DNS
// server whose configuration the snapshot lacks) are skipped.
func wrongAnswers(pass *Pass) []wrongAnswer {
	p := pass.Plane
	x := dns.NewResolver(p)
	x.Untraced = true
	names := endpointNames(p.Net, true)
	u, pos := nameUniverse(names)
	var out []wrongAnswer
	for _, view := range dnsViews(p.Net, x) {
		if pass.Context != nil && pass.Context.Err() != nil {
			return nil
		}
		vr := routeView(view, &u)
		var wrong []int // positions of the names answered wrong, in out's order
		start := len(out)
		for i, en := range names {
			// the answer from the first member that needs the name
			first := vr.first[pos[i]]
			if first < 0 {
				continue
			}
			a, err := x.Resolve(view.members[first].nic, en.fqdn)
			if err != nil || !definite(a.Answer.Status) || answersEndpoint(a.Answer, en.ips) {
				continue
			}
			wrong = append(wrong, pos[i])
			out = append(out, wrongAnswer{name: en, answer: a, count: int(vr.count[pos[i]])})
		}
		affected := vr.firstMembers(wrong, maxVNetsPerFinding+1)
		for k, at := range wrong {
			for _, m := range affected[at] {
				out[start+k].affected = append(out[start+k].affected, view.members[m])
			}
		}
	}
	return out
}

func definite(s dns.Status) bool { return s == dns.Resolved || s == dns.NXDOMAIN || s == dns.Public }

// answersEndpoint: the answer gives addresses, all of them the endpoint's.
func answersEndpoint(r dns.Result, ips []netip.Addr) bool {
	if r.Status != dns.Resolved || len(r.Addresses) == 0 {
		return false
	}
	for _, a := range r.Addresses {
		if !slices.Contains(ips, a) {
			return false
		}
	}
	return true
}

// answerText is the evidence "answer": the addresses, or "Public" / "NXDOMAIN".
func answerText(r dns.Result) string {
	if r.Status == dns.Resolved {
		return addrList(r.Addresses)
	}
	return string(r.Status)
}

func runPrivateEndpointResolvesPublic(pass *Pass) []Finding {
	var out []Finding
	for _, w := range pass.wrongAnswers() {
		if w.count <= maxVNetsPerFinding {
			for _, m := range w.affected {
				out = append(out, resolvesPublicFinding(w, []viewMember{m}, 1))
			}
			continue
		}
		out = append(out, resolvesPublicFinding(w, w.affected[:maxVNetsPerFinding], w.count))
	}
	return out
}

func resolvesPublicFinding(w wrongAnswer, ms []viewMember, count int) Finding {
	en, res := w.name, w.answer.Answer
	v := ms[0].vnet
	ip := en.ips[0]
	expected, _ := dns.PrivateLinkName(en.fqdn)
	who, verb := v.Name, "resolves"
	vnets := make([]string, len(ms))
	resources := []model.ID{en.pe.ID}
	for i, m := range ms {
		vnets[i] = m.vnet.Name
		resources = append(resources, m.vnet.ID)
	}
	if count > 1 {
		who, verb = fmt.Sprintf("%d VNets (%s, …)", count, v.Name), "resolve"
	}
	if res.ResourceID != "" {
		resources = append(resources, model.ID(res.ResourceID))
	}
	ev := map[string]any{"fqdn": en.fqdn, "vnet": v.Name, "answer": answerText(res), "endpointIp": ip.String(),
		"privateEndpoint": en.pe.Name, "dnsServers": serversText(w.answer),
		"resolveFrom": w.answer.Query.From, "decidedBy": decidedBy(res)}
	if len(en.ips) > 1 {
		ev["endpointIps"] = addrList(en.ips)
	}
	if expected != "" {
		ev["privateLinkName"] = expected
	}
	if res.LinksFrom != nil {
		ev["resolvingVnet"] = res.LinksFrom.Name
	}
	if count > 1 {
		ev["vnets"], ev["vnetCount"] = vnets, count
	}
	return Finding{Code: CodePrivateEndpointResolvesPublic, Severity: Error,
		Title: fmt.Sprintf("%s %s %s to %s, not private endpoint %s (%s)", who, verb, en.fqdn, answerWords(res), en.pe.Name, ip),
		Message: fmt.Sprintf("Workloads in %s resolve %s to %s (%s), so they do not reach private endpoint %s at %s: "+
			"connections go to the service's public endpoint, or fail where public network access is disabled. "+
			"Proof: vnetdoctor resolve --from %s %s.",
			who, en.fqdn, answerWords(res), decidedBy(res), en.pe.Name, ip, w.answer.Query.From, en.fqdn),
		Resources: ids(resources...),
		Evidence:  ev,
		Fix:       resolvesPublicFix(en, res, expected),
	}
}

func serversText(a *dns.Answer) string {
	s := make([]string, len(a.Servers))
	for i, srv := range a.Servers {
		s[i] = fmt.Sprintf("%s (%s %s)", srv.Address, srv.Kind, srv.Name)
	}
	return strings.Join(s, " → ")
}

func answerWords(r dns.Result) string {
	switch r.Status {
	case dns.Public:
		return "public DNS"
	case dns.NXDOMAIN:
		return "NXDOMAIN"
	}
	return addrList(r.Addresses)
}

// decidedBy names what gave the answer: the zone and record, or for a public answer the VNet
// whose links hold no zone for the name.
func decidedBy(r dns.Result) string {
	switch {
	case r.Status == dns.Public && r.LinksFrom != nil:
		return "no private DNS zone linked to " + r.LinksFrom.Name + " holds the name"
	case r.Source != "":
		return r.Source
	}
	return r.Detail
}

// resolvesPublicFix says what to change where the answer was decided: the VNet whose links
// Azure DNS applied (the client's, or the firewall's behind a DNS proxy).
func resolvesPublicFix(en endpointName, r dns.Result, zoneName string) string {
	where := "the VNet that resolves"
	if r.LinksFrom != nil {
		where = r.LinksFrom.Name
	}
	rec := en.fqdn
	if zoneName == "" {
		return fmt.Sprintf("Resolve %s to %s for %s: vnetdoctor does not know this service's privatelink zone; see "+
			"learn.microsoft.com/azure/private-link/private-endpoint-dns.", en.fqdn, en.ips[0], where)
	}
	zone := zoneName[strings.IndexByte(zoneName, '.')+1:]
	rec = strings.TrimSuffix(zoneName, "."+zone)
	switch r.Status {
	case dns.NXDOMAIN:
		return fmt.Sprintf("Add an A record %s → %s to private DNS zone %s (the linked zone is authoritative), or a DNS zone "+
			"group on the private endpoint that creates it.", rec, en.ips[0], zone)
	case dns.Resolved:
		return fmt.Sprintf("Correct the A record %s in %s to %s (see PrivateDnsRecordMismatch).", rec, zone, en.ips[0])
	}
	return fmt.Sprintf("Link private DNS zone %s (with an A record %s → %s) to %s, or forward %s to a resolver that "+
		"has it; clients behind a firewall DNS proxy resolve with the firewall VNet's links.", zone, rec, en.ips[0], where, zone)
}
