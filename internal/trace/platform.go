package trace

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// broadcast is the limited broadcast address, which the platform never carries (spec §2.6).
var broadcast = netip.MustParseAddr("255.255.255.255")

// platformBlocked drops what the platform never carries (spec §2.6 [FAQ]): protocols other
// than TCP, UDP, ICMP, ESP and AH; multicast and broadcast destinations.
func (w *walker) platformBlocked(src endpoint) bool {
	why := ""
	switch {
	case w.pkt.proto == model.ProtoOther:
		why = "Azure virtual networks carry only TCP, UDP, ICMP, ESP and AH"
	case w.pkt.dst.IsMulticast():
		why = w.pkt.dst.String() + " is a multicast address; Azure virtual networks do not carry multicast"
	case w.pkt.dst == broadcast:
		why = "Azure virtual networks do not carry broadcast"
	default:
		return false
	}
	w.addHop(sourceKind(src), "", "", src.addr)
	w.drop(PlatformBlocked, StepPlatform, "", "", "%s (spec §2.6)", why)
	return true
}

func sourceKind(e endpoint) HopKind {
	switch e.kind {
	case epInternet:
		return HopInternet
	case epOnPrem:
		return HopOnPremises
	case epFirewall:
		return HopFirewall
	}
	return HopNIC
}

// platformDestination delivers to the wire server or IMDS: always reachable from a VM, not
// filtered by NSG rules, not subject to UDRs (spec §2.6).
func (w *walker) platformDestination(c *model.IPConfig) bool {
	if !model.IsPlatformAddr(w.pkt.dst) {
		return false
	}
	name := "Azure DNS / wire server"
	if w.pkt.dst == model.IMDSAddr {
		name = "instance metadata service"
	}
	if eff := w.p.ACL.ForIPConfig(c); eff != nil {
		// Only the AzurePlatformDNS / AzurePlatformIMDS tags can deny it (spec §2.6); acl knows.
		if r := eff.Evaluate(model.Outbound, w.pkt.flow()); !r.Allowed {
			w.levelSteps(r, model.Outbound, "")
			w.end(Dropped, causeOf(r))
			return true
		}
	}
	w.step(StepPlatform, Allowed, "", "", "%s (%s) is reachable from every VM: no NSG rules, no UDRs (spec §2.6)", w.pkt.dst, name)
	w.addHop(HopAzureService, name, "", w.pkt.dst)
	w.step(StepDeliver, Allowed, "", "", "delivered to the %s", name)
	w.final = platformFinal{}
	w.sender = c
	w.end(Delivered, "")
	return true
}

// platformFinal marks a flow delivered to a platform address.
type platformFinal struct{}

func eqFold(a, b string) bool { return strings.EqualFold(a, b) }
