package trace

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// inboundLB is a packet from the internet at a public load balancer frontend: an inbound NAT
// rule or a load-balancing rule picks the backend; a chained Gateway LB comes first (spec §6).
func (w *walker) inboundLB(fe *model.Frontend) {
	if fe.GatewayLB != nil && !w.gatewayChain(fe.GatewayLB, true) {
		return
	}
	lb := fe.LB
	w.addHop(HopLoadBalancer, lb.Name, lb.ID, w.pkt.dst)
	if w.natRule(fe) {
		return
	}
	r := matchLBRule(lb, fe, w.pkt)
	if r == nil {
		w.drop(NoInboundPath, StepLBRule, lb.ID, "", "load balancer %s has no load-balancing or inbound NAT rule for %s on frontend %s", lb.Name, w.flowText(), fe.Name)
		return
	}
	c := w.pickBackend(lb, r, false)
	if c == nil {
		return
	}
	w.lbToBackend(fe, c, r.BackendPort, r.FloatingIP)
}

// lbToBackend translates the destination to the backend (unless floating IP) and delivers.
// learn.microsoft.com/azure/load-balancer/load-balancer-floating-ip; the client source is kept.
func (w *walker) lbToBackend(fe *model.Frontend, c *model.IPConfig, port uint16, floating bool) {
	in := w.pkt
	if !floating {
		w.pkt.dst, w.pkt.dport = toBackend(w.pkt.dport, c, port)
		w.step(StepDnat, Translated, fe.LB.ID, "", "destination %s:%d → backend %s:%d; the client source is kept", in.dst, in.dport, w.pkt.dst, w.pkt.dport)
	}
	w.devices = append(w.devices, device{kind: HopLoadBalancer, id: fe.LB.ID, name: fe.LB.Name, in: in, out: w.pkt, ipc: c, fe: fe})
	if fe.PublicIP != nil && !w.reply {
		w.nicHop(c, HopNIC)
		if w.closedByDefault(c, fe.LB.Sku) {
			return
		}
		if w.filter(c, w.p.ACL.ForIPConfig(c), model.Inbound) {
			w.deliverNIC(c)
		}
		return
	}
	w.atNIC(c)
}

// toBackend is the destination a load balancer without floating IP hands a packet for port
// dport to backend c on: c's address, on port (0, an HA ports rule: dport kept).
func toBackend(dport uint16, c *model.IPConfig, port uint16) (netip.Addr, uint16) {
	if port == 0 {
		return c.PrivateIP, dport
	}
	return c.PrivateIP, port
}

// natRule applies the inbound NAT rule of fe's load balancer that matches the packet, public or
// internal (learn.microsoft.com/azure/load-balancer/inbound-nat-rules); false when none does.
func (w *walker) natRule(fe *model.Frontend) bool {
	lb := fe.LB
	nat := matchNATRule(lb, fe, w.pkt)
	switch {
	case nat == nil:
		return false
	case nat.Pool != nil:
		w.poolNATRule(fe, nat)
	case fe.PublicIP == nil && nat.Target == w.sender && !w.reply:
		// learn.microsoft.com/azure/load-balancer/load-balancer-troubleshoot-backend-traffic:
		// a backend VM reaching its own internal load balancer's frontend fails when the flow is
		// mapped back to itself, which a NAT rule's one target always is.
		w.drop(NoListener, StepLBRule, lb.ID, nat.Name, "inbound NAT rule %s maps the flow back to %s, which sent it: Azure does not deliver a flow from a backend VM to its own internal load balancer frontend that maps back to it", nat.Name, nat.Target.NIC.Name)
	default:
		if nat.FloatingIP {
			w.step(StepLBRule, Matched, lb.ID, nat.Name, "inbound NAT rule %s: frontend port %d → %s with floating IP (the destination is kept)", nat.Name, nat.FrontendPort, nat.Target.PrivateIP)
		} else {
			w.step(StepLBRule, Matched, lb.ID, nat.Name, "inbound NAT rule %s: frontend port %d → %s port %d", nat.Name, nat.FrontendPort, nat.Target.PrivateIP, nat.BackendPort)
		}
		w.lbToBackend(fe, nat.Target, nat.BackendPort, nat.FloatingIP)
	}
	return true
}

