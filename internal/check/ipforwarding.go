package check

import (
	"fmt"
	"sort"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// spec §1.4 [UDR].
var nextHopIPForwardingDisabled = Check{
	Name: "next-hop-ip-forwarding-disabled",
	Code: CodeNextHopIPForwardingDisabled,
	Doc:  "UDRs whose appliance NIC (or the NICs behind an internal load balancer next hop) has IP forwarding disabled.",
	Run:  runNextHopIPForwardingDisabled,
}

// runNextHopIPForwardingDisabled reports, per appliance NIC, the routes that send traffic to it
// while enableIPForwarding is false: the NIC drops packets not addressed to it (spec §1.4, cause
// IpForwardingDisabled). For an internal load balancer next hop, the backend NICs of its
// load-balancing rules on that frontend must forward too. Azure Firewall needs no flag.
func runNextHopIPForwardingDisabled(pass *Pass) []Finding {
	p := pass.Plane
	routes := map[*model.NIC][]applianceRoute{}
	for _, ar := range applianceRoutes(p.Net) {
		for _, nic := range forwardingNICs(p.Net, ar) {
			if !nic.IPForwarding {
				routes[nic] = append(routes[nic], ar)
			}
		}
	}
	nics := make([]*model.NIC, 0, len(routes))
	for nic := range routes {
		nics = append(nics, nic)
	}
	sort.Slice(nics, func(i, j int) bool { return nics[i].ID.Key() < nics[j].ID.Key() })
	out := make([]Finding, 0, len(nics))
	for _, nic := range nics {
		out = append(out, forwardingFinding(nic, routes[nic]))
	}
	return out
}

// forwardingNICs returns the NICs that must forward for the route, from any subnet using it.
func forwardingNICs(n *model.Network, ar applianceRoute) []*model.NIC {
	var out []*model.NIC
	seen := map[*model.NIC]bool{}
	for _, s := range ar.subnets {
		o, ok := nextHopOwner(n, s, ar.route.NextHopIP)
		if !ok {
			continue
		}
		var cands []*model.NIC
		switch o.Kind {
		case model.OwnerNIC:
			cands = []*model.NIC{o.IPConfig.NIC}
		case model.OwnerLBFrontend:
			cands = backendNICs(o.Frontend)
		}
		for _, c := range cands {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// backendNICs are the NICs in the pools of the load-balancing rules on frontend fe.
// The NVAs behind an internal LB next hop forward, so they need the flag: spec §1.4 [UDR].
func backendNICs(fe *model.Frontend) []*model.NIC {
	var out []*model.NIC
	for _, r := range fe.LB.Rules {
		if r.Frontend != fe || r.Pool == nil {
			continue
		}
		for _, c := range r.Pool.IPConfigs {
			out = append(out, c.NIC)
		}
	}
	return out
}

func forwardingFinding(nic *model.NIC, ars []applianceRoute) Finding {
	res := []model.ID{nic.ID}
	var rs []string
	for _, ar := range ars {
		res = append(res, ar.table.ID)
		rs = append(rs, ar.table.Name+"/"+ar.route.Name)
	}
	name := nic.Name
	if nic.VMName != "" {
		name = nic.VMName + " (" + nic.Name + ")"
	}
	return Finding{Code: CodeNextHopIPForwardingDisabled, Severity: Error,
		Title: fmt.Sprintf("Appliance %s is a route next hop but has IP forwarding disabled", name),
		Message: fmt.Sprintf("%d route(s) send traffic to %s (%v), whose NIC has enableIPForwarding=false: Azure drops "+
			"every packet not addressed to the NIC itself.", len(ars), name, rs),
		Resources: ids(res...),
		Evidence:  map[string]any{"nic": nic.Name, "vm": nic.VMName, "routes": rs, "nextHopIp": ars[0].route.NextHopIP.String()},
		Fix:       "Enable IP forwarding on the NIC (enableIPForwarding=true) and inside the appliance's OS.",
	}
}
