package compare

import (
	"fmt"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
)

// Association kinds of an effective NSG entry (REST association: subnet, networkInterface,
// networkManager).
const (
	AssocSubnet         = "subnet"
	AssocNIC            = "networkInterface"
	AssocNetworkManager = "networkManager"
)

// RuleRow is one effective rule in the shape az prints, with the NSG and association it is
// listed under and, when the other side lists a rule of the same name there, the fields that
// differ.
type RuleRow struct {
	NetworkSecurityGroup string `json:"networkSecurityGroup,omitempty"`
	Association          string `json:"association"`
	acl.EffectiveRule
	Differs []string `json:"differs,omitempty"`
	Note    string   `json:"note,omitempty"`
}

// FromListing turns vnetdoctor's effective rules (the rules command's JSON) into NSGs.
func FromListing(l []acl.EffectiveNSG) []NSG {
	out := make([]NSG, len(l))
	for i, e := range l {
		n := &out[i]
		if e.NetworkSecurityGroup != nil {
			n.NSGID = e.NetworkSecurityGroup.ID
		}
		if a := e.Association; a.Subnet != nil {
			n.Subnet = a.Subnet.ID
		} else if a.NetworkInterface != nil {
			n.NIC = a.NetworkInterface.ID
		} else if a.NetworkManager != nil {
			n.NetworkManager = a.NetworkManager.ID
		}
		for _, r := range e.EffectiveSecurityRules {
			n.Rules = append(n.Rules, Rule{Name: r.Name, Protocol: r.Protocol, Access: r.Access, Direction: r.Direction,
				Priority: r.Priority, SourcePorts: orOne(r.SourcePortRanges, r.SourcePortRange),
				DestPorts: orOne(r.DestinationPortRanges, r.DestinationPortRange), SourcePrefixes: orOne(r.SourceAddressPrefixes, r.SourceAddressPrefix),
				DestPrefixes:   orOne(r.DestinationAddressPrefixes, r.DestinationAddressPrefix),
				ExpandedSource: r.ExpandedSourceAddressPrefix, ExpandedDest: r.ExpandedDestinationAddressPrefix})
		}
	}
	return out
}

func orOne(l []string, s string) []string {
	if len(l) > 0 || s == "" {
		return l
	}
	return []string{s}
}

// normRule is a rule as compared: identity (where and which rule) and normalised fields.
type normRule struct {
	id             string // association kind | NSG | direction | name
	src            *Rule
	nsgID, kind    string
	proto, access  string
	priority       int
	sp, dp, sa, da string
	sset, dset     ipset.Set
	sok, dok       bool // the address set is known (expanded, or written as prefixes)
	sexp, dexp     bool // the side listed an expansion
}

// row is the rule in az's shape, built only for the rows a side reports.
func (r normRule) row() RuleRow {
	return RuleRow{NetworkSecurityGroup: r.nsgID, Association: r.kind, EffectiveRule: wireRule(*r.src)}
}

func normRules(nsgs []NSG, kinds func(NSG) string) []normRule {
	var out []normRule
	for _, n := range nsgs {
		kind := kinds(n)
		for i := range n.Rules {
			r := &n.Rules[i]
			name := strings.ToLower(r.Name)
			if kind == AssocNetworkManager { // admin rule names: spelling of the prefix uncertain (collect.md §6)
				name = name[strings.LastIndex(name, "/")+1:]
			}
			nr := normRule{id: kind + "|" + strings.ToLower(n.NSGID) + "|" + strings.ToLower(r.Direction) + "|" + name,
				src: r, nsgID: n.NSGID, kind: kind,
				proto: strings.ToLower(normProto(r.Protocol)), access: strings.ToLower(r.Access), priority: r.Priority,
				sp: normPorts(r.SourcePorts), dp: normPorts(r.DestPorts), sa: normAddrs(r.SourcePrefixes), da: normAddrs(r.DestPrefixes),
				sexp: len(r.ExpandedSource) > 0, dexp: len(r.ExpandedDest) > 0}
			nr.sset, nr.sok = addrSet(r.SourcePrefixes, r.ExpandedSource)
			nr.dset, nr.dok = addrSet(r.DestPrefixes, r.ExpandedDest)
			out = append(out, nr)
		}
	}
	return out
}

