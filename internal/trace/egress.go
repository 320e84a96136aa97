package trace

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// toInternet follows an Internet next hop (spec §1.6): the subnet's outbound method (spec §4)
// translates the source, then the packet leaves Azure, or re-enters at a public IP the snapshot owns.
func (w *walker) toInternet(s *model.Subnet) {
	if !isPublic(w.pkt.dst) {
		w.addHop(HopInternet, "internet", "", w.pkt.dst)
		w.drop(NoListener, StepDeliver, "", "", "%s is not a public address: the internet does not route it", w.pkt.dst)
		return
	}
	if w.reply {
		w.replyEgress()
		return
	}
	if !w.egressSNAT(s) {
		return
	}
	w.exitOrEnter()
}

// exitOrEnter leaves to the internet, or crosses it to a public IP of the snapshot.
// Next hop Internet: spec §1.6, §4 [UDR, NAT].
func (w *walker) exitOrEnter() {
	w.addHop(HopInternet, "internet", "", w.pkt.dst)
	if w.ownsPublic(w.pkt.dst) {
		w.step(StepRoute, Matched, "", "", "crosses the internet to %s, a public IP in the snapshot", w.pkt.dst)
		w.srcSet = nil
		w.atPublicIP()
		return
	}
	w.step(StepDeliver, Allowed, "", "", "leaves Azure to the internet from %s", addrOr(w.pkt.src, "an Azure-chosen address"))
	w.end(ExitedToInternet, "")
}

func addrOr(a netip.Addr, alt string) string {
	if a.IsValid() {
		return a.String()
	}
	return alt
}

func (w *walker) ownsPublic(a netip.Addr) bool {
	_, ok := w.p.Net.PublicIPByAddr(a)
	return ok
}

// egressSNAT applies the outbound method of spec §4 that dataplane.Egress chooses (the
// 0/0-to-appliance case was decided by routing). False means the leg has ended.
func (w *walker) egressSNAT(s *model.Subnet) bool {
	if fw := w.senderFW; fw != nil {
		return w.firewallEgress(fw)
	}
	c := w.sender
	if c == nil {
		w.assume("traffic that entered from on-premises and leaves to the internet is assumed to keep its source")
		return true
	}
	o := dataplane.Egress(c, s, w.pkt.proto, w.ans.Query.Assume)
	if o.PoolLB != nil {
		w.choice(assume.LBPoolDefaultOutbound)
	}
	switch o.Kind {
	case dataplane.NATGatewayOutbound:
		return w.natGateway(o.NATGateway, c, nil)
	case dataplane.InstancePublicIP:
		if c.GatewayLB != nil && !w.gatewayChain(c.GatewayLB, false) {
			return false
		}
		w.snat(HopNIC, o.PublicIP.ID, o.PublicIP.Name, o.PublicIP.Address, c, nil, "instance public IP (spec §4)")
		return true
	case dataplane.LBOutboundRule:
		return w.lbSNAT(o.Rule.Pool.LB, o.Frontend, o.Rule.Name, c, "load balancer outbound rule (spec §4)")
	case dataplane.LBRuleSNAT:
		r := o.LBRule
		return w.lbSNAT(r.Pool.LB, o.Frontend, r.Name, c, "load-balancing rule "+r.Name+" without disableOutboundSnat (spec §4)")
	case dataplane.NoOutbound:
		if r := o.Rule; r != nil {
			w.drop(NoOutboundAccess, StepSnat, r.Pool.LB.ID, r.Name, "outbound rule %s translates its pool's outbound %s only, not %s, and a member of a pool with outbound rules has no default outbound access (spec §4)",
				r.Name, ruleTransport(r.Protocol), w.pkt.proto)
			return false
		}
		if lb := o.PoolLB; lb != nil {
			w.drop(NoOutboundAccess, StepSnat, lb.ID, "", "%s is in a backend pool of Standard public load balancer %s, which translates none of its %s traffic: assumed to have no default outbound access (--assume lb-pool-default-outbound=%s; spec §4)",
				nicLabel(c), lb.Name, w.pkt.proto, w.ans.Query.Assume.Value(assume.LBPoolDefaultOutbound))
			return false
		}
	}
	if r := dataplane.RuleSNAT(c, model.ProtoAny); r != nil {
		// "Outbound SNAT programming depends on the transport protocol of the inbound
		// load-balancing rule" (dataplane.RuleSNAT); what other traffic does, no source says.
		w.assume("load-balancing rule %s translates its backends' outbound %s only; this %s flow is assumed to leave as subnet %s lets it without the rule (spec §4)",
			r.Name, ruleTransport(r.Protocol), w.pkt.proto, s.Name)
	}
	return w.withoutMethod(o, c, s)
}

