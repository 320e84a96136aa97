package check

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Virtual WAN routing mistakes (docs/azure-semantics.md §1.11). Sources:
// [VWANR] learn.microsoft.com/azure/virtual-wan/about-virtual-hub-routing;
// [VWANRI] learn.microsoft.com/azure/virtual-wan/how-to-routing-policies.
var virtualWanRouting = Check{
	Name:     "virtual-wan-routing",
	Code:     CodeVirtualWanRouting,
	Evidence: []string{"hub", "issue"},
	Doc:      "Virtual WAN hubs routed the way Microsoft documents as a mistake: a VNet connection other connections cannot reach, a connected range outside routing intent's private prefixes, a secured hub whose firewall no route uses.",
	Run:      runVirtualWanRouting,
}

// runVirtualWanRouting costs nothing for an estate without Virtual WAN hubs.
func runVirtualWanRouting(pass *Pass) []Finding {
	p := pass.Plane
	var out []Finding
	for _, h := range p.Net.VirtualHubs {
		hr := p.FIB.HubRouter(h)
		if hr == nil {
			continue
		}
		if in := h.Intent; in != nil && in.Private != nil {
			out = append(out, privatePrefixGaps(h)...)
		} else {
			out = append(out, unreachableConnections(h, hr.Entries)...)
		}
		if f, ok := unusedHubFirewall(h, hr.Entries); ok {
			out = append(out, f)
		}
	}
	return out
}

// privatePrefixGaps: with a Private Traffic policy, Virtual WAN sends only RFC 1918 and the
// additional private prefixes to the next hop; "if you use non-RFC1918 address ranges in your
// virtual networks or branches, add them as additional prefixes" [VWANRI]. A connected range
// outside them is routed around the firewall one way and to it the other (AsymmetricReturn).
func privatePrefixGaps(h *model.VirtualHub) []Finding {
	var out []Finding
	gap := func(id model.ID, name string, ps []netip.Prefix) {
		for _, p := range ps {
			if coveredBy(h.Intent.PrivatePrefixes, p) {
				continue
			}
			what := fmt.Sprintf("%s's range %s is outside the private traffic prefixes of routing intent on hub %s", name, p, h.Name)
			out = append(out, Finding{Code: CodeVirtualWanRouting, Severity: Error,
				Title:     what,
				Message:   what + ": traffic to it is not sent to " + h.Intent.Private.NextHop.Name() + " and replies are, so flows break or bypass inspection.",
				Resources: ids(id, h.Intent.ID),
				Evidence: map[string]any{"hub": h.Name, "issue": "PrivatePrefixNotCovered", "connection": name,
					"prefix": p.String(), "privatePrefixes": prefixStrings(h.Intent.PrivatePrefixes)},
				Fix: "Add " + p.String() + " to the hub's private traffic prefixes (routing intent, additional prefixes) [" + srcVWANRI + "].",
			})
		}
	}
	for _, c := range h.Connections {
		if c.VNet != nil {
			gap(c.ID, c.Name, c.VNet.AddressSpace)
		}
	}
	for _, b := range h.Branches {
		gap(b.ID, b.Name, b.Prefixes)
	}
	return out
}

const (
	srcVWANR  = "learn.microsoft.com/azure/virtual-wan/about-virtual-hub-routing"
	srcVWANRI = "learn.microsoft.com/azure/virtual-wan/how-to-routing-policies"
)

func coveredBy(ps []netip.Prefix, p netip.Prefix) bool {
	for _, x := range ps {
		if x.Bits() <= p.Bits() && x.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// unreachableConnections: without routing intent, a connection reaches what the table it is
// associated with holds; "by default, all connections associate and propagate to the Default
// route table" [VWANR]. A VNet connection whose ranges are in none of the tables other
// connections and branches are associated with cannot be reached from them (a spoke that
// propagates to the None route table, or to a table nobody is associated with). Isolation can be
// intended ([VWANR] custom isolation scenarios): a Warning, naming who cannot reach it.
func unreachableConnections(h *model.VirtualHub, entries func(*model.HubRouteTable) []fib.HubEntry) []Finding {
	var out []Finding
	for _, c := range h.Connections {
		if c.VNet == nil || len(c.VNet.AddressSpace) == 0 {
			continue
		}
		var blind []string
		var tables []string
		for _, t := range h.Tables {
			if holdsRange(entries(t), c) { // the usual case: skip naming who is associated
				continue
			}
			from := associatedWith(h, t, c)
			if len(from) == 0 {
				continue
			}
			blind = append(blind, from...)
			tables = append(tables, t.Name)
		}
		if len(blind) == 0 {
			continue
		}
		what := fmt.Sprintf("connection %s (%s) is in no route of hub %s's %s, so %s cannot reach it",
			c.Name, c.VNet.Name, h.Name, strings.Join(tables, ", "), strings.Join(blind, ", "))
		out = append(out, Finding{Code: CodeVirtualWanRouting, Severity: Warning, Title: what, Message: what + ".",
			Resources: ids(c.ID),
			Evidence: map[string]any{"hub": h.Name, "issue": "ConnectionNotPropagated", "connection": c.Name,
				"routeTables": tables, "unreachableFrom": blind},
			Fix: "Propagate " + c.Name + " to " + strings.Join(tables, ", ") + " (or a label they carry), unless the isolation is intended [" + srcVWANR + "].",
		})
	}
	return out
}

// associatedWith names the connections and branches other than c associated with t.
func associatedWith(h *model.VirtualHub, t *model.HubRouteTable, c *model.HubConnection) []string {
	var out []string
	for _, x := range h.Connections {
		if x != c && x.VNet != nil && x.Associated() == t {
			out = append(out, x.Name)
		}
	}
	for _, b := range h.Branches {
		if b.Associated() == t {
			out = append(out, b.Name)
		}
	}
	return out
}

// holdsRange reports whether some entry of the table leads to every range of c's VNet: a route
// to c itself, or a covering route (a static route to the firewall or an NVA counts).
func holdsRange(es []fib.HubEntry, c *model.HubConnection) bool {
	for _, r := range c.VNet.AddressSpace {
		found := false
		for i := range es {
			if es[i].Prefix.Bits() > 0 && es[i].Prefix.Bits() <= r.Bits() && es[i].Prefix.Contains(r.Addr()) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// unusedHubFirewall: a secured hub inspects traffic only through routing intent or hub routes
// whose next hop is its firewall ([VWANRI]: "Virtual WAN hub routing intent allows you to …
// send traffic to … Azure Firewall"); with neither, the firewall sees nothing.
func unusedHubFirewall(h *model.VirtualHub, entries func(*model.HubRouteTable) []fib.HubEntry) (Finding, bool) {
	fw := h.Firewall
	if fw == nil || h.Intent != nil {
		return Finding{}, false
	}
	for _, t := range h.Tables {
		for _, e := range entries(t) {
			if e.Firewall == fw {
				return Finding{}, false
			}
		}
	}
	what := fmt.Sprintf("hub %s is secured by firewall %s, but neither routing intent nor a hub route sends traffic to it", h.Name, fw.Name)
	return Finding{Code: CodeVirtualWanRouting, Severity: Warning, Title: what, Message: what + ": nothing is inspected.",
		Resources: ids(h.ID, fw.ID), Evidence: map[string]any{"hub": h.Name, "issue": "FirewallNotUsed", "firewall": fw.Name},
		Fix: "Configure routing intent (private and/or internet policy) with " + fw.Name + " as next hop [" + srcVWANRI + "]."}, true
}
