package check

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

var privateEndpointCost = Check{
	Name: "private-endpoint-cost",
	Code: "PrivateEndpointCost",
	Doc:  "Private endpoints by target type with their monthly list cost, and storage endpoints a service endpoint could replace.",
	Run:  runPrivateEndpointCost,
}

const storageType = "Microsoft.Storage/storageAccounts"

// runPrivateEndpointCost groups endpoints by target resource type (Info, one finding per type)
// and flags storage endpoints where a service endpoint with a service endpoint policy would do
// (Info). DECISION: a storage endpoint is replaceable when no VNet gateway is in its VNet or a
// directly peered VNet — service endpoints do not serve on-premises clients, which is the main
// reason to pay for the endpoint. Prices come from Prices (spec §7 [PRICE]).
func runPrivateEndpointCost(p *dataplane.Plane) []Finding {
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
		if strings.EqualFold(t, storageType) && pe.Subnet != nil && !onPremReachable(pe.Subnet.VNet) {
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
		out = append(out, costFinding(spelled[t], byType[t]))
	}
	if len(replaceable) > 0 {
		out = append(out, storageAlternativeFinding(replaceable))
	}
	return out
}

// monthlyUSD is the endpoint-hour cost of n endpoints for a month, rounded to cents.
func monthlyUSD(n int) float64 {
	return math.Round(float64(n)*Prices.PrivateEndpointHourUSD*Prices.HoursPerMonth*100) / 100
}

func costFinding(t string, pes []*model.PrivateEndpoint) Finding {
	cost := monthlyUSD(len(pes))
	return Finding{Code: "PrivateEndpointCost", Severity: Info,
		Title: fmt.Sprintf("%d private endpoints to %s: %.2f USD per month", len(pes), t, cost),
		Message: fmt.Sprintf("%d private endpoints target %s: %d × %.2f USD/hour × %.0f hours = %.2f USD per month, "+
			"plus %.2f USD per GB processed in each direction (not estimated: the snapshot has no traffic volumes).",
			len(pes), t, len(pes), Prices.PrivateEndpointHourUSD, Prices.HoursPerMonth, cost, Prices.PrivateEndpointGBUSD),
		Resources: endpointIDs(pes),
		Evidence: map[string]any{"count": len(pes), "monthlyUsd": cost, "targetType": t,
			"dataProcessingUsdPerGb": Prices.PrivateEndpointGBUSD},
	}
}

func storageAlternativeFinding(pes []*model.PrivateEndpoint) Finding {
	cost := monthlyUSD(len(pes))
	return Finding{Code: "PrivateEndpointCost", Severity: Info,
		Title: fmt.Sprintf("%d storage private endpoints could be service endpoints (save %.2f USD per month)", len(pes), cost),
		Message: fmt.Sprintf("%d storage private endpoints sit in VNets with no VPN or ExpressRoute gateway in reach, "+
			"so only Azure clients use them; a Microsoft.Storage service endpoint on the client subnets costs nothing.",
			len(pes)),
		Resources: endpointIDs(pes),
		Evidence: map[string]any{"count": len(pes), "monthlyUsd": cost, "targetType": storageType,
			"alternative": "ServiceEndpoint+ServiceEndpointPolicy"},
		Fix: "Enable the Microsoft.Storage service endpoint on the client subnets, attach a service endpoint policy " +
			"listing the allowed storage accounts (prevents exfiltration to other accounts), restrict the accounts' " +
			"firewalls to those subnets, then remove the private endpoints and their DNS records.",
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
