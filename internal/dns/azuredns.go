package dns

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// atAzureDNS resolves name as Azure DNS does for a query coming from VNet v (spec §8 [DNSZ,
// DNSPR]): private zones linked to v answer authoritatively; else the longest enabled rule of
// a forwarding ruleset linked to v forwards the query; else public DNS, where Private Link
// service names are CNAMEs to their privatelink names, which are resolved the same way.
func (r *resolver) atAzureDNS(srv Server, v *model.VNet, name string, depth int) Result {
	if v != nil {
		srv.VNet = v.Name
	}
	if srv.Detail == "" {
		srv.Detail = "Azure DNS applies the private zones and forwarding rulesets linked to " + srv.VNet
	}
	r.add(srv)
	return r.azureLookup(srv.Address, v, name, depth)
}

// azureLookup is one name's lookup at Azure DNS for VNet v; CNAME targets go round again.
func (r *resolver) azureLookup(srv netip.Addr, v *model.VNet, name string, depth int) Result {
	if depth > maxDepth {
		return Result{Status: Unknown, Detail: fmt.Sprintf("more than %d forwarding or CNAME steps: a resolution loop", maxDepth)}
	}
	if v == nil {
		r.assume("the VNet of a query to Azure DNS is not in the snapshot: private zones and rulesets are not applied")
		return publicResult(srv, name)
	}
	if res, ok := r.fromZone(srv, v, name, depth); ok {
		if res.LinksFrom == nil {
			res.LinksFrom = v
		}
		return res
	}
	if rule, rs := matchRule(r.p.Net, v, name); rule != nil {
		return r.forward(rule, rs, name, depth)
	}
	if alias, suffix, ok := privateLinkAlias(name); ok {
		r.assume(fmt.Sprintf("public DNS answers %s with a CNAME to %s, as it does for a %s resource that has a private endpoint "+
			"(Azure Private Endpoint private DNS zone values, learn.microsoft.com/azure/private-link/private-endpoint-dns)", name, alias, suffix))
		return r.follow(srv, v, alias, depth, "public DNS CNAME "+name+" → "+alias)
	}
	res := publicResult(srv, name)
	res.LinksFrom = v
	return res
}

// publicResult: no linked zone or ruleset matched, so public DNS answers (spec §8 [DNSPR, DNSZ]).
func publicResult(srv netip.Addr, name string) Result {
	return Result{Status: Public, AnsweredBy: srv.String(), Source: "public DNS",
		Detail: name + ": public resolution, not modelled (no linked private zone or forwarding rule matches)"}
}

// follow resolves a CNAME target at the same server and prepends it to the chain.
// A privatelink CNAME is followed to the linked zone: spec §8 [PEOV].
func (r *resolver) follow(srv netip.Addr, v *model.VNet, alias string, depth int, why string) Result {
	res := r.azureLookup(srv, v, alias, depth+1)
	res.CNAMEs = append([]string{alias}, res.CNAMEs...)
	if res.Detail == "" {
		res.Detail = why
	} else {
		res.Detail = why + "; " + res.Detail
	}
	return res
}

// fromZone answers from the most specific private zone linked to v that contains name. It
// reports false when no linked zone contains the name, or the link's resolutionPolicy is
// NxDomainRedirect and the record is missing (fall back to public resolution, spec §8).
func (r *resolver) fromZone(srv netip.Addr, v *model.VNet, name string, depth int) (Result, bool) {
	z, link := r.x.linkedZone(v, name)
	if z == nil {
		return Result{}, false
	}
	rel := relative(name, z.Name)
	where := fmt.Sprintf("private DNS zone %s (linked to %s by %s)", z.Name, v.Name, link.Name)
	addrs, cname, rec := lookup(z, rel)
	switch {
	case cname != "":
		return r.follow(srv, v, cname, depth, fmt.Sprintf("%s, record %s (CNAME) → %s", where, rec, cname)), true
	case len(addrs) > 0:
		return Result{Status: Resolved, Addresses: addrs, AnsweredBy: srv.String(), ResourceID: string(z.ID),
			Source: fmt.Sprintf("%s, record %s", where, rec)}, true
	case strings.EqualFold(link.ResolutionPolicy, "NxDomainRedirect"):
		r.assume(fmt.Sprintf("%s has no record %s; link %s has resolutionPolicy NxDomainRedirect, so Azure DNS falls back to public resolution (spec §8)",
			z.Name, rel, link.Name))
		return publicResult(srv, name), true
	}
	return Result{Status: NXDOMAIN, AnsweredBy: srv.String(), ResourceID: string(z.ID), Source: where,
		Detail: fmt.Sprintf("%s is authoritative for %s and has no A, AAAA or CNAME record %q: NXDOMAIN (spec §8)", z.Name, name, rel)}, true
}

// inDomain reports whether name is domain or inside it ("." is the root: every name).
func inDomain(name, domain string) bool {
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	return domain == "" || name == domain || strings.HasSuffix(name, "."+domain)
}

// relative is name inside zone: "@" for the apex.
func relative(name, zone string) string {
	zone = strings.TrimSuffix(strings.ToLower(zone), ".")
	if name == zone {
		return "@"
	}
	return strings.TrimSuffix(name, "."+zone)
}

// lookup finds the record set rel (exact name first, then the closest wildcard "*.<parent>"):
// the A/AAAA addresses or the CNAME target, and the record's name and type for the answer.
func lookup(z *model.PrivateDNSZone, rel string) ([]netip.Addr, string, string) {
	for _, cand := range candidates(rel) {
		var addrs []netip.Addr
		for _, rec := range z.Records {
			if !strings.EqualFold(rec.Name, cand) {
				continue
			}
			if strings.EqualFold(rec.Type, "CNAME") && rec.CNAME != "" {
				return nil, strings.TrimSuffix(strings.ToLower(rec.CNAME), "."), cand
			}
			addrs = append(addrs, rec.Addrs...)
		}
		if len(addrs) > 0 {
			return addrs, "", cand + " (" + recTypes(z, cand) + ")"
		}
	}
	return nil, "", ""
}

// candidates lists rel then its wildcards, closest first: a.b → a.b, *.b, *.
func candidates(rel string) []string {
	out := []string{rel}
	if rel == "@" {
		return out
	}
	labels := strings.Split(rel, ".")
	for i := 1; i < len(labels); i++ {
		out = append(out, "*."+strings.Join(labels[i:], "."))
	}
	return append(out, "*")
}

func recTypes(z *model.PrivateDNSZone, name string) string {
	var ts []string
	for _, rec := range z.Records {
		if strings.EqualFold(rec.Name, name) && len(rec.Addrs) > 0 {
			ts = append(ts, strings.ToUpper(rec.Type))
		}
	}
	return strings.Join(ts, ", ")
}

// Record returns what zone z holds for name (a name inside the zone): its A/AAAA addresses or
// its CNAME target (the exact name first, then the closest wildcard), and the record set's
// name relative to the zone ("" when the zone has none).
func Record(z *model.PrivateDNSZone, name string) (addrs []netip.Addr, cname, rec string) {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if !inDomain(name, z.Name) {
		return nil, "", ""
	}
	addrs, cname, rec = lookup(z, relative(name, z.Name))
	if i := strings.IndexByte(rec, ' '); i > 0 {
		rec = rec[:i] // lookup appends the record types for an address answer
	}
	return addrs, cname, rec
}
