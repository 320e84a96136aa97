package trace

import (
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// atPublicIP is a packet from the internet arriving at a public address (issue 4 part 4): an
// instance public IP, a public load balancer frontend, a firewall public IP (DNAT). A NAT
// gateway address or an address with no public endpoint has no inbound path.
func (w *walker) atPublicIP() {
	if w.reply {
		w.replyAtPublicIP()
		return
	}
	a, x := w.pkt.dst, w.p.Index
	if c, ok := x.IPConfigByPublicIP[a]; ok {
		w.inboundInstance(c)
		return
	}
	if fe, ok := x.FrontendByPublicIP[a]; ok {
		w.inboundLB(fe)
		return
	}
	if fw, ok := x.FirewallByPublicIP[a]; ok {
		w.atFirewall(fw)
		return
	}
	if g, ok := x.AppGatewayByPublicIP[a]; ok {
		w.atAppGatewayFrontend(g)
		return
	}
	if ng, ok := x.NATByPublicIP[a]; ok {
		w.drop(NoInboundPath, StepPlatform, ng.ID, "", "%s belongs to NAT gateway %s, which drops unsolicited inbound traffic (spec §4)", a, ng.Name)
		return
	}
	if pip, ok := w.p.Net.PublicIPByAddr(a); ok {
		if h := holderOf(pip.AttachedTo); h != "" {
			if _, ok := w.p.Net.Lookup(h); !ok {
				w.drop(InsufficientInformation, StepPlatform, pip.ID, "", "public IP %s (%s) is attached to %s, which is not in the snapshot", pip.Name, a, h.Name())
				w.assume("%s holds public IP %s but is not in the snapshot; the answer depends on it", h, pip.Name)
				return
			}
		}
		w.drop(NoInboundPath, StepPlatform, pip.ID, "", "public IP %s (%s) %s", pip.Name, a, unusedPublicIP(pip))
		return
	}
	if !isPublic(a) {
		w.drop(NoInboundPath, StepPlatform, "", "", "%s is a private address: the internet cannot reach it", a)
		return
	}
	w.drop(NoInboundPath, StepPlatform, "", "", "%s is not a public IP of the snapshot", a)
}

// inboundInstance delivers through an instance public IP: 1:1 translation to the private IP.
// learn.microsoft.com/azure/virtual-network/ip-services/public-ip-addresses; GWLB chaining spec §6 [GWLB].
func (w *walker) inboundInstance(c *model.IPConfig) {
	if c.GatewayLB != nil && !w.gatewayChain(c.GatewayLB, true) {
		return
	}
	in := w.pkt
	w.nicHop(c, HopNIC)
	w.pkt.dst = c.PrivateIP
	w.step(StepDnat, Translated, c.PublicIP.ID, c.PublicIP.Name, "instance public IP %s → %s", in.dst, c.PrivateIP)
	w.devices = append(w.devices, device{kind: HopNIC, id: c.PublicIP.ID, in: in, out: w.pkt, ipc: c})
	if w.closedByDefault(c, c.PublicIP.Sku) {
		return
	}
	if !w.filter(c, w.p.ACL.ForIPConfig(c), model.Inbound) {
		return
	}
	w.deliverNIC(c)
}

// replyAtPublicIP is a reply from the internet to the address a forward flow was translated
// to: the translating device undoes it and hands the reply back.
// Only replies pass a translator inbound; unsolicited inbound to a NAT gateway drops (spec §4 [NAT]).
func (w *walker) replyAtPublicIP() {
	for i := len(w.session) - 1; i >= 0; i-- {
		d := w.session[i]
		if d.stateful || d.out.src != w.pkt.dst || d.in.src == d.out.src {
			continue
		}
		want := d.in.reversed()
		switch d.kind {
		case HopNATGateway:
			w.addHop(HopNATGateway, d.id.Name(), d.id, w.pkt.dst)
		case HopLoadBalancer:
			w.addHop(HopLoadBalancer, d.id.Name(), d.id, w.pkt.dst)
		}
		w.step(StepSnat, Translated, d.id, "", "reply translated back: destination %s → %s", addrOr(w.pkt.dst, "the Azure-chosen address"), want.dst)
		w.pkt = want
		w.handBack(d)
		return
	}
	w.drop(NoSession, StepPlatform, "", "", "no translation in the snapshot owns %s: the reply is lost", w.pkt.dst)
}

// handBack continues a reply after a translator undid its SNAT.
func (w *walker) handBack(d device) {
	switch {
	case d.fw != nil:
		w.atFirewall(d.fw)
	case d.ipc != nil && d.ipc.PrivateIP == w.pkt.dst:
		w.atNIC(d.ipc)
	case d.ipc != nil:
		w.atAppliance(d.ipc)
	default:
		w.end(Dropped, NoSession)
	}
}

// closedByDefault drops internet traffic to a Standard public endpoint when no NSG sits on the
// NIC or its subnet (closedWithoutNSG).
func (w *walker) closedByDefault(c *model.IPConfig, sku string) bool {
	if !closedWithoutNSG(c, sku) {
		return false
	}
	if w.rulesMissing(c, model.Inbound) { // an NSG is referenced but absent: it may open the endpoint
		return true
	}
	w.drop(NoInboundPath, StepPlatform, c.NIC.ID, "", "Standard public endpoints are closed to inbound traffic unless an NSG on the NIC or subnet allows it; %s has none", c.NIC.Name)
	return true
}

// closedWithoutNSG reports whether c, behind a public endpoint of sku, is closed to internet
// traffic: Standard public IPs and load balancers are closed to inbound traffic until an NSG on
// the NIC or its subnet allows it [learn.microsoft.com/azure/virtual-network/ip-services/public-ip-addresses#sku].
// An NSG referenced but absent from the snapshot may open it (the caller's to say).
func closedWithoutNSG(c *model.IPConfig, sku string) bool {
	return eqFold(sku, "Standard") && !c.HasNSG()
}

// holderOf is the resource whose ip configuration ID is id (a NIC, load balancer, firewall or
// gateway): id without its last two segments. Empty when id names no ip configuration.
func holderOf(id model.ID) model.ID {
	s := string(id)
	for range 2 {
		i := strings.LastIndexByte(s, '/')
		if i <= 0 {
			return ""
		}
		s = s[:i]
	}
	return model.ID(s)
}

// unusedPublicIP says why a public IP has no inbound path: unattached, or attached to an ip
// configuration that carries no workload traffic (a firewall's management ip configuration, a
// VPN gateway's tunnel endpoint, ...).
func unusedPublicIP(pip *model.PublicIP) string {
	id := string(pip.AttachedTo)
	if id == "" {
		return "is not attached to anything that accepts inbound traffic"
	}
	if i := strings.Index(strings.ToLower(id), "/providers/microsoft.network/"); i >= 0 {
		id = id[i+len("/providers/microsoft.network/"):]
	}
	return "is attached to " + id + ", not an inbound destination for workload traffic (only NIC, public load balancer and firewall public IPs are)"
}
