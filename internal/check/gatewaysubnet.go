package check

import (
	"fmt"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#gwsub; spec §3.1.
var gatewaySubnetMisconfigured = Check{
	Name: "gateway-subnet-misconfigured",
	Code: CodeGatewaySubnetMisconfigured,
	Doc:  "Platform subnets set up the way Azure does not support: UDR 0/0 or disabled propagation on GatewaySubnet, NSG or wrong size on AzureFirewallSubnet.",
	Run:  runGatewaySubnetMisconfigured,
}

// platformIssue is one problem found on a platform subnet.
type platformIssue struct {
	sev        Severity
	issue      string // evidence "issue"
	what, fix  string
	extra      map[string]any
	resourceID model.ID // the route table or NSG at fault
}

// runGatewaySubnetMisconfigured checks GatewaySubnet and AzureFirewallSubnet against the
// requirements of the VPN gateway and Azure Firewall documentation ([UDR], spec §3.1).
func runGatewaySubnetMisconfigured(pass *Pass) []Finding {
	p := pass.Plane
	var out []Finding
	for _, s := range p.Net.Subnets {
		var issues []platformIssue
		switch {
		case s.Named(model.GatewaySubnetName):
			issues = gatewaySubnetIssues(s, pass.Options.Assume)
		case s.Named(model.FirewallSubnetName):
			issues = firewallSubnetIssues(s)
		}
		for _, is := range issues {
			ev := map[string]any{"subnet": subnetLabel(s), "issue": is.issue}
			for k, v := range is.extra {
				ev[k] = v
			}
			out = append(out, Finding{Code: CodeGatewaySubnetMisconfigured, Severity: is.sev,
				Title: fmt.Sprintf("%s: %s", subnetLabel(s), is.what), Message: is.what + ".",
				Resources: ids(s.ID, is.resourceID), Evidence: ev, Fix: is.fix})
		}
	}
	return out
}

// gatewaySubnetIssues: no 0/0 UDR, no NSG, propagation on (learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#gwsub).
func gatewaySubnetIssues(s *model.Subnet, as assume.Set) []platformIssue {
	var out []platformIssue
	if rt := s.RouteTable; rt != nil {
		if r := s.DefaultUDR(); r != nil {
			out = append(out, platformIssue{sev: Error, issue: "DefaultRouteOnGatewaySubnet", resourceID: rt.ID,
				what:  fmt.Sprintf("route table %s sends 0.0.0.0/0 to %s on GatewaySubnet, which the gateway does not support", rt.Name, r.NextHopType),
				fix:   "Remove the 0.0.0.0/0 route from the GatewaySubnet route table; route only specific spoke prefixes to the firewall.",
				extra: map[string]any{"route": r.Name, "routeTable": rt.Name}})
		}
		if !s.GatewayRoutesPropagate() {
			out = append(out, propagationIssue(rt, as))
		}
	}
	if s.NSG != nil {
		out = append(out, platformIssue{sev: Warning, issue: "NsgOnGatewaySubnet", resourceID: s.NSG.ID,
			what:  fmt.Sprintf("NSG %s is associated with GatewaySubnet, which is not supported", s.NSG.Name),
			fix:   "Dissociate the NSG from GatewaySubnet; filter on the workload subnets instead.",
			extra: map[string]any{"nsg": s.NSG.Name}})
	}
	return out
}

// propagationIssue: the UDR overview says a GatewaySubnet with gateway route propagation disabled
// stops working; a published lab does it and works (azure-semantics.md §1.8 item 8). Under the
// default --assume gw-subnet-no-propagation=works it is a Warning, as trace lets traffic pass;
// under "broken" an Error, as trace drops it there.
func propagationIssue(rt *model.RouteTable, as assume.Set) platformIssue {
	is := platformIssue{sev: Warning, issue: "PropagationDisabledOnGatewaySubnet", resourceID: rt.ID,
		what: fmt.Sprintf("route table %s disables gateway route propagation on GatewaySubnet, which Microsoft documents as "+
			"breaking the gateway (assumed to work: --assume gw-subnet-no-propagation=%s)", rt.Name, as.Value(assume.GwSubnetNoPropagation)),
		fix:   "Set disableBgpRoutePropagation=false (\"Propagate gateway routes\": Yes) on the GatewaySubnet route table.",
		extra: map[string]any{"routeTable": rt.Name, "assume": "gw-subnet-no-propagation=" + as.Value(assume.GwSubnetNoPropagation)}}
	if !as.Default(assume.GwSubnetNoPropagation) {
		is.sev = Error
		is.what = fmt.Sprintf("route table %s disables gateway route propagation on GatewaySubnet: the gateway stops working "+
			"(--assume gw-subnet-no-propagation=broken)", rt.Name)
	}
	return is
}

// firewallSubnetIssues: /26 (spec §3.1); NSG unsupported (learn.microsoft.com/azure/firewall/firewall-faq); 0/0 needs forced tunnelling (learn.microsoft.com/azure/firewall/forced-tunneling).
func firewallSubnetIssues(s *model.Subnet) []platformIssue {
	var out []platformIssue
	if s.NSG != nil {
		out = append(out, platformIssue{sev: Error, issue: "NsgOnFirewallSubnet", resourceID: s.NSG.ID,
			what:  fmt.Sprintf("NSG %s is associated with AzureFirewallSubnet, which Azure Firewall does not support", s.NSG.Name),
			fix:   "Dissociate the NSG from AzureFirewallSubnet; the firewall's own rules filter its traffic.",
			extra: map[string]any{"nsg": s.NSG.Name}})
	}
	for _, pr := range s.Prefixes {
		if pr.Addr().Is4() && pr.Bits() > 26 {
			out = append(out, platformIssue{sev: Error, issue: "FirewallSubnetTooSmall",
				what:  fmt.Sprintf("AzureFirewallSubnet is %s; Azure Firewall needs a /26 or larger", pr),
				fix:   "Re-create AzureFirewallSubnet as a /26.",
				extra: map[string]any{"prefix": pr.String()}})
		}
	}
	if r := s.DefaultUDR(); r != nil && r.NextHopType != model.HopInternet && s.VNet.SubnetNamed(model.FirewallManagementSubnetName) == nil {
		out = append(out, platformIssue{sev: Error, issue: "DefaultRouteOnFirewallSubnet", resourceID: s.RouteTable.ID,
			what: fmt.Sprintf("route table %s sends AzureFirewallSubnet's 0.0.0.0/0 to %s without forced tunnelling "+
				"(no AzureFirewallManagementSubnet)", s.RouteTable.Name, r.NextHopType),
			fix:   "Keep 0.0.0.0/0 → Internet on AzureFirewallSubnet, or deploy the firewall with forced tunnelling (a management subnet).",
			extra: map[string]any{"route": r.Name, "routeTable": s.RouteTable.Name}})
	}
	return out
}
