package check

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// spec §7 [ANF].
var netAppBasicIPLimit = Check{
	Name:     "netapp-basic-ip-limit",
	Code:     CodeNetAppBasicIPLimit,
	Evidence: []string{"ipCount", "limit"},
	Doc:      "Azure NetApp Files volumes with Basic network features whose VNet plus directly peered VNets use more than 1,000 IPs.",
	Run:      runNetAppBasicIPLimit,
}

// runNetAppBasicIPLimit applies spec §7 [ANF]: with Basic network features, the volume's VNet
// and the VNets directly peered with it (Active peerings) may use at most 1,000 IPs together.
// IPs are counted as usedIPs documents. Standard network features have no such limit.
func runNetAppBasicIPLimit(pass *Pass) []Finding {
	p := pass.Plane
	var out []Finding
	var used map[*model.VNet]int
	for _, vol := range p.Net.NetAppVolumes {
		if vol.Subnet == nil || !strings.EqualFold(vol.NetworkFeatures, "Basic") {
			continue
		}
		if used == nil {
			used = usedIPs(p.Net)
		}
		v := vol.Subnet.VNet
		vnets := append([]*model.VNet{v}, activePeers(v)...)
		// Peers by ID, not in the order the snapshot lists the peerings (issue 10).
		slices.SortFunc(vnets[1:], func(a, b *model.VNet) int { return strings.Compare(a.ID.Key(), b.ID.Key()) })
		total, perVNet := 0, map[string]int{}
		for _, x := range vnets {
			total += used[x]
			perVNet[x.Name] = used[x]
		}
		if total <= pass.Options.Limits.NetAppBasicIPs {
			continue
		}
		out = append(out, netAppFinding(vol, vnets, total, perVNet, pass.Options.Limits.NetAppBasicIPs))
	}
	return out
}

func netAppFinding(vol *model.NetAppVolume, vnets []*model.VNet, total int, perVNet map[string]int, limit int) Finding {
	names := make([]string, len(vnets))
	res := []model.ID{vol.ID}
	for i, x := range vnets {
		names[i] = x.Name
		res = append(res, x.ID)
	}
	sort.Strings(names[1:])
	return Finding{
		Code: CodeNetAppBasicIPLimit, Severity: Error,
		Title: fmt.Sprintf("NetApp volume %s: %d IPs in its VNet and peers, Basic network features allow %d",
			vol.Name, total, limit),
		Message: fmt.Sprintf("Volume %s uses Basic network features in %s; %s and its directly peered VNets "+
			"(%s) use %d private IPs, above the limit of %d, so the volume may become unreachable from some clients "+
			"and new peerings or resources can fail.",
			vol.Name, subnetLabel(vol.Subnet), vnets[0].Name, strings.Join(names[1:], ", "), total, limit),
		Resources: ids(res...),
		Evidence: map[string]any{"ipCount": total, "limit": limit, "ipsPerVnet": perVNet,
			"counted": "private IPs of NIC ip configurations, private endpoints, internal LB frontends, VNet gateways, " +
				"firewall frontend plus instances (min 2), one per NetApp volume"},
		Fix: "Upgrade the volume to Standard network features (no IP limit), or reduce the IPs in the VNet and its directly peered VNets.",
	}
}
