package azure

import (
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

// decoder decodes one resource of a type vnetdoctor reads into the snapshot.
type decoder func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot)

// kinds is keyed by lower-case type (Resource Graph writes types in lower case, cli.md).
var kinds = map[string]decoder{}

func reg(canon string, f decoder) {
	kinds[strings.ToLower(canon)] = f
}

// Reads reports whether vnetdoctor reads resources of type t (any case), or of a type t is a
// child of: an inline child's change (a load balancer's rule) is its parent's. A resource of any
// other type is counted as ignored, and no answer depends on it.
func Reads(t string) bool {
	t = strings.ToLower(t)
	for {
		if _, ok := kinds[t]; ok {
			return true
		}
		i := strings.LastIndexByte(t, '/')
		if i <= strings.IndexByte(t, '/') {
			return false
		}
		t = t[:i]
	}
}

// add registers decode for type canon; each object it decodes is appended to the list of the
// snapshot that list returns.
func add[T any](canon string, list func(*Snapshot) *[]T, decode func(*dec, *jsondoc.Value, *jsondoc.Path) T) {
	reg(canon, func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		l := list(s)
		*l = append(*l, decode(d, v, p))
	})
}

// bare decodes a resource that is only counted or referred to: its Meta.
func (d *dec) bare(v *jsondoc.Value, p *jsondoc.Path) *Meta {
	m := d.meta(v, p)
	return &m
}

func init() {
	const n = "Microsoft.Network/"
	add(n+"virtualNetworks", func(s *Snapshot) *[]*VirtualNetwork { return &s.VNets }, (*dec).vnet)
	add(n+"virtualNetworks/subnets", func(s *Snapshot) *[]*Subnet { return &s.Subnets }, (*dec).subnet)
	add(n+"virtualNetworks/virtualNetworkPeerings", func(s *Snapshot) *[]*Peering { return &s.Peerings }, (*dec).peering)
	add(n+"networkInterfaces", func(s *Snapshot) *[]*NetworkInterface { return &s.NICs }, (*dec).nic)
	add("Microsoft.Compute/virtualMachines", func(s *Snapshot) *[]*VirtualMachine { return &s.VMs }, (*dec).vm)
	add(n+"networkSecurityGroups", func(s *Snapshot) *[]*NetworkSecurityGroup { return &s.NSGs }, (*dec).nsg)
	add(n+"networkSecurityGroups/securityRules", func(s *Snapshot) *[]*SecurityRule { return &s.SecurityRules }, (*dec).securityRule)
	add(n+"routeTables", func(s *Snapshot) *[]*RouteTable { return &s.RouteTables }, (*dec).routeTable)
	add(n+"routeTables/routes", func(s *Snapshot) *[]*Route { return &s.Routes }, (*dec).route)
	add(n+"applicationSecurityGroups", func(s *Snapshot) *[]*Meta { return &s.ASGs }, (*dec).bare)
	add(n+"publicIPAddresses", func(s *Snapshot) *[]*PublicIP { return &s.PublicIPs }, (*dec).publicIP)
	add(n+"publicIPPrefixes", func(s *Snapshot) *[]*PublicIPPrefix { return &s.PublicIPPrefixes }, (*dec).publicIPPrefix)
	add(n+"natGateways", func(s *Snapshot) *[]*NATGateway { return &s.NATGateways }, (*dec).natGateway)
	add(n+"privateEndpoints", func(s *Snapshot) *[]*PrivateEndpoint { return &s.PrivateEndpoints }, (*dec).privateEndpoint)
	add(n+"azureFirewalls", func(s *Snapshot) *[]*Firewall { return &s.Firewalls }, (*dec).firewall)
	add(n+"firewallPolicies", func(s *Snapshot) *[]*FirewallPolicy { return &s.FirewallPolicies }, (*dec).firewallPolicy)
	add(n+"firewallPolicies/ruleCollectionGroups", func(s *Snapshot) *[]*RuleCollectionGroup { return &s.RuleGroups }, (*dec).ruleGroup)
	add(n+"ipGroups", func(s *Snapshot) *[]*IPGroup { return &s.IPGroups }, (*dec).ipGroup)
	add(n+"virtualNetworkGateways", func(s *Snapshot) *[]*VNetGateway { return &s.VNetGateways }, (*dec).vnetGateway)
	add(n+"localNetworkGateways", func(s *Snapshot) *[]*LocalGateway { return &s.LocalGateways }, (*dec).localGateway)
	add(n+"connections", func(s *Snapshot) *[]*Connection { return &s.Connections }, (*dec).connection)
	add(n+"loadBalancers", func(s *Snapshot) *[]*LoadBalancer { return &s.LoadBalancers }, (*dec).loadBalancer)
	add(n+"applicationGateways", func(s *Snapshot) *[]*AppGateway { return &s.AppGateways }, (*dec).appGateway)
	const sac = n + "networkManagers/securityAdminConfigurations"
	add(sac, func(s *Snapshot) *[]*Meta { return &s.AdminConfigs }, (*dec).bare)
	add(sac+"/ruleCollections", func(s *Snapshot) *[]*AdminRuleCollection { return &s.AdminCollections }, (*dec).adminCollection)
	add(sac+"/ruleCollections/rules", func(s *Snapshot) *[]*AdminRule { return &s.AdminRules }, (*dec).adminRule)
	add(n+"networkManagers/networkGroups", func(s *Snapshot) *[]*Meta { return &s.NetworkGroups }, (*dec).bare)
	add(n+"networkManagers/networkGroups/staticMembers", func(s *Snapshot) *[]*StaticMember { return &s.StaticMembers }, (*dec).staticMember)
	add(n+"networkManagers/connectivityConfigurations", func(s *Snapshot) *[]*ConnectivityConfig { return &s.ConnectivityConfigs }, (*dec).connectivityConfig)
	const anf = "Microsoft.NetApp/netAppAccounts/capacityPools/volumes"
	add(anf, func(s *Snapshot) *[]*NetAppVolume { return &s.NetAppVolumes }, (*dec).netAppVolume)
	reg(n+"serviceTags", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.ServiceTags = append(s.ServiceTags, d.serviceTags(v, p)...)
	})
}

// TypeFromID derives a resource type from an ID:
// .../providers/Microsoft.Network/virtualNetworks/v/subnets/s → Microsoft.Network/virtualNetworks/subnets.
func TypeFromID(id string) string {
	low := strings.ToLower(id)
	i := strings.LastIndex(low, "/providers/")
	if i < 0 {
		return ""
	}
	segs := strings.Split(strings.Trim(id[i+len("/providers/"):], "/"), "/")
	if len(segs) < 3 {
		return ""
	}
	t := segs[0]
	for j := 1; j < len(segs); j += 2 {
		t += "/" + segs[j]
	}
	return t
}

// ParentID strips the last type/name pair of a child resource ID.
func ParentID(id string) string {
	id = strings.TrimRight(id, "/")
	for n := 0; n < 2; n++ {
		i := strings.LastIndexByte(id, '/')
		if i < 0 {
			return ""
		}
		id = id[:i]
	}
	return id
}
