package check

import (
	"fmt"
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// learn.microsoft.com/azure/security/fundamentals/network-best-practices (disable RDP/SSH access from the internet).
var internetExposedManagementPort = Check{
	Name: "internet-exposed-management-port",
	Code: CodeInternetExposedManagementPort,
	Doc:  "SSH (22) or RDP (3389) reachable from the internet, proven with a trace from an internet address.",
	Run:  runInternetExposedManagementPort,
}

// internetProbe is the client address the proving traces start from: a documentation address
// (RFC 5737 TEST-NET-2) that no snapshot owns, outside every private range.
const internetProbe = "198.51.100.7"

// exposure is one public entry point worth probing: a public address and port.
type exposure struct {
	addr netip.Addr
	port uint16
	via  string // "instance public IP", "load balancer rule lb/rule", "firewall DNAT rule ..."
	// member is the pool member an inbound NAT rule over a backend pool is probed through: Azure
	// gives each member one port of the rule's range and the snapshot does not say which
	// (trace.RunMapped), but every member has one.
	member *model.IPConfig
}

// runInternetExposedManagementPort traces TCP from the internet to every public entry point
// that can lead to 22 or 3389: instance public IPs (both ports), public load balancer rules and
// inbound NAT rules whose frontend or backend port is 22/3389 (a rule over a backend pool once
// per member: Azure gives each member one port of its range, learn.microsoft.com/azure/
// load-balancer/inbound-nat-rules), and firewall DNAT rules that translate to them. A Reachable
// (or Intermittent) trace is an Error naming the allowing rule.
func runInternetExposedManagementPort(pass *Pass) []Finding {
	p := pass.Plane
	var out []Finding
	seen := map[exposure]bool{}
	for _, x := range exposures(p, pass.Options.Assume) {
		if seen[x] {
			continue
		}
		seen[x] = true
		q := trace.Query{From: "internet:" + internetProbe, To: x.addr.String(), Protocol: model.ProtoTCP, DestinationPort: x.port,
			Assume: pass.Options.Assume}
		a, err := trace.RunMapped(p, q, x.member)
		if err != nil || (a.Verdict != trace.Reachable && a.Verdict != trace.Intermittent) {
			continue
		}
		out = append(out, exposureFinding(x, a))
	}
	return out
}

func isMgmt(port uint16) bool { return port == 22 || port == 3389 }

func exposures(p *dataplane.Plane, as assume.Set) []exposure {
	n := p.Net
	var out []exposure
	for _, nic := range n.NICs {
		for _, c := range nic.IPConfigs {
			if c.PublicIP != nil && c.PublicIP.Address.IsValid() {
				out = append(out, exposure{c.PublicIP.Address, 22, "instance public IP " + c.PublicIP.Name, nil},
					exposure{c.PublicIP.Address, 3389, "instance public IP " + c.PublicIP.Name, nil})
			}
		}
	}
	for _, lb := range n.LoadBalancers {
		for _, r := range lb.Rules {
			if r.Frontend != nil && r.Frontend.PublicIP != nil && (isMgmt(r.FrontendPort) || isMgmt(r.BackendPort)) {
				out = append(out, exposure{r.Frontend.PublicIP.Address, r.FrontendPort, "load-balancing rule " + lb.Name + "/" + r.Name, nil})
			}
		}
		for _, r := range lb.InboundNATRules {
			if r.Frontend == nil || r.Frontend.PublicIP == nil || !isMgmt(r.FrontendPort) && !isMgmt(r.BackendPort) {
				continue
			}
			via := "inbound NAT rule " + lb.Name + "/" + r.Name
			if r.Pool == nil {
				out = append(out, exposure{r.Frontend.PublicIP.Address, r.FrontendPort, via, nil})
				continue
			}
			for _, c := range r.Pool.IPConfigs {
				if c.NIC != nil {
					out = append(out, exposure{r.Frontend.PublicIP.Address, r.FrontendPort,
						fmt.Sprintf("%s, frontend ports %d-%d of pool %s, one of which Azure gives %s", via, r.FrontendPort, r.FrontendPortEnd, r.Pool.Name, c.NIC.Name), c})
				}
			}
		}
	}
	for _, fw := range n.Firewalls {
		out = append(out, dnatExposures(trace.FirewallEngine(p, fw, as))...)
	}
	return out
}

// dnatExposures are the DNAT rules of a compiled firewall (under --assume dnat-inherited, so
// that the check and trace agree) translating to 22/3389, probed on their destination (a
// firewall public IP) and first port.
func dnatExposures(e *firewall.Engine) []exposure {
	var out []exposure
	if e == nil {
		return nil
	}
	for _, ri := range e.Rules(model.NATRules) {
		r := ri.Rule
		if !isMgmt(r.TranslatedPort) || len(r.DestPorts) == 0 {
			continue
		}
		for _, d := range r.Destinations {
			if a, err := netip.ParseAddr(d); err == nil {
				out = append(out, exposure{a, r.DestPorts[0].Lo, "firewall DNAT rule " + ri.ID, nil})
			}
		}
	}
	return out
}

func exposureFinding(x exposure, a *trace.Answer) Finding {
	leg := a.Forward
	target, targetID, rule, holder := "", "", "", ""
	if n := len(leg.Hops); n > 0 {
		h := leg.Hops[n-1]
		target, targetID = h.Name, h.ResourceID
		if h.VM != "" {
			target = h.VM
		}
	}
	if leg.Deciding != nil {
		rule, holder = leg.Deciding.Rule, leg.Deciding.ResourceID
	}
	if leg.Deciding == nil || leg.Deciding.Step == trace.StepRoute {
		if r, h, ok := lastAllowingRule(leg); ok {
			rule, holder = r, h // no NSG decided: the rule that opened the path is the one to remove
		}
	}
	port := x.port
	if f := leg.FlowAtDestination; f != nil {
		port = f.DestinationPort
	}
	return Finding{Code: CodeInternetExposedManagementPort, Severity: Error,
		Title: fmt.Sprintf("%s port %d is reachable from the internet via %s", target, port, x.addr),
		Message: fmt.Sprintf("A trace from internet:%s to %s TCP %d (%s) is %s: %s accepts %s from any internet address "+
			"(deciding rule %s in %s).", internetProbe, x.addr, x.port, x.via, a.Verdict, target, mgmtName(port), rule, model.ID(holder).Name()),
		Resources: ids(model.ID(targetID), model.ID(holder)),
		Evidence: map[string]any{"port": port, "publicIp": x.addr.String(), "via": x.via, "target": target,
			"rule": rule, "source": "internet:" + internetProbe, "verdict": string(a.Verdict)},
		Fix: "Remove the internet-facing rule; reach the VM through Azure Bastion, a VPN, or just-in-time access restricted to known addresses.",
	}
}

// lastAllowingRule is the last NSG, admin, firewall or load balancer rule that let the leg through.
func lastAllowingRule(leg *trace.Leg) (rule, holder string, ok bool) {
	for i := len(leg.Hops) - 1; i >= 0; i-- {
		steps := leg.Hops[i].Steps
		for j := len(steps) - 1; j >= 0; j-- {
			s := steps[j]
			switch s.Step {
			case trace.StepNsgInbound, trace.StepAdminRule, trace.StepFirewallDnat, trace.StepFirewallNet, trace.StepLBRule:
				if s.Rule != "" && (s.Result == trace.Allowed || s.Result == trace.Matched) {
					return s.Rule, s.ResourceID, true
				}
			}
		}
	}
	return "", "", false
}

func mgmtName(port uint16) string {
	if port == 3389 {
		return "RDP"
	}
	if port == 22 {
		return "SSH"
	}
	return fmt.Sprintf("port %d", port)
}
