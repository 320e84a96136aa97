package check

import (
	"net/netip"
	"sort"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// This file holds facts about the estate that several checks share.

// activePeers returns the VNets directly peered with v by an Active peering (both links
// Connected, spec §1.3), in v's link order, without duplicates.
func activePeers(v *model.VNet) []*model.VNet {
	var out []*model.VNet
	for _, p := range v.Peerings {
		if p.Remote != nil && p.Active() && !containsVNet(out, p.Remote) {
			out = append(out, p.Remote)
		}
	}
	return out
}

func containsVNet(vs []*model.VNet, v *model.VNet) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// usedIPs counts the private addresses each VNet uses, the way the ANF and VNet limits count
// them (spec §7). Counted: every allocated private IP of a NIC ip configuration, a private
// endpoint, an internal load balancer frontend and a VNet gateway; an Azure Firewall's frontend
// plus one address per instance (at least two, spec §3.4); one address per NetApp volume (each
// volume takes an IP in its delegated subnet). Distinct addresses are counted once.
func usedIPs(n *model.Network) map[*model.VNet]int {
	seen := map[*model.VNet]map[netip.Addr]bool{}
	add := func(s *model.Subnet, a netip.Addr) {
		if s == nil || !a.IsValid() {
			return
		}
		m := seen[s.VNet]
		if m == nil {
			m = map[netip.Addr]bool{}
			seen[s.VNet] = m
		}
		m[a] = true
	}
	for _, nic := range n.NICs {
		for _, c := range nic.IPConfigs {
			add(c.Subnet, c.PrivateIP)
		}
	}
	for _, pe := range n.PrivateEndpoints {
		for _, a := range pe.IPs {
			add(pe.Subnet, a)
		}
	}
	for _, lb := range n.LoadBalancers {
		for _, fe := range lb.Frontends {
			add(fe.Subnet, fe.PrivateIP)
		}
	}
	for _, gw := range n.VNetGateways {
		for _, a := range gw.PrivateIPs {
			add(gw.Subnet, a)
		}
	}
	out := make(map[*model.VNet]int, len(seen))
	for v, m := range seen {
		out[v] = len(m)
	}
	for _, fw := range n.Firewalls {
		if fw.Subnet != nil {
			out[fw.Subnet.VNet] += firewall.Instances(fw) // frontend is counted below
			if !fw.PrivateIP.IsValid() {
				continue
			}
			out[fw.Subnet.VNet]++
		}
	}
	for _, vol := range n.NetAppVolumes {
		if vol.Subnet != nil {
			out[vol.Subnet.VNet]++
		}
	}
	return out
}

// ids converts resource IDs to strings for Finding.Resources, dropping empty ones and duplicates.
func ids(in ...model.ID) []string {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, id := range in {
		if id == "" || seen[id.Key()] {
			continue
		}
		seen[id.Key()] = true
		out = append(out, string(id))
	}
	return out
}

// subnetIDs returns the IDs of subnets, sorted.
func subnetIDs(ss []*model.Subnet) []model.ID {
	out := make([]model.ID, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// names returns the names of subnets as "vnet/subnet", for evidence.
func subnetNames(ss []*model.Subnet) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = subnetLabel(s)
	}
	sort.Strings(out)
	return out
}

func subnetLabel(s *model.Subnet) string {
	if s.VNet == nil {
		return s.Name
	}
	return s.VNet.Name + "/" + s.Name
}

// prefixStrings renders prefixes for evidence.
func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// overlap returns the intersection of two prefixes (the more specific one) when they overlap.
func overlap(a, b netip.Prefix) (netip.Prefix, bool) {
	if !a.Overlaps(b) {
		return netip.Prefix{}, false
	}
	if a.Bits() >= b.Bits() {
		return a.Masked(), true
	}
	return b.Masked(), true
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// maxEvidenceList caps lists in evidence so a finding stays readable on a large estate; the
// full count is always given beside it.
const maxEvidenceList = 50

func capList(s []string) []string {
	if len(s) > maxEvidenceList {
		return s[:maxEvidenceList]
	}
	return s
}
