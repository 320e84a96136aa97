package check

import (
	"fmt"
	"sort"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// spec §4 [DOA].
var defaultOutboundReliance = Check{
	Name: "default-outbound-reliance",
	Code: CodeDefaultOutboundReliance,
	Doc:  "VMs that reach the internet only through default outbound access, which Azure is retiring.",
	Run:  runDefaultOutboundReliance,
}

// runDefaultOutboundReliance walks the outbound precedence of spec §4 for each VM NIC's primary
// ip configuration: a 0/0 route to an appliance or gateway, a NAT gateway on the subnet, an
// instance public IP, a load balancer outbound rule; when none applies and the subnet is not
// private, the VM depends on default outbound access. DECISION: membership of a backend pool
// behind a public load-balancing rule counts as explicit (its implicit SNAT, since the model does
// not carry disableOutboundSnat). One finding per subnet lists its VMs.
func runDefaultOutboundReliance(pass *Pass) []Finding {
	p := pass.Plane
	explicitPools := poolsWithOutbound(p.Net)
	bySubnet := map[*model.Subnet][]*model.NIC{}
	hopOK := map[*model.Subnet]bool{}
	for _, nic := range p.Net.NICs {
		c := nic.Primary()
		if nic.VMName == "" || c == nil || c.Subnet == nil || c.PublicIP != nil || inPools(c, explicitPools) {
			continue
		}
		s := c.Subnet
		if !s.DefaultOutboundAccess || s.NATGateway != nil {
			continue
		}
		ok, seen := hopOK[s]
		if !seen {
			hop, _ := internetHop(p, s)
			ok = hop == model.HopInternet
			hopOK[s] = ok
		}
		if ok {
			bySubnet[s] = append(bySubnet[s], nic)
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

func poolsWithOutbound(n *model.Network) map[*model.BackendPool]bool {
	out := map[*model.BackendPool]bool{}
	for _, lb := range n.LoadBalancers {
		for _, r := range lb.OutboundRules {
			out[r.Pool] = true
		}
		for _, r := range lb.Rules {
			if r.Frontend != nil && r.Frontend.PublicIP != nil {
				out[r.Pool] = true
			}
		}
	}
	delete(out, nil)
	return out
}

func inPools(c *model.IPConfig, pools map[*model.BackendPool]bool) bool {
	for _, bp := range c.BackendPools {
		if pools[bp] {
			return true
		}
	}
	return false
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
