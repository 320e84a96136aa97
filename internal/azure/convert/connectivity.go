package convert

import (
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Virtual Network Manager connectivity configurations, from
// learn.microsoft.com/azure/virtual-network-manager/concept-connectivity-configuration [AVNMC]
// and …/how-to-create-hub-and-spoke [AVNMHS]:
//   - Mesh: every member VNet of the network group reaches every other directly, in one
//     connected group; regional by default (members of one region only), across regions with
//     global mesh (isGlobal). Effective routes show next hop type ConnectedGroup; no peering
//     is listed.
//   - HubAndSpoke: the hub is peered both ways with every spoke ("a new peering connection …
//     with ANM in the name"); hub↔spoke routes are VNetPeering/VNetGlobalPeering. Direct
//     connectivity (groupConnectivity DirectlyConnected) adds a connected group of the spokes of
//     that network group, regional unless the group's isGlobal. useHubGateway makes the spokes
//     use the hub's gateway (gateway transit).
const typeConnectivity = "Microsoft.Network/networkManagers/connectivityConfigurations"

// buildConnectivity applies the snapshot's connectivity configurations: connected groups on
// the member VNets, and the hub-and-spoke peerings the snapshot does not already hold.
func (b *builder) buildConnectivity() {
	cfgs := dedup(b, b.s.ConnectivityConfigs)
	if len(cfgs) == 0 {
		return
	}
	members := b.staticMembers()
	deployed := b.deployedRegions()
	for _, w := range cfgs {
		b.count(typeConnectivity)
		id := model.ID(w.ID)
		ms := b.deployedMembers(w, members, deployed)
		if ms == nil {
			continue
		}
		switch {
		case strings.EqualFold(w.Topology, "Mesh"):
			for _, g := range w.Groups {
				vs := b.groupVNets(id, g.NetworkGroup, ms)
				b.connectedGroups(w, g.NetworkGroup, vs, w.IsGlobal || g.IsGlobal) // DECISION: either flag makes the mesh global
			}
		case strings.EqualFold(w.Topology, "HubAndSpoke"):
			b.hubAndSpoke(w, ms)
		default:
			b.n.Warn("Unsupported", id, "connectivity configuration "+w.Name+" has topology "+quoteOr(w.Topology)+"; vnetdoctor reads Mesh and HubAndSpoke")
		}
	}
}

// deployedRegions maps each connectivity configuration (ID key) to the regions a deployment
// status row lists it as Deployed in; nil when the snapshot holds no such rows.
func (b *builder) deployedRegions() map[string]map[string]bool {
	if len(b.s.AVNMDeployments) == 0 {
		return nil
	}
	out := map[string]map[string]bool{}
	for _, d := range b.s.AVNMDeployments {
		if !strings.EqualFold(d.Type, "Connectivity") || !strings.EqualFold(d.Status, "Deployed") {
			continue
		}
		for _, c := range d.Configurations {
			if out[b.key(c)] == nil {
				out[b.key(c)] = map[string]bool{}
			}
			out[b.key(c)][d.Region] = true
		}
	}
	return out
}

// deployedMembers is members restricted to the VNets of regions w is committed to: [AVNMHS] "To
// have this configuration take effect in your environment, you'll need to deploy the
// configuration to the regions where your selected virtual networks are created". Without
// deployment status in the snapshot every configuration is assumed deployed, with a warning
// (spec §2.5 DECISION); nil when w is deployed nowhere.
func (b *builder) deployedMembers(w *azure.ConnectivityConfig, members map[string][]*model.VNet, deployed map[string]map[string]bool) map[string][]*model.VNet {
	id := model.ID(w.ID)
	if deployed == nil {
		b.n.Warn("InsufficientInformation", id, "Virtual Network Manager connectivity configuration "+w.Name+
			": the snapshot does not show whether it is deployed (committed) to its members' regions; vnetdoctor assumes it is")
		return members
	}
	regions := deployed[b.key(w.ID)]
	if len(regions) == 0 {
		b.n.Warn("Ignored", id, "Virtual Network Manager connectivity configuration "+w.Name+
			" is not deployed in any region according to the snapshot's deployment status: it connects nothing")
		return nil
	}
	out := make(map[string][]*model.VNet, len(members))
	for g, vs := range members {
		kept := []*model.VNet{}
		for _, v := range vs {
			if regions[v.Location] {
				kept = append(kept, v)
			}
		}
		out[g] = kept
	}
	return out
}

func quoteOr(s string) string {
	if s == "" {
		return "(none)"
	}
	return `"` + s + `"`
}

// staticMembers maps each network group (by ID key) to its static member VNets in the
// snapshot. admin.go's groupMembers counts and warns; this reads the same objects quietly.
func (b *builder) staticMembers() map[string][]*model.VNet {
	out := map[string][]*model.VNet{}
	for _, w := range b.s.StaticMembers {
		g := b.key(azure.ParentID(w.ID))
		if v := b.vnets[b.key(w.Resource)]; v != nil && !slices.Contains(out[g], v) {
			out[g] = append(out[g], v)
		}
	}
	return out
}

// groupVNets is a network group's static members; a group without any is dynamic (Azure
// Policy) membership, which is not modelled (spec §2.5 DECISION): it connects nothing here.
func (b *builder) groupVNets(cfg model.ID, group string, members map[string][]*model.VNet) []*model.VNet {
	vs, ok := members[b.key(group)]
	if !ok {
		b.n.Warn("Unsupported", cfg, "network group "+model.ID(group).Name()+" has no static members in the snapshot; "+
			"dynamic (Azure Policy) membership is not modelled, so connectivity configuration "+cfg.Name()+" connects none of its VNets")
	}
	return vs
}

// connectedGroups makes one connected group of vs (global) or one per region [AVNMC]:
// "By default, the mesh is a regional mesh, therefore only virtual networks in the same region
// can communicate with each other."
func (b *builder) connectedGroups(w *azure.ConnectivityConfig, group string, vs []*model.VNet, global bool) {
	byRegion := map[string][]*model.VNet{}
	var regions []string
	for _, v := range vs {
		r := ""
		if !global {
			r = v.Location
		}
		if _, ok := byRegion[r]; !ok {
			regions = append(regions, r)
		}
		byRegion[r] = append(byRegion[r], v)
	}
	slices.Sort(regions)
	for _, r := range regions {
		ms := byRegion[r]
		if len(ms) < 2 {
			continue
		}
		name := w.Name + "/" + model.ID(group).Name()
		if r != "" {
			name += "/" + r
		}
		cg := &model.ConnectedGroup{ID: model.ID(w.ID), Name: name, Members: ms}
		for _, v := range ms {
			v.ConnectedGroups = append(v.ConnectedGroups, cg)
		}
	}
}

// hubAndSpoke peers the hub with every spoke (unless the snapshot already holds a link between
// them, which is then the truth) and adds the direct-connectivity connected groups.
func (b *builder) hubAndSpoke(w *azure.ConnectivityConfig, members map[string][]*model.VNet) {
	id := model.ID(w.ID)
	if len(w.Hubs) == 0 {
		b.n.Warn("InvalidValue", id, "hub-and-spoke connectivity configuration "+w.Name+" names no hub; it connects nothing")
		return
	}
	hub := b.vnets[b.key(w.Hubs[0])]
	if hub == nil {
		b.dangling(id, "hub virtual network", w.Hubs[0])
	}
	for _, g := range w.Groups {
		spokes := slices.DeleteFunc(slices.Clone(b.groupVNets(id, g.NetworkGroup, members)), func(v *model.VNet) bool { return v == hub })
		if hub != nil {
			for _, s := range spokes {
				b.hubSpokePeering(w, hub, s, g.UseHubGateway)
			}
		}
		if g.DirectlyConnected() {
			b.connectedGroups(w, g.NetworkGroup, spokes, g.IsGlobal)
		}
	}
}

// hubSpokePeering adds the two links AVNM creates between hub and spoke. DECISION: both allow
// virtual network access and forwarded traffic (the documentation does not list the flags).
// With useHubGateway and no gateway in the hub, [AVNMC] "the creation of the peering from the
// spoke virtual network to the hub fails. The peering connection from the hub to the spoke will
// still be created without an established connection" — so no traffic flows. ([AVNMHS] says the
// whole deployment fails instead; either way the spoke does not reach the hub.)
func (b *builder) hubSpokePeering(w *azure.ConnectivityConfig, hub, spoke *model.VNet, useGW bool) {
	if linked(hub, spoke) || linked(spoke, hub) {
		return // the deployed ANM_ peerings, or the user's own: the snapshot is authoritative
	}
	noGW := useGW && len(hub.Gateways) == 0
	mk := func(local, remote *model.VNet, state string) *model.Peering {
		p := &model.Peering{ID: model.ID(string(local.ID) + "/virtualNetworkPeerings/ANM_" + w.Name + "_" + remote.Name),
			Name: "ANM_" + w.Name + "_" + remote.Name, Local: local, Remote: remote, RemoteID: remote.ID, State: state,
			AllowVirtualNetworkAccess: true, AllowForwardedTraffic: true, PeerCompleteVNets: true}
		local.Peerings = append(local.Peerings, p)
		b.n.Index(p.ID, p)
		return p
	}
	if noGW {
		mk(hub, spoke, "Initiated")
		b.n.Warn("InvalidValue", model.ID(w.ID), "connectivity configuration "+w.Name+" uses the hub "+hub.Name+
			" as a gateway, but the hub has no virtual network gateway: the spoke "+spoke.Name+"'s peering to the hub cannot be created, so the two are not connected")
		return
	}
	h := mk(hub, spoke, "Connected")
	s := mk(spoke, hub, "Connected")
	h.AllowGatewayTransit, s.UseRemoteGateways = useGW, useGW
}

// linked reports whether a has a link to b in the snapshot.
func linked(a, b *model.VNet) bool {
	for _, p := range a.Peerings {
		if p.Remote == b {
			return true
		}
	}
	return false
}
