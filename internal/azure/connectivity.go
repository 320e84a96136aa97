package azure

import (
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

// ConnectivityConfig is networkManagers/connectivityConfigurations: a Virtual Network Manager
// hub-and-spoke or mesh topology over network groups
// (learn.microsoft.com/azure/virtual-network-manager/concept-connectivity-configuration).
type ConnectivityConfig struct {
	Meta
	Topology              string   // connectivityTopology: HubAndSpoke, Mesh
	Hubs                  []string // hubs[].resourceId (VNets)
	IsGlobal              bool     // isGlobal: global mesh for a Mesh topology
	DeleteExistingPeering bool     // deleteExistingPeering
	Groups                []ConnectivityGroup
	// ProvisioningState is provisioningState. Whether the configuration is committed
	// (deployed) to a region is not a property of the resource (concept-deployments).
	ProvisioningState string
}

// ConnectivityGroup is one appliesToGroups item.
type ConnectivityGroup struct {
	NetworkGroup      string // networkGroupId
	UseHubGateway     bool   // useHubGateway
	IsGlobal          bool   // isGlobal: direct connectivity across regions
	GroupConnectivity string // groupConnectivity: None, DirectlyConnected
}

func (d *dec) connectivityConfig(v *jsondoc.Value, p *jsondoc.Path) *ConnectivityConfig {
	w := &ConnectivityConfig{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "connectivitytopology":
			w.Topology = d.str(m, at)
		case "isglobal":
			w.IsGlobal = d.boolean(m, at)
		case "deleteexistingpeering":
			w.DeleteExistingPeering = d.boolean(m, at)
		case "provisioningstate":
			w.ProvisioningState = d.str(m, at)
		case "hubs":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
				each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
					if k == "resourceid" {
						w.Hubs = append(w.Hubs, d.ref(m, at))
					}
				})
			})
		case "appliestogroups":
			d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { w.Groups = append(w.Groups, d.connectivityGroup(v, p)) })
		}
	})
	return w
}

func (d *dec) connectivityGroup(v *jsondoc.Value, p *jsondoc.Path) ConnectivityGroup {
	var g ConnectivityGroup
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "networkgroupid":
			g.NetworkGroup = d.ref(m, at)
		case "usehubgateway":
			g.UseHubGateway = d.boolean(m, at)
		case "isglobal":
			g.IsGlobal = d.boolean(m, at)
		case "groupconnectivity":
			g.GroupConnectivity = d.str(m, at)
		}
	})
	return g
}

// DirectlyConnected reports whether the group's spokes form a connected group (direct
// connectivity, concept-connectivity-configuration "Direct connectivity").
func (g ConnectivityGroup) DirectlyConnected() bool {
	return strings.EqualFold(g.GroupConnectivity, "DirectlyConnected")
}