// poolNATRule is a packet matching an inbound NAT rule over a backend pool, which gives each
// member one port of its range while Azure keeps which (model.InboundNATRule). The answer does
// not depend on the mapping when every member's rules drop the translated packet (or, behind a
// public frontend, no NSG opens the member: closedByDefault): whatever member the port maps to,
// or none, it is dropped, and the trace follows the first. Otherwise the leg ends Unknown.
func (w *walker) poolNATRule(fe *model.Frontend, nat *model.InboundNATRule) {
	lb, pool := fe.LB, nat.Pool
	members := len(pool.IPConfigs) + len(pool.Addresses)
	if members == 0 {
		if !w.poolMayLackNICs(StepLBRule, lb, nat.Name, pool.Name) {
			w.drop(NoListener, StepLBRule, lb.ID, nat.Name, "inbound NAT rule %s maps frontend ports %d-%d to pool %s, which has no members", nat.Name, nat.FrontendPort, nat.FrontendPortEnd, pool.Name)
		}
		return
	}
	to := fmt.Sprintf("to its port %d", nat.BackendPort)
	if nat.FloatingIP {
		to = "with floating IP, the destination kept"
	}
	what := fmt.Sprintf("inbound NAT rule %s gives each of pool %s's %d members one frontend port of %d-%d (%s); "+
		"which port reaches which member Azure assigns, and the snapshot does not hold that mapping (the load balancer's inbound NAT rule port mapping)",
		nat.Name, pool.Name, members, nat.FrontendPort, nat.FrontendPortEnd, to)
	if m := w.ans.member; m != nil && slices.Contains(pool.IPConfigs, m) && m.NIC != nil {
		w.step(StepLBRule, Matched, lb.ID, nat.Name, "%s; the trace follows %s, the member the question maps the port to", what, m.NIC.Name)
		w.lbToBackend(fe, m, nat.BackendPort, nat.FloatingIP)
		return
	}
	if len(pool.Addresses) == 0 && w.everyMemberDrops(fe, pool.IPConfigs, nat) {
		w.step(StepLBRule, Matched, lb.ID, nat.Name, "%s; every member drops this flow, so the trace follows the first, %s", what, pool.IPConfigs[0].NIC.Name)
		w.lbToBackend(fe, pool.IPConfigs[0], nat.BackendPort, nat.FloatingIP)
		return
	}
	w.drop(InsufficientInformation, StepLBRule, lb.ID, nat.Name, "%s", what)
}

// everyMemberDrops reports whether each member's inbound rules deny the packet as nat hands it
// over (or a public frontend finds it closed by default, without an NSG).
func (w *walker) everyMemberDrops(fe *model.Frontend, members []*model.IPConfig, nat *model.InboundNATRule) bool {
	for _, c := range members {
		if c.NIC == nil {
			return false // not a NIC's: the trace cannot follow it
		}
		if fe.PublicIP != nil && closedWithoutNSG(c, fe.LB.Sku) && c.NIC.MissingNSG == "" && (c.Subnet == nil || c.Subnet.MissingNSG == "") {
			continue // closed by default
		}
		f := w.pkt.flow()
		if !nat.FloatingIP { // as lbToBackend translates
			f.Dst, f.DstPort = toBackend(f.DstPort, c, nat.BackendPort)
		}
		if w.p.ACL.ForIPConfig(c).Evaluate(model.Inbound, f).Allowed {
			return false
		}
	}
	return true
}

// matchNATRule: learn.microsoft.com/azure/load-balancer/inbound-nat-rules.
func matchNATRule(lb *model.LoadBalancer, fe *model.Frontend, p packet) *model.InboundNATRule {
	for _, r := range lb.InboundNATRules {
		if r.Frontend != fe || (r.Target == nil && r.Pool == nil) || !r.Protocol.Matches(p.proto) {
			continue
		}
		if ports := r.Ports(); ports.Lo <= p.dport && p.dport <= ports.Hi {
			return r
		}
	}
	return nil
}

// matchLBRule: HA ports match every flow (learn.microsoft.com/azure/load-balancer/load-balancer-ha-ports-overview).
func matchLBRule(lb *model.LoadBalancer, fe *model.Frontend, p packet) *model.LBRule {
	for _, r := range lb.Rules {
		if r.Frontend != fe || r.Pool == nil {
			continue
		}
		if r.HAPorts() || (r.Protocol.Matches(p.proto) && r.FrontendPort == p.dport) {
			return r
		}
	}
	return nil
}

