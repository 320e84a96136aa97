package check

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/dns"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// The A record of a private endpoint's name must hold the endpoint's address; a record left
// behind when the endpoint is re-created (or pointed at another endpoint) sends clients to the
// wrong place. "Private endpoint information (FQDN record name and private IP address)",
// learn.microsoft.com/azure/private-link/private-endpoint-dns-integration. Spec §8 [DNSZ, PEOV].
var privateDNSRecordMismatch = Check{
	Name:     "private-dns-record-mismatch",
	Code:     CodePrivateDNSRecordMismatch,
	Evidence: []string{"fqdn", "recordIp", "endpointIp"},
	Doc: "Private DNS records of a private endpoint's name (in its privatelink zone) whose addresses are not the " +
		"endpoint's, proven with resolve from a VNet linked to the zone.",
	Run: runPrivateDNSRecordMismatch,
}

// runPrivateDNSRecordMismatch looks every endpoint name (approved or not: the record is wrong
// either way) up in every zone of the snapshot that would hold it, one finding per zone.
func runPrivateDNSRecordMismatch(pass *Pass) []Finding {
	p := pass.Plane
	x := dns.NewResolver(p)
	x.Untraced = true
	proofs := zoneClients(p.Net)
	var out []Finding
	for _, en := range endpointNames(p.Net, false) {
		name := en.fqdn
		if alias, ok := dns.PrivateLinkName(en.fqdn); ok {
			name = alias
		}
		for _, z := range x.ZonesFor(name) {
			addrs, _, rec := dns.Record(z, name)
			wrong := foreign(addrs, en.ips)
			if len(wrong) == 0 {
				continue
			}
			out = append(out, mismatchFinding(p.Net, x, en, z, rec, addrs, wrong, proofs[z]))
		}
	}
	return out
}

// foreign returns the record addresses that are not the endpoint's.
func foreign(addrs, ips []netip.Addr) []netip.Addr {
	var out []netip.Addr
	for _, a := range addrs {
		if !slices.Contains(ips, a) {
			out = append(out, a)
		}
	}
	return out
}

// zoneClients maps each zone to a NIC in a VNet linked to it (the first in model order), the
// VM a user can run resolve from to see the record.
func zoneClients(n *model.Network) map[*model.PrivateDNSZone]*model.NIC {
	first := map[*model.VNet]*model.NIC{}
	for _, nic := range n.NICs {
		if c := nic.Primary(); c != nil && c.Subnet != nil && c.Subnet.VNet != nil && first[c.Subnet.VNet] == nil {
			first[c.Subnet.VNet] = nic
		}
	}
	out := map[*model.PrivateDNSZone]*model.NIC{}
	for _, z := range n.PrivateDNSZones {
		for _, l := range z.Links {
			if nic := first[l.VNet]; nic != nil && l.VNet != nil {
				out[z] = nic
				break
			}
		}
	}
	return out
}

func mismatchFinding(n *model.Network, x *dns.Resolver, en endpointName, z *model.PrivateDNSZone, rec string,
	addrs, wrong []netip.Addr, proof *model.NIC) Finding {
	ip := en.ips[0]
	owner := "no resource in the snapshot"
	if os := n.Owners(wrong[0]); len(os) > 0 {
		owner = os[0].Kind.String() + " " + os[0].ResourceID().Name()
	}
	ev := map[string]any{"fqdn": en.fqdn, "recordIp": wrong[0].String(), "endpointIp": ip.String(),
		"zone": z.Name, "record": rec, "recordIps": addrList(addrs), "privateEndpoint": en.pe.Name, "recordIpOwner": owner}
	msg := fmt.Sprintf("Record %s in private DNS zone %s answers %s for %s, but private endpoint %s has %s "+
		"(%s is owned by %s): clients that use the zone connect to the wrong address.",
		rec, z.Name, addrList(addrs), en.fqdn, en.pe.Name, addrList(en.ips), wrong[0], owner)
	if proof != nil {
		if a, err := x.Resolve(proof, en.fqdn); err == nil {
			from := a.Query.From
			ev["resolveFrom"], ev["resolvedTo"] = from, answerText(a.Answer)
			msg += fmt.Sprintf(" Proof: vnetdoctor resolve --from %s %s → %s.", from, en.fqdn, answerText(a.Answer))
		}
	}
	return Finding{Code: CodePrivateDNSRecordMismatch, Severity: Error,
		Title:     fmt.Sprintf("%s resolves to %s in %s, not to private endpoint %s (%s)", en.fqdn, addrList(addrs), z.Name, en.pe.Name, ip),
		Message:   msg,
		Resources: ids(z.ID, en.pe.ID),
		Evidence:  ev,
		Fix: fmt.Sprintf("Set record %s in %s to %s, or manage it with a DNS zone group on the private endpoint so it "+
			"follows the endpoint.", rec, z.Name, addrList(en.ips)),
	}
}
