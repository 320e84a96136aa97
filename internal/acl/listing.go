package acl

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// EffectiveNSGList is the `rules` command's JSON answer, shaped like
// `az network nic list-effective-nsg -o json` (cli.md "rules").
// Shape of Network Watcher's effective security rules (spec §2.3 [NW]).
type EffectiveNSGList struct {
	Value []EffectiveNSG `json:"value"`
}

// EffectiveNSG is one entry of the list: one NSG and where it is associated, or the security
// admin rules of a Virtual Network Manager as an extra entry.
type EffectiveNSG struct {
	NetworkSecurityGroup   *Ref            `json:"networkSecurityGroup,omitempty"`
	Association            Association     `json:"association"`
	EffectiveSecurityRules []EffectiveRule `json:"effectiveSecurityRules"`
}

// Ref is an ARM reference, {"id": ...}.
type Ref struct {
	ID string `json:"id"`
}

// Association says where the rules are attached: a subnet, a NIC, or a network manager
// (admin rules).
type Association struct {
	NetworkManager   *Ref `json:"networkManager,omitempty"`
	Subnet           *Ref `json:"subnet,omitempty"`
	NetworkInterface *Ref `json:"networkInterface,omitempty"`
}

// EffectiveRule is one rule as Azure's effective NSG list shows it. The singular port and
// prefix fields are set when the rule has exactly one entry; the plural lists always are.
// "*" is shown as Azure shows it: "0.0.0.0/0" and "0-65535". Expanded* are set when the
// rule names a service tag or an application security group.
type EffectiveRule struct {
	Name                             string   `json:"name"`
	Protocol                         string   `json:"protocol"`
	SourcePortRange                  string   `json:"sourcePortRange,omitempty"`
	DestinationPortRange             string   `json:"destinationPortRange,omitempty"`
	SourcePortRanges                 []string `json:"sourcePortRanges"`
	DestinationPortRanges            []string `json:"destinationPortRanges"`
	SourceAddressPrefix              string   `json:"sourceAddressPrefix,omitempty"`
	DestinationAddressPrefix         string   `json:"destinationAddressPrefix,omitempty"`
	SourceAddressPrefixes            []string `json:"sourceAddressPrefixes"`
	DestinationAddressPrefixes       []string `json:"destinationAddressPrefixes"`
	ExpandedSourceAddressPrefix      []string `json:"expandedSourceAddressPrefix,omitempty"`
	ExpandedDestinationAddressPrefix []string `json:"expandedDestinationAddressPrefix,omitempty"`
	Access                           string   `json:"access"`
	Priority                         int      `json:"priority"`
	Direction                        string   `json:"direction"`
}

// Listing returns the effective rules per association: the subnet NSG, the NIC NSG, then
// the admin rules as an extra entry. Levels without rules are left out.
func (e *Effective) Listing() []EffectiveNSG {
	var out []EffectiveNSG
	if rs := e.sets[LevelSubnet]; rs != nil {
		out = append(out, EffectiveNSG{NetworkSecurityGroup: &Ref{string(rs.NSG.ID)},
			Association: Association{Subnet: &Ref{string(e.subnet.ID)}}, EffectiveSecurityRules: listRules(rs)})
	}
	if rs := e.sets[LevelNIC]; rs != nil {
		out = append(out, EffectiveNSG{NetworkSecurityGroup: &Ref{string(rs.NSG.ID)},
			Association: Association{NetworkInterface: &Ref{string(e.nic.ID)}}, EffectiveSecurityRules: listRules(rs)})
	}
	if rs := e.sets[LevelAdmin]; rs != nil {
		out = append(out, EffectiveNSG{Association: Association{NetworkManager: &Ref{networkManagerID(rs)}},
			EffectiveSecurityRules: listRules(rs)})
	}
	return out
}

func listRules(rs *RuleSet) []EffectiveRule {
	out := make([]EffectiveRule, 0, len(rs.Rules))
	for _, r := range rs.Rules {
		lr := EffectiveRule{Name: r.Name, Protocol: r.Protocol.String(), Access: r.Access.String(),
			Priority: r.Priority, Direction: r.Direction.String()}
		lr.SourcePortRanges, lr.SourcePortRange = listPorts(r.SourcePorts)
		lr.DestinationPortRanges, lr.DestinationPortRange = listPorts(r.DestPorts)
		lr.SourceAddressPrefixes, lr.SourceAddressPrefix = listAddrs(r.srcWritten)
		lr.DestinationAddressPrefixes, lr.DestinationAddressPrefix = listAddrs(r.dstWritten)
		if namesTag(r.srcWritten) || r.Security != nil && len(r.Security.SourceASGs) > 0 {
			lr.ExpandedSourceAddressPrefix = prefixStrings(r.ExpandedSource)
		}
		if namesTag(r.dstWritten) || r.Security != nil && len(r.Security.DestASGs) > 0 {
			lr.ExpandedDestinationAddressPrefix = prefixStrings(r.ExpandedDest)
		}
		out = append(out, lr)
	}
	return out
}

func listPorts(rs []model.PortRange) ([]string, string) {
	if len(rs) == 0 {
		rs = []model.PortRange{model.AllPorts}
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("%d-%d", r.Lo, r.Hi)
	}
	if len(out) == 1 {
		return out, out[0]
	}
	return out, ""
}

func listAddrs(written []string) ([]string, string) {
	out := make([]string, len(written))
	for i, w := range written {
		out[i] = listAddr(w)
	}
	if len(out) == 1 {
		return out, out[0]
	}
	return out, ""
}

// listAddr shows an entry as Azure's effective list does: "*" as 0.0.0.0/0, an address as
// a /32 (/128) prefix, a tag or ASG name as written.
// As Network Watcher's effective security rules list them [NW].
func listAddr(w string) string {
	w = strings.TrimSpace(w)
	if w == "*" {
		return "0.0.0.0/0"
	}
	if p, err := netip.ParsePrefix(w); err == nil {
		return p.Masked().String()
	}
	if a, err := netip.ParseAddr(w); err == nil {
		return netip.PrefixFrom(a, a.BitLen()).String()
	}
	return w
}

// namesTag reports whether an entry is a name rather than "*" or an address.
func namesTag(written []string) bool {
	for _, w := range written {
		w = strings.TrimSpace(w)
		_, e1 := netip.ParsePrefix(w)
		_, e2 := netip.ParseAddr(w)
		if w != "*" && e1 != nil && e2 != nil {
			return true
		}
	}
	return false
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// networkManagerID is the network manager that holds the admin rules, cut from the first
// rule's resource ID (".../networkManagers/<name>/securityAdminConfigurations/...").
func networkManagerID(rs *RuleSet) string {
	for _, r := range rs.Rules {
		id := string(r.Admin.ID)
		if i := strings.Index(strings.ToLower(id), "/securityadminconfigurations/"); i >= 0 {
			return id[:i]
		}
		return id
	}
	return ""
}
