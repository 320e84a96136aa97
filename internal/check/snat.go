package check

import (
	"fmt"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/forward"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// spec §3.4 [FWNAT], §4 [NAT].
var snatCapacity = Check{
	Name:     "snat-capacity",
	Code:     CodeSnatCapacity,
	Evidence: []string{"totalPorts", "publicIps", "instances"},
	Doc:      "SNAT ports of every internet egress device (firewall, NAT gateway) and the subnets egressing through it.",
	Run:      runSnatCapacity,
}

// egress is one internet egress device and the subnets that use it.
type egress struct {
	id, name, kind string
	cap            firewall.Capacity
	subnets        []*model.Subnet
	firewall       *model.Firewall // set for a firewall (with or without NAT gateway)
	tunnel         string          // a firewall subnet's 0/0 next hop when appliance or gateway (forced tunnelling)
	overridden     []*model.Subnet // a NAT gateway's subnets whose 0/0 goes elsewhere (spec §4)
}

// runSnatCapacity lists every egress device with its SNAT ports (Info), and warns when a
// firewall with subnets behind it egresses through few public IPs and no NAT gateway. Port
// figures come from internal/firewall (spec §3.4, §4).
func runSnatCapacity(pass *Pass) []Finding {
	p := pass.Plane
	behind := subnetsBehindFirewalls(p)
	var out []Finding
	for _, fw := range p.Net.Firewalls {
		if firewall.NATGatewayOf(fw) != nil {
			continue // reported with its NAT gateway below
		}
		e := egress{id: string(fw.ID), name: fw.Name, kind: "AzureFirewall", firewall: fw,
			cap: firewall.SNATPorts(fw, nil), subnets: behind[fw]}
		if fw.Subnet != nil {
			if hop, _ := p.InternetRoute(fw.Subnet); hop == model.HopVirtualNetworkGateway || hop == model.HopVirtualAppliance {
				e.tunnel = hop.String() // spec §3.1, §4: internet traffic leaves SNATed to instance addresses
			}
		}
		out = append(out, snatFinding(p.Net, e, pass.Options.Limits))
	}
	for _, ng := range p.Net.NATGateways {
		e := egress{id: string(ng.ID), name: ng.Name, kind: "NatGateway", cap: firewall.NATGatewayCapacity(ng)}
		for _, s := range ng.Subnets {
			if fw := firewallIn(p.Net, s); fw != nil {
				e.firewall = fw
				e.subnets = append(e.subnets, behind[fw]...)
			} else if hop, _ := p.InternetRoute(s); hop == model.HopInternet {
				e.subnets = append(e.subnets, s)
			} else {
				e.overridden = append(e.overridden, s) // spec §4: a 0/0 to an appliance or gateway beats the NAT gateway
			}
		}
		out = append(out, snatFinding(p.Net, e, pass.Options.Limits))
	}
	return out
}

func firewallIn(n *model.Network, s *model.Subnet) *model.Firewall {
	for _, fw := range n.Firewalls {
		if fw.Subnet == s {
			return fw
		}
	}
	return nil
}

// subnetsBehindFirewalls maps each firewall to the subnets whose internet route (the active
// 0.0.0.0/0) is a VirtualAppliance next hop at the firewall's private IP, resolved as the trace
// resolves it (forward.NextHopOwner).
func subnetsBehindFirewalls(p *dataplane.Plane) map[*model.Firewall][]*model.Subnet {
	out := map[*model.Firewall][]*model.Subnet{}
	for _, s := range p.Net.Subnets {
		hop, ip := p.InternetRoute(s)
		if hop != model.HopVirtualAppliance || s.VNet == nil {
			continue
		}
		if o, _, ok := forward.NextHopOwner(p.Net, s.VNet, ip); ok && o.Kind == model.OwnerFirewall {
			out[o.Firewall] = append(out[o.Firewall], s)
		}
	}
	return out
}

func snatFinding(n *model.Network, e egress, lim LimitList) Finding {
	ipconfigs := ipConfigsIn(n, e.subnets)
	total, instances := e.cap.TotalPorts, e.cap.Instances
	if e.kind == "NatGateway" {
		instances = 1 // not instance-based: one logical device whose ports all subnets share (spec §4)
	}
	ev := map[string]any{"totalPorts": total, "publicIps": e.cap.PublicIPs, "instances": instances,
		"device": e.kind, "subnets": capList(subnetNames(e.subnets)), "subnetCount": len(e.subnets),
		"ipConfigurations": ipconfigs}
	if ipconfigs > 0 {
		ev["portsPerIpConfiguration"] = total / ipconfigs
	}
	f := Finding{Code: CodeSnatCapacity, Severity: Info,
		Title: fmt.Sprintf("%s %s: %d SNAT ports for %d subnets", e.kind, e.name, total, len(e.subnets)),
		Message: fmt.Sprintf("%s %s egresses with %d public IPs (%s) = %d SNAT ports, shared by %d subnets (%d ip "+
			"configurations).", e.kind, e.name, e.cap.PublicIPs, portsFormula(e), total, len(e.subnets), ipconfigs),
		Resources: append(ids(model.ID(e.id)), ids(subnetIDs(e.subnets)...)...), Evidence: ev}
	if e.firewall != nil && e.kind == "NatGateway" {
		ev["firewall"] = e.firewall.Name
	}
	bypassed(&f, e)
	if e.kind == "AzureFirewall" && e.tunnel == "" && len(e.subnets) > 0 && e.cap.PublicIPs < lim.FewFirewallPublicIPs {
		fewPublicIPs(&f, e, lim.FewFirewallPublicIPs)
	}
	return f
}

// bypassed says when public-IP SNAT is not used: a forced-tunnelled firewall sends internet
// traffic out of its instance addresses (spec §3.1), and a 0/0 UDR on a NAT gateway's subnet
// takes precedence over the NAT gateway (spec §4).
func bypassed(f *Finding, e egress) {
	if e.tunnel != "" {
		f.Evidence["forcedTunnel"] = e.tunnel
		f.Title = fmt.Sprintf("Firewall %s is forced-tunnelled: internet traffic leaves through %s from its instance addresses", e.name, e.tunnel)
		f.Message += fmt.Sprintf(" AzureFirewallSubnet sends 0.0.0.0/0 to %s (forced tunnelling): internet-bound traffic "+
			"leaves SNATed to the firewall's instance addresses, not its public IPs (spec §3.1, §4).", e.tunnel)
	}
	if len(e.overridden) > 0 {
		names := subnetNames(e.overridden)
		f.Evidence["overriddenSubnets"] = names
		if len(e.subnets) == 0 {
			f.Title = fmt.Sprintf("NAT gateway %s is unused: a 0.0.0.0/0 UDR overrides it on %d subnet(s)", e.name, len(names))
		}
		f.Message += fmt.Sprintf(" It is attached to %d subnet(s) whose 0.0.0.0/0 route goes to an appliance or gateway "+
			"instead (%v), which takes precedence over the NAT gateway (spec §4).", len(names), names)
		f.Fix = "Remove the unused NAT gateway association, or the 0.0.0.0/0 UDR if the subnet should egress through the NAT gateway."
	}
}

// fewPublicIPs turns the finding into the warning of issue 5 with the numbers that justify it:
// the firewall's ports against those of the recommended minimum of public IPs at the same
// instance count, and against a single NAT gateway IP (minIPs, LimitList.FewFirewallPublicIPs).
func fewPublicIPs(f *Finding, e egress, minIPs int) {
	minPorts := firewall.FirewallPortsPerIPPerInstance * minIPs * e.cap.Instances
	f.Severity = Warning
	f.Title = fmt.Sprintf("Firewall %s egresses with %d public IP(s) and no NAT gateway: %d SNAT ports, under the %d of %d public IPs",
		e.name, e.cap.PublicIPs, e.cap.TotalPorts, minPorts, minIPs)
	f.Message += fmt.Sprintf(" vnetdoctor expects at least %d public IPs on a firewall that SNATs internet traffic "+
		"(%d × %d ports × %d instances = %d ports; Microsoft's Azure Proactive Resiliency Library advises two to four) or, better, a NAT gateway on AzureFirewallSubnet (%d ports per "+
		"public IP, up to %d IPs); with %d the subnets behind it can exhaust SNAT ports (spec §3.4).",
		minIPs, minIPs, firewall.FirewallPortsPerIPPerInstance, e.cap.Instances, minPorts,
		firewall.NATGatewayPortsPerIP, firewall.NATGatewayMaxIPs, e.cap.TotalPorts)
	f.Evidence["recommendedPublicIps"] = minIPs
	f.Evidence["recommendedPorts"] = minPorts
	f.Fix = fmt.Sprintf("Associate a NAT gateway with AzureFirewallSubnet (%d ports per public IP, up to %d IPs), "+
		"or give the firewall at least %d public IPs.", firewall.NATGatewayPortsPerIP, firewall.NATGatewayMaxIPs, minIPs)
}

func portsFormula(e egress) string {
	if e.kind == "NatGateway" {
		return fmt.Sprintf("%d ports each; a NAT gateway is not instance-based, so instances is 1", firewall.NATGatewayPortsPerIP)
	}
	return fmt.Sprintf("%d ports each per instance, %d instances", firewall.FirewallPortsPerIPPerInstance, e.cap.Instances)
}

// ipConfigsIn counts NIC ip configurations in the given subnets.
func ipConfigsIn(n *model.Network, ss []*model.Subnet) int {
	in := map[*model.Subnet]bool{}
	for _, s := range ss {
		in[s] = true
	}
	c := 0
	for _, nic := range n.NICs {
		for _, ic := range nic.IPConfigs {
			if in[ic.Subnet] {
				c++
			}
		}
	}
	return c
}