// basicAcrossRegions drops a packet that reaches a Basic internal load balancer's frontend from a
// VNet in another region (so over global peering): "resources in one virtual network can't
// communicate with the front-end IP address of a basic load balancer in a globally peered
// virtual network" (virtual network peering overview; azure-semantics.md §1.8 item 6).
func (w *walker) basicAcrossRegions(fe *model.Frontend) bool {
	lb, from := fe.LB, w.sender
	if !eqFold(lb.Sku, "Basic") || from == nil || from.Subnet == nil || fe.Subnet == nil {
		return false
	}
	src, dst := from.Subnet.VNet, fe.Subnet.VNet
	if src == nil || dst == nil || src == dst || src.Location == "" || dst.Location == "" || eqFold(src.Location, dst.Location) {
		return false
	}
	msg := fmt.Sprintf("load balancer %s is Basic: its frontend %s cannot be reached from %s (%s), a VNet peered across regions "+
		"(virtual network peering overview); use a Standard load balancer", lb.Name, fe.Name, src.Name, src.Location)
	w.drop(NoListener, StepLBRule, lb.ID, "", "%s", msg)
	w.ans.finding(CodeBasicLoadBalancerGlobalPeering, "Error", msg, lb.ID, src.ID)
	return true
}

// poolMayLackNICs ends the leg Unknown when a load balancer pool has no members in the snapshot
// but some VM's NIC is missing from it: the members may be among those NICs (cli.md "Every
// command": input integrity). False when no NIC is missing: the empty pool is real.
func (w *walker) poolMayLackNICs(kind StepKind, lb *model.LoadBalancer, rule, pool string) bool {
	vm, nic, ok := w.p.Net.VMMissingNIC()
	if !ok {
		return false
	}
	w.drop(InsufficientInformation, kind, lb.ID, rule, "load balancer %s pool %s has no NIC members in the snapshot, but NIC %s of VM %s is missing from it", lb.Name, pool, nic.Name(), vm.Name)
	w.assume("VM %s references NIC %s, which is not in the snapshot; the answer depends on whether it is in a pool of %s", vm.Name, nic, lb.Name)
	return true
}

// pickBackend follows the first healthy backend of the rule's pool (by ID); the others are
// listed as an assumption. A backend whose NSGs (or admin rules) deny the rule's health probe
// from AzureLoadBalancer is out of rotation; none healthy is NoListener naming the probe
// (azure-semantics.md §1.8 item 7; lab 4 step 12). Without a probe every backend is assumed healthy.
// A backend VM sending to its own internal load balancer's frontend is not a candidate
// (selfHairpin; the troubleshooting guide speaks of internal load balancers, not Gateway ones,
// whose frontends take chained flows).
func (w *walker) pickBackend(lb *model.LoadBalancer, r *model.LBRule, internal bool) *model.IPConfig {
	w.step(StepLBRule, Matched, lb.ID, r.Name, "load-balancing rule %s sends %s to pool %s", r.Name, w.flowText(), r.Pool.Name)
	ips := r.Pool.IPConfigs
	if internal && !lb.IsGateway() && !w.reply && w.sender != nil && slices.Contains(ips, w.sender) {
		if ips = w.selfHairpin(lb, r); ips == nil {
			return nil
		}
	}
	if len(ips) == 0 {
		if w.poolMayLackNICs(StepLBRule, lb, r.Name, r.Pool.Name) {
			return nil
		}
		if a := r.Pool.Addresses; len(a) > 0 {
			w.drop(InsufficientInformation, StepLBRule, lb.ID, r.Name, "backend pool %s's members are IP addresses %v, which the snapshot does not tie to a NIC: what answers there is not in it", r.Pool.Name, a)
			return nil
		}
		w.drop(NoListener, StepLBRule, lb.ID, r.Name, "backend pool %s has no NIC members in the snapshot", r.Pool.Name)
		return nil
	}
	if a := r.Pool.Addresses; len(a) > 0 {
		w.assume("backend pool %s also lists IP addresses %v, which the snapshot does not tie to a NIC: the trace follows its NIC members", r.Pool.Name, a)
	}
	if r.Probe == nil {
		if len(ips) > 1 {
			w.assume("load balancer %s: the trace follows backend %s, the first of %d in pool %s, all assumed healthy and configured alike", lb.Name, ips[0].NIC.Name, len(ips), r.Pool.Name)
		}
		return ips[0]
	}
	for i, c := range ips {
		if !w.inRotation(c, r) {
			w.step(StepLBRule, NoMatch, c.NIC.ID, r.Probe.Name, "backend %s is out of rotation: its NSGs deny health probe %s (TCP %d from AzureLoadBalancer)", c.NIC.Name, r.Probe.Name, r.Probe.Port)
			continue
		}
		if len(ips)-i > 1 {
			w.assume("load balancer %s: the trace follows backend %s, the first healthy one of pool %s; the others are assumed configured alike", lb.Name, c.NIC.Name, r.Pool.Name)
		}
		return c
	}
	w.drop(NoListener, StepLBRule, lb.ID, r.Name, "no backend of pool %s is in rotation: the NSGs of every one deny health probe %s (TCP %d from AzureLoadBalancer)", r.Pool.Name, r.Probe.Name, r.Probe.Port)
	return nil
}