// withoutMethod is egress when no explicit outbound method translates (o): default outbound
// access where Egress grants it, else the flow is dropped (spec §4).
func (w *walker) withoutMethod(o dataplane.Outbound, c *model.IPConfig, s *model.Subnet) bool {
	if o.Kind == dataplane.DefaultOutbound {
		w.assume("subnet %s reaches the internet by default outbound access: Azure picks the public address, which is not in the snapshot (spec §4)", s.Name)
		if lb := o.PoolLB; lb != nil {
			w.assume("%s is in a backend pool of Standard public load balancer %s, which Microsoft's pages disagree on: it may have no default outbound access (--assume lb-pool-default-outbound=lost; spec §4)", nicLabel(c), lb.Name)
		}
		w.snat(HopNIC, s.ID, "", netip.Addr{}, c, nil, "default outbound access (spec §4)")
		return true
	}
	w.drop(NoOutboundAccess, StepSnat, s.ID, "", "subnet %s has defaultOutboundAccess=false and no NAT gateway, instance public IP or load balancer rule that translates %s (spec §4)", s.Name, w.pkt.proto)
	return false
}

// lbSNAT translates at a load balancer's frontend fe (of lb unless fe names its own), by rule,
// after the Gateway Load Balancer chained to fe when there is one (spec §6).
func (w *walker) lbSNAT(lb *model.LoadBalancer, fe *model.Frontend, rule string, c *model.IPConfig, how string) bool {
	addr := netip.Addr{}
	if fe != nil && fe.LB != nil {
		lb = fe.LB
	}
	if fe != nil && fe.PublicIP != nil {
		addr = fe.PublicIP.Address
	}
	w.addHop(HopLoadBalancer, lb.Name, lb.ID, addr)
	if fe != nil && fe.GatewayLB != nil && !w.gatewayChain(fe.GatewayLB, false) {
		return false
	}
	w.snat(HopLoadBalancer, lb.ID, rule, addr, c, nil, how)
	return true
}

// ruleTransport names the transport protocols a load balancer rule of protocol p translates.
func ruleTransport(p model.Protocol) string {
	if p == model.ProtoAny {
		return "TCP and UDP"
	}
	return p.String()
}

// snat translates the source and remembers the translation for the reply.
// Translations are undone on the reply: spec §2.1 stateful [NSG], §3.3 [FWSNAT], §4 [NAT].
func (w *walker) snat(kind HopKind, id model.ID, rule string, to netip.Addr, c *model.IPConfig, fw *model.Firewall, how string) {
	in := w.pkt
	w.pkt.src, w.srcSet = to, nil
	w.step(StepSnat, Translated, id, rule, "source %s → %s by %s", in.src, addrOr(to, "an Azure-chosen address"), how)
	w.devices = append(w.devices, device{kind: kind, id: id, in: in, out: w.pkt, ipc: c, fw: fw})
}

// natGateway translates at a NAT gateway: TCP and UDP only (spec §4 [NAT]).
func (w *walker) natGateway(ng *model.NATGateway, c *model.IPConfig, fw *model.Firewall) bool {
	addr := natAddress(ng)
	w.addHop(HopNATGateway, ng.Name, ng.ID, addr)
	if w.pkt.proto != model.ProtoTCP && w.pkt.proto != model.ProtoUDP {
		w.drop(NoOutboundAccess, StepSnat, ng.ID, "", "NAT gateway %s carries only TCP and UDP (spec §4)", ng.Name)
		return false
	}
	if !addr.IsValid() {
		w.drop(NoOutboundAccess, StepSnat, ng.ID, "", "NAT gateway %s has no public IP in the snapshot", ng.Name)
		return false
	}
	if n := len(ng.PublicIPs); n > 1 {
		w.assume("NAT gateway %s has %d public IPs; the trace shows the first, any of them may be used", ng.Name, n)
	}
	w.snat(HopNATGateway, ng.ID, "", addr, c, fw, "NAT gateway "+ng.Name+" (spec §4)")
	return true
}

