package check

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// spec §7 [PRICE].
var privateEndpointCost = Check{
	Name:     "private-endpoint-cost",
	Code:     CodePrivateEndpointCost,
	Evidence: []string{"count", "monthlyUsd"},
	Doc:      "Private endpoints by target type with their monthly list cost, and storage endpoints a service endpoint could replace.",
	Run:      runPrivateEndpointCost,
}

const storageType = "Microsoft.Storage/storageAccounts"

// runPrivateEndpointCost groups endpoints by target resource type (Info, one finding per type)
// and flags storage endpoints where a service endpoint with a service endpoint policy would do
// (Info). DECISION: every storage account endpoint is listed as replaceable — for clients in Azure
// VNets of the account's region, a Microsoft.Storage service endpoint plus a service endpoint
// policy gives private-path access and exfiltration control at no cost. Service endpoints do not
// serve on-premises or other-region clients; when a VNet gateway is in reach (the endpoint's VNet
// or a directly peered one) the finding says so, since those endpoints may be needed.
// Prices come from pass.Options.Prices (spec §7 [PRICE]).
func runPrivateEndpointCost(pass *Pass) []Finding {
	p := pass.Plane
	byType := map[string][]*model.PrivateEndpoint{} // lower-case type: Resource Graph lower-cases IDs
	spelled := map[string]string{}
	var replaceable []*model.PrivateEndpoint
	for _, pe := range p.Net.PrivateEndpoints {
		t := targetType(pe)
		k := strings.ToLower(t)
		if _, ok := spelled[k]; !ok {
			spelled[k] = t
		}
		byType[k] = append(byType[k], pe)
		if strings.EqualFold(t, storageType) {
			replaceable = append(replaceable, pe)
		}
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	var out []Finding
	for _, t := range types {
		out = append(out, costFinding(spelled[t], byType[t], pass.Options.Prices))
	}
	if len(replaceable) > 0 {
		out = append(out, storageAlternativeFinding(p.Net, replaceable, pass.Options.Prices))
	}
	return out
}

// monthlyUSD is the endpoint-hour cost of n endpoints for a month, rounded to cents.
// spec §7 [PRICE].
func monthlyUSD(n int, prices PriceList) float64 {
	return math.Round(float64(n)*prices.PrivateEndpointHourUSD*prices.HoursPerMonth*100) / 100
}

func costFinding(t string, pes []*model.PrivateEndpoint, prices PriceList) Finding {
	cost := monthlyUSD(len(pes), prices)
	return Finding{Code: CodePrivateEndpointCost, Severity: Info,
		Title: fmt.Sprintf("%d private endpoints to %s: %.2f USD per month", len(pes), t, cost),
		Message: fmt.Sprintf("%d private endpoints target %s: %d × %.2f USD/hour × %.0f hours = %.2f USD per month, "+
			"plus %.2f USD per GB processed in each direction (not estimated: the snapshot has no traffic volumes).",
			len(pes), t, len(pes), prices.PrivateEndpointHourUSD, prices.HoursPerMonth, cost, prices.PrivateEndpointGBUSD),
		Resources: endpointIDs(pes),
		Evidence: map[string]any{"count": len(pes), "monthlyUsd": cost, "targetType": t,
			"dataProcessingUsdPerGb": prices.PrivateEndpointGBUSD},
	}
}

func storageAlternativeFinding(n *model.Network, pes []*model.PrivateEndpoint, prices PriceList) Finding {
	cost := monthlyUSD(len(pes), prices)
	var gws []string
	reach := map[*model.VNet]bool{} // a hub holds hundreds of endpoints and peers with every spoke
	for _, pe := range pes {
		if pe.Subnet == nil {
			continue
		}
		v := pe.Subnet.VNet
		r, ok := reach[v]
		if !ok {
			r = onPremReachable(v)
			reach[v] = r
		}
		if r {
			gws = append(gws, pe.Name)
		}
	}
	msg := fmt.Sprintf("%d storage account private endpoints cost %.2f USD per month; for clients in Azure VNets of the "+
		"account's region a Microsoft.Storage service endpoint with a service endpoint policy gives the same private "+
		"path and exfiltration control at no cost.", len(pes), cost)
	if len(gws) > 0 {
		msg += fmt.Sprintf(" %d of them are in reach of a VPN/ExpressRoute gateway: keep those that on-premises "+
			"clients use (service endpoints do not serve them).", len(gws))
	}
	return Finding{Code: CodePrivateEndpointCost, Severity: Info,
		Title:     fmt.Sprintf("%d storage private endpoints could be service endpoints (save up to %.2f USD per month)", len(pes), cost),
		Message:   msg,
		Resources: endpointIDs(pes),
		Evidence: map[string]any{"count": len(pes), "monthlyUsd": cost, "targetType": storageType,
			"alternative": "ServiceEndpoint+ServiceEndpointPolicy", "onPremisesReachable": len(gws)},
		Fix: "For endpoints only Azure clients use: enable the Microsoft.Storage service endpoint on the client subnets, " +
			"attach a service endpoint policy listing the allowed storage accounts, restrict the accounts' firewalls to " +
			"those subnets, then remove the private endpoints and their DNS records.",
	}
}

// targetType is the resource type of an endpoint's first connection target, e.g.
// Microsoft.Storage/storageAccounts ("Unknown" when the ID has no provider segment).
func targetType(pe *model.PrivateEndpoint) string {
	for _, c := range pe.Connections {
		s := string(c.Target)
		i := strings.LastIndex(strings.ToLower(s), "/providers/")
		if i < 0 {
			continue
		}
		parts := strings.Split(s[i+len("/providers/"):], "/")
		if len(parts) >= 2 {
			return parts[0] + "/" + parts[1]
		}
	}
	return "Unknown"
}

// onPremReachable reports whether v or a directly peered VNet has a VNet gateway.
func onPremReachable(v *model.VNet) bool {
	for _, x := range append([]*model.VNet{v}, activePeers(v)...) {
		if len(x.Gateways) > 0 {
			return true
		}
	}
	return false
}

func endpointIDs(pes []*model.PrivateEndpoint) []string {
	out := make([]model.ID, len(pes))
	for i, pe := range pes {
		out[i] = pe.ID
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return ids(out...)
}
