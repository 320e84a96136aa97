package trace

import (
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// arriveMember delivers a packet routed by next hop ConnectedGroup to the member of g whose
// range holds its destination. Members' ranges may overlap in a mesh, but "traffic to the
// specific overlapping subnets is dropped, since routing is non-deterministic"
// (learn.microsoft.com/azure/virtual-network-manager/concept-connectivity-configuration,
// "Mesh network topology"): a destination in a subnet of two members is dropped.
func (w *walker) arriveMember(from *model.VNet, g *model.ConnectedGroup) {
	ms := g.Owners(from, w.pkt.dst)
	var holders []*model.VNet
	for _, m := range ms {
		if m.SubnetOf(w.pkt.dst) != nil {
			holders = append(holders, m)
		}
	}
	if len(holders) > 1 {
		names := make([]string, len(holders))
		for i, m := range holders {
			names[i] = m.Name
		}
		w.addHop(HopNIC, "", "", w.pkt.dst)
		w.drop(NoListener, StepPlatform, g.ID, g.Name, "%s is in a subnet of more than one member of connected group %s (%s): "+
			"Azure drops traffic to overlapping subnets of a mesh, routing to them is non-deterministic", w.pkt.dst, g.Name, strings.Join(names, ", "))
		return
	}
	target := ms[0]
	if len(holders) == 1 {
		target = holders[0]
	}
	w.step(StepRoute, Matched, g.ID, "", "connected group %s: %s is in member %s", g.Name, w.pkt.dst, target.Name)
	w.crossRegion = from != nil && from.Location != "" && target.Location != "" && !strings.EqualFold(from.Location, target.Location)
	w.arrive(target, nil)
}
