package collect

import (
	"fmt"
	"strings"
)

// family is one Resource Graph query: a table and the types read from it, paged on its own.
// Types are lower case because Resource Graph returns them so and compares with in~
// (spec collect.md §2). Tables and their types: learn.microsoft.com/azure/governance/
// resource-graph/reference/supported-tables-resources (resources holds tracked top-level
// resources; networkresources holds firewall policy rule collection groups and Virtual Network
// Manager configurations; dnsresources holds private DNS record sets) and
// concepts/query-language.md ("Resource Graph tables").
type family struct {
	name  string
	table string
	types []string
	// top is the first page size. Resource Graph pages hold at most 1,000 rows
	// (concepts/paging-results.md) and 16 MiB (ResponsePayloadTooLarge, microsoft/ARI #199);
	// measured rows of a 1,000-VNet estate: NSG 37.9 KB, route table 8.3 KB, VNet 6.7 KB,
	// NIC 1.4 KB (spec collect.md §3), so NSGs start at 350 rows. Later pages are sized from
	// the bytes per row seen so far (nextTop).
	top int
}

const (
	nw = "microsoft.network/"
	// pageBudget is the page size aimed at: three quarters of the 16 MiB cap, so that a page
	// of rows a little larger than the ones before still fits.
	pageBudget = 12 << 20
	maxTop     = 1000
)

// families are the queries, one per table and type family. Splitting resources into
// families lets each pick its own page size and lets them run in parallel.
var families = []family{
	{name: "nsgs", table: "resources", top: 350, types: []string{nw + "networksecuritygroups"}},
	{name: "vnets", table: "resources", top: maxTop, types: []string{nw + "virtualnetworks", nw + "routetables"}},
	{name: "nics", table: "resources", top: maxTop, types: []string{nw + "networkinterfaces"}},
	{name: "vms", table: "resources", top: maxTop, types: []string{"microsoft.compute/virtualmachines"}},
	{name: "network", table: "resources", top: maxTop, types: []string{
		nw + "applicationsecuritygroups", nw + "azurefirewalls", nw + "firewallpolicies", nw + "ipgroups",
		nw + "privateendpoints", nw + "publicipaddresses", nw + "publicipprefixes", nw + "natgateways",
		nw + "loadbalancers", nw + "applicationgateways", nw + "privatednszones", nw + "privatednszones/virtualnetworklinks",
		nw + "virtualnetworkgateways", nw + "connections", nw + "localnetworkgateways",
		nw + "virtualhubs", nw + "dnsresolvers", nw + "dnsresolvers/inboundendpoints",
		nw + "dnsresolvers/outboundendpoints", nw + "dnsforwardingrulesets", nw + "networkmanagers",
		"microsoft.netapp/netappaccounts", "microsoft.netapp/netappaccounts/capacitypools",
		"microsoft.netapp/netappaccounts/capacitypools/volumes",
	}},
	{name: "networkresources", table: "networkresources", top: 200, types: []string{
		nw + "firewallpolicies/rulecollectiongroups",
		nw + "networkmanagers/securityadminconfigurations",
		nw + "networkmanagers/securityadminconfigurations/rulecollections",
		nw + "networkmanagers/securityadminconfigurations/rulecollections/rules",
		nw + "networkmanagers/networkgroups",
		nw + "networkmanagers/networkgroups/staticmembers",
		nw + "networkmanagers/connectivityconfigurations",
	}},
	// Record types vnetdoctor resolves with (A, AAAA, CNAME); the others (MX, SRV, TXT, ...)
	// answer no question it asks.
	{name: "dnsrecords", table: "dnsresources", top: maxTop, types: []string{
		nw + "privatednszones/a", nw + "privatednszones/aaaa", nw + "privatednszones/cname",
	}},
}

// columns are the columns every query projects: what the loader reads. id stays a plain
// string column so that paging works (no $skipToken when every column is dynamic,
// concepts/paging-results.md).
const columns = "id, name, type, kind, location, resourceGroup, subscriptionId, tags, sku, zones, extendedLocation, properties"

// query is the KQL of a family, sorted by the unique id so pages neither repeat nor skip
// (concepts/paging-results.md).
func (f family) query() string {
	return fmt.Sprintf("%s | where type in~ (%s) | project %s | order by id asc", f.table, quoteList(f.types), columns)
}

// idQuery reads named resources (the targets of private endpoints) from resources.
func idQuery(ids []string) string {
	return fmt.Sprintf("resources | where id in~ (%s) | project %s | order by id asc", quoteList(ids), columns)
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "'" + strings.ReplaceAll(x, "'", "") + "'"
	}
	return strings.Join(q, ", ")
}

// nextTop sizes the next page from the bytes per row seen so far.
func nextTop(budget, bytes, rows int64, cur int) int {
	if rows == 0 {
		return cur
	}
	per := bytes / rows
	if per <= 0 {
		return maxTop
	}
	n := int(budget / per)
	switch {
	case n < 1:
		return 1
	case n > maxTop:
		return maxTop
	}
	return n
}
