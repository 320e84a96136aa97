package check

import (
	"fmt"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// spec §2.6 [FAQ].
var reservedPortInUse = Check{
	Name: "reserved-port-in-use",
	Code: CodeReservedPortInUse,
	Doc:  "Load balancer, DNAT or NSG rules that expect traffic on UDP 65330, the port the Azure host reserves.",
	Run:  runReservedPortInUse,
}

// reservedUDPPort is reserved for the host (spec §2.6 [FAQ]): UDP packets arriving at a VM on it
// are dropped.
const reservedUDPPort = model.HostReservedUDPPort

// runReservedPortInUse. DECISION: what "uses" the port is a configuration that expects UDP
// packets to arrive at a VM on 65330 — a load-balancing or inbound NAT rule whose frontend or
// backend port is 65330 (Error: it can never work), a firewall DNAT rule translating to or
// listening on it (Error), and an NSG rule allowing inbound UDP to exactly port 65330 (Warning:
// someone expects a service there). Broad port ranges that merely include 65330 are not reported.
// Clients picking 65330 as an ephemeral source port (seed case 1) are a runtime event the
// snapshot cannot show; trace reports them.
func runReservedPortInUse(pass *Pass) []Finding {
	p := pass.Plane
	var out []Finding
	for _, lb := range p.Net.LoadBalancers {
		for _, r := range lb.Rules {
			if udp(r.Protocol) && !r.HAPorts() && (r.FrontendPort == reservedUDPPort || r.BackendPort == reservedUDPPort) {
				out = append(out, reservedFinding(Error, lb.ID, lb.Name, "load-balancing rule "+r.Name))
			}
		}
		for _, r := range lb.InboundNATRules {
			if udp(r.Protocol) && (r.FrontendPort == reservedUDPPort || r.BackendPort == reservedUDPPort) {
				out = append(out, reservedFinding(Error, lb.ID, lb.Name, "inbound NAT rule "+r.Name))
			}
		}
	}
	for _, fw := range p.Net.Firewalls {
		for _, rc := range firewallCollections(fw) {
			for _, r := range rc.rc.Rules {
				if rc.rc.Kind == model.NATRules && dnatUsesReserved(r) {
					out = append(out, reservedFinding(Error, rc.holder, rc.holderName, "DNAT rule "+rc.path+"/"+r.Name))
				}
			}
		}
	}
	for _, nsg := range p.Net.NSGs {
		for _, r := range nsg.Rules {
			if r.Direction == model.Inbound && r.Access != model.Deny && udp(r.Protocol) && exactlyReserved(r.DestPorts) {
				out = append(out, reservedFinding(Warning, nsg.ID, nsg.Name, "security rule "+r.Name))
			}
		}
	}
	return out
}

func udp(p model.Protocol) bool { return p == model.ProtoUDP || p == model.ProtoAny }

func exactlyReserved(ports []model.PortRange) bool {
	for _, pr := range ports {
		if pr.Lo == reservedUDPPort && pr.Hi == reservedUDPPort {
			return true
		}
	}
	return false
}

func dnatUsesReserved(r *model.FirewallRule) bool {
	hasUDP := len(r.Protocols) == 0
	for _, p := range r.Protocols {
		hasUDP = hasUDP || udp(p)
	}
	return hasUDP && (r.TranslatedPort == reservedUDPPort || exactlyReserved(r.DestPorts))
}

func reservedFinding(sev Severity, id model.ID, holder, rule string) Finding {
	return Finding{Code: CodeReservedPortInUse, Severity: sev,
		Title: fmt.Sprintf("%s: %s uses UDP %d, reserved by the Azure host", holder, rule, reservedUDPPort),
		Message: fmt.Sprintf("The %s in %s expects UDP traffic on port %d; the Azure host drops UDP packets arriving "+
			"at a VM on that port, so this traffic never reaches the workload.", rule, holder, reservedUDPPort),
		Resources: ids(id),
		Evidence:  map[string]any{"rule": rule, "port": reservedUDPPort, "protocol": "Udp", "holder": holder},
		Fix:       "Move the service to another UDP port.",
	}
}