func natAddress(ng *model.NATGateway) netip.Addr {
	for _, p := range ng.PublicIPs {
		if p != nil && p.Address.IsValid() {
			return p.Address
		}
	}
	for _, p := range ng.PublicIPPrefixes {
		return p.Addr()
	}
	return netip.Addr{}
}

// firewallEgress translates what a firewall sends to the internet: the NAT gateway on
// AzureFirewallSubnet when there is one (firewall.NATGatewayOf), else a firewall public IP
// (spec §3.3, §3.4).
func (w *walker) firewallEgress(fw *model.Firewall) bool {
	if ng := firewall.NATGatewayOf(fw); ng != nil {
		return w.natGateway(ng, nil, fw)
	}
	var pip *model.PublicIP
	for _, p := range fw.PublicIPs {
		if p != nil && p.Address.IsValid() {
			pip = p
			break
		}
	}
	if pip == nil {
		if m := w.p.Net.MissingFrom(fw.ID); len(m) > 0 { // a public IP it names may be among them
			w.drop(InsufficientInformation, StepSnat, fw.ID, "", "firewall %s has no public IP in the snapshot; it references %s, which the snapshot lacks", fw.Name, m[0].Name())
			w.assume("firewall %s references %s, which is not in the snapshot; the answer depends on it", fw.Name, m[0])
			return false
		}
		w.drop(NoOutboundAccess, StepSnat, fw.ID, "", "firewall %s has no public IP in the snapshot to leave from", fw.Name)
		return false
	}
	if len(fw.PublicIPs) > 1 {
		w.assume("firewall %s has %d public IPs; the trace shows the first, any of them may be used for SNAT", fw.Name, len(fw.PublicIPs))
	}
	w.snat(HopFirewall, fw.ID, "", pip.Address, nil, fw, "firewall public IP "+pip.Name+" (spec §3.3)")
	for i := len(w.devices) - 2; i >= 0; i-- {
		if w.devices[i].id.Equal(fw.ID) && w.devices[i].stateful {
			w.devices[i].out = w.pkt
			break
		}
	}
	return true
}

// replyEgress sends a reply to an internet client: it must leave through the public endpoint
// the request came in by, which undoes its translation; any other way the client drops it.
// Return through the translating endpoint: spec §4 [NAT, DOA], §6 [GWLB].
func (w *walker) replyEgress() {
	if isPublic(w.pkt.src) {
		w.exitReply() // already translated back (firewall DNAT)
		return
	}
	for i := len(w.session) - 1; i >= 0; i-- {
		d := w.session[i]
		if d.ipc == nil || d.ipc != w.sender || d.stateful || d.in.dst == d.out.dst {
			continue
		}
		want := d.in.reversed()
		if d.fe != nil {
			w.addHop(HopLoadBalancer, d.fe.LB.Name, d.fe.LB.ID, want.src)
		}
		w.step(StepDnat, Translated, d.id, "", "reply translated back: source %s → %s", w.pkt.src, want.src)
		w.pkt = want
		if gl := chainedGateway(d); gl != nil && !w.gatewayChain(gl, false) {
			return
		}
		w.exitReply()
		return
	}
	w.addHop(HopInternet, "internet", "", w.pkt.dst)
	w.drop(NoSession, StepPlatform, "", "", "the reply leaves from %s, not the public address the client sent to: the client drops it", w.pkt.src)
}

func (w *walker) exitReply() {
	w.addHop(HopInternet, "internet", "", w.pkt.dst)
	w.step(StepDeliver, Allowed, "", "", "reply leaves Azure to %s from %s", w.pkt.dst, w.pkt.src)
	w.end(ExitedToInternet, "")
}

// chainedGateway is the Gateway LB frontend chained to the public endpoint a translator used.
// spec §6 [GWLB].
func chainedGateway(d device) *model.Frontend {
	if d.fe != nil {
		return d.fe.GatewayLB
	}
	if d.ipc != nil {
		return d.ipc.GatewayLB
	}
	return nil
}
