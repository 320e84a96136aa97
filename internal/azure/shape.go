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

func init() {
	const n = "Microsoft.Network/"
	reg(n+"virtualNetworks", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) { s.VNets = append(s.VNets, d.vnet(v, p)) })
	reg(n+"virtualNetworks/subnets", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.Subnets = append(s.Subnets, d.subnet(v, p))
	})
	reg(n+"virtualNetworks/virtualNetworkPeerings", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.Peerings = append(s.Peerings, d.peering(v, p))
	})
	reg(n+"networkInterfaces", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) { s.NICs = append(s.NICs, d.nic(v, p)) })
	reg("Microsoft.Compute/virtualMachines", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) { s.VMs = append(s.VMs, d.vm(v, p)) })
	reg(n+"networkSecurityGroups", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) { s.NSGs = append(s.NSGs, d.nsg(v, p)) })
	reg(n+"networkSecurityGroups/securityRules", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.SecurityRules = append(s.SecurityRules, d.securityRule(v, p))
	})
	reg(n+"routeTables", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.RouteTables = append(s.RouteTables, d.routeTable(v, p))
	})
	reg(n+"routeTables/routes", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.Routes = append(s.Routes, d.route(v, p))
	})
	reg(n+"applicationSecurityGroups", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		m := d.meta(v, p)
		s.ASGs = append(s.ASGs, &m)
	})
	reg(n+"publicIPAddresses", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.PublicIPs = append(s.PublicIPs, d.publicIP(v, p))
	})
	reg(n+"publicIPPrefixes", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.PublicIPPrefixes = append(s.PublicIPPrefixes, d.publicIPPrefix(v, p))
	})
	reg(n+"natGateways", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.NATGateways = append(s.NATGateways, d.natGateway(v, p))
	})
	reg(n+"privateEndpoints", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.PrivateEndpoints = append(s.PrivateEndpoints, d.privateEndpoint(v, p))
	})
	reg(n+"azureFirewalls", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.Firewalls = append(s.Firewalls, d.firewall(v, p))
	})
	reg(n+"firewallPolicies", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.FirewallPolicies = append(s.FirewallPolicies, d.firewallPolicy(v, p))
	})
	reg(n+"firewallPolicies/ruleCollectionGroups", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.RuleGroups = append(s.RuleGroups, d.ruleGroup(v, p))
	})
	reg(n+"ipGroups", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.IPGroups = append(s.IPGroups, d.ipGroup(v, p))
	})
	reg(n+"virtualNetworkGateways", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.VNetGateways = append(s.VNetGateways, d.vnetGateway(v, p))
	})
	reg(n+"localNetworkGateways", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.LocalGateways = append(s.LocalGateways, d.localGateway(v, p))
	})
	reg(n+"connections", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.Connections = append(s.Connections, d.connection(v, p))
	})
	reg(n+"loadBalancers", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.LoadBalancers = append(s.LoadBalancers, d.loadBalancer(v, p))
	})
	reg(n+"networkManagers/securityAdminConfigurations", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		m := d.meta(v, p)
		s.AdminConfigs = append(s.AdminConfigs, &m)
	})
	reg(n+"networkManagers/securityAdminConfigurations/ruleCollections", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.AdminCollections = append(s.AdminCollections, d.adminCollection(v, p))
	})
	reg(n+"networkManagers/securityAdminConfigurations/ruleCollections/rules", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.AdminRules = append(s.AdminRules, d.adminRule(v, p))
	})
	reg(n+"networkManagers/networkGroups", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		m := d.meta(v, p)
		s.NetworkGroups = append(s.NetworkGroups, &m)
	})
	reg(n+"networkManagers/networkGroups/staticMembers", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.StaticMembers = append(s.StaticMembers, d.staticMember(v, p))
	})
	reg("Microsoft.NetApp/netAppAccounts/capacityPools/volumes", func(d *dec, v *jsondoc.Value, p *jsondoc.Path, s *Snapshot) {
		s.NetAppVolumes = append(s.NetAppVolumes, d.netAppVolume(v, p))
	})
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