// selfHairpin is a backend VM (w.sender) sending to its own internal load balancer's frontend:
// a flow the rule maps back to the sender fails
// (learn.microsoft.com/azure/load-balancer/load-balancer-troubleshoot-backend-traffic), and
// which backend a flow maps to is the load balancer's hash of it. It returns the other
// backends in rotation, the connections mapped back failing (the flow is Intermittent), or nil
// with the leg ended when there are none: every connection maps back.
func (w *walker) selfHairpin(lb *model.LoadBalancer, r *model.LBRule) []*model.IPConfig {
	var others []*model.IPConfig
	for _, m := range r.Pool.IPConfigs {
		if m != w.sender && w.inRotation(m, r) {
			others = append(others, m)
		}
	}
	if len(others) == 0 {
		w.drop(NoListener, StepLBRule, lb.ID, r.Name, "rule %s can map the flow only back to %s, which sent it: Azure does not deliver a flow from a backend VM to its own internal load balancer frontend that maps back to it", r.Name, w.sender.NIC.Name)
		return nil
	}
	w.intermittent = true
	w.step(StepLBRule, NoMatch, lb.ID, r.Name, "%s, which sent the flow, is in pool %s: the connections rule %s hashes back to it fail (a backend VM reaching its own internal load balancer frontend); the others reach another backend", w.sender.NIC.Name, r.Pool.Name, r.Name)
	return others
}

// inRotation reports whether backend c takes r's new flows: without a probe every backend is
// assumed healthy, else the one whose rules admit the probe (probeAllowed).
func (w *walker) inRotation(c *model.IPConfig, r *model.LBRule) bool {
	return r.Probe == nil || w.probeAllowed(c, r.Probe)
}

// probeAllowed reports whether the backend's effective rules admit the health probe: TCP from
// 168.63.129.16 (service tag AzureLoadBalancer) to the probe port (load balancer custom probe
// overview: NSGs must allow it).
func (w *walker) probeAllowed(c *model.IPConfig, p *model.LBProbe) bool {
	eff := w.p.ACL.ForIPConfig(c)
	if eff == nil || len(eff.Sets) == 0 {
		return true
	}
	f := acl.Flow{Src: model.AzurePlatformIP, Dst: c.PrivateIP, Proto: model.ProtoTCP, SrcPort: DefaultSourcePort, DstPort: p.Port}
	return eff.Evaluate(model.Inbound, f).Allowed
}

