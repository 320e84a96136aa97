package render

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// RulesText writes effective security rules for people (RulesStyled with the zero Style).
func RulesText(w io.Writer, title string, list []acl.EffectiveNSG) error {
	return RulesStyled(w, title, list, Style{})
}

// RulesStyled writes effective security rules in evaluation order: security admin rules first
// (Azure evaluates them before any NSG), then the subnet NSG and the NIC NSG, each per direction,
// one rule per line. A direction with no rules is left out. A service tag whose expansion is
// surprising here (VirtualNetwork holding 0.0.0.0/0 because of a 0.0.0.0/0 UDR, Internet holding
// nothing) is explained under its table.
func RulesStyled(w io.Writer, title string, list []acl.EffectiveNSG, st Style) error {
	ew := &errWriter{w: w}
	ew.printf("%s\n", st.paint(bold, title))
	if len(list) == 0 {
		ew.printf("  no NSG and no admin rules: everything is allowed at every level\n")
	}
	ordered := slices.Clone(list)
	slices.SortStableFunc(ordered, func(a, b acl.EffectiveNSG) int { return levelOrder(a) - levelOrder(b) })
	for _, e := range ordered {
		for _, dir := range []string{"Inbound", "Outbound"} {
			var rules []acl.EffectiveRule
			for _, r := range e.EffectiveSecurityRules {
				if r.Direction == dir {
					rules = append(rules, r)
				}
			}
			if len(rules) == 0 {
				continue
			}
			ew.printf("\n%s — %s\n", associationLine(e), dir)
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  Priority\tName\tAccess\tProtocol\tSource\tSourcePorts\tDestination\tDestPorts")
			for _, r := range rules {
				fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Priority, r.Name, accessText(r.Access, st), r.Protocol,
					joinOr(r.SourceAddressPrefix, r.SourceAddressPrefixes), joinOr(r.SourcePortRange, r.SourcePortRanges),
					joinOr(r.DestinationAddressPrefix, r.DestinationAddressPrefixes),
					joinOr(r.DestinationPortRange, r.DestinationPortRanges))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, note := range tagNotes(rules) {
				ew.printf("%s", wrapped(note, "  note: ", "        "))
			}
		}
	}
	return ew.err
}

// levelOrder sorts admin rules first, then subnet, then NIC NSGs (evaluation order).
func levelOrder(e acl.EffectiveNSG) int {
	switch a := e.Association; {
	case a.NetworkManager != nil:
		return 0
	case a.Subnet != nil:
		return 1
	}
	return 2
}

func accessText(access string, st Style) string {
	if !st.Color {
		return access
	}
	// tabwriter counts the escape bytes; pad the plain word so columns stay aligned.
	c := green
	if access == "Deny" {
		c = red
	}
	return st.paint(c, fmt.Sprintf("%-5s", access))
}

// tagNotes explains service tags whose expansion in these rules is surprising.
func tagNotes(rules []acl.EffectiveRule) []string {
	var notes []string
	seen := map[string]bool{}
	add := func(tag string, expanded []string) {
		if seen[tag] {
			return
		}
		switch {
		case strings.EqualFold(tag, "VirtualNetwork") && (slices.Contains(expanded, "0.0.0.0/0") || slices.Contains(expanded, "::/0")):
			seen[tag] = true
			notes = append(notes, "VirtualNetwork = 0.0.0.0/0 here: a 0.0.0.0/0 user route on the subnet adds its prefix to "+
				"the tag (spec §2.4), so rules naming VirtualNetwork match every address, the internet included.")
		case strings.EqualFold(tag, "Internet") && expanded != nil && len(expanded) == 0:
			seen[tag] = true
			notes = append(notes, "Internet is empty here: VirtualNetwork already holds 0.0.0.0/0 (a 0.0.0.0/0 user route), "+
				"so rules naming Internet match nothing (spec §2.4).")
		}
	}
	for _, r := range rules {
		if r.SourceAddressPrefix != "" {
			add(r.SourceAddressPrefix, r.ExpandedSourceAddressPrefix)
		}
		if r.DestinationAddressPrefix != "" {
			add(r.DestinationAddressPrefix, r.ExpandedDestinationAddressPrefix)
		}
	}
	return notes
}

func associationLine(e acl.EffectiveNSG) string {
	a := e.Association
	switch {
	case a.Subnet != nil:
		return fmt.Sprintf("NSG %s on subnet %s", lastSegment(e.NetworkSecurityGroup.ID), subnetLabel(a.Subnet.ID))
	case a.NetworkInterface != nil:
		return fmt.Sprintf("NSG %s on NIC %s", lastSegment(e.NetworkSecurityGroup.ID), lastSegment(a.NetworkInterface.ID))
	case a.NetworkManager != nil:
		return "Security admin rules of " + lastSegment(a.NetworkManager.ID) + " (evaluated first)"
	}
	return "Rules"
}

// subnetLabel turns ".../virtualNetworks/v/subnets/s" into "v/s".
func subnetLabel(id string) string {
	parts := strings.Split(id, "/")
	if len(parts) >= 3 {
		return parts[len(parts)-3] + "/" + parts[len(parts)-1]
	}
	return id
}

// lastSegment is a resource's name from its ID, as the model spells it.
func lastSegment(id string) string { return model.ID(id).Name() }

func joinOr(single string, list []string) string {
	if single != "" {
		return single
	}
	return strings.Join(list, ",")
}
