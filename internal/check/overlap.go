package check

import (
	"fmt"
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Overlapping address spaces cannot be peered: learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering [PEER].
var addressSpaceOverlap = Check{
	Name:     "address-space-overlap",
	Code:     CodeAddressSpaceOverlap,
	Evidence: []string{"prefix"},
	Doc:      "VNets whose address ranges overlap and that are peered, try to peer, or share a hub.",
	Run:      runAddressSpaceOverlap,
}

const overlapFix = "Ways out, least disruptive first: peer only distinct subnets (subnet peering, " +
	"peerCompleteVnets=false, listing non-overlapping subnets on both sides); connect through a Virtual " +
	"Network Manager mesh of non-overlapping groups; publish the overlapping workload through private-IP DNAT " +
	"on the hub firewall; or translate with NAT rules on a VPN gateway. Re-addressing one VNet is the only " +
	"complete fix."

// runAddressSpaceOverlap reports, once per VNet pair, an Error when the two overlap and are
// linked by a peering in any state (Azure refuses or half-builds such a peering, spec §1.3), or
// are both linked (in any state) to the same VNet: Azure refuses to peer a VNet with a range that
// overlaps one it already peers with, and a hub with both would learn one range twice (the
// merger case: a new VNet reusing a spoke's range tries to peer with the hub).
func runAddressSpaceOverlap(pass *Pass) []Finding {
	p := pass.Plane
	var out []Finding
	seen := map[[2]*model.VNet]bool{}
	for _, v := range p.Net.VNets {
		for _, pr := range v.Peerings {
			// A VNet cannot peer with itself (Azure rejects it); that is not an overlap between two estates.
			if pr.Remote == nil || pr.Remote == v || seen[pairKey(v, pr.Remote)] {
				continue
			}
			seen[pairKey(v, pr.Remote)] = true
			if f, ok := peeredOverlap(v, pr); ok {
				out = append(out, f)
			}
		}
	}
	links := linkedVNets(p.Net)
	for _, hub := range p.Net.VNets {
		out = append(out, sharedHubOverlaps(hub, links[hub], seen)...)
	}
	return out
}

func pairKey(a, b *model.VNet) [2]*model.VNet {
	if a.ID.Key() > b.ID.Key() {
		a, b = b, a
	}
	return [2]*model.VNet{a, b}
}

// peeredOverlap compares the two VNets' ranges, or for a subnet peering only the subnets it
// connects (overlapping VNets may peer distinct subnets).
func peeredOverlap(v *model.VNet, pr *model.Peering) (Finding, bool) {
	local, remote := v.AddressSpace, pr.Remote.AddressSpace
	if !pr.PeerCompleteVNets && len(pr.LocalSubnetNames) > 0 {
		local, remote = peeredSubnetPrefixes(v, pr.LocalSubnetNames), pr.RemotePrefixes()
	}
	x, ok := firstOverlap(local, remote)
	if !ok {
		return Finding{}, false
	}
	res := []model.ID{v.ID, pr.Remote.ID, pr.ID}
	if r := pr.Reverse(); r != nil {
		res = append(res, r.ID)
	}
	return Finding{
		Code: CodeAddressSpaceOverlap, Severity: Error,
		Title: fmt.Sprintf("%s and %s overlap on %s and are peered", v.Name, pr.Remote.Name, x),
		Message: fmt.Sprintf("VNets %s (%v) and %s (%v) overlap on %s; Azure cannot route between "+
			"overlapping peered ranges, so the peering %s (state %s) cannot carry that traffic.",
			v.Name, prefixStrings(v.AddressSpace), pr.Remote.Name, prefixStrings(pr.Remote.AddressSpace), x, pr.Name, pr.State),
		Resources: ids(res...),
		Evidence: map[string]any{"prefix": x.String(), "vnets": []string{v.Name, pr.Remote.Name},
			"peeringState": pr.State},
		Fix: overlapFix,
	}, true
}

func peeredSubnetPrefixes(v *model.VNet, names []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range v.Subnets {
		for _, n := range names {
			if isSubnetNamed(s, n) {
				out = append(out, s.Prefixes...)
			}
		}
	}
	return out
}

// firstOverlap returns the first intersection between two prefix lists, in list order.
func firstOverlap(a, b []netip.Prefix) (netip.Prefix, bool) {
	for _, x := range a {
		for _, y := range b {
			if o, ok := overlap(x, y); ok {
				return o, true
			}
		}
	}
	return netip.Prefix{}, false
}

// linkedVNets maps each VNet to the VNets linked with it by a peering link in either direction,
// whatever its state, in network order.
func linkedVNets(n *model.Network) map[*model.VNet][]*model.VNet {
	out := map[*model.VNet][]*model.VNet{}
	add := func(a, b *model.VNet) {
		if !containsVNet(out[a], b) {
			out[a] = append(out[a], b)
		}
	}
	for _, v := range n.VNets {
		for _, pr := range v.Peerings {
			if pr.Remote != nil && pr.Remote != v {
				add(v, pr.Remote)
				add(pr.Remote, v)
			}
		}
	}
	return out
}

// sharedHubOverlaps reports overlapping VNets that are both linked with hub but not with each other.
func sharedHubOverlaps(hub *model.VNet, peers []*model.VNet, seen map[[2]*model.VNet]bool) []Finding {
	var out []Finding
	for i, a := range peers {
		for _, b := range peers[i+1:] {
			k := pairKey(a, b)
			if seen[k] {
				continue
			}
			x, ok := firstOverlap(a.AddressSpace, b.AddressSpace)
			if !ok {
				continue
			}
			seen[k] = true
			out = append(out, Finding{
				Code: CodeAddressSpaceOverlap, Severity: Error,
				Title: fmt.Sprintf("%s and %s overlap on %s and both peer with %s", a.Name, b.Name, x, hub.Name),
				Message: fmt.Sprintf("VNets %s and %s both have peerings with %s (%s, %s) and overlap on %s: Azure "+
					"refuses to connect a peering whose range overlaps an already peered VNet, and a hub holding both "+
					"could reach only one of them.", a.Name, b.Name, hub.Name, linkState(hub, a), linkState(hub, b), x),
				Resources: ids(a.ID, b.ID, hub.ID),
				Evidence: map[string]any{"prefix": x.String(), "vnets": []string{a.Name, b.Name}, "hub": hub.Name,
					"peeringStates": []string{linkState(hub, a), linkState(hub, b)}},
				Fix: overlapFix,
			})
		}
	}
	return out
}

// linkState describes the peering between hub and v: "Connected", or the two links' states.
func linkState(hub, v *model.VNet) string {
	st := func(from, to *model.VNet) string {
		for _, pr := range from.Peerings {
			if pr.Remote == to {
				return pr.State
			}
		}
		return "Missing"
	}
	a, b := st(hub, v), st(v, hub)
	if a == b {
		return v.Name + " " + a
	}
	return fmt.Sprintf("%s %s/%s", v.Name, a, b)
}
