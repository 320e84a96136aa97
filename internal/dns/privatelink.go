package dns

import "strings"

// privateLinkZones maps the public DNS suffix of a Private Link service to the private DNS zone
// its public names are CNAMEs into: <name>.<suffix> → <name>.<zone> (spec §8 [PEOV]).
// Source: "Azure Private Endpoint private DNS zone values",
// learn.microsoft.com/azure/private-link/private-endpoint-dns (commercial cloud; the common
// services only — a service missing here resolves as public DNS, which is said in the answer).
var privateLinkZones = map[string]string{
	"blob.core.windows.net":         "privatelink.blob.core.windows.net",
	"file.core.windows.net":         "privatelink.file.core.windows.net",
	"queue.core.windows.net":        "privatelink.queue.core.windows.net",
	"table.core.windows.net":        "privatelink.table.core.windows.net",
	"dfs.core.windows.net":          "privatelink.dfs.core.windows.net",
	"web.core.windows.net":          "privatelink.web.core.windows.net",
	"database.windows.net":          "privatelink.database.windows.net", // Azure SQL
	"sql.azuresynapse.net":          "privatelink.sql.azuresynapse.net",
	"dev.azuresynapse.net":          "privatelink.dev.azuresynapse.net",
	"documents.azure.com":           "privatelink.documents.azure.com",
	"mongo.cosmos.azure.com":        "privatelink.mongo.cosmos.azure.com",
	"cassandra.cosmos.azure.com":    "privatelink.cassandra.cosmos.azure.com",
	"gremlin.cosmos.azure.com":      "privatelink.gremlin.cosmos.azure.com",
	"table.cosmos.azure.com":        "privatelink.table.cosmos.azure.com",
	"postgres.database.azure.com":   "privatelink.postgres.database.azure.com",
	"mysql.database.azure.com":      "privatelink.mysql.database.azure.com",
	"vault.azure.net":               "privatelink.vaultcore.azure.net", // Key Vault: vault.azure.net → vaultcore
	"vaultcore.azure.net":           "privatelink.vaultcore.azure.net",
	"managedhsm.azure.net":          "privatelink.managedhsm.azure.net",
	"azurecr.io":                    "privatelink.azurecr.io",
	"azconfig.io":                   "privatelink.azconfig.io",
	"servicebus.windows.net":        "privatelink.servicebus.windows.net", // Service Bus, Event Hubs, Relay
	"azurewebsites.net":             "privatelink.azurewebsites.net",
	"search.windows.net":            "privatelink.search.windows.net",
	"redis.cache.windows.net":       "privatelink.redis.cache.windows.net",
	"cognitiveservices.azure.com":   "privatelink.cognitiveservices.azure.com",
	"openai.azure.com":              "privatelink.openai.azure.com",
	"azure-devices.net":             "privatelink.azure-devices.net",
	"eventgrid.azure.net":           "privatelink.eventgrid.azure.net",
	"datafactory.azure.net":         "privatelink.datafactory.azure.net",
	"azure-api.net":                 "privatelink.azure-api.net",
	"azurehdinsight.net":            "privatelink.azurehdinsight.net",
	"batch.azure.com":               "privatelink.batch.azure.com",
	"service.signalr.net":           "privatelink.service.signalr.net",
	"webpubsub.azure.com":           "privatelink.webpubsub.azure.com",
	"azuredatabricks.net":           "privatelink.azuredatabricks.net",
	"api.azureml.ms":                "privatelink.api.azureml.ms",
	"siterecovery.windowsazure.com": "privatelink.siterecovery.windowsazure.com",
}

// privateLinkAlias returns the privatelink name public DNS aliases name to, and the matched
// public suffix. Names already inside a privatelink zone are not aliased again.
// spec §8 [PEOV]; zone names: learn.microsoft.com/azure/private-link/private-endpoint-dns.
func privateLinkAlias(name string) (alias, suffix string, ok bool) {
	if strings.HasPrefix(name, "privatelink.") || strings.Contains(name, ".privatelink.") {
		return "", "", false
	}
	for s, zone := range privateLinkZones {
		if strings.HasSuffix(name, "."+s) && len(s) > len(suffix) {
			suffix, alias = s, strings.TrimSuffix(name, "."+s)+"."+zone
		}
	}
	return alias, suffix, suffix != ""
}

// PrivateLinkName returns the name public DNS aliases fqdn to when its service has a private
// endpoint ("st1.blob.core.windows.net" → "st1.privatelink.blob.core.windows.net"), and false
// for a service vnetdoctor does not know (spec §8 [PEOV]; zone names from
// learn.microsoft.com/azure/private-link/private-endpoint-dns).
func PrivateLinkName(fqdn string) (string, bool) {
	alias, _, ok := privateLinkAlias(strings.TrimSuffix(strings.ToLower(fqdn), "."))
	return alias, ok
}