// atInternalLB is a packet at an internal load balancer frontend: as a destination (rule by
// protocol and port, destination translated) or as a route's next hop (an HA ports rule sends
// the packet unchanged to a backend appliance).
func (w *walker) atInternalLB(fe *model.Frontend, nextHop bool) {
	lb := fe.LB
	w.addHop(HopLoadBalancer, lb.Name, lb.ID, fe.PrivateIP)
	if w.basicAcrossRegions(fe) || (!nextHop && w.natRule(fe)) {
		return
	}
	r := matchLBRule(lb, fe, w.pkt)
	if nextHop && r != nil && !r.HAPorts() {
		r = nil
	}
	if r == nil {
		what := "load-balancing rule for " + w.flowText()
		if nextHop {
			what = "HA ports rule, which a load balancer used as a next hop needs"
		}
		w.drop(NoListener, StepLBRule, lb.ID, "", "load balancer %s has no %s on frontend %s", lb.Name, what, fe.Name)
		return
	}
	c := w.pickBackend(lb, r, !nextHop)
	if c == nil {
		return
	}
	if nextHop {
		if w.reply {
			// The trace always follows the pool's first backend, so the reply meets the NVA the
			// request crossed; in Azure that holds only if the load balancer hashes the reply to the
			// same backend, which the snapshot cannot show (spec §1.6: appliances are stateful).
			w.assume("load balancer %s: the reply reaches the same backend (%s) as the request; a reply hashed to another NVA would be dropped by that stateful NVA (NoSession)", lb.Name, c.NIC.Name)
		}
		w.atAppliance(c)
		return
	}
	w.lbToBackend(fe, c, r.BackendPort, r.FloatingIP)
}

// gatewayChain sends the packet through a Gateway Load Balancer's NVA pool over its VXLAN
// tunnels (spec §6): External then Internal toward the application, the reverse toward the
// internet; the packet comes back unchanged. False means the leg has ended.
func (w *walker) gatewayChain(gfe *model.Frontend, towardApp bool) bool {
	lb := gfe.LB
	w.addHop(HopGatewayLB, lb.Name, lb.ID, gfe.PrivateIP)
	pool := gatewayPool(lb, gfe)
	if pool == nil || len(pool.IPConfigs) == 0 {
		if w.poolMayLackNICs(StepTunnel, lb, "", "of "+gfe.Name) {
			return false
		}
		if pool != nil && len(pool.Addresses) > 0 {
			w.drop(InsufficientInformation, StepTunnel, lb.ID, "", "Gateway load balancer %s's pool %s lists NVAs by IP addresses %v, which the snapshot does not tie to a NIC", lb.Name, pool.Name, pool.Addresses)
			return false
		}
		w.drop(NextHopUnreachable, StepTunnel, lb.ID, "", "Gateway load balancer %s has no rule with NVA backends for frontend %s", lb.Name, gfe.Name)
		return false
	}
	first, second := "External", "Internal"
	if !towardApp {
		first, second = second, first
	}
	w.tunnelStep(lb, pool, first)
	nva := pool.IPConfigs[0]
	w.nicHop(nva, HopAppliance)
	w.step(StepPlatform, Allowed, nva.NIC.ID, "", "NVA %s inspects the tunnelled packet and returns it unchanged", nva.NIC.Name)
	w.assume("Gateway load balancer %s: NVA %s is assumed to return every packet unchanged; its own rules are not in the snapshot (spec §6)", lb.Name, nva.NIC.Name)
	w.addHop(HopGatewayLB, lb.Name, lb.ID, gfe.PrivateIP)
	w.tunnelStep(lb, pool, second)
	return true
}

// gatewayPool is the NVA pool a Gateway LB frontend sends to: the pool of a rule on that frontend.
// A snapshot with several such rules (Azure allows one) gets the pool with the lowest ID, not the
// first rule read, so the answer does not depend on the snapshot's order (issue 10).
func gatewayPool(lb *model.LoadBalancer, gfe *model.Frontend) *model.BackendPool {
	var pool *model.BackendPool
	for _, r := range lb.Rules {
		if r.Frontend == gfe && r.Pool != nil && (pool == nil || r.Pool.ID.Key() < pool.ID.Key()) {
			pool = r.Pool
		}
	}
	return pool
}

// tunnelStep: External/Internal VXLAN tunnel interfaces of the pool (spec §6 [GWLB]).
func (w *walker) tunnelStep(lb *model.LoadBalancer, pool *model.BackendPool, typ string) {
	for _, t := range pool.Tunnels {
		if eqFold(t.Type, typ) {
			w.step(StepTunnel, Matched, lb.ID, typ, "%s tunnel: VXLAN port %d, identifier %d, pool %s", typ, t.Port, t.Identifier, pool.Name)
			return
		}
	}
	w.step(StepTunnel, Matched, lb.ID, typ, "%s tunnel of pool %s (no tunnel interface in the snapshot)", typ, pool.Name)
}
