package check

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Overlaps that VPN gateway NAT or a Virtual Network Manager mesh change (issue 15 items 3 and 4).

// vpnNATFix is offered only for an overlap with an on-premises site: VPN gateway NAT "supports
// the first scenario to connect on-premises networks or branch offices to an Azure virtual
// network with overlapping IP addresses", on IPsec cross-premises connections only, never
// VNet-to-VNet (learn.microsoft.com/azure/vpn-gateway/nat-overview).
const vpnNATFix = "Add static NAT rules on the VPN gateway and link them to the connection: an IngressSnat rule mapping " +
	"the site's range to an unused one, and an EgressSnat rule for the VNet's range when the site overlaps the VNet " +
	"(VPN gateway NAT, IPsec connections only). Re-addressing one side is the only complete fix."

// extraOverlaps are the overlaps beyond peered VNets: an on-premises site whose (post-NAT)
// prefixes overlap its gateway's VNet or another site of the same gateway, and members of one
// connected group whose subnets overlap.
func extraOverlaps(n *model.Network) []Finding {
	var out []Finding
	for _, gw := range n.VNetGateways {
		out = append(out, siteOverlaps(gw)...)
	}
	seen := map[[2]*model.VNet]bool{}
	spaces := map[*model.ConnectedGroup]map[[2]*model.VNet]bool{}
	for _, v := range n.VNets {
		for _, g := range v.ConnectedGroups {
			if spaces[g] == nil {
				spaces[g] = spaceOverlaps(g.Members)
			}
			out = append(out, groupOverlaps(v, g, seen, spaces[g])...)
		}
	}
	return out
}

// spaceOverlaps is the pairs of vs whose address spaces overlap, by the sweep of
// overlappingPairs: a subnet lies inside its VNet's address space, so only those pairs can
// have overlapping subnets, and a mesh of n members is not compared n² times.
func spaceOverlaps(vs []*model.VNet) map[[2]*model.VNet]bool {
	out := map[[2]*model.VNet]bool{}
	for _, pr := range overlappingPairs(vs) {
		out[pairKey(vs[pr[0]], vs[pr[1]])] = true
	}
	return out
}

// siteOverlaps compares each IPsec connection's on-premises prefixes, as Azure routes them (after
// the connection's IngressSnat rules), with the gateway VNet's ranges (before its EgressSnat
// rules hide them from the site) and with the other connections' prefixes. An overlap NAT
// already resolves is not reported.
func siteOverlaps(gw *model.VNetGateway) []Finding {
	var out []Finding
	var conns []*model.Connection
	for _, c := range gw.Connections {
		if c.Local != nil && strings.EqualFold(c.Type, "IPsec") {
			conns = append(conns, c)
		}
	}
	for i, c := range conns {
		site := c.TranslatedPrefixes(c.Local.Prefixes)
		if gw.VNet != nil && len(c.EgressNAT) == 0 {
			if x, ok := firstOverlap(site, gw.VNet.AddressSpace); ok {
				out = append(out, siteFinding(gw, c, nil, gw.VNet.Name, x))
			}
		}
		for _, d := range conns[i+1:] {
			if d.Local == c.Local {
				continue // two connections to one site (redundancy), one address space
			}
			if x, ok := firstOverlap(site, d.TranslatedPrefixes(d.Local.Prefixes)); ok {
				out = append(out, siteFinding(gw, c, d, d.Local.Name, x))
			}
		}
	}
	return out
}

func siteFinding(gw *model.VNetGateway, c, d *model.Connection, other string, x netip.Prefix) Finding {
	res := []model.ID{c.Local.ID, c.ID, gw.ID}
	if d != nil {
		res = append(res, d.ID)
	}
	return Finding{Code: CodeAddressSpaceOverlap, Severity: Error,
		Title: fmt.Sprintf("on-premises site %s overlaps %s on %s", c.Local.Name, other, x),
		Message: fmt.Sprintf("Local network gateway %s (connection %s of gateway %s) overlaps %s on %s: without NAT, "+
			"the gateway cannot tell the two apart and the connection cannot be created.", c.Local.Name, c.Name, gw.Name, other, x),
		Resources: ids(res...),
		Evidence:  map[string]any{"prefix": x.String(), "site": c.Local.Name, "overlaps": other},
		Fix:       vpnNATFix,
	}
}

// groupOverlaps reports members of connected group g (seen from v) whose subnets overlap: "Virtual
// network address spaces can overlap in a mesh configuration … However, traffic to the specific
// overlapping subnets is dropped, since routing is non-deterministic"
// (learn.microsoft.com/azure/virtual-network-manager/concept-connectivity-configuration). A Warning:
// Azure accepts the configuration.
// spaces holds the members whose address spaces overlap (spaceOverlaps).
func groupOverlaps(v *model.VNet, g *model.ConnectedGroup, seen, spaces map[[2]*model.VNet]bool) []Finding {
	var out []Finding
	for _, m := range g.Members {
		if m == v {
			continue
		}
		k := pairKey(v, m)
		if seen[k] {
			continue
		}
		seen[k] = true
		if !spaces[k] {
			continue
		}
		if x, ok := firstOverlap(subnetPrefixes(v), subnetPrefixes(m)); ok {
			out = append(out, Finding{Code: CodeAddressSpaceOverlap, Severity: Warning,
				Title: fmt.Sprintf("%s and %s overlap on %s in connected group %s", v.Name, m.Name, x, g.Name),
				Message: fmt.Sprintf("VNets %s and %s are members of Virtual Network Manager connected group %s and have "+
					"overlapping subnets on %s: a mesh accepts overlapping address spaces, but traffic to the overlapping "+
					"subnets is dropped because routing to them is non-deterministic.", v.Name, m.Name, g.Name, x),
				Resources: ids(v.ID, m.ID, g.ID),
				Evidence:  map[string]any{"prefix": x.String(), "vnets": []string{v.Name, m.Name}, "connectedGroup": g.Name},
				Fix: "Re-address one of the subnets, or take one VNet out of the network group; VPN gateway NAT does not " +
					"apply between VNets.",
			})
		}
	}
	return out
}

func subnetPrefixes(v *model.VNet) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range v.Subnets {
		out = append(out, s.Prefixes...)
	}
	return out
}
