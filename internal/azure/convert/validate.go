package convert

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Values Azure would refuse (issue 10). A snapshot that holds one was edited by hand, copied
// badly or exported from a half-applied change: vnetdoctor still answers, and says so with a
// warning naming the resource. Each rule cites the Microsoft page that states it.

// WarnRefused is the Warning code of a value Azure would refuse to deploy.
const WarnRefused = "InvalidValue"

// NSG rule priorities: "a number between 100 and 4096", and "you can't create two security rules
// with the same priority and direction".
// learn.microsoft.com/azure/virtual-network/network-security-groups-overview#security-rules
const minRulePriority, maxRulePriority = 100, 4096

// checkRules warns about the rules of one NSG that Azure would refuse: a priority missing (read
// as 0) or outside 100–4096, two rules with the same direction and priority. Rules are visited in
// (priority, name) order so the warnings do not depend on the snapshot's order; after
// maxRuleWarnings for one NSG the rest are counted in one more warning, so that a hostile NSG of a
// million rules does not bury the others.
func (b *builder) checkRules(g *model.NSG, ids map[*model.SecurityRule]model.ID) {
	rules := slices.Clone(g.Rules)
	sortRuleList(rules)
	warned, more := 0, 0
	warn := func(r *model.SecurityRule, msg string) {
		if warned++; warned > maxRuleWarnings {
			more++
			return
		}
		b.n.Warn(WarnRefused, ids[r], msg)
	}
	for i, r := range rules {
		switch {
		case r.Priority == 0:
			warn(r, fmt.Sprintf("security rule %s of %s has no priority; Azure requires one between %d and %d",
				r.Name, g.Name, minRulePriority, maxRulePriority))
			continue
		case r.Priority < minRulePriority || r.Priority > maxRulePriority:
			warn(r, fmt.Sprintf("security rule %s of %s has priority %d, outside the %d-%d Azure allows",
				r.Name, g.Name, r.Priority, minRulePriority, maxRulePriority))
		}
		// Sorted: only rules of the same priority precede r with it; the first of r's direction is
		// the one evaluated first.
		for j := i - 1; j >= 0 && rules[j].Priority == r.Priority; j-- {
			if e := rules[j]; e.Direction == r.Direction {
				warn(r, fmt.Sprintf("security rules %s and %s of %s have the same direction (%s) and priority (%d), "+
					"which Azure refuses; vnetdoctor evaluates %s first", e.Name, r.Name, g.Name, r.Direction, r.Priority, e.Name))
				break
			}
		}
	}
	if more > 0 {
		b.n.Warn(WarnRefused, g.ID, fmt.Sprintf("%d more security rules of %s have a priority Azure would refuse", more, g.Name))
	}
}

// maxRuleWarnings bounds the rule warnings of one NSG (checkRules).
const maxRuleWarnings = 20

// sortRules puts an NSG's rules in (priority, name) order: Azure evaluates by priority (spec §2.1)
// and names are unique in an NSG, so rules that share a priority — which Azure refuses, and
// checkRules reports — are evaluated in an order that does not depend on the snapshot's.
func sortRules(g *model.NSG) { sortRuleList(g.Rules) }

func sortRuleList(rules []*model.SecurityRule) {
	slices.SortStableFunc(rules, func(x, y *model.SecurityRule) int {
		if x.Priority != y.Priority {
			return x.Priority - y.Priority
		}
		return strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name))
	})
}

