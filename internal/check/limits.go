package check

import (
	"fmt"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// spec §7 [LIM].
var limitExceeded = Check{
	Name: "limit-exceeded",
	Code: CodeLimitExceeded,
	Doc:  "Resources above (Error) or near (Warning) an Azure networking limit: rules per NSG, routes per table, peerings and private IPs per VNet.",
	Run:  runLimitExceeded,
}

// runLimitExceeded compares counts with pass.Options.Limits (spec §7 [LIM]). A count above the limit is an
// Error (Azure would refuse it, so the snapshot is inconsistent or the deployment is stuck); a
// count at or above NearLimitPercent of it is a Warning.
func runLimitExceeded(pass *Pass) []Finding {
	p := pass.Plane
	lim := pass.Options.Limits
	var out []Finding
	add := func(kind string, id model.ID, name string, count, limit int) {
		if f, ok := limitFinding(kind, id, name, count, limit, lim.NearLimitPercent); ok {
			out = append(out, f)
		}
	}
	for _, nsg := range p.Net.NSGs {
		add("security rules per NSG", nsg.ID, nsg.Name, len(nsg.Rules), lim.RulesPerNSG)
	}
	for _, rt := range p.Net.RouteTables {
		add("routes per route table", rt.ID, rt.Name, len(rt.Routes), lim.RoutesPerTable)
	}
	used := usedIPs(p.Net)
	for _, v := range p.Net.VNets {
		add("peerings per VNet", v.ID, v.Name, len(v.Peerings), lim.PeeringsPerVNet)
		add("private IPs per VNet", v.ID, v.Name, used[v], lim.PrivateIPsPerVNet)
	}
	return out
}

func limitFinding(kind string, id model.ID, name string, count, limit, nearPercent int) (Finding, bool) {
	if limit <= 0 || count*100 < limit*nearPercent {
		return Finding{}, false
	}
	f := Finding{Code: CodeLimitExceeded, Severity: Warning,
		Title:     fmt.Sprintf("%s: %d of %d %s", name, count, limit, kind),
		Resources: ids(id),
		Evidence:  map[string]any{"limit": limit, "count": count, "kind": kind},
	}
	if count > limit {
		f.Severity = Error
		f.Message = fmt.Sprintf("%s has %d %s, above Azure's limit of %d.", name, count, kind, limit)
		f.Fix = "Split the resource or consolidate entries (service tags, application security groups, IP groups, summarised prefixes)."
	} else {
		f.Message = fmt.Sprintf("%s has %d %s, %d%% of Azure's limit of %d.", name, count, kind, count*100/limit, limit)
		f.Fix = "Plan headroom now: consolidate entries (service tags, application security groups, summarised prefixes)."
	}
	return f, true
}
