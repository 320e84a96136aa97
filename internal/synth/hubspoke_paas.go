package synth

import "fmt"

// Private endpoints (seed cases 2 and 6), their PaaS targets, the Azure NetApp Files
// volume (seed case 3) and a small service tags file.

type peTarget struct {
	pe, ip, kind, target, group, fqdn, status string
}

func hubSpokePETargets() []peTarget {
	stg := func(name string) string {
		return armID(subData, rgData, "Microsoft.Storage", "storageAccounts", name)
	}
	ts := []peTarget{
		{"pe-stdata-blob", "10.2.2.4", "storage", stg("stdataprod001"), "blob", "stdataprod001.blob.core.windows.net", "Approved"},
		{"pe-sql-data", "10.2.2.5", "sql", armID(subData, rgData, "Microsoft.Sql", "servers", "sql-data-prod"),
			"sqlServer", "sql-data-prod.database.windows.net", "Approved"},
		{"pe-starchive-blob", "10.2.2.6", "storage", stg("starchive001"), "blob", "starchive001.blob.core.windows.net", "Pending"},
	}
	// Seed case 6: a dozen blob endpoints for log accounts that service endpoints plus a
	// service endpoint policy would serve at no cost.
	for i := 1; i <= 12; i++ {
		acct := fmt.Sprintf("stlogs%02d", i)
		ts = append(ts, peTarget{"pe-" + acct + "-blob", fmt.Sprintf("10.2.2.%d", 9+i), "storage", stg(acct), "blob",
			acct + ".blob.core.windows.net", "Approved"})
	}
	return ts
}

func hubSpokePrivateLink() []O {
	kv := peSpec{id: hubNet("privateEndpoints", "pe-kv-hub"), name: "pe-kv-hub", location: weu,
		subnet: snet(vnetHub, "snet-shared"), ip: "10.0.4.4",
		target: armID(subHub, rgHub, "Microsoft.KeyVault", "vaults", "kv-hub-shared"), group: "vault",
		fqdn: "kv-hub-shared.vault.azure.net", status: "Approved"}
	specs := []peSpec{kv}
	for _, t := range hubSpokePETargets() {
		specs = append(specs, peSpec{id: dataNet("privateEndpoints", t.pe), name: t.pe, location: weu,
			subnet: snet(vnetData, "snet-pe"), ip: t.ip, target: t.target, group: t.group, fqdn: t.fqdn, status: t.status})
	}
	var res []O
	for _, s := range specs {
		res = append(res, s.render())
	}
	for _, s := range specs {
		res = append(res, s.renderNIC())
	}
	return res
}

// hubSpokePaaS are the private endpoints' targets. vnetdoctor does not model them; they
// are here because a real export contains them (unknown types are counted and ignored).
func hubSpokePaaS() []O {
	var res []O
	seen := map[string]bool{}
	for _, t := range hubSpokePETargets() {
		if seen[t.target] {
			continue
		}
		seen[t.target] = true
		name := nameOf(t.target)
		if t.kind == "sql" {
			res = append(res, resource(name, t.target, "Microsoft.Sql/servers", weu, O{
				{"fullyQualifiedDomainName", t.fqdn}, {"publicNetworkAccess", "Disabled"}, {"state", "Ready"}}))
			continue
		}
		r := O{{"name", name}, {"id", t.target}, {"type", "Microsoft.Storage/storageAccounts"}, {"location", weu},
			{"kind", "StorageV2"}, {"sku", O{{"name", "Standard_LRS"}, {"tier", "Standard"}}},
			{"properties", O{{"provisioningState", "Succeeded"},
				{"primaryEndpoints", O{{"blob", "https://" + t.fqdn + "/"}}},
				{"publicNetworkAccess", "Disabled"},
				{"networkAcls", O{{"defaultAction", "Deny"}, {"bypass", "AzureServices"},
					{"virtualNetworkRules", []any{}}, {"ipRules", []any{}}}}}}}
		res = append(res, r)
	}
	kv := armID(subHub, rgHub, "Microsoft.KeyVault", "vaults", "kv-hub-shared")
	return append(res, resource("kv-hub-shared", kv, "Microsoft.KeyVault/vaults", weu, O{
		{"vaultUri", "https://kv-hub-shared.vault.azure.net/"}, {"publicNetworkAccess", "Disabled"},
		{"tenantId", "00000000-0000-0000-0000-00000000000a"}, {"sku", O{{"family", "A"}, {"name", "standard"}}}}))
}