// wireRule is a rule in az's effective rule shape, as the side wrote it.
func wireRule(r Rule) acl.EffectiveRule {
	e := acl.EffectiveRule{Name: r.Name, Protocol: r.Protocol, Access: r.Access, Priority: r.Priority, Direction: r.Direction,
		SourcePortRanges: nonNil(r.SourcePorts), DestinationPortRanges: nonNil(r.DestPorts),
		SourceAddressPrefixes: nonNil(r.SourcePrefixes), DestinationAddressPrefixes: nonNil(r.DestPrefixes),
		ExpandedSourceAddressPrefix: r.ExpandedSource, ExpandedDestinationAddressPrefix: r.ExpandedDest}
	e.SourcePortRange = single(r.SourcePorts)
	e.DestinationPortRange = single(r.DestPorts)
	e.SourceAddressPrefix = single(r.SourcePrefixes)
	e.DestinationAddressPrefix = single(r.DestPrefixes)
	return e
}

func single(l []string) string {
	if len(l) == 1 {
		return l[0]
	}
	return ""
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// differs lists the fields in which two rules of the same identity differ, in az's names.
func differs(a, b normRule) []string {
	var d []string
	add := func(cond bool, field string) {
		if cond {
			d = append(d, field)
		}
	}
	add(a.proto != b.proto, "protocol")
	add(a.sp != b.sp, "sourcePortRange")
	add(a.dp != b.dp, "destinationPortRange")
	add(a.sa != b.sa, "sourceAddressPrefix")
	add(a.da != b.da, "destinationAddressPrefix")
	add((a.sexp || b.sexp) && !sameSet(a.sset, a.sok, b.sset, b.sok), "expandedSourceAddressPrefix")
	add((a.dexp || b.dexp) && !sameSet(a.dset, a.dok, b.dset, b.dok), "expandedDestinationAddressPrefix")
	add(a.access != b.access, "access")
	add(a.priority != b.priority, "priority")
	return d
}

func sameSet(a ipset.Set, aok bool, b ipset.Set, bok bool) bool {
	return aok && bok && a.Equal(b)
}

// CompareRules compares Azure's effective NSG entries with vnetdoctor's. Rules are paired by
// where they are listed (association kind and NSG) and by direction and name; a pair that
// differs in any normalised field is one missing and one extra row, each naming the fields.
func CompareRules(azure, ours []NSG) Side[RuleRow] {
	var notes []string
	kindOfAzure := func(n NSG) string {
		k, note := azureKind(n, ours)
		if note != "" {
			notes = append(notes, note)
		}
		return k
	}
	a := normRules(azure, kindOfAzure)
	ours, notes = adminAnswered(a, ours, notes)
	o := normRules(ours, oursKind)
	s := Side[RuleRow]{Azure: len(a), Computed: len(o), Notes: notes}
	free := map[string][]int{}
	for i, r := range o {
		free[r.id] = append(free[r.id], i)
	}
	used := make([]bool, len(o))
	for _, r := range a {
		l := free[r.id]
		if len(l) == 0 {
			row := r.row()
			row.Note = "vnetdoctor lists no rule of this name here"
			s.Missing = append(s.Missing, row)
			continue
		}
		free[r.id] = l[1:]
		used[l[0]] = true
		mine := o[l[0]]
		d := differs(r, mine)
		if len(d) == 0 {
			s.Matched++
			continue
		}
		azRow, ourRow := r.row(), mine.row()
		azRow.Differs, ourRow.Differs = d, d
		azRow.Note = expansionNote(r, mine, d)
		ourRow.Note = azRow.Note
		s.Missing = append(s.Missing, azRow)
		s.Extra = append(s.Extra, ourRow)
	}
	for i, r := range o {
		if !used[i] {
			row := r.row()
			row.Note = "Azure lists no rule of this name here"
			s.Extra = append(s.Extra, row)
		}
	}
	s.Notes = append(s.Notes, defaultRuleNotes(azure)...)
	s.finish()
	return s
}

// adminAnswered leaves vnetdoctor's security admin rules out of the comparison when Azure's
// answer has no admin-rule entry: Virtual Network Manager lists a VNet's effective admin rules
// through its own API (listNetworkManagerEffectiveSecurityAdminRules, per VNet), and whether the
// NIC's effective NSG answer carries them is not documented (../shared/spec/collect.md §6:
// admin rule names UNCERTAIN). A note says how many were left out.
func adminAnswered(a []normRule, ours []NSG, notes []string) ([]NSG, []string) {
	for _, r := range a {
		if r.kind == AssocNetworkManager {
			return ours, notes
		}
	}
	var kept []NSG
	left := 0
	for _, n := range ours {
		if oursKind(n) == AssocNetworkManager {
			left += len(n.Rules)
			continue
		}
		kept = append(kept, n)
	}
	if left > 0 {
		notes = append(notes, fmt.Sprintf("Azure's answer lists no security admin rules; vnetdoctor's %d were not compared", left))
	}
	return kept, notes
}

func oursKind(n NSG) string {
	switch {
	case n.Subnet != "":
		return AssocSubnet
	case n.NIC != "":
		return AssocNIC
	}
	return AssocNetworkManager
}

// azureKind is where Azure's entry is associated. An entry naming several associations (the
// REST example NetworkInterfaceEffectiveNSGList names subnet, networkInterface and
// networkManager at once) is taken as vnetdoctor's entry for the same NSG when there is one.
func azureKind(n NSG, ours []NSG) (string, string) {
	var kinds []string
	for _, k := range []struct{ id, kind string }{{n.Subnet, AssocSubnet}, {n.NIC, AssocNIC}, {n.NetworkManager, AssocNetworkManager}} {
		if k.id != "" {
			kinds = append(kinds, k.kind)
		}
	}
	switch {
	case n.NSGID == "":
		return AssocNetworkManager, ""
	case len(kinds) == 1:
		return kinds[0], ""
	}
	kind := AssocSubnet
	if n.Subnet == "" && n.NIC != "" {
		kind = AssocNIC
	}
	for _, m := range ours {
		if strings.EqualFold(m.NSGID, n.NSGID) {
			kind = oursKind(m)
			break
		}
	}
	if len(kinds) == 0 {
		return kind, fmt.Sprintf("Azure's entry for %s names no association; compared as the %s association", n.NSGID, kind)
	}
	return kind, fmt.Sprintf("Azure's entry for %s names %d associations (%s); compared as the %s association",
		n.NSGID, len(kinds), strings.Join(kinds, ", "), kind)
}

// expansionNote says how two expansions of a tag differ: how many prefixes each lists and a
// few addresses one covers and the other does not.
func expansionNote(az, ours normRule, d []string) string {
	var parts []string
	for _, f := range d {
		var x, y ipset.Set
		switch f {
		case "expandedSourceAddressPrefix":
			x, y = az.sset, ours.sset
		case "expandedDestinationAddressPrefix":
			x, y = az.dset, ours.dset
		default:
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: Azure's covers %s that vnetdoctor's does not, vnetdoctor's %s that Azure's does not",
			f, few(x.Difference(y)), few(y.Difference(x))))
	}
	return strings.Join(parts, "; ")
}

