package check

import (
	"fmt"
	"sort"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// spec §4 [DOA].
var defaultOutboundReliance = Check{
	Name: "default-outbound-reliance",
	Code: CodeDefaultOutboundReliance,
	Doc:  "VMs that reach the internet only through default outbound access, which Azure is retiring.",
	Run:  runDefaultOutboundReliance,
}

// runDefaultOutboundReliance asks the data plane for the outbound method of spec §4 of each VM
// NIC's primary ip configuration for TCP (dataplane.Plane.Outbound, the one the trace applies;
// a load balancer rule may translate one protocol only), under the user's --assume choices: the
// VMs whose method is default outbound access rely on it. One finding per subnet lists its VMs.
func runDefaultOutboundReliance(pass *Pass) []Finding {
	p := pass.Plane
	bySubnet := map[*model.Subnet][]*model.NIC{}
	for _, nic := range p.Net.NICs {
		c := nic.Primary()
		if nic.VMName == "" || c == nil || c.Subnet == nil {
			continue
		}
		if p.Outbound(c, model.ProtoTCP, pass.Options.Assume).Kind == dataplane.DefaultOutbound {
			bySubnet[c.Subnet] = append(bySubnet[c.Subnet], nic)
		}
	}
	subnets := make([]*model.Subnet, 0, len(bySubnet))
	for s := range bySubnet {
		subnets = append(subnets, s)
	}
	sort.Slice(subnets, func(i, j int) bool { return subnets[i].ID.Key() < subnets[j].ID.Key() })
	out := make([]Finding, 0, len(subnets))
	for _, s := range subnets {
		out = append(out, defaultOutboundFinding(s, bySubnet[s]))
	}
	return out
}

func defaultOutboundFinding(s *model.Subnet, nics []*model.NIC) Finding {
	vms := make([]string, len(nics))
	res := []model.ID{s.ID}
	for i, nic := range nics {
		vms[i] = nic.VMName
		res = append(res, nic.ID)
	}
	sort.Strings(vms)
	return Finding{Code: CodeDefaultOutboundReliance, Severity: Warning,
		Title: fmt.Sprintf("%s: %s the internet only through default outbound access", subnetLabel(s), vmCount(len(nics))),
		Message: fmt.Sprintf("Subnet %s has no NAT gateway, no 0.0.0.0/0 route to an appliance or gateway, and its VMs "+
			"(%d) have no public IP or load balancer outbound rule: they egress through default outbound access, whose "+
			"address is not yours and which new VNets no longer get.", subnetLabel(s), len(nics)),
		Resources: ids(res...),
		Evidence:  map[string]any{"subnet": subnetLabel(s), "vms": capList(vms), "count": len(nics)},
		Fix: "Give the subnet an explicit egress — a NAT gateway, or a 0.0.0.0/0 route to the hub firewall — then set " +
			"defaultOutboundAccess=false on the subnet.",
	}
}

// vmCount says "1 VM reaches" or "3 VMs reach".
func vmCount(n int) string {
	if n == 1 {
		return "1 VM reaches"
	}
	return fmt.Sprintf("%d VMs reach", n)
}
