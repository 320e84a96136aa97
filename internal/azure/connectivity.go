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

// AVNMDeployment is one row of a network manager's deployment status (REST
// networkManagers/listDeploymentStatus, `az network manager list-deploy-status`): which
// configurations are committed to a region. "To have this configuration take effect in your
// environment, you'll need to deploy the configuration to the regions where your selected virtual
// networks are created" (how-to-create-hub-and-spoke).
type AVNMDeployment struct {
	Src            Src
	Region         string   // region (lower-case, no spaces, as VNet locations are compared)
	Status         string   // deploymentStatus: NotStarted, Deploying, Deployed, Failed
	Type           string   // deploymentType: Connectivity, SecurityAdmin, Routing
	Configurations []string // configurationIds
}

// isDeploymentRow reports whether v is a deployment status row: deploymentStatus and
// configurationIds, and neither an id nor a type (it is not a resource).
func isDeploymentRow(v *jsondoc.Value) bool {
	return v.Kind == jsondoc.Object && v.Get("id") == nil && v.Get("type") == nil &&
		v.Get("deploymentstatus") != nil && v.Get("configurationids") != nil
}

func (d *dec) deploymentRow(v *jsondoc.Value, p *jsondoc.Path) *AVNMDeployment {
	w := &AVNMDeployment{Src: d.src(p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "region":
			w.Region = strings.ToLower(strings.ReplaceAll(d.str(m, at), " ", ""))
		case "deploymentstatus":
			w.Status = d.str(m, at)
		case "deploymenttype":
			w.Type = d.str(m, at)
		case "configurationids":
			w.Configurations = d.strs(m, at)
		}
	})
	return w
}

// deployment reads v when it is a deployment status row, and reports whether it was.
func (w *walker) deployment(v *jsondoc.Value, p *jsondoc.Path) bool {
	if !isDeploymentRow(v) {
		return false
	}
	w.s.AVNMDeployments = append(w.s.AVNMDeployments, w.d.deploymentRow(v, p))
	w.resources++
	return true
}
