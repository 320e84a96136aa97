package synth

import "strings"

// Private DNS for the private endpoints (spec §8): one privatelink zone per service in the hub's
// subscription, as a landing zone centralises them, each with an A record per endpoint
// ("Azure Private Endpoint private DNS zone values",
// learn.microsoft.com/azure/private-link/private-endpoint-dns). Every zone is linked to the hub,
// whose VMs use Azure DNS. vnet-spoke-data uses Azure DNS too and is linked to the blob and
// vault zones but not to privatelink.database.windows.net, so sql-data-prod resolves publicly
// there (PrivateEndpointResolvesPublic, PrivateDnsZoneNotLinked). vnet-spoke-app resolves
// through the firewall's DNS proxy (seed case 1) and needs no link of its own.

type dnsZoneSpec struct {
	name    string
	records [][2]string // relative name, IPv4 address
	links   []string    // VNet IDs
}

func hubSpokeDNSZones() []dnsZoneSpec {
	blob := dnsZoneSpec{name: "privatelink.blob.core.windows.net", links: []string{vnetHub, vnetData}}
	sql := dnsZoneSpec{name: "privatelink.database.windows.net", links: []string{vnetHub}}
	for _, t := range hubSpokePETargets() {
		rec := [2]string{strings.SplitN(t.fqdn, ".", 2)[0], t.ip}
		if t.group == "sqlServer" {
			sql.records = append(sql.records, rec)
		} else {
			blob.records = append(blob.records, rec)
		}
	}
	kv := dnsZoneSpec{name: "privatelink.vaultcore.azure.net", records: [][2]string{{"kv-hub-shared", "10.0.4.4"}},
		links: []string{vnetHub, vnetData}}
	return []dnsZoneSpec{blob, sql, kv}
}

// hubSpokePrivateDNS renders the zones, their virtual network links and A record sets as the
// REST GET API returns them (the link's shape follows the azure-rest-api-specs
// VirtualNetworkLinkGet example).
func hubSpokePrivateDNS() []O {
	var res []O
	for _, z := range hubSpokeDNSZones() {
		id := hubNet("privateDnsZones", z.name)
		res = append(res, resource(z.name, id, "Microsoft.Network/privateDnsZones", "global", succeeded().
			Set("maxNumberOfRecordSets", 25000).Set("maxNumberOfVirtualNetworkLinks", 1000).
			Set("maxNumberOfVirtualNetworkLinksWithRegistration", 100).Set("numberOfRecordSets", len(z.records)+1).
			Set("numberOfVirtualNetworkLinks", len(z.links)).Set("numberOfVirtualNetworkLinksWithRegistration", 0)))
		for _, v := range z.links {
			name := "link-" + nameOf(v)
			res = append(res, resource(name, id+"/virtualNetworkLinks/"+name, "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
				"global", O{{"virtualNetwork", ref(v)}, {"registrationEnabled", false}, {"resolutionPolicy", "Default"},
					{"virtualNetworkLinkState", "Completed"}, {"provisioningState", "Succeeded"}}))
		}
		for _, r := range z.records {
			res = append(res, O{{"name", r[0]}, {"id", id + "/A/" + r[0]}, {"type", "Microsoft.Network/privateDnsZones/A"},
				{"properties", O{{"ttl", 10}, {"fqdn", r[0] + "." + z.name + "."}, {"isAutoRegistered", false},
					{"aRecords", []any{O{{"ipv4Address", r[1]}}}}}}})
		}
	}
	return res
}
