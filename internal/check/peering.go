package check

import (
	"fmt"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// A link not Connected on both sides adds nothing: spec §1.3 [UDR, PENP, FAQ].
var peeringNotConnected = Check{
	Name: "peering-not-connected",
	Code: CodePeeringNotConnected,
	Doc:  "Peerings that are not Connected on both sides, so they carry no traffic.",
	Run:  runPeeringNotConnected,
}

// runPeeringNotConnected reports each half-built peering once per VNet pair: a link that is not
// Connected, or a link whose remote VNet (present in the snapshot) has no link back. Such a
// peering adds no routes (spec §1.3). Links to VNets outside the snapshot cannot be judged;
// the converter already warns about them.
func runPeeringNotConnected(pass *Pass) []Finding {
	p := pass.Plane
	var out []Finding
	seen := map[[2]*model.VNet]bool{}
	for _, v := range p.Net.VNets {
		for _, pr := range v.Peerings {
			if pr.Remote == nil || pr.Active() || seen[pairKey(v, pr.Remote)] {
				continue
			}
			seen[pairKey(v, pr.Remote)] = true
			out = append(out, peeringFinding(pr))
		}
	}
	return out
}

func peeringFinding(pr *model.Peering) Finding {
	rev := pr.Reverse()
	remoteState, fix := "Missing", fmt.Sprintf("Create the peering from %s back to %s.", pr.Remote.Name, pr.Local.Name)
	res := []model.ID{pr.Local.ID, pr.Remote.ID, pr.ID}
	if rev != nil {
		remoteState = rev.State
		res = append(res, rev.ID)
		fix = "Delete and re-create the peering on both sides (a Disconnected link never recovers), or " +
			"sync it; both links must show Connected."
	}
	return Finding{
		Code: CodePeeringNotConnected, Severity: Error,
		Title: fmt.Sprintf("Peering %s ↔ %s is not connected (%s / %s)", pr.Local.Name, pr.Remote.Name, pr.State, remoteState),
		Message: fmt.Sprintf("The peering between %s (link %s: %s) and %s (link back: %s) is not Connected on both "+
			"sides, so it adds no routes: traffic between the two VNets follows the remaining routes, usually None.",
			pr.Local.Name, pr.Name, pr.State, pr.Remote.Name, remoteState),
		Resources: ids(res...),
		Evidence: map[string]any{"localVnet": pr.Local.Name, "remoteVnet": pr.Remote.Name,
			"state": pr.State, "remoteState": remoteState},
		Fix: fix,
	}
}
