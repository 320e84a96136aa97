package check

import (
	"fmt"
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// This file keeps the original, pairwise AddressSpaceOverlap as a slow, obviously correct twin
// of overlap.go: every pair of VNets linked with a hub is compared prefix by prefix. The
// equivalence test in overlap_equiv_test.go asserts that both give identical findings.

func slowAddressSpaceOverlap(pass *Pass) []Finding {
	p := pass.Plane
	var out []Finding
	seen := map[[2]*model.VNet]bool{}
	for _, v := range p.Net.VNets {
		for _, pr := range v.Peerings {
			if pr.Remote == nil || pr.Remote == v || seen[pairKey(v, pr.Remote)] {
				continue
			}
			seen[pairKey(v, pr.Remote)] = true
			if f, ok := slowPeeredOverlap(v, pr); ok {
				out = append(out, f)
			}
		}
	}
	links := slowLinkedVNets(p.Net)
	for _, hub := range p.Net.VNets {
		out = append(out, slowSharedHubOverlaps(hub, links[hub], seen)...)
	}
	return out
}

func slowPeeredOverlap(v *model.VNet, pr *model.Peering) (Finding, bool) {
	local, remote := v.AddressSpace, pr.Remote.AddressSpace
	if !pr.PeerCompleteVNets && len(pr.LocalSubnetNames) > 0 {
		local, remote = slowPeeredSubnetPrefixes(v, pr.LocalSubnetNames), pr.RemotePrefixes()
	}
	x, ok := slowFirstOverlap(local, remote)
	if !ok {
		return Finding{}, false
	}
	res := []model.ID{v.ID, pr.Remote.ID, pr.ID}
	if r := pr.Reverse(); r != nil {
		res = append(res, r.ID)
	}
	return Finding{
		Code: "AddressSpaceOverlap", Severity: Error,
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

func slowPeeredSubnetPrefixes(v *model.VNet, names []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range v.Subnets {
		for _, n := range names {
			if s.Named(n) {
				out = append(out, s.Prefixes...)
			}
		}
	}
	return out
}

func slowFirstOverlap(a, b []netip.Prefix) (netip.Prefix, bool) {
	for _, x := range a {
		for _, y := range b {
			if o, ok := overlap(x, y); ok {
				return o, true
			}
		}
	}
	return netip.Prefix{}, false
}

func slowLinkedVNets(n *model.Network) map[*model.VNet][]*model.VNet {
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

func slowSharedHubOverlaps(hub *model.VNet, peers []*model.VNet, seen map[[2]*model.VNet]bool) []Finding {
	var out []Finding
	for i, a := range peers {
		for _, b := range peers[i+1:] {
			k := pairKey(a, b)
			if seen[k] {
				continue
			}
			x, ok := slowFirstOverlap(a.AddressSpace, b.AddressSpace)
			if !ok {
				continue
			}
			seen[k] = true
			out = append(out, Finding{
				Code: "AddressSpaceOverlap", Severity: Error,
				Title: fmt.Sprintf("%s and %s overlap on %s and both peer with %s", a.Name, b.Name, x, hub.Name),
				Message: fmt.Sprintf("VNets %s and %s both have peerings with %s (%s, %s) and overlap on %s: Azure "+
					"refuses to connect a peering whose range overlaps an already peered VNet, and a hub holding both "+
					"could reach only one of them.", a.Name, b.Name, hub.Name, slowLinkState(hub, a), slowLinkState(hub, b), x),
				Resources: ids(a.ID, b.ID, hub.ID),
				Evidence: map[string]any{"prefix": x.String(), "vnets": []string{a.Name, b.Name}, "hub": hub.Name,
					"peeringStates": []string{slowLinkState(hub, a), slowLinkState(hub, b)}},
				Fix: overlapFix,
			})
		}
	}
	return out
}

func slowLinkState(hub, v *model.VNet) string {
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