// hubSpokeNetApp is an ANF account, pool and a Basic-network-features volume in the hub's
// delegated subnet (seed case 3).
func hubSpokeNetApp() []O {
	acct := armID(subHub, rgHub, "Microsoft.NetApp", "netAppAccounts", "anf-hub")
	pool := acct + "/capacityPools/pool-premium"
	vol := pool + "/volumes/vol-shared"
	fsID := guid(vol)
	return []O{
		resource("anf-hub", acct, "Microsoft.NetApp/netAppAccounts", weu, succeeded().Set("activeDirectories", []any{})),
		resource("anf-hub/pool-premium", pool, "Microsoft.NetApp/netAppAccounts/capacityPools", weu, succeeded().
			Set("poolId", guid(pool)).Set("serviceLevel", "Premium").Set("size", 4398046511104).Set("qosType", "Auto")),
		resource("anf-hub/pool-premium/vol-shared", vol, "Microsoft.NetApp/netAppAccounts/capacityPools/volumes", weu,
			succeeded().Set("fileSystemId", fsID).Set("creationToken", "vol-shared").Set("serviceLevel", "Premium").
				Set("usageThreshold", 107374182400).Set("protocolTypes", strs("NFSv3")).
				Set("subnetId", snet(vnetHub, "snet-anf")).Set("networkFeatures", "Basic").
				Set("mountTargets", []any{O{{"mountTargetId", guid(vol + "/mt")}, {"fileSystemId", fsID},
					{"ipAddress", "10.0.8.4"}}})),
	}
}

// hubSpokeServiceTags is a hand-made excerpt in the shape of ServiceTags_Public_*.json.
// The prefixes are illustrative (not Microsoft's current list); the example's public IPs
// (20.103.50.0/23, 20.103.60.0/24) are inside AzureCloud.WestEurope.
func hubSpokeServiceTags() O {
	tag := func(name, region, service string, prefixes ...string) O {
		return O{{"name", name}, {"id", name}, {"properties", O{{"changeNumber", 1}, {"region", region},
			{"regionId", 0}, {"platform", "Azure"}, {"systemService", service},
			{"addressPrefixes", strs(prefixes...)}, {"networkFeatures", strs("API", "NSG", "UDR", "FW")}}}}
	}
	weuStorage := []string{"20.38.108.0/23", "20.47.7.0/24", "20.60.26.0/23", "20.150.26.0/24", "52.239.140.0/22"}
	neuStorage := []string{"20.38.64.0/23", "20.47.4.0/24", "52.239.136.0/22"}
	weuSQL := []string{"13.69.105.0/24", "40.68.37.158/32", "104.40.168.64/26"}
	return O{{"changeNumber", 300}, {"cloud", "Public"}, {"values", []O{
		tag("AzureCloud", "", "", "13.69.0.0/17", "20.38.64.0/19", "20.47.0.0/18", "20.60.0.0/16",
			"20.103.0.0/16", "20.150.0.0/17", "40.68.0.0/16", "52.239.128.0/17", "104.40.128.0/17"),
		tag("AzureCloud.WestEurope", "westeurope", "", "13.69.0.0/17", "20.103.0.0/16", "40.68.0.0/16", "104.40.128.0/17"),
		tag("AzureLoadBalancer", "", "AzureLoadBalancer", "168.63.129.16/32"),
		tag("Storage", "", "AzureStorage", append(append([]string{}, weuStorage...), neuStorage...)...),
		tag("Storage.WestEurope", "westeurope", "AzureStorage", weuStorage...),
		tag("Storage.NorthEurope", "northeurope", "AzureStorage", neuStorage...),
		tag("Sql", "", "AzureSQL", weuSQL...),
		tag("Sql.WestEurope", "westeurope", "AzureSQL", weuSQL...),
	}}}
}