// checkAddresses warns about private addresses outside the subnet they are given in: a NIC ip
// configuration's, a private endpoint's, an internal load balancer frontend's. "Azure assigns
// private IP addresses to resources from the address range of the virtual network subnet where
// the resource is."
// learn.microsoft.com/azure/virtual-network/ip-services/private-ip-addresses
func (b *builder) checkAddresses() {
	outside := func(res model.ID, what string, s *model.Subnet, ip interface{ String() string }, in bool) {
		if !in {
			b.n.Warn(WarnRefused, res, fmt.Sprintf("%s address %s is outside its subnet %s (%s)", what, ip, s.Name, prefixList(s)))
		}
	}
	for _, nic := range b.n.NICs {
		for _, c := range nic.IPConfigs {
			if c.Subnet != nil && c.PrivateIP.IsValid() && len(c.Subnet.Prefixes) > 0 {
				outside(nic.ID, "NIC "+nic.Name+" ip configuration "+c.Name, c.Subnet, c.PrivateIP, c.Subnet.Contains(c.PrivateIP))
			}
		}
	}
	for _, pe := range b.n.PrivateEndpoints {
		for _, a := range pe.IPs {
			if pe.Subnet != nil && a.IsValid() && len(pe.Subnet.Prefixes) > 0 {
				outside(pe.ID, "private endpoint "+pe.Name, pe.Subnet, a, pe.Subnet.Contains(a))
			}
		}
	}
	for _, lb := range b.n.LoadBalancers {
		for _, fe := range lb.Frontends {
			if fe.Subnet != nil && fe.PrivateIP.IsValid() && len(fe.Subnet.Prefixes) > 0 {
				outside(lb.ID, "load balancer "+lb.Name+" frontend "+fe.Name, fe.Subnet, fe.PrivateIP, fe.Subnet.Contains(fe.PrivateIP))
			}
		}
	}
}

func prefixList(s *model.Subnet) string {
	ps := make([]string, len(s.Prefixes))
	for i, p := range s.Prefixes {
		ps[i] = p.String()
	}
	return strings.Join(ps, ", ")
}

// checkSelfPeerings warns about a VNet peered with itself: "in order for two virtual networks to
// be peered, a virtualNetworkPeerings resource MUST be created in each one of the virtual networks
// and the remoteVirtualNetwork reference MUST point to the other virtual network".
// learn.microsoft.com/openspecs/windows_protocols/ms-ncnbi/1f6671e5-5248-4905-8518-2566048d7c88
// Such a link adds nothing the VNet's own VnetLocal routes do not (spec §1.3).
func (b *builder) checkSelfPeerings() {
	for _, v := range b.n.VNets {
		for _, p := range v.Peerings {
			if p.Remote == v || p.RemoteID.Equal(v.ID) {
				b.n.Warn(WarnRefused, p.ID, fmt.Sprintf("peering %s of %s points at %s itself; Azure peers a VNet only with another VNet",
					p.Name, v.Name, v.Name))
			}
		}
	}
}

// nameLimits are the longest names Azure accepts, per resource type.
// learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules (Microsoft.Network,
// Microsoft.Compute). A virtual machine's name may be 64 characters on Linux, 15 on Windows; the
// snapshot does not say which, so 64.
var nameLimits = map[string]int{
	typeVNet: 64, typeSubnet: 80, typePeering: 80, typeNSG: 80, typeRule: 80, typeASG: 80,
	typeRouteTable: 80, typeRoute: 80, typeNIC: 80, typeVM: 64, typePublicIP: 80, typeNATGateway: 80,
	typeFirewall: 56, typePolicy: 80, typeIPGroup: 80, typeLB: 80, typeGateway: 80, typeLocal: 80,
	typeConnection: 80, typePE: 64,
}