func few(s ipset.Set) string {
	ps := s.Prefixes()
	if len(ps) == 0 {
		return "nothing"
	}
	out := make([]string, 0, 3)
	for i, p := range ps {
		if i == 3 {
			out = append(out, fmt.Sprintf("and %d more", len(ps)-3))
			break
		}
		out = append(out, p.String())
	}
	return strings.Join(out, ", ")
}

// defaultRules are the six default rules every NSG has (spec §2.3 [NSG]).
var defaultRules = []string{"AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound",
	"AllowVnetOutBound", "AllowInternetOutBound", "DenyAllOutBound"}

// defaultRuleNotes notes an NSG entry of Azure's that lists some of the default rules but not
// all: an answer trimmed by hand (as REST API examples are), not a modelling question.
func defaultRuleNotes(azure []NSG) []string {
	var notes []string
	for _, n := range azure {
		if n.NSGID == "" {
			continue
		}
		seen := 0
		for _, r := range n.Rules {
			for _, d := range defaultRules {
				if strings.EqualFold(r.Name, "defaultSecurityRules/"+d) {
					seen++
				}
			}
		}
		if seen > 0 && seen < len(defaultRules) {
			notes = append(notes, fmt.Sprintf("Azure's entry for %s lists %d of the %d default rules every NSG has (spec §2.3): the answer looks trimmed",
				n.NSGID, seen, len(defaultRules)))
		}
	}
	return notes
}
