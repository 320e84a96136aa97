package check

import (
	"fmt"
	"sort"

	"github.com/vnetdoctor/vnetdoctor/internal/dns"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// A private DNS zone answers only for the VNets linked to it (virtual network links,
// learn.microsoft.com/azure/dns/private-dns-virtual-network-links): a peered VNet does not
// inherit its peer's links, "add a new virtual network link to the private DNS zone for all
// peered virtual networks" (learn.microsoft.com/azure/private-link/private-endpoint-dns-integration).
// Spec §8 [DNSZ].
var privateDNSZoneNotLinked = Check{
	Name:     "private-dns-zone-not-linked",
	Code:     CodePrivateDNSZoneNotLinked,
	Evidence: []string{"zone", "vnet"},
	Doc: "Private DNS zones holding a private endpoint's record that are not linked to the VNet whose Azure DNS " +
		"resolves the endpoint's name for workloads (the client VNet, or the firewall's behind a DNS proxy).",
	Run: runPrivateDNSZoneNotLinked,
}

// notLinked gathers, per zone and resolving VNet, the names that went public for want of a link.
type notLinked struct {
	zone    *model.PrivateDNSZone
	vnet    *model.VNet
	fqdns   []string
	clients map[string]bool // client VNets (the first of each answer's)
	count   int             // the most client VNets of one name
	from    string          // a VM whose resolve shows it
}

// runPrivateDNSZoneNotLinked reads the same answers as PrivateEndpointResolvesPublic: a name
// that Azure DNS, for VNet X, answered from public DNS (or NXDOMAIN from another zone of the
// same name) while a zone of the snapshot holds its record and is not linked to X.
func runPrivateDNSZoneNotLinked(pass *Pass) []Finding {
	x := dns.NewResolver(pass.Plane)
	byKey := map[[2]model.ID]*notLinked{}
	var order []*notLinked
	for _, w := range pass.wrongAnswers() {
		res := w.answer.Answer
		if res.LinksFrom == nil || (res.Status != dns.Public && res.Status != dns.NXDOMAIN) {
			continue
		}
		for _, z := range holdingZones(x, w.name.fqdn) {
			if linkedTo(z, res.LinksFrom) {
				continue
			}
			k := [2]model.ID{z.ID, res.LinksFrom.ID}
			nl := byKey[k]
			if nl == nil {
				nl = &notLinked{zone: z, vnet: res.LinksFrom, clients: map[string]bool{}, from: w.answer.Query.From}
				byKey[k] = nl
				order = append(order, nl)
			}
			if len(nl.fqdns) == 0 || nl.fqdns[len(nl.fqdns)-1] != w.name.fqdn {
				nl.fqdns = append(nl.fqdns, w.name.fqdn)
			}
			for _, m := range w.affected {
				nl.clients[m.vnet.Name] = true
			}
			nl.count = max(nl.count, w.count)
		}
	}
	out := make([]Finding, 0, len(order))
	for _, nl := range order {
		out = append(out, notLinkedFinding(nl))
	}
	return out
}

// holdingZones are the zones of the snapshot that would answer fqdn (its privatelink name, else
// the name itself): those holding a record for it, else every zone of that name.
func holdingZones(x *dns.Resolver, fqdn string) []*model.PrivateDNSZone {
	name := fqdn
	if alias, ok := dns.PrivateLinkName(fqdn); ok {
		name = alias
	}
	zones := x.ZonesFor(name)
	var with []*model.PrivateDNSZone
	for _, z := range zones {
		if addrs, cname, _ := dns.Record(z, name); len(addrs) > 0 || cname != "" {
			with = append(with, z)
		}
	}
	if len(with) > 0 {
		return with
	}
	return zones
}

func linkedTo(z *model.PrivateDNSZone, v *model.VNet) bool {
	for _, l := range z.Links {
		if l.VNet == v {
			return true
		}
	}
	return false
}

func notLinkedFinding(nl *notLinked) Finding {
	clients := make([]string, 0, len(nl.clients))
	for c := range nl.clients {
		clients = append(clients, c)
	}
	sort.Strings(clients)
	shown := nl.fqdns
	if len(shown) > maxVNetsPerFinding {
		shown = shown[:maxVNetsPerFinding]
	}
	names := fmt.Sprintf("%d private endpoint names", len(nl.fqdns))
	if len(nl.fqdns) == 1 {
		names = nl.fqdns[0]
	}
	if len(clients) > maxVNetsPerFinding {
		clients = clients[:maxVNetsPerFinding]
	}
	via := ""
	if nl.count != 1 || clients[0] != nl.vnet.Name {
		via = fmt.Sprintf(" (it resolves for workloads in %d VNets through its DNS servers)", nl.count)
	}
	return Finding{Code: CodePrivateDNSZoneNotLinked, Severity: Error,
		Title: fmt.Sprintf("Private DNS zone %s is not linked to %s", nl.zone.Name, nl.vnet.Name),
		Message: fmt.Sprintf("Azure DNS resolves for %s%s without zone %s, which holds the record of %s: the name "+
			"resolves publicly there, not to the private endpoint. Proof: vnetdoctor resolve --from %s %s.",
			nl.vnet.Name, via, nl.zone.Name, names, nl.from, nl.fqdns[0]),
		Resources: ids(nl.zone.ID, nl.vnet.ID),
		Evidence: map[string]any{"zone": nl.zone.Name, "vnet": nl.vnet.Name, "fqdns": shown, "fqdnCount": len(nl.fqdns),
			"clientVnets": clients, "clientVnetCount": nl.count, "resolveFrom": nl.from},
		Fix: fmt.Sprintf("Add a virtual network link from private DNS zone %s to %s (registration off).", nl.zone.Name, nl.vnet.Name),
	}
}