// checkName warns when a resource's name is longer than Azure allows for its type.
func (b *builder) checkName(typ string, id model.ID, name string) {
	if max, ok := nameLimits[typ]; ok && utf8.RuneCountInString(name) > max {
		b.n.Warn(WarnRefused, id, fmt.Sprintf("%s name %q is %d characters long; Azure allows at most %d",
			typ[strings.LastIndexByte(typ, '/')+1:], clip(name), utf8.RuneCountInString(name), max))
	}
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// checkNames checks the names of every resource in the model (rules and routes are checked as
// they are read: the model does not keep their IDs).
func (b *builder) checkNames() {
	n := b.n
	for _, x := range n.VNets {
		b.checkName(typeVNet, x.ID, x.Name)
		for _, p := range x.Peerings {
			b.checkName(typePeering, p.ID, p.Name)
		}
	}
	for _, x := range n.Subnets {
		b.checkName(typeSubnet, x.ID, x.Name)
	}
	for _, x := range n.NSGs {
		b.checkName(typeNSG, x.ID, x.Name)
	}
	for _, x := range n.ASGs {
		b.checkName(typeASG, x.ID, x.Name)
	}
	for _, x := range n.RouteTables {
		b.checkName(typeRouteTable, x.ID, x.Name)
	}
	for _, x := range n.NICs {
		b.checkName(typeNIC, x.ID, x.Name)
	}
	for _, x := range n.VMs {
		b.checkName(typeVM, x.ID, x.Name)
	}
	for _, x := range n.PublicIPs {
		b.checkName(typePublicIP, x.ID, x.Name)
	}
	for _, x := range n.NATGateways {
		b.checkName(typeNATGateway, x.ID, x.Name)
	}
	for _, x := range n.Firewalls {
		b.checkName(typeFirewall, x.ID, x.Name)
	}
	for _, x := range n.FirewallPolicies {
		b.checkName(typePolicy, x.ID, x.Name)
	}
	for _, x := range n.IPGroups {
		b.checkName(typeIPGroup, x.ID, x.Name)
	}
	for _, x := range n.LoadBalancers {
		b.checkName(typeLB, x.ID, x.Name)
	}
	for _, x := range n.VNetGateways {
		b.checkName(typeGateway, x.ID, x.Name)
	}
	for _, x := range n.LocalGateways {
		b.checkName(typeLocal, x.ID, x.Name)
	}
	for _, x := range n.Connections {
		b.checkName(typeConnection, x.ID, x.Name)
	}
	for _, x := range n.PrivateEndpoints {
		b.checkName(typePE, x.ID, x.Name)
	}
}

// validate runs the checks that need the whole model; the converter calls it last, before Freeze.
func (b *builder) validate() {
	b.checkAddresses()
	b.checkSelfPeerings()
	b.checkNames()
}

// sameContent reports whether two wire objects of one type hold the same values, their Meta
// (source, and how the ID and type were spelled) aside, and an absent list or map equal to an
// empty one (one export writes `[]` where another leaves the field out).
func sameContent(x, y any) bool {
	vx, vy := reflect.ValueOf(x), reflect.ValueOf(y)
	if vx.Kind() == reflect.Pointer {
		vx, vy = vx.Elem(), vy.Elem()
	}
	return equalValues(vx, vy, true)
}

func equalValues(x, y reflect.Value, top bool) bool {
	if x.Type() != y.Type() {
		return false
	}
	switch x.Kind() {
	case reflect.Slice, reflect.Map:
		if x.Len() == 0 || y.Len() == 0 {
			return x.Len() == y.Len()
		}
		if x.Kind() == reflect.Map {
			return reflect.DeepEqual(x.Interface(), y.Interface())
		}
		if x.Len() != y.Len() {
			return false
		}
		for i := range x.Len() {
			if !equalValues(x.Index(i), y.Index(i), false) {
				return false
			}
		}
		return true
	case reflect.Pointer:
		if x.IsNil() || y.IsNil() {
			return x.IsNil() == y.IsNil()
		}
		return equalValues(x.Elem(), y.Elem(), false)
	case reflect.Struct:
		if x.Type() == reflect.TypeFor[azure.Meta]() { // a nested child: the same one if the same ID
			return strings.EqualFold(x.FieldByName("ID").String(), y.FieldByName("ID").String())
		}
		if x.Type().PkgPath() != reflect.TypeFor[azure.Meta]().PkgPath() {
			return reflect.DeepEqual(x.Interface(), y.Interface())
		}
		for i := range x.NumField() {
			if x.Type().Field(i).Type == reflect.TypeFor[azure.Meta]() && top {
				continue
			}
			if !equalValues(x.Field(i), y.Field(i), false) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(x.Interface(), y.Interface())
}
