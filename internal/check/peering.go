package check

import (
	"fmt"
	"strings"

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
	remoteState := "Missing"
	res := []model.ID{pr.Local.ID, pr.Remote.ID, pr.ID}
	if rev != nil {
		remoteState = rev.State
		res = append(res, rev.ID)
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
		Fix: peeringFix(pr, rev),
	}
}

// peeringFix says how to bring a half-built peering up. A Disconnected link (its other side was
// deleted, or the remote address space changed without a sync) never becomes Connected by
// creating the other side: it must be deleted and re-created, or synced when the portal offers
// "Sync". A link that is only Initiated needs its other side.
func peeringFix(pr, rev *model.Peering) string {
	var disc []string
	for _, l := range []*model.Peering{pr, rev} {
		if l != nil && strings.EqualFold(l.State, "Disconnected") {
			disc = append(disc, fmt.Sprintf("%s (on %s)", l.Name, l.Local.Name))
		}
	}
	switch {
	case len(disc) > 0 && rev == nil:
		return fmt.Sprintf("Delete the Disconnected link %s and re-create it, then create the link from %s back to %s "+
			"(a Disconnected link never becomes Connected by itself); both links must show Connected.",
			disc[0], pr.Remote.Name, pr.Local.Name)
	case len(disc) > 0:
		return fmt.Sprintf("Delete and re-create the Disconnected link %s, or sync it if Azure offers Sync "+
			"(a Disconnected link never becomes Connected by itself); both links must show Connected.",
			strings.Join(disc, " and "))
	case rev == nil:
		return fmt.Sprintf("Create the peering from %s back to %s.", pr.Remote.Name, pr.Local.Name)
	}
	return fmt.Sprintf("Sync the peering between %s and %s (or delete and re-create both links); both links must show Connected.",
		pr.Local.Name, pr.Remote.Name)
}
