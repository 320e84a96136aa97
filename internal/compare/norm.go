package compare

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// parsePrefix reads a CIDR prefix or a bare address (a /32 or /128), masked.
func parsePrefix(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// normPorts is a list of port ranges as one comparable string: merged, sorted, "A-B" each.
func normPorts(l []string) string {
	if len(l) == 0 {
		l = []string{"*"} // an absent range is every port
	}
	rs := make([]model.PortRange, 0, len(l))
	for _, s := range l {
		if r, ok := azure.ParsePortRange(s); ok {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(a, b model.PortRange) int { return int(a.Lo) - int(b.Lo) })
	var merged []model.PortRange
	for _, r := range rs {
		if n := len(merged); n > 0 && int(r.Lo) <= int(merged[n-1].Hi)+1 {
			merged[n-1].Hi = max(merged[n-1].Hi, r.Hi)
			continue
		}
		merged = append(merged, r)
	}
	parts := make([]string, len(merged))
	for i, r := range merged {
		parts[i] = strconv.Itoa(int(r.Lo)) + "-" + strconv.Itoa(int(r.Hi))
	}
	return strings.Join(parts, ",")
}

// normAddr is one address entry as a comparable string: "*" and "0.0.0.0/0" alike (the
// effective list prints "*" as 0.0.0.0/0, as the REST example NetworkInterfaceEffectiveNSGList
// shows for AllowInternetOutBound), an address as its /32, a prefix masked, a tag or
// application security group name in lower case (names match case-insensitively).
func normAddr(s string) string {
	s = strings.TrimSpace(s)
	if s == "*" || strings.EqualFold(s, "any") {
		return "0.0.0.0/0"
	}
	if p, ok := parsePrefix(s); ok {
		return p.String()
	}
	s = strings.ToLower(s)
	if i := strings.Index(s, "/applicationsecuritygroups/"); i >= 0 { // an ASG by ID or by name alike
		s = s[i+len("/applicationsecuritygroups/"):]
	}
	return s
}

func normAddrs(l []string) string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = normAddr(s)
	}
	slices.Sort(out)
	return strings.Join(slices.Compact(out), ",")
}

// addrSet is the addresses a rule side covers: its expansion when Azure (or vnetdoctor)
// listed one, else its written entries when all are prefixes; ok is false for a tag or group
// that neither side expanded.
func addrSet(written, expanded []string) (ipset.Set, bool) {
	src := expanded
	if len(src) == 0 {
		src = written
	}
	var b ipset.Builder
	for _, s := range src {
		if strings.TrimSpace(s) == "*" {
			b.AddPrefix(netip.MustParsePrefix("0.0.0.0/0"))
			continue
		}
		p, ok := parsePrefix(s)
		if !ok {
			return ipset.Set{}, false
		}
		b.AddPrefix(p)
	}
	return b.Set(), true
}

// hopAliases are next hop type spellings that mean the same hop. Network Watcher's next hop
// answer names VnetLocal "VirtualNetwork" and peering "VirtualNetworkPeering"
// (learn.microsoft.com/azure/network-watcher/network-watcher-next-hop-overview); the
// effective route table uses the route names (virtual-networks-udr-overview).
var hopAliases = map[string]string{
	"virtualnetwork":        "VnetLocal",
	"virtualnetworkpeering": "VNetPeering",
}

// normHop is a next hop type in vnetdoctor's spelling when it knows the type, else as written.
func normHop(s string) string {
	k := strings.ToLower(strings.ReplaceAll(s, " ", ""))
	if a, ok := hopAliases[k]; ok {
		return a
	}
	if t, ok := model.ParseNextHopType(k); ok {
		return t.String()
	}
	return s
}

// normIPs is a next hop address list as one comparable string.
func normIPs(l []string) string {
	out := make([]string, 0, len(l))
	for _, s := range l {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a.Unmap().String())
		}
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// normProto is a protocol in effective-rule spelling: "*" and "Any" are "All".
func normProto(s string) string {
	if p, ok := model.ParseProtocol(s); ok {
		return p.String()
	}
	return s
}
